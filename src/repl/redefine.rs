//! Redefinition in a session: an item replaces an earlier one of the same kind and name
//! (`let tau = 20 ms` after `let tau = 10 ms`), but a name another kind of item holds is refused:
//! replacing `quantization q` with `let q = 3` would leave every `quantize with q` pointing at a
//! constant, and the error would then blame the step instead of the new line.

use crate::diagnostics::{codes, Diag, Diagnostics};
use crate::syntax::ast::Module;
use crate::syntax::parse_module;
use crate::syntax::span::{Origin, SourceMap};

/// The diagnostics (with their sources) for each item of `code` whose name an item of another
/// kind in `items` already holds; `None` when there is none (or either text fails to parse,
/// which the checker then reports).
pub fn kind_clashes(items: &str, code: &str, input: usize) -> Option<(SourceMap, Diagnostics)> {
    let mut sources = SourceMap::new();
    let session = sources.add("<repl>", items, Origin::Repl(0));
    let new = sources.add(format!("<input {input}>"), code, Origin::Repl(input));
    let (Ok(old), Ok(new)) = (parse_module(session, items), parse_module(new, code)) else { return None };
    let mut diags = Diagnostics::new();
    for item in &new.items {
        let Some(name) = item.name() else { continue };
        let Some(earlier) = defined(&old, &name.node) else { continue };
        if earlier.describe() == item.describe() {
            continue;
        }
        let kind = earlier.describe();
        diags.push(
            Diag::error(&codes::NAMES_DUPLICATE, format!("`{}` is already defined as a {kind}", name.node))
                .label(name.span, format!("a {} of the same name", item.describe()))
                .maybe_label(earlier.name().map(|n| n.span), format!("defined as a {kind} here"))
                .help(format!(
                    "choose another name: a new item replaces only an earlier {kind} of its name (`:reset` clears \
                     the session)"
                )),
        );
    }
    (!diags.items.is_empty()).then_some((sources, diags))
}

fn defined<'m>(module: &'m Module, name: &str) -> Option<&'m crate::syntax::ast::Item> {
    module.items.iter().find(|i| i.name().is_some_and(|n| n.node == name))
}
