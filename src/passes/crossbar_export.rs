//! `export config` and `export weights` on a crossbar device: the resolved build_config result
//! as JSON, and the trained weights as `.npy` (one file per projection, `n_pre × n_post`).

use ndarray::{Array1, Array2};
use serde_json::json;

use super::crossbar_tile::tile_config;
use super::{output_error, Ctx, Ir};
use crate::devices::crossbar::compounds::Algorithm;
use crate::devices::crossbar::config::TileConfig;
use crate::diagnostics::{codes, Diag, Diagnostics};
use crate::model::Step;
use crate::output::{json as out_json, npy};

/// The settings of the compound `algorithm` builds: exactly its class's fields.
fn compound_settings(c: &TileConfig) -> serde_json::Value {
    let all = serde_json::to_value(&c.compound).unwrap_or_default();
    let mut out = serde_json::Map::new();
    for name in c.algorithm.compound_fields() {
        if let Some(v) = all.get(name) {
            out.insert(name.to_string(), v.clone());
        }
    }
    serde_json::Value::Object(out)
}

/// What build_config returns: config class, compound with its settings, every device with every
/// parameter, the IO and update parameters (transfer IO as build_config passes it; the tile
/// switches its noise and bound management off, as aihwkit's core does).
pub fn config_json(c: &TileConfig) -> serde_json::Value {
    let n = c.n_devices.max(match c.algorithm {
        Algorithm::Sgd | Algorithm::Mp => 1,
        _ => 2,
    });
    let mut device = serde_json::to_value(&c.device).unwrap_or_default();
    if let Some(map) = device.as_object_mut() {
        map.insert("class".into(), json!(c.device.model.class_name()));
        map.insert("granularity".into(), json!(c.device.granularity()));
        map.insert("num_states".into(), json!(c.device.num_states()));
    }
    let algorithm = serde_json::to_value(c.algorithm).unwrap_or_default();
    let transfer = !matches!(c.algorithm, Algorithm::Sgd | Algorithm::Mp);
    json!({
        "algorithm": algorithm,
        "rpu_config": c.algorithm.config_class(c.n_devices),
        "compound": {
            "class": c.algorithm.compound_class(c.n_devices),
            "settings": compound_settings(c),
        },
        "devices": vec![device; n],
        "forward": c.forward,
        "backward": c.backward,
        "update": c.update,
        "transfer_forward": if transfer { serde_json::to_value(&c.transfer_forward).unwrap_or_default() } else { json!(null) },
        "transfer_update": if transfer { serde_json::to_value(&c.transfer_update).unwrap_or_default() } else { json!(null) },
        "n_devices": c.n_devices,
        "construction_seed": c.construction_seed,
        "seed": c.seed,
    })
}

/// Writes the configuration to `path`.
pub fn export_config(step: &Step, ir: &mut Ir, ctx: &Ctx, path: &str) -> Result<serde_json::Value, Diagnostics> {
    let Some(config) = tile_config(&ctx.device.settings) else {
        return Err(Diag::error(&codes::RUN_FAILED, "the crossbar device's settings are incomplete")
            .label(step.span, "this export")
            .help("give the device an `algorithm` and a `device` (a preset or a model block)")
            .into());
    };
    out_json::write_json(&mut ir.stage, path, &config_json(&config)).map_err(|e| output_error(e, step.span))?;
    Ok(json!({ "file": path }))
}

/// Writes every trained projection's weights.
pub fn export_weights(step: &Step, ir: &mut Ir, path: &str) -> Result<serde_json::Value, Diagnostics> {
    let Some(trained) = ir.crossbar.as_ref() else {
        return Err(Diag::error(&codes::RUN_FAILED, "there are no trained weights to export")
            .label(step.span, "this export")
            .help("put a `train NET with { ... }` step before `export weights`")
            .into());
    };
    let single = trained.weights.len() == 1;
    let mut files = Vec::new();
    let items: Vec<(String, Array2<f64>)> = trained
        .weights
        .iter()
        .map(|(name, rows, cols, w)| {
            let file = if single {
                path.to_string()
            } else {
                let stem = path.strip_suffix(".npy").unwrap_or(path);
                format!("{stem}.{name}.npy")
            };
            (file, Array2::from_shape_vec((*rows, *cols), w.clone()).unwrap_or_else(|_| Array2::zeros((0, 0))))
        })
        .collect();
    for (file, array) in items {
        npy::write_f64(&mut ir.stage, &file, &array).map_err(|e| output_error(e, step.span))?;
        files.push(file);
    }
    // the trained biases complete the network: `w.npy` -> `w.hidden.bias.npy` per layer
    let stem = path.strip_suffix(".npy").unwrap_or(path);
    let biases: Vec<(String, Array1<f64>)> =
        trained.biases.iter().map(|(layer, b)| (format!("{stem}.{layer}.bias.npy"), Array1::from(b.clone()))).collect();
    for (file, array) in biases {
        npy::write_f64(&mut ir.stage, &file, &array).map_err(|e| output_error(e, step.span))?;
        files.push(file);
    }
    Ok(json!({ "files": files }))
}
