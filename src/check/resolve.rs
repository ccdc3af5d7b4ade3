//! Name resolution: constants (`let`), presets with inheritance, and the scope expressions see.
//! Results are memoised; cycles are reported, and an item that failed is reported once.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;

use super::eval::{eval, Lookup, Scope};
use super::program::{ModuleId, Program};
use super::schema::{self, Role, Schema};
use super::settings::{Applier, Context, Settings};
use super::value::Value;
use crate::diagnostics::{codes, suggest, Diag, Diagnostics};
use crate::syntax::ast::{Block, Item, Path};
use crate::syntax::span::Span;

enum State<T> {
    InProgress,
    Done(Option<T>),
}

/// Resolves names of one program; collects the diagnostics it finds.
pub struct Resolver<'p> {
    pub program: &'p Program,
    lets: RefCell<BTreeMap<(ModuleId, String), State<Value>>>,
    presets: RefCell<BTreeMap<(ModuleId, String), State<Settings>>>,
    pub diags: RefCell<Diagnostics>,
}

/// A diagnostic that was already reported where it arose; dropped when pushed.
pub fn already_reported() -> Diag {
    Diag::error(&codes::NAMES_UNKNOWN, "")
}

impl<'p> Resolver<'p> {
    pub fn new(program: &'p Program) -> Self {
        Resolver { program, lets: RefCell::default(), presets: RefCell::default(), diags: RefCell::default() }
    }

    pub fn report(&self, diag: Diag) {
        if !diag.message.is_empty() {
            self.diags.borrow_mut().push(diag);
        }
    }

    pub fn scope(&self, module: ModuleId) -> ModuleScope<'_, 'p> {
        ModuleScope { resolver: self, module }
    }

