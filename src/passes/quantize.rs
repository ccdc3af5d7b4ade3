//! The `quantize` pass: per-core autoencoder quantization of a mapped network's weights
//! (devices/dynapse2/deploy/autoencoder), clusters in parallel. Fills `Ir.deploy.quantized`,
//! writes `quantization.json` and the quantized matrices, and warns about every neuron whose
//! incoming connections were all quantized to zero (no silent pruning, reference §9.19).

use ndarray::{concatenate, s, Array2, Axis};

use super::{output_error, Ctx, Ir};
use crate::check::quantization::build as build_settings;
use crate::devices::dynapse2::deploy::autoencoder::{self as ae, Init};
use crate::devices::dynapse2::deploy::{Quantized, QuantizedCluster};
use crate::devices::dynapse2::simulation::stream_key;
use crate::diagnostics::{codes, Diag, Diagnostics};
use crate::model::{Step, StepPlan};
use crate::output::npy;

/// At most this many points of each loss curve go to quantization.json.
const CURVE_POINTS: usize = 1000;

fn failed(step: &Step, message: String, help: &str) -> Diagnostics {
    Diag::error(&codes::RUN_FAILED, message).label(step.span, "this step").help(help.to_string()).into()
}

/// Runs the step; returns its figures for summary.json.
pub fn apply(step: &Step, ir: &mut Ir, ctx: &Ctx) -> Result<serde_json::Value, Diagnostics> {
    let StepPlan::Quantize { quantization } = &step.plan else {
        return Err(failed(step, "not a quantize step".into(), "this is a bug in dyn"));
    };
    let Some(named) = ctx.checked.model.quantizations.get(quantization) else {
        return Err(failed(step, format!("no quantization `{quantization}`"), "declare it with `quantization`"));
    };
    let cfg = &named.settings;
    // `dyn check` proved these settings (check::quantization, same rules); this is for library users.
    let settings = build_settings(cfg).map_err(|problems| match problems.first() {
        Some(p) => failed(step, format!("quantization `{quantization}`: {}", p.message), &p.help),
        None => failed(step, format!("quantization `{quantization}` cannot be built"), "this is a bug in dyn"),
    })?;
    let seed = cfg.int("seed").and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
    let Some(deploy) = ir.deploy.as_mut() else {
        return Err(failed(step, "nothing is mapped yet".into(), "add `map NET` before `quantize`"));
    };
    let n_in = deploy.n_inputs();
    let global = concatenate(Axis(0), &[deploy.w_in.view(), deploy.w_rec.view()])
        .map_err(|e| failed(step, format!("weight matrices do not stack: {e}"), "this is a bug in dyn"))?;
    let clusters: Vec<(Array2<f64>, Init)> = (0..deploy.clusters.len())
        .map(|c| {
            let mut w = Array2::zeros(global.dim());
            for j in deploy.cluster_neurons(c) {
                if let (Some(mut dst), Some(src)) =
                    (w.columns_mut().into_iter().nth(*j), global.columns().into_iter().nth(*j))
                {
                    dst.assign(&src);
                }
            }
            let core = deploy.global_core(c).unwrap_or(c);
            (w, Init::Seeded { seed, stream: stream_key(&format!("quantize.core{core}")) })
        })
        .collect();
    let results: Vec<ae::Quantized> = ae::quantize_clusters(&clusters, deploy.iscale, &settings)
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(|e| failed(step, format!("quantization failed: {e}"), "check the quantization's settings"))?;

    let mut codes = Array2::<u8>::zeros(global.dim());
    let signs = ae::signs(global.view());
    let mut deployed = Array2::<f64>::zeros(global.dim());
    let mut json_clusters = Vec::new();
    for (c, q) in results.iter().enumerate() {
        let weights = q.weights(deploy.iscale);
        for j in deploy.cluster_neurons(c) {
            let pairs = codes.columns_mut().into_iter().nth(*j).zip(q.masks.columns().into_iter().nth(*j));
            if let Some((mut dst, src)) = pairs {
                dst.assign(&src);
            }
            let pairs = deployed.columns_mut().into_iter().nth(*j).zip(weights.columns().into_iter().nth(*j));
            if let Some((mut dst, src)) = pairs {
                dst.assign(&src);
            }
        }
        let every = q.loss_curve.len().div_ceil(CURVE_POINTS).max(1);
        let curve: Vec<f32> = q.loss_curve.iter().step_by(every).copied().collect();
        let cl = deploy.clusters.get(c);
        // each of the core's neurons with the codes of its incoming connections (inputs first,
        // then neurons, in flat order: a column of quantized.codes_in.npy over codes_rec.npy)
        let members = deploy.cluster_neurons(c);
        let names: Vec<String> = members.iter().filter_map(|j| deploy.neurons.get(*j)).map(|p| p.name()).collect();
        let incoming: Vec<Vec<u8>> =
            members.iter().filter_map(|j| codes.columns().into_iter().nth(*j)).map(|column| column.to_vec()).collect();
        json_clusters.push(serde_json::json!({
            "core": deploy.global_core(c),
            "chip": cl.map(|x| x.chip),
            "core_in_chip": cl.map(|x| x.core),
            "neurons": names,
            "codes": incoming,
            // the core's four weight registers, as the config has them: with fewer code bits
            // the registers no bit selects hold 0 A
            "Iw": q.iw,
            "loss": q.loss,
            "loss_curve": curve,
            "loss_curve_every": every,
            "epochs": q.epochs,
        }));
    }

    // no silent pruning: every neuron that had inputs and lost them all
    let mut pruned = 0usize;
    for (j, placement) in deploy.neurons.iter().enumerate() {
        let (Some(w), Some(c)) = (global.columns().into_iter().nth(j), codes.columns().into_iter().nth(j)) else {
            continue;
        };
        let had = w.iter().filter(|v| **v != 0.0).count();
        if had > 0 && c.iter().all(|m| *m == 0) {
            pruned += 1;
            ir.warnings.push(
                Diag::warning(
                    &codes::RUN_PRUNED,
                    format!(
                        "quantization removed all {had} incoming connections of `{}[{}]`",
                        placement.population, placement.index
                    ),
                )
                .label(step.span, "quantized here")
                .help(
                    "its weights are much smaller than the others on its core; give its population its own core \
                     (`core = ...`) or rescale the weights",
                ),
            );
        }
    }

    let split = |a: &Array2<u8>| (a.slice(s![..n_in, ..]).to_owned(), a.slice(s![n_in.., ..]).to_owned());
    let (codes_in, codes_rec) = split(&codes);
    let (sign_in, sign_rec) = (signs.slice(s![..n_in, ..]).to_owned(), signs.slice(s![n_in.., ..]).to_owned());
    let (w_in_q, w_rec_q) = (deployed.slice(s![..n_in, ..]).to_owned(), deployed.slice(s![n_in.., ..]).to_owned());
    let out = |e: npy::NpyError| output_error(e, step.span);
    use crate::output::names;
    npy::write_u8(&mut ir.stage, names::QUANTIZED_CODES_IN, &codes_in).map_err(out)?;
    npy::write_u8(&mut ir.stage, names::QUANTIZED_CODES_REC, &codes_rec).map_err(out)?;
    npy::write_f64(&mut ir.stage, names::QUANTIZED_W_IN, &w_in_q).map_err(out)?;
    npy::write_f64(&mut ir.stage, names::QUANTIZED_W_REC, &w_rec_q).map_err(out)?;
    let doc = serde_json::json!({
        "quantization": quantization,
        "n_bits": settings.n_bits,
        "seed": seed,
        "clusters": json_clusters,
    });
    let text = serde_json::to_string_pretty(&doc).map_err(|e| output_error(e, step.span))?;
    ir.stage.write("quantization.json", text.as_bytes()).map_err(|e| output_error(e, step.span))?;

    deploy.quantized = Some(Quantized {
        n_bits: settings.n_bits,
        clusters: results
            .iter()
            .map(|q| QuantizedCluster { iw: q.iw.iter().take(settings.n_bits).copied().collect(), loss: q.loss })
            .collect(),
        codes_in,
        codes_rec,
        sign_in,
        sign_rec,
    });
    let losses: Vec<Option<f64>> = results.iter().map(|q| q.loss).collect();
    Ok(serde_json::json!({
        "clusters": results.len(),
        "losses": losses,
        "epochs": results.iter().map(|q| q.epochs).max().unwrap_or(0),
        "pruned_neurons": pruned,
        "seed": seed,
    }))
}
