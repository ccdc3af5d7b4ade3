//! DynapSim parameters of a network on a device: device-wide values, then each population's
//! own (scalar or per neuron), high-level forms converted with Rockpool's formulas, then frozen
//! mismatch from the device's seed.

use crate::check::schema::dynapse2::HIGH_LEVEL;
use crate::check::settings::Settings;
use crate::check::value::Value;
use crate::devices::dynapse2::simulation::{
    apply_high_level, apply_mismatch, read_high_level, DynapSimParams, HighLevel, ParamValue, SimState, PARAMETERS,
};
use crate::diagnostics::{codes, Diag, Diagnostics};
use crate::model::{Device, DeviceKind, Network};
use crate::passes::layout::Layout;
use crate::syntax::span::Span;

/// The parameters of a run and the state it starts from.
pub struct NeuronSetup {
    /// Per-neuron parameters, mismatch applied.
    pub params: DynapSimParams,
    /// Rockpool's initial state: every current at the neuron's `Io` *before* mismatch.
    pub rest: SimState,
}

/// Builds the per-neuron parameters of `network` on `device`.
pub fn parameters(network: &Network, layout: &Layout, device: &Device) -> Result<NeuronSetup, Diagnostics> {
    with_mismatch(nominal(network, layout, device)?, device)
}

/// Per-neuron parameters as declared (device, then populations), before mismatch.
pub fn nominal(network: &Network, layout: &Layout, device: &Device) -> Result<DynapSimParams, Diagnostics> {
    let mut params = DynapSimParams::defaults(layout.n_neurons);
    assign(&mut params, &device.settings, 0..layout.n_neurons, device.span)?;
    for (index, pop) in network.neurons() {
        if let Some(settings) = &pop.settings {
            assign(&mut params, settings, layout.range(index), pop.span)?;
        }
    }
    params.dt = device.settings.number("dt").unwrap_or(params.dt);
    params.iscale = device.settings.number("Iscale").unwrap_or(params.iscale);
    Ok(params)
}

/// Rockpool's initial state and frozen mismatch from the device's seed, on given parameters
/// (the per-core parameters of a mapped network).
pub fn with_mismatch(mut params: DynapSimParams, device: &Device) -> Result<NeuronSetup, Diagnostics> {
    let rest = SimState::rest(&params);
    let seed = device.settings.int("seed").and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
    let fraction = device.settings.number("percent_mismatch").unwrap_or(0.0);
    apply_mismatch(&mut params, seed, fraction).map_err(|e| failed(e, device.span))?;
    Ok(NeuronSetup { params, rest })
}

/// What `dyn show` adds for a dynapse2 device: every parameter of one of its neurons as the
/// simulation uses it (high-level forms converted to currents), and every high-level form read
/// back from those currents (reference §3), in SI units. `None` when the device sets a
/// per-neuron array (there is no single neuron to show).
pub fn simulated_json(device: &Device) -> Option<serde_json::Value> {
    if device.kind != DeviceKind::Dynapse2 {
        return None;
    }
    let mut params = DynapSimParams::defaults(1);
    assign(&mut params, &device.settings, 0..1, device.span).ok()?;
    let mut currents = serde_json::Map::new();
    for info in PARAMETERS {
        currents.insert(info.name.to_string(), serde_json::json!(params.values(info.param).first()));
    }
    let high = read_high_level(&params);
    let first = |v: &[f64]| serde_json::json!(v.first());
    Some(serde_json::json!({
        "parameters": currents,
        "high_level": {
            "tau_mem": first(&high.tau_mem),
            "tau_syn": first(&high.tau_syn),
            "tau_ahp": first(&high.tau_ahp),
            "t_ref": first(&high.t_ref),
            "t_pulse": first(&high.t_pulse),
            "t_pulse_ahp": first(&high.t_pulse_ahp),
            "r_gain_mem": first(&high.r_gain_mem),
            "r_gain_syn": first(&high.r_gain_syn),
            "r_gain_ahp": first(&high.r_gain_ahp),
        },
    }))
}

/// Currents and constants first, then the high-level forms (which win at the same level).
fn assign(
    params: &mut DynapSimParams,
    settings: &Settings,
    range: std::ops::Range<usize>,
    span: Span,
) -> Result<(), Diagnostics> {
    let mut arrays: Vec<(String, Vec<f64>)> = Vec::new();
    for info in PARAMETERS {
        match settings.value(info.name) {
            Some(Value::Number(n)) => params.assign(info.name, range.clone(), ParamValue::Scalar(n.value)),
            Some(Value::Array(a)) => {
                let values: Vec<f64> = a.data.iter().copied().collect();
                let result = params.assign(info.name, range.clone(), ParamValue::PerNeuron(&values));
                arrays.push((info.name.to_string(), values));
                result
            }
            _ => Ok(()),
        }
        .map_err(|e| failed(e, settings.span_of(info.name).unwrap_or(span)))?;
    }
    // Owned copies of the high-level values, borrowed below as `ParamValue`s.
    let owned: Vec<(&str, OwnedValue)> = HIGH_LEVEL
        .iter()
        .filter_map(|&(name, _)| match settings.value(name) {
            Some(Value::Number(n)) => Some((name, OwnedValue::Scalar(n.value))),
            Some(Value::Array(a)) => Some((name, OwnedValue::PerNeuron(a.data.iter().copied().collect()))),
            _ => None,
        })
        .collect();
    let pick = |name: &str| -> Option<ParamValue<'_>> {
        owned.iter().find(|(n, _)| *n == name).map(|(_, v)| match v {
            OwnedValue::Scalar(x) => ParamValue::Scalar(*x),
            OwnedValue::PerNeuron(xs) => ParamValue::PerNeuron(xs.as_slice()),
        })
    };
    let high = HighLevel {
        tau_mem: pick("tau_mem"),
        tau_syn: pick("tau_syn"),
        tau_ahp: pick("tau_ahp"),
        t_ref: pick("t_ref"),
        t_pulse: pick("t_pulse"),
        t_pulse_ahp: pick("t_pulse_ahp"),
        r_gain_mem: pick("r_gain_mem"),
        r_gain_syn: pick("r_gain_syn"),
        r_gain_ahp: pick("r_gain_ahp"),
    };
    apply_high_level(params, range, &high).map_err(|e| failed(e, span))?;
    Ok(())
}

enum OwnedValue {
    Scalar(f64),
    PerNeuron(Vec<f64>),
}

fn failed(error: impl std::fmt::Display, span: Span) -> Diagnostics {
    Diag::error(&codes::RUN_FAILED, format!("cannot build the neuron parameters: {error}"))
        .label(span, "set here")
        .help("check the neuron parameters of the device and its populations")
        .into()
}
