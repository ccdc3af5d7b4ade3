//! `dyn show FILE NAME`: a resolved item as JSON, every default filled in, SI units.

use std::path::Path;

use serde_json::json;

use crate::check::program::{load, Input, ModuleId};
use crate::check::resolve::Resolver;
use crate::diagnostics::render::{render_all, Style};
use crate::diagnostics::{codes, suggest, Diag, Diagnostics};
use crate::model::{Checked, Weights};
use crate::syntax::ast::Item;

pub fn run(file: &Path, name: &str, style: Style) -> i32 {
    let (program, diags) = load(Input::File(file));
    let checked = match crate::check::check(&program, diags) {
        Ok(c) => c,
        Err(diags) => {
            eprint!("{}", render_all(&diags, &program.sources, style));
            return 1;
        }
    };
    match show(&program, &checked, name) {
        Ok(value) => {
            super::out(&format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default()));
            0
        }
        Err(diag) => {
            eprint!("{}", render_all(&Diagnostics::from(diag), &program.sources, style));
            1
        }
    }
}

/// The JSON for one item of a checked program.
pub fn show(
    program: &crate::check::program::Program,
    checked: &Checked,
    name: &str,
) -> Result<serde_json::Value, Diag> {
    let model = &checked.model;
    if let Some(d) = model.devices.get(name) {
        let mut shown =
            json!({ "name": name, "item": "device", "kind": d.kind.name(), "fields": d.settings.to_json() });
        // dynapse2 (area: sim): the parameters a neuron is simulated with, high-level forms too
        if let (Some(map), Some(simulated)) = (shown.as_object_mut(), crate::passes::neurons::simulated_json(d)) {
            map.insert("simulated".to_string(), simulated);
        }
        return Ok(shown);
    }
    if let Some(n) = model.networks.get(name) {
        return Ok(network_json(n));
    }
    if let Some(q) = model.quantizations.get(name) {
        return Ok(
            json!({ "name": name, "item": "quantization", "kind": q.settings.schema.kind, "fields": q.settings.to_json() }),
        );
    }
    if let Some(c) = model.calibrations.get(name) {
        return Ok(
            json!({ "name": name, "item": "calibration", "kind": c.settings.schema.kind, "fields": c.settings.to_json() }),
        );
    }
    if let Some(e) = model.experiments.iter().find(|e| e.name == name) {
        let steps: Vec<serde_json::Value> =
            e.steps.iter().map(|s| json!(format!("{:?}", std::mem::discriminant(&s.plan)))).collect();
        return Ok(json!({ "name": name, "item": "experiment", "device": e.device, "steps": steps.len() }));
    }
    let resolver = Resolver::new(program);
    let parts: Vec<String> = name.split('.').map(str::to_string).collect();
    let main = ModuleId(0);
    if let [single] = parts.as_slice() {
        if let Ok(v) = resolver.let_value(main, single) {
            return Ok(json!({ "name": name, "item": "constant", "value": v.to_json(), "display": v.display() }));
        }
    }
    let is_item = |module: ModuleId, item: &str| {
        program
            .module(module)
            .and_then(|m| m.items.get(item).and_then(|&i| m.ast.items.get(i)))
            .is_some_and(|i| matches!(i, Item::Preset(_) | Item::Device(_)))
    };
    let known = match parts.as_slice() {
        [single] => is_item(main, single) || crate::check::schema::kind(single).is_some(),
        [module, item] => resolver.module_named(main, module).is_some_and(|m| is_item(m, item)),
        _ => false,
    };
    if known {
        if let Ok(settings) =
            resolver.resolve_parts(main, &parts, crate::syntax::span::Span::new(crate::syntax::span::SourceId(0), 0, 0))
        {
            return Ok(
                json!({ "name": name, "item": "preset", "kind": settings.schema.kind, "fields": settings.to_json() }),
            );
        }
    }
    let mut names: Vec<&str> = Vec::new();
    names.extend(model.devices.keys().map(String::as_str));
    names.extend(model.networks.keys().map(String::as_str));
    names.extend(model.quantizations.keys().map(String::as_str));
    names.extend(model.calibrations.keys().map(String::as_str));
    names.extend(model.experiments.iter().map(|e| e.name.as_str()));
    Err(Diag::error(&codes::CLI_NAME, format!("`{name}` is not an item of this file")).help(suggest::did_you_mean(
        name,
        names.iter().copied(),
        "item",
    )))
}

fn network_json(n: &crate::model::Network) -> serde_json::Value {
    let populations: Vec<serde_json::Value> = n
        .populations
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "kind": p.kind,
                "size": p.size,
                "fields": p.settings.as_ref().map(|s| s.to_json()).unwrap_or(json!({})),
            })
        })
        .collect();
    let projections: Vec<serde_json::Value> = n
        .projections
        .iter()
        .map(|p| {
            let from = n.populations.get(p.from).map_or("", |x| x.name.as_str());
            let to = n.populations.get(p.to).map_or("", |x| x.name.as_str());
            match &p.weights {
                Weights::Dense(m) => json!({
                    "from": from, "to": to, "shape": [m.nrows(), m.ncols()],
                    "nonzero": m.iter().filter(|w| **w != 0.0).count(),
                }),
                Weights::Analog => json!({ "from": from, "to": to, "weights": "analog" }),
            }
        })
        .collect();
    let outputs: Vec<&str> = n.outputs.iter().filter_map(|&i| n.populations.get(i)).map(|p| p.name.as_str()).collect();
    json!({ "name": n.name, "item": "network", "populations": populations, "projections": projections, "outputs": outputs })
}
