//! What a bare `simulate` (after `map`) and `simulate deployed` (after `quantize`) run: the
//! mapped network with one parameter set per core (each neuron takes its core's mean values,
//! then the device's frozen mismatch), with the float weights or with the quantized weights
//! times each core's base currents — Rockpool's `dynapsim_net_from_spec`.

use super::neurons::{with_mismatch, NeuronSetup};
use super::{Ctx, Ir};
use crate::devices::dynapse2::deploy::Deployment;
use crate::devices::dynapse2::simulation::{DynapSimParams, SparseWeights, PARAMETERS};
use crate::diagnostics::{codes, Diag, Diagnostics};
use crate::model::{SimTarget, Step};

/// Per-neuron parameters (before mismatch) from the per-core sets of a deployment.
pub fn per_core_params(d: &Deployment) -> DynapSimParams {
    let mut params = DynapSimParams::defaults(d.n_neurons());
    for cluster in &d.clusters {
        for info in PARAMETERS {
            let Some(&value) = cluster.params.get(info.name) else { continue };
            let values = params.values_mut(info.param);
            for &j in &cluster.neurons {
                if let Some(v) = values.get_mut(j) {
                    *v = value;
                }
            }
        }
    }
    params.iscale = d.iscale;
    params
}

/// The parameters, initial state and weights of a mapped or deployed simulation.
pub fn setup(
    ir: &Ir,
    ctx: &Ctx,
    step: &Step,
    target: &SimTarget,
) -> Result<(NeuronSetup, (SparseWeights, SparseWeights)), Diagnostics> {
    let Some(d) = ir.deploy.as_ref().filter(|d| d.network == target.network()) else {
        return Err(Diag::error(&codes::RUN_FAILED, format!("`{}` is not mapped", target.network()))
            .label(step.keyword_span(), "this simulation")
            .help("add `map NET` before it, or name the network: `simulate NET for ...`")
            .into());
    };
    let mut params = per_core_params(d);
    params.dt = ctx.device.settings.number("dt").unwrap_or(params.dt);
    let (w_in, w_rec) = match target {
        SimTarget::Deployed(_) => super::deploy_export::deployed_weights(d).ok_or_else(|| -> Diagnostics {
            Diag::error(&codes::RUN_FAILED, "`simulate deployed` needs quantized weights")
                .label(step.keyword_span(), "this simulation")
                .help("add `quantize with Q` after `map NET`")
                .into()
        })?,
        _ => (d.w_in.clone(), d.w_rec.clone()),
    };
    let failed = |e: crate::devices::dynapse2::simulation::SimError| -> Diagnostics {
        Diag::error(&codes::RUN_FAILED, format!("the simulation cannot run: {e}"))
            .label(step.span, "this step")
            .help("check the values this step uses")
            .into()
    };
    let weights = (
        SparseWeights::from_dense("w_in", w_in.view()).map_err(failed)?,
        SparseWeights::from_dense("w_rec", w_rec.view()).map_err(failed)?,
    );
    Ok((with_mismatch(params, ctx.device)?, weights))
}
