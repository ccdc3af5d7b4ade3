//! `export spec`, `export config` and `export weights` on a Dynap-SE2 device: the deployment
//! specification (reference §6.5, with explicit placements), the hardware configuration
//! (§8, see `devices::dynapse2::deploy::config`) and the deployed weight matrices.

use ndarray::Array2;
use serde_json::json;

use super::{output_error, Ctx, Ir};
use crate::devices::dynapse2::deploy::{config, Deployment, Quantized};
use crate::diagnostics::{codes, Diag, Diagnostics};
use crate::model::Step;
use crate::output::{json as out_json, npy};

fn rows<T: Copy + serde::Serialize>(m: &Array2<T>) -> serde_json::Value {
    json!(m.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>())
}

/// The specification as JSON: Rockpool's keys (`n_cluster`, `core_map`, `weights_in`,
/// `weights_rec`, `Iscale`, per-cluster currents) plus every neuron's address.
pub fn spec_json(d: &Deployment) -> serde_json::Value {
    let clusters: Vec<serde_json::Value> = d
        .clusters
        .iter()
        .map(|c| {
            let names: Vec<String> = c.neurons.iter().filter_map(|&j| d.neurons.get(j)).map(|p| p.name()).collect();
            json!({ "chip": c.chip, "core": c.core, "neurons": names, "params": c.params })
        })
        .collect();
    let neurons: Vec<serde_json::Value> = d
        .neurons
        .iter()
        .map(|p| json!({ "name": p.name(), "cluster": p.cluster, "chip": p.chip, "core": p.core, "neuron": p.neuron }))
        .collect();
    let inputs: Vec<String> = d.inputs.iter().map(|c| c.name()).collect();
    let mut spec = json!({
        "network": d.network,
        "geometry": d.geometry,
        "Iscale": d.iscale,
        "n_cluster": d.clusters.len(),
        "n_neuron": d.n_neurons(),
        "n_input": d.n_inputs(),
        "core_map": d.core_map,
        "clusters": clusters,
        "inputs": inputs,
        "neurons": neurons,
        "weights_in": rows(&d.w_in),
        "weights_rec": rows(&d.w_rec),
    });
    if let (Some(q), Some(map)) = (&d.quantized, spec.as_object_mut()) {
        map.insert("quantization".into(), quantized_json(q));
    }
    spec
}

fn quantized_json(q: &Quantized) -> serde_json::Value {
    json!({
        "n_bits": q.n_bits,
        "clusters": q.clusters.iter().map(|c| json!({ "Iw": c.iw, "loss": c.loss })).collect::<Vec<_>>(),
        "weights_in": rows(&q.codes_in),
        "weights_rec": rows(&q.codes_rec),
        "sign_in": rows(&q.sign_in),
        "sign_rec": rows(&q.sign_rec),
    })
}

fn mapped<'a>(ir: &'a Ir, step: &Step) -> Result<&'a Deployment, Diagnostics> {
    ir.deploy.as_ref().ok_or_else(|| {
        Diag::error(&codes::RUN_FAILED, "nothing is mapped")
            .label(step.span, "this export")
            .help("add `map NET` before it")
            .into()
    })
}

/// `export spec to PATH`.
pub fn export_spec(step: &Step, ir: &mut Ir, path: &str) -> Result<serde_json::Value, Diagnostics> {
    let spec = spec_json(mapped(ir, step)?);
    out_json::write_json(&mut ir.stage, path, &spec).map_err(|e| output_error(e, step.span))?;
    Ok(json!({ "file": path }))
}

/// `export config to PATH`.
pub fn export_config(step: &Step, ir: &mut Ir, ctx: &Ctx, path: &str) -> Result<serde_json::Value, Diagnostics> {
    let d = mapped(ir, step)?;
    let Some(network) = ctx.checked.model.networks.get(&d.network) else { return Ok(json!({})) };
    let built = config::build(d).map_err(|e| super::map::config_error(&e, d, network, ctx.device, step.span))?;
    let figures = json!({
        "file": path,
        "cores": built.cores.len(),
        "neurons": built.neurons.len(),
        "cam_entries": built.neurons.iter().map(|n| n.cam.len()).sum::<usize>(),
        "neurons_without_synapses": built.neurons.iter().filter(|n| n.cam.is_empty()).map(|n| n.name.clone()).collect::<Vec<_>>(),
    });
    out_json::write_json(&mut ir.stage, path, &built).map_err(|e| output_error(e, step.span))?;
    Ok(figures)
}

/// `export weights to PATH`: the deployed matrices (quantized weights x Iw / Iscale) as `.npy`,
/// `PATH` with `.in.npy` and `.rec.npy`; the float matrices when nothing is quantized.
pub fn export_weights(step: &Step, ir: &mut Ir, path: &str) -> Result<serde_json::Value, Diagnostics> {
    let d = mapped(ir, step)?;
    let (w_in, w_rec) = deployed_weights(d).unwrap_or_else(|| (d.w_in.clone(), d.w_rec.clone()));
    let stem = path.strip_suffix(".npy").unwrap_or(path);
    let (a, b) = (format!("{stem}.in.npy"), format!("{stem}.rec.npy"));
    npy::write_f64(&mut ir.stage, &a, &w_in).map_err(|e| output_error(e, step.span))?;
    npy::write_f64(&mut ir.stage, &b, &w_rec).map_err(|e| output_error(e, step.span))?;
    Ok(json!({ "files": [a, b] }))
}

/// Quantized weights x the base currents of each post neuron's core / Iscale (Rockpool's
/// `dynapsim_net_from_spec` on a quantized spec); `None` before `quantize`.
pub fn deployed_weights(d: &Deployment) -> Option<(Array2<f64>, Array2<f64>)> {
    let q = d.quantized.as_ref()?;
    let iw_of = |post: usize| d.core_map.get(post).and_then(|&c| q.clusters.get(c)).map_or(&[][..], |c| &c.iw[..]);
    let build = |codes: &Array2<u8>, signs: &Array2<i8>| {
        Array2::from_shape_fn(codes.dim(), |(pre, post)| {
            let code = codes.get((pre, post)).copied().unwrap_or(0);
            let sign = signs.get((pre, post)).copied().unwrap_or(0);
            Quantized::weight(code, sign, iw_of(post), d.iscale)
        })
    };
    Some((build(&q.codes_in, &q.sign_in), build(&q.codes_rec, &q.sign_rec)))
}