    fn item(&self, module: ModuleId, name: &str) -> Option<&'p Item> {
        let m = self.program.module(module)?;
        m.items.get(name).and_then(|&i| m.ast.items.get(i))
    }

    /// The module a name refers to from `module` (an import, or any stdlib module).
    pub fn module_named(&self, module: ModuleId, name: &str) -> Option<ModuleId> {
        let m = self.program.module(module)?;
        if m.items.contains_key(name) && !matches!(self.item(module, name), Some(Item::Use(_))) {
            return None;
        }
        m.imports.get(name).copied().or_else(|| self.program.stdlib_module(name))
    }

    /// The value of a `let`, evaluated once.
    pub fn let_value(&self, module: ModuleId, name: &str) -> Result<Value, Diag> {
        let key = (module, name.to_string());
        match self.lets.borrow().get(&key) {
            Some(State::Done(Some(v))) => return Ok(v.clone()),
            Some(State::Done(None)) => return Err(already_reported()),
            Some(State::InProgress) => {
                let span = match self.item(module, name) {
                    Some(Item::Let(l)) => l.name.span,
                    _ => return Err(already_reported()),
                };
                return Err(Diag::error(&codes::NAMES_UNKNOWN, format!("`{name}` is defined in terms of itself"))
                    .label(span, "this constant refers back to itself")
                    .help("a constant cannot depend on its own value"));
            }
            None => {}
        }
        let Some(Item::Let(item)) = self.item(module, name) else {
            return Err(already_reported());
        };
        self.lets.borrow_mut().insert(key.clone(), State::InProgress);
        let result = eval(&item.value, &self.scope(module)).and_then(|v| self.bound_value(module, item, v));
        let stored = match &result {
            Ok(v) => Some(v.clone()),
            Err(d) => {
                self.report(d.clone());
                None
            }
        };
        self.lets.borrow_mut().insert(key, State::Done(stored));
        result.map_err(|_| already_reported())
    }

    /// A `let` must bind a value: a bare name that is not defined is a typo (`n_hiden`), not a
    /// choice, since choices are written where they are used or as strings.
    fn bound_value(&self, module: ModuleId, item: &crate::syntax::ast::LetItem, value: Value) -> Result<Value, Diag> {
        let Value::Name(name) = &value else { return Ok(value) };
        if name == POISONED {
            return Ok(value);
        }
        let scope = self.scope(module);
        let diag = super::eval::unknown_name(name, item.value.span, &scope);
        let close = suggest::closest(name, scope.names().iter().map(String::as_str)).is_some();
        if close || super::units::is_unit_name(name) {
            return Err(diag);
        }
        Err(diag.help(format!(
            "a `let` binds a value; to name a choice such as `adam`, write it as a string: `let {} = \"{name}\"`",
            item.name.node
        )))
    }

    /// Resolves a path written after `=` in a device, preset, quantization or calibration.
    pub fn resolve_path(&self, module: ModuleId, path: &Path) -> Result<Settings, Diag> {
        let parts: Vec<String> = path.parts.iter().map(|p| p.node.clone()).collect();
        self.resolve_parts(module, &parts, path.span)
    }

    pub fn resolve_parts(&self, module: ModuleId, parts: &[String], span: Span) -> Result<Settings, Diag> {
        match parts {
            [name] => self.resolve_local(module, name, span),
            [module_name, name] => {
                let Some(target) = self.module_named(module, module_name) else {
                    return Err(Diag::error(&codes::NAMES_UNKNOWN_MODULE, format!("unknown module `{module_name}`"))
                        .label(span, "no module of this name")
                        .help(suggest::did_you_mean(
                            module_name,
                            self.module_names(module).iter().map(String::as_str),
                            "module",
                        )));
                };
                match self.item(target, name) {
                    Some(Item::Preset(_)) => self.preset(target, name),
                    Some(Item::Device(_)) => self.device_settings(target, name),
                    _ => Err(self.unknown_preset(target, name, span, Some(module_name))),
                }
            }
            _ => Err(Diag::error(&codes::NAMES_UNKNOWN_PRESET, format!("`{}` is not a preset", parts.join(".")))
                .label(span, "too many parts")
                .help("write a kind (`dynapse2`), a preset (`fast`) or a module's preset (`dynapse2.default`)")),
        }
    }

    fn resolve_local(&self, module: ModuleId, name: &str, span: Span) -> Result<Settings, Diag> {
        match self.item(module, name) {
            Some(Item::Preset(_)) => return self.preset(module, name),
            Some(Item::Device(_)) => return self.device_settings(module, name),
            // `use dynapse2` binds the module, which must not hide the kind of the same name:
            // `device chip = dynapse2 { ... }` is the bare kind, with or without the `use`.
            Some(Item::Use(_)) if schema::kind(name).is_some() => {}
            Some(other) => {
                return Err(Diag::error(
                    &codes::NAMES_WRONG_KIND,
                    format!("`{name}` is a {}, not a preset or kind", other.describe()),
                )
                .label(span, format!("refers to a {}", other.describe()))
                .maybe_label(other.name().map(|n| n.span), "defined here")
                .help("give a kind (`dynapse2`, `bss2`, `crossbar`, `autoencoder`) or a preset"))
            }
            None => {}
        }
        if let Some((schema, _)) = schema::kind(name) {
            return Ok(Settings::defaults(schema));
        }
        Err(self.unknown_preset(module, name, span, None))
    }

    fn unknown_preset(&self, module: ModuleId, name: &str, span: Span, qualifier: Option<&str>) -> Diag {
        let mut candidates: Vec<String> = Vec::new();
        if let Some(m) = self.program.module(module) {
            for (item_name, &i) in &m.items {
                if matches!(m.ast.items.get(i), Some(Item::Preset(_) | Item::Device(_))) {
                    candidates.push(item_name.clone());
                }
            }
        }
        let message = match qualifier {
            Some(q) => format!("module `{q}` has no preset `{name}`"),
            None => {
                candidates.extend(schema::kind_names().map(str::to_string));
                format!("unknown preset or kind `{name}`")
            }
        };
        Diag::error(&codes::NAMES_UNKNOWN_PRESET, message).label(span, "not defined").help(suggest::did_you_mean(
            name,
            candidates.iter().map(String::as_str),
            "preset",
        ))
    }

    fn module_names(&self, module: ModuleId) -> Vec<String> {
        let mut names: Vec<String> = crate::stdlib::names().map(str::to_string).collect();
        if let Some(m) = self.program.module(module) {
            // a stdlib `use` is also an import: list each module once
            names.extend(m.imports.keys().filter(|k| !crate::stdlib::names().any(|s| s == k.as_str())).cloned());
        }
        names
    }

    /// A preset's settings: its base (kind or another preset) with its block applied.
    pub fn preset(&self, module: ModuleId, name: &str) -> Result<Settings, Diag> {
        self.memoised(
            module,
            name,
            |this| {
                let Some(Item::Preset(p)) = this.item(module, name) else { return Err(already_reported()) };
                let Some((kind_schema, role)) = schema::kind(&p.kind.node) else {
                    return Err(Diag::error(&codes::NAMES_UNKNOWN_PRESET, format!("unknown kind `{}`", p.kind.node))
                        .label(p.kind.span, "not a kind")
                        .help(suggest::did_you_mean(&p.kind.node, schema::kind_names(), "kind")));
                };
                let base = match &p.base {
                    Some(path) => {
                        let base = this.resolve_path(module, path)?;
                        expect_schema(&base, kind_schema, path.span)?;
                        base
                    }
                    None => Settings::defaults(kind_schema),
                };
                Ok(this.apply(module, base, &p.block, context_for(role)))
            },
            |p| match p {
                Some(Item::Preset(p)) => Some(p.name.span),
                _ => None,
            },
        )
    }

    /// A device's settings, usable as the base of another device.
    pub fn device_settings(&self, module: ModuleId, name: &str) -> Result<Settings, Diag> {
        self.memoised(
            module,
            name,
            |this| {
                let Some(Item::Device(d)) = this.item(module, name) else { return Err(already_reported()) };
                let base = this.resolve_path(module, &d.base)?;
                let role = schema::KINDS.iter().find(|(s, _)| *s == base.schema).map(|(_, r)| *r);
                if role != Some(Role::Device) {
                    return Err(Diag::error(
                        &codes::NAMES_WRONG_KIND,
                        format!("`{}` is a {}, not a device", d.base.text(), base.schema.kind),
                    )
                    .label(d.base.span, "not a device kind or preset")
                    .help("a device is one of `dynapse2`, `bss2`, `crossbar`, or a preset of one"));
                }
                Ok(match &d.block {
                    Some(block) => this.apply(module, base, block, Context::Device),
                    None => base,
                })
            },
            |p| match p {
                Some(Item::Device(d)) => Some(d.name.span),
                _ => None,
            },
        )
    }

    fn memoised(
        &self,
        module: ModuleId,
        name: &str,
        compute: impl FnOnce(&Self) -> Result<Settings, Diag>,
        name_span: impl Fn(Option<&Item>) -> Option<Span>,
    ) -> Result<Settings, Diag> {
        let key = (module, name.to_string());
        match self.presets.borrow().get(&key) {
            Some(State::Done(Some(s))) => return Ok(s.clone()),
            Some(State::Done(None)) => return Err(already_reported()),
            Some(State::InProgress) => {
                let span = name_span(self.item(module, name));
                let diag = Diag::error(
                    &codes::NAMES_PRESET_CYCLE,
                    format!("`{name}` extends itself through a cycle of presets"),
                )
                .maybe_label(span, "this preset is part of the cycle")
                .help("a preset cannot be its own base; break the chain of `= base` references");
                return Err(diag);
            }
            None => {}
        }
        self.presets.borrow_mut().insert(key.clone(), State::InProgress);
        let result = compute(self);
        let stored = match &result {
            Ok(s) => Some(s.clone()),
            Err(d) => {
                self.report(d.clone());
                None
            }
        };
        self.presets.borrow_mut().insert(key, State::Done(stored));
        result.map_err(|_| already_reported())
    }

    /// Applies a block in a module's scope, reporting its mistakes.
    pub fn apply(&self, module: ModuleId, mut base: Settings, block: &Block, context: Context) -> Settings {
        let scope = self.scope(module);
        let resolve = |parts: &[String], span: Span| self.resolve_parts(module, parts, span);
        let mut diags = Diagnostics::new();
        Applier { scope: &scope, resolve: &resolve, context, diags: &mut diags }.apply(&mut base, block);
        for d in diags.items {
            self.report(d);
        }
        base
    }
}

