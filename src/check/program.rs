//! Loading a program: the main file, the files it `use`s and the stdlib modules it names,
//! each parsed once, with import cycles and duplicate names reported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostics::{codes, suggest, Diag, Diagnostics};
use crate::syntax::ast::{Item, Module, UseTarget};
use crate::syntax::guard;
use crate::syntax::parse_module;
use crate::syntax::span::{Origin, SourceId, SourceMap, Span};

/// Index of a module in [`Program::modules`]; the main file is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleId(pub usize);

/// One loaded module.
#[derive(Debug, Clone)]
pub struct ModuleData {
    /// The name others refer to it by (stdlib name, `as` alias, or the file name for the main file).
    pub name: String,
    pub source: SourceId,
    pub ast: Module,
    /// The folder relative paths (`use`, `load`) start from.
    pub dir: PathBuf,
    pub stdlib: bool,
    /// Item name -> index into `ast.items`.
    pub items: BTreeMap<String, usize>,
    /// Module name -> loaded module.
    pub imports: BTreeMap<String, ModuleId>,
}

/// Everything a check works on.
#[derive(Debug, Clone, Default)]
pub struct Program {
    pub sources: SourceMap,
    pub modules: Vec<ModuleData>,
}

/// The main input: a file on disk or text (REPL, tests).
pub enum Input<'a> {
    File(&'a Path),
    Text { name: &'a str, text: &'a str, dir: &'a Path },
}

impl Program {
    pub fn module(&self, id: ModuleId) -> Option<&ModuleData> {
        self.modules.get(id.0)
    }

    /// A stdlib module, loading it on first use (so `dynapse2.default` works without `use`).
    pub fn stdlib_module(&self, name: &str) -> Option<ModuleId> {
        self.modules.iter().position(|m| m.stdlib && m.name == name).map(ModuleId)
    }
}

/// Loads the main input and everything it imports. Diagnostics cover unreadable files, syntax
/// errors, import cycles and duplicate item names; the program holds whatever did load.
pub fn load(input: Input) -> (Program, Diagnostics) {
    let mut loader = Loader { program: Program::default(), diags: Diagnostics::new(), stack: Vec::new() };
    match input {
        Input::File(path) => {
            let bytes = match crate::files::read_bounded(path, crate::files::MAX_SOURCE_BYTES, &[]) {
                Ok(b) => b,
                Err(e) => {
                    loader.diags.push(
                        Diag::error(&codes::CLI_FILE, format!("cannot read `{}`: {}", path.display(), reason(&e)))
                            .help("check the path; dyn reads .dyn files as UTF-8 text"),
                    );
                    return (loader.program, loader.diags);
                }
            };
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let name = path.display().to_string();
            let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            loader.stack.push(canonical.clone());
            loader.add_bytes(&name, &bytes, Origin::File(canonical), dir, "main".to_string(), false);
        }
        Input::Text { name, text, dir } => {
            loader.add_bytes(
                name,
                text.as_bytes(),
                Origin::Text(name.to_string()),
                dir.to_path_buf(),
                "main".to_string(),
                false,
            );
        }
    }
    // Every stdlib module is available by name, imported or not.
    for std_name in crate::stdlib::names() {
        loader.stdlib(std_name);
    }
    (loader.program, loader.diags)
}

fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

struct Loader {
    program: Program,
    diags: Diagnostics,
    /// Files being loaded, outermost first (for cycle detection).
    stack: Vec<PathBuf>,
}

impl Loader {
    /// Adds one module from raw bytes; returns its id.
    fn add_bytes(
        &mut self,
        name: &str,
        bytes: &[u8],
        origin: Origin,
        dir: PathBuf,
        module_name: String,
        stdlib: bool,
    ) -> ModuleId {
        let (text, bad) = match guard::decode(bytes) {
            Ok(t) => (t, None),
            Err((lossy, start, end)) => (lossy, Some((start, end))),
        };
        let source = self.program.sources.add(name, text.as_str(), origin);
        let ast = if let Some((start, end)) = bad {
            self.diags.push(guard::invalid_utf8(source, start, end));
            Module { source, items: Vec::new() }
        } else {
            match parse_module(source, &text) {
                Ok(m) => m,
                Err(d) => {
                    self.diags.extend(d);
                    Module { source, items: Vec::new() }
                }
            }
        };
        let id = ModuleId(self.program.modules.len());
        let items = self.index_items(&ast);
        self.program.modules.push(ModuleData {
            name: module_name,
            source,
            ast: ast.clone(),
            dir,
            stdlib,
            items,
            imports: BTreeMap::new(),
        });
        self.resolve_uses(id, &ast);
        id
    }

    /// Item names of a module, reporting duplicates.
    fn index_items(&mut self, ast: &Module) -> BTreeMap<String, usize> {
        let mut items: BTreeMap<String, usize> = BTreeMap::new();
        for (i, item) in ast.items.iter().enumerate() {
            let Some(name) = item.name() else { continue };
            if let Some(&first) = items.get(&name.node) {
                let first_span = ast.items.get(first).and_then(|f| f.name()).map(|n| n.span);
                self.diags.push(
                    Diag::error(&codes::NAMES_DUPLICATE, format!("`{}` is defined twice", name.node))
                        .label(name.span, format!("this {} has the same name", item.describe()))
                        .maybe_label(first_span, "first defined here")
                        .help("give each item its own name"),
                );
                continue;
            }
            items.insert(name.node.clone(), i);
        }
        items
    }

    fn resolve_uses(&mut self, id: ModuleId, ast: &Module) {
        for item in &ast.items {
            let Item::Use(u) = item else { continue };
            let imported = match &u.target {
                UseTarget::Stdlib(name) => self.stdlib(&name.node).ok_or_else(|| {
                    let names: Vec<&str> = crate::stdlib::names().collect();
                    Diag::error(&codes::NAMES_UNKNOWN_MODULE, format!("there is no standard module `{}`", name.node))
                        .label(name.span, "unknown module")
                        .help(match suggest::closest(&name.node, names.iter().copied()) {
                            Some(c) => format!("did you mean `{c}`? to use a file, write `use \"path.dyn\" as name`"),
                            None => format!(
                                "standard modules: {}; to use a file, write `use \"path.dyn\" as name`",
                                suggest::quote_list(&names)
                            ),
                        })
                }),
                UseTarget::File { path, alias } => self.file(id, &path.node, path.span).inspect(|m| {
                    if let Some(module) = self.program.modules.get_mut(m.0) {
                        if module.name.is_empty() {
                            module.name = alias.node.clone();
                        }
                    }
                }),
            };
            match imported {
                Ok(m) => {
                    let name = match &u.target {
                        UseTarget::Stdlib(n) => n.node.clone(),
                        UseTarget::File { alias, .. } => alias.node.clone(),
                    };
                    if let Some(module) = self.program.modules.get_mut(id.0) {
                        module.imports.insert(name, m);
                    }
                }
                Err(d) => self.diags.push(d),
            }
        }
    }

    fn stdlib(&mut self, name: &str) -> Option<ModuleId> {
        if let Some(id) = self.program.stdlib_module(name) {
            return Some(id);
        }
        let text = crate::stdlib::module(name)?;
        let display = format!("<stdlib>/{name}.dyn");
        Some(self.add_bytes(
            &display,
            text.as_bytes(),
            Origin::Stdlib(name.to_string()),
            PathBuf::new(),
            name.to_string(),
            true,
        ))
    }

    fn file(&mut self, from: ModuleId, path: &str, span: Span) -> Result<ModuleId, Diag> {
        let dir = self.program.module(from).map(|m| m.dir.clone()).unwrap_or_default();
        let full = dir.join(path);
        let canonical = std::fs::canonicalize(&full).map_err(|e| {
            Diag::error(&codes::NAMES_IMPORT_FILE, format!("cannot read `{path}`: {}", reason(&e)))
                .label(span, "this file")
                .help(format!("paths in `use` are relative to the importing file; looked for {}", full.display()))
        })?;
        if let Some(pos) = self.stack.iter().position(|p| *p == canonical) {
            let chain: Vec<String> = self
                .stack
                .get(pos..)
                .unwrap_or(&[])
                .iter()
                .map(|p| file_name(p))
                .chain([file_name(&canonical)])
                .collect();
            return Err(Diag::error(&codes::NAMES_IMPORT_CYCLE, "files import each other in a cycle")
                .label(span, "this import closes the cycle")
                .help(format!(
                    "the cycle: {}; move the shared items into a file that imports neither",
                    chain.join(" -> ")
                )));
        }
        if let Some(existing) = self.program.sources.find(&Origin::File(canonical.clone())) {
            if let Some(pos) = self.program.modules.iter().position(|m| m.source == existing) {
                return Ok(ModuleId(pos));
            }
        }
        let bytes = crate::files::read_bounded(&canonical, crate::files::MAX_SOURCE_BYTES, &[]).map_err(|e| {
            let help = if crate::files::is_not_regular(&e) {
                "a `use` names a .dyn source file; folders, pipes and devices are not read"
            } else {
                "check the path and permissions"
            };
            Diag::error(&codes::NAMES_IMPORT_FILE, format!("cannot read `{path}`: {}", reason(&e)))
                .label(span, "this file")
                .help(help)
        })?;
        let module_dir = canonical.parent().map(Path::to_path_buf).unwrap_or_default();
        self.stack.push(canonical.clone());
        let id = self.add_bytes(path, &bytes, Origin::File(canonical), module_dir, String::new(), false);
        self.stack.pop();
        Ok(id)
    }
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
}
