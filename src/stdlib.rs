//! The standard library: presets written in dyn (stdlib/*.dyn), embedded in the binary.

/// Every stdlib module: (name, source text).
pub const MODULES: &[(&str, &str)] = &[
    ("dynapse2", include_str!("../stdlib/dynapse2.dyn")),
    ("bss2", include_str!("../stdlib/bss2.dyn")),
    ("crossbar", include_str!("../stdlib/crossbar.dyn")),
];

pub fn module(name: &str) -> Option<&'static str> {
    MODULES.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

pub fn names() -> impl Iterator<Item = &'static str> + Clone {
    MODULES.iter().map(|(n, _)| *n)
}
