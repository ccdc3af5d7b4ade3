//! The checker: names, units, shapes and hardware limits, producing the typed model.
//!
//! `check` walks every module of a loaded [`program::Program`]: constants and presets resolve
//! lazily through [`resolve::Resolver`], devices/quantizations/calibrations become validated
//! [`settings::Settings`], networks get their weight matrices, and experiments are checked step
//! by step against their device. Every error of the file is reported, not just the first.

pub mod budget;
pub mod builtins;
pub mod calibration;
pub mod crossbar;
pub mod eval;
pub mod experiment;
pub mod generators;
pub mod hardware;
pub mod load;
pub mod network;
pub mod outputs;
pub mod program;
pub mod quantization;
pub mod resolve;
pub mod schema;
pub mod settings;
pub mod training;
pub mod units;
pub mod value;

use program::{ModuleId, Program};
use resolve::{context_for, Resolver};
use schema::{Role, Schema};
use settings::Settings;

use crate::diagnostics::{codes, suggest, Diag, Diagnostics};
use crate::model::{Checked, Device, DeviceKind, Model, Named};
use crate::syntax::ast::{Item, SettingsItem};

/// Checks a loaded program. `load_diags` are the loader's findings (syntax, imports).
pub fn check(program: &Program, load_diags: Diagnostics) -> Result<Checked, Diagnostics> {
    let resolver = Resolver::new(program);
    let mut model =
        Model { dir: program.modules.first().map(|m| m.dir.clone()).unwrap_or_default(), ..Model::default() };
    let mut warnings = Diagnostics::new();
    for (index, module) in program.modules.iter().enumerate() {
        let id = ModuleId(index);
        let main = index == 0;
        for item in &module.ast.items {
            match item {
                Item::Use(_) | Item::Experiment(_) => {}
                Item::Let(l) => {
                    let _ = resolver.let_value(id, &l.name.node);
                }
                Item::Preset(p) => {
                    let _ = resolver.preset(id, &p.name.node);
                }
                Item::Device(d) => {
                    if let Ok(settings) = resolver.device_settings(id, &d.name.node) {
                        if let (true, Some(kind)) = (main, DeviceKind::from_kind(settings.schema.kind)) {
                            // crossbar: aihwkit's validation rules (Appendix A)
                            if kind == DeviceKind::Crossbar {
                                for diag in crossbar::validate(&settings, d.name.span) {
                                    if diag.is_error() {
                                        resolver.report(diag);
                                    } else {
                                        warnings.push(diag);
                                    }
                                }
                            }
                            model.devices.insert(
                                d.name.node.clone(),
                                Device { name: d.name.node.clone(), kind, settings, span: d.name.span },
                            );
                        }
                    }
                }
                Item::Quantization(q) => {
                    if let Some(settings) = settings_item(&resolver, id, q, Role::Quantization) {
                        for diag in quantization::check(&settings, q.name.span) {
                            resolver.report(diag);
                        }
                        if main {
                            model.quantizations.insert(
                                q.name.node.clone(),
                                Named { name: q.name.node.clone(), settings, span: q.name.span },
                            );
                        }
                    }
                }
                Item::Calibration(c) => {
                    if let Some(settings) = settings_item(&resolver, id, c, Role::Calibration) {
                        if main {
                            warnings.extend(calibration::feasibility(&settings).into());
                            model.calibrations.insert(
                                c.name.node.clone(),
                                Named { name: c.name.node.clone(), settings, span: c.name.span },
                            );
                        }
                    }
                }
                Item::Network(n) => {
                    if let Some(net) = network::check_network(&resolver, id, n) {
                        if main {
                            model.networks.insert(n.name.node.clone(), net);
                        }
                    }
                }
            }
        }
    }
    if let Some(main) = program.modules.first() {
        let checker = experiment::ExperimentChecker { resolver: &resolver, module: ModuleId(0), model: &model };
        let experiments: Vec<_> = main
            .ast
            .items
            .iter()
            .filter_map(|i| if let Item::Experiment(e) = i { checker.check(e) } else { None })
            .collect();
        model.experiments = experiments;
        let names =
            main.ast.items.iter().filter_map(|i| if let Item::Experiment(e) = i { Some(&e.name) } else { None });
        let folders = names.map(|n| (n.node.clone(), n.span)).collect();
        for diag in outputs::experiment_folder_clashes(&folders) {
            resolver.report(diag);
        }
    }
    let mut diags = load_diags;
    diags.extend(resolver.diags.into_inner());
    diags.extend(warnings);
    diags.sort();
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Checked { model, sources: program.sources.clone(), warnings: diags })
}

impl From<Vec<Diag>> for Diagnostics {
    fn from(items: Vec<Diag>) -> Self {
        let mut d = Diagnostics::new();
        for i in items {
            d.push(i);
        }
        d
    }
}

/// A quantization or calibration: its base must be of the right role.
fn settings_item(resolver: &Resolver, module: ModuleId, item: &SettingsItem, role: Role) -> Option<Settings> {
    let base = match resolver.resolve_path(module, &item.base) {
        Ok(b) => b,
        Err(d) => {
            resolver.report(d);
            return None;
        }
    };
    let found = schema::KINDS.iter().find(|(s, _)| *s == base.schema).map(|(_, r)| *r);
    if found != Some(role) {
        let wanted: Vec<&str> = schema::KINDS.iter().filter(|(_, r)| *r == role).map(|(s, _)| s.kind).collect();
        resolver.report(
            Diag::error(
                &codes::NAMES_WRONG_KIND,
                format!("`{}` is a `{}`, not a {}", item.base.text(), base.schema.kind, role_name(role)),
            )
            .label(item.base.span, "wrong kind here")
            .help(format!("a {} is based on {}", role_name(role), suggest::quote_list(&wanted))),
        );
        return None;
    }
    Some(resolver.apply(module, base, &item.block, context_for(role)))
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Device => "device",
        Role::Quantization => "quantization",
        Role::Calibration => "calibration",
    }
}

/// The schema of a kind, for tools (completion, `:show`).
pub fn schema_of(kind: &str) -> Option<&'static Schema> {
    schema::kind(kind).map(|(s, _)| s)
}