pub fn context_for(role: Role) -> Context {
    match role {
        Role::Device => Context::Device,
        Role::Quantization | Role::Calibration => Context::Other,
    }
}

/// Checks that a base has the kind the item needs.
pub fn expect_schema(base: &Settings, want: &'static Schema, span: Span) -> Result<(), Diag> {
    if base.schema == want {
        return Ok(());
    }
    Err(Diag::error(
        &codes::NAMES_WRONG_KIND,
        format!("expected a `{}` preset, found a `{}` one", want.kind, base.schema.kind),
    )
    .label(span, format!("this is a `{}` preset", base.schema.kind))
    .help(format!("extend a preset of kind `{}`", want.kind)))
}

/// The names an expression in one module can see.
pub struct ModuleScope<'r, 'p> {
    resolver: &'r Resolver<'p>,
    module: ModuleId,
}

impl Scope for ModuleScope<'_, '_> {
    fn lookup(&self, name: &str) -> Lookup {
        match self.resolver.item(self.module, name) {
            Some(Item::Let(_)) => match self.resolver.let_value(self.module, name) {
                Ok(v) => Lookup::Value(v),
                Err(_) => Lookup::Value(Value::Name(POISONED.to_string())),
            },
            Some(Item::Use(_)) => Lookup::Module,
            Some(other) => Lookup::Item(other.describe()),
            None if self.resolver.module_named(self.module, name).is_some() => Lookup::Module,
            None => Lookup::Unknown,
        }
    }

    fn lookup_in(&self, module: &str, name: &str) -> Lookup {
        let Some(target) = self.resolver.module_named(self.module, module) else { return Lookup::Unknown };
        match self.resolver.item(target, name) {
            Some(Item::Let(_)) => match self.resolver.let_value(target, name) {
                Ok(v) => Lookup::Value(v),
                Err(_) => Lookup::Value(Value::Name(POISONED.to_string())),
            },
            Some(other) => Lookup::Item(other.describe()),
            None => Lookup::Unknown,
        }
    }

    fn names(&self) -> Vec<String> {
        let mut names = Vec::new();
        if let Some(m) = self.resolver.program.module(self.module) {
            names.extend(m.items.keys().cloned());
            names.extend(m.imports.keys().cloned());
        }
        names
    }

    fn base_dir(&self, _span: Span) -> PathBuf {
        self.resolver.program.module(self.module).map(|m| m.dir.clone()).unwrap_or_default()
    }
}

/// The stand-in value of a constant whose definition failed (its error is already reported).
pub const POISONED: &str = "\u{0}poisoned";
