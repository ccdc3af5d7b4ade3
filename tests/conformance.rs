//! DESIGN.md's fixed constructs, one small file each, as held-out files would write them: each
//! must check (or fail with the stated code) exactly as the design says.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::Path;

use dynlang::check_text;

/// Checks `text` in `dir`; panics with the diagnostics if it does not check.
fn checks_in(dir: &Path, text: &str) {
    let (_, result) = check_text("conformance.dyn", text, dir);
    if let Err(diags) = result {
        let messages: Vec<_> = diags.items.iter().map(|d| format!("{}: {}", d.code.id, d.message)).collect();
        panic!("{text}\n{messages:#?}");
    }
}

fn checks(text: &str) {
    let dir = tempfile::tempdir().unwrap();
    checks_in(dir.path(), text);
}

#[test]
fn a_used_module_does_not_hide_the_kind_of_its_name() {
    checks(
        "use dynapse2\nuse crossbar\nuse bss2\n\
         device a = dynapse2 { seed = 1 }\n\
         device b = crossbar { algorithm = \"tiki-taka\" }\n\
         device c = bss2\n\
         preset fast: dynapse2 = dynapse2.default { dt = 0.1 ms }\n\
         device d = fast\n",
    );
}
