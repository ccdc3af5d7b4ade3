//! The `simulate` pass: a spiking network on the Dynap-SE2 model (Rockpool's DynapSim),
//! driven by its stimuli, writing each recorded state as `X.pop.npy` and the pictures.

use ndarray::{s, Array2};
use serde_json::json;

use super::layout::{sparse_weights, Layout};
use super::{output_error, Ctx, Ir};
use crate::check::units::{format_quantity, Dim};
use crate::check::value::{Call, Value};
use crate::devices::dynapse2::simulation::{
    poisson, regular, simulate, CountsView, Observable, Precision, RecordRequest, RunOptions, SimError, SimOutput,
    Stimulus, Trace,
};
use crate::diagnostics::{codes, Diag, Diagnostics};
use crate::model::{Network, SimTarget, Step, StepPlan, StimulusSpec};
use crate::output::{npy, svg};
use crate::syntax::span::Span;

/// Runs the step; returns its figures for summary.json.
pub fn apply(step: &Step, ir: &mut Ir, ctx: &Ctx) -> Result<serde_json::Value, Diagnostics> {
    let StepPlan::Simulate { target, duration, steps, stimuli, records, raster } = &step.plan else {
        return Ok(json!({}));
    };
    let model = &ctx.checked.model;
    let Some(network) = model.networks.get(target.network()) else { return Ok(json!({})) };
    let layout = Layout::of(network);
    let (super::neurons::NeuronSetup { params, rest }, (w_in, w_rec)) = match target {
        SimTarget::Network(_) => (
            super::neurons::parameters(network, &layout, ctx.device)?,
            sparse_weights(network, &layout).map_err(|e| failed(e, step.span))?,
        ),
        SimTarget::Mapped(_) | SimTarget::Deployed(_) => super::deployed::setup(ir, ctx, step, target)?,
    };
    let counts = input_counts(network, &layout, stimuli, *steps, params.dt)?;
    // Inputs' spikes come from `counts`; the simulator records the neurons' states.
    let requests: Vec<RecordRequest> = records
        .iter()
        .filter(|r| !is_input(network, r))
        .filter_map(|r| {
            observable(r.canonical).map(|observable| RecordRequest { observable, neurons: layout.range(r.population) })
        })
        .collect();
    let precision = match ctx.device.settings.choice("precision") {
        Some("f64") => Precision::F64,
        _ => Precision::F32,
    };
    let options = RunOptions { precision, record: requests, initial: Some(rest) };
    let stimulus = Stimulus::Counts { counts: CountsView::U32(counts.view()), w_in: &w_in };
    let progress = ctx.progress.start(&format!("simulate {}", network.name), u64::try_from(*steps).unwrap_or(u64::MAX));
    let mut last = 0usize;
    let output = simulate(&params, Some(&w_rec), &stimulus, &options, &mut |done| {
        progress.inc(u64::try_from(done.saturating_sub(last)).unwrap_or(0));
        last = done;
    })
    .map_err(|e| simulation_error(e, network, &layout, step, params.dt))?;
    progress.finish();
    let recorded = Recorded { output: &output, counts: &counts, layout: &layout, dt: params.dt };
    write_records(ir, ctx, network, records, &recorded, (step.span, raster))?;
    let mut figures = figures(network, &layout, target, *duration, *steps, params.dt, &output);
    if let Some(map) = figures.as_object_mut() {
        map.insert("precision".to_string(), json!(if precision == Precision::F64 { "f64" } else { "f32" }));
    }
    Ok(figures)
}

fn observable(state: &str) -> Option<Observable> {
    match state {
        "spikes" => Some(Observable::Spikes),
        "Isyn" => Some(Observable::Isyn),
        "Imem" => Some(Observable::Imem),
        "Iahp" => Some(Observable::Iahp),
        "Vmem" => Some(Observable::Vmem),
        _ => None,
    }
}

/// Spike counts (steps, input channels) from every input's stimulus; undriven inputs are silent.
fn input_counts(
    network: &Network,
    layout: &Layout,
    stimuli: &[StimulusSpec],
    steps: usize,
    dt: f64,
) -> Result<Array2<u32>, Diagnostics> {
    let mut counts = Array2::<u32>::zeros((steps, layout.n_inputs));
    for spec in stimuli {
        let channels = network.populations.get(spec.input).map_or(0, |p| p.size);
        let block = stimulus_counts(&spec.call, steps, channels, dt).map_err(|e| failed(e, spec.span))?;
        let range = layout.range(spec.input);
        if block.dim() == (steps, range.len()) && range.end <= counts.ncols() {
            counts.slice_mut(s![.., range]).assign(&block);
        }
    }
    Ok(counts)
}

fn stimulus_counts(call: &Call, steps: usize, channels: usize, dt: f64) -> Result<Array2<u32>, SimError> {
    let number = |name: &str| call.number(name).map_or(0.0, |n| n.value);
    match call.function.as_str() {
        "poisson" => {
            let seed = call.number("seed").and_then(|n| n.as_int()).and_then(|i| u64::try_from(i).ok()).unwrap_or(0);
            poisson(number("rate"), dt, steps, channels, seed)
        }
        "regular" => {
            let pattern = regular(number("period"), dt, steps, channels)?;
            let delay = (number("delay") / dt).round();
            let delay = if delay.is_finite() && delay > 0.0 { delay as usize } else { 0 };
            let mut shifted = Array2::zeros((steps, channels));
            if delay < steps {
                shifted.slice_mut(s![delay.., ..]).assign(&pattern.slice(s![..steps - delay, ..]));
            }
            Ok(shifted)
        }
        _ => match call.args.get("counts") {
            Some(Value::Array(a)) => {
                let values = a.data.iter().map(|v| v.clamp(0.0, f64::from(u32::MAX)) as u32).collect();
                Array2::from_shape_vec((steps, channels), values).map_err(|_| SimError::ShapeMismatch {
                    what: "spike counts",
                    expected: (steps, channels),
                    found: (a.data.shape().first().copied().unwrap_or(0), a.data.shape().get(1).copied().unwrap_or(0)),
                })
            }
            _ => Ok(Array2::zeros((steps, channels))),
        },
    }
}

fn is_input(network: &Network, record: &crate::model::Record) -> bool {
    network.populations.get(record.population).is_some_and(|p| p.kind == crate::syntax::ast::PopulationKind::Input)
}

/// What a simulation produced: the simulator's traces and the input spike counts it was driven by.
struct Recorded<'a> {
    output: &'a SimOutput,
    counts: &'a Array2<u32>,
    layout: &'a Layout,
    dt: f64,
}

impl Recorded<'_> {
    /// An input's spike counts per step, saturated at 255 like the neurons' spikes.
    fn input_spikes(&self, population: usize) -> Array2<u8> {
        let range = self.layout.range(population);
        let end = range.end.min(self.counts.ncols());
        let start = range.start.min(end);
        self.counts.slice(s![.., start..end]).mapv(|c| u8::try_from(c).unwrap_or(u8::MAX))
    }
}

/// Writes each record as `<file>.npy` (and `<file>.svg`), the spike raster as `raster`.
fn write_records(
    ir: &mut Ir,
    ctx: &Ctx,
    network: &Network,
    records: &[crate::model::Record],
    recorded: &Recorded,
    (span, raster): (Span, &str),
) -> Result<(), Diagnostics> {
    let mut rasters: Vec<(&str, Array2<u8>)> = Vec::new();
    let mut traces = recorded.output.traces.iter();
    for record in records {
        let pop = network.populations.get(record.population).map_or("", |p| p.name.as_str());
        let npy_file = format!("{}.npy", record.file);
        if is_input(network, record) {
            let counts = recorded.input_spikes(record.population);
            npy::write_u8(&mut ir.stage, &npy_file, &counts).map_err(|e| output_error(e, span))?;
            rasters.push((pop, counts));
            continue;
        }
        let Some(traced) = traces.next() else { break };
        match &traced.trace {
            Trace::Values(values) => {
                npy::write_f64(&mut ir.stage, &npy_file, values).map_err(|e| output_error(e, span))?;
                if ctx.plots {
                    let unit = if record.canonical == "Vmem" { "V" } else { "A" };
                    let picture = svg::trace_svg(&svg::Trace {
                        signal: &record.state,
                        population: pop,
                        unit,
                        values: values.view(),
                        dt: recorded.dt,
                    })
                    .map_err(|e| output_error(e, span))?;
                    ir.stage
                        .write(&format!("{}.svg", record.file), picture.as_bytes())
                        .map_err(|e| output_error(e, span))?;
                }
            }
            Trace::Counts(counts) => {
                npy::write_u8(&mut ir.stage, &npy_file, counts).map_err(|e| output_error(e, span))?;
                rasters.push((pop, counts.clone()));
            }
        }
    }
    if ctx.plots && !rasters.is_empty() {
        let populations: Vec<svg::SpikePopulation> =
            rasters.iter().map(|(name, counts)| svg::SpikePopulation { name, counts: counts.view() }).collect();
        let picture = svg::raster_svg(&populations, recorded.dt).map_err(|e| output_error(e, span))?;
        ir.stage.write(raster, picture.as_bytes()).map_err(|e| output_error(e, span))?;
    }
    Ok(())
}

fn figures(
    network: &Network,
    layout: &Layout,
    target: &SimTarget,
    duration: f64,
    steps: usize,
    dt: f64,
    output: &SimOutput,
) -> serde_json::Value {
    let mut spikes = serde_json::Map::new();
    let mut rates = serde_json::Map::new();
    for (index, pop) in network.neurons() {
        let range = layout.range(index);
        let total: u64 = output.spike_counts.get(range).map_or(0, |c| c.iter().sum());
        spikes.insert(pop.name.clone(), json!(total));
        #[allow(clippy::cast_precision_loss)] // spike totals are far below 2^53
        let rate = total as f64 / (pop.size as f64 * duration);
        rates.insert(pop.name.clone(), json!(rate));
    }
    let mode = match target {
        SimTarget::Network(_) => "as declared",
        SimTarget::Mapped(_) => "mapped",
        SimTarget::Deployed(_) => "deployed",
    };
    json!({
        "network": network.name,
        "mode": mode,
        "steps": steps,
        "dt": dt,
        "duration": duration,
        "neurons": layout.n_neurons,
        "inputs": layout.n_inputs,
        "spikes": spikes,
        "rate_hz": rates,
        "max_spikes_in_one_step": output.max_spikes_in_one_step,
    })
}

fn simulation_error(error: SimError, network: &Network, layout: &Layout, step: &Step, dt: f64) -> Diagnostics {
    if let SimError::NonFiniteState { step: at, neuron, state, value } = &error {
        let (name, index, span) = match layout.locate(network, *neuron) {
            Some((pop, i)) => (pop.name.as_str(), i, pop.span),
            None => ("?", *neuron, network.span),
        };
        // the name a `record` uses for the state
        let state = match *state {
            "isyn" => "Isyn",
            "iahp" => "Iahp",
            "imem" => "Imem",
            "vmem" => "Vmem",
            other => other,
        };
        #[allow(clippy::cast_precision_loss)] // step indices are far below 2^53
        let time = format_quantity((*at as f64) * dt, Dim::TIME);
        return Diag::error(
            &codes::RUN_NON_FINITE,
            format!("state `{state}` of `{name}[{index}]` became {value} at step {at} (t = {time})"),
        )
        .label(step.span, "in this simulation")
        .label(span, format!("`{name}` is declared here"))
        .help(blow_up_help(state))
        .into();
    }
    failed(error, step.span)
}

/// Which parameters feed the state that blew up.
fn blow_up_help(state: &str) -> String {
    let culprits = match state {
        "Isyn" => "the weights onto this neuron, Iscale and the gain Igain_syn / Itau_syn",
        "Iahp" => "Iw_ahp and the gain Igain_ahp / Itau_ahp",
        _ => {
            "a spike threshold Ispkthr the membrane never reaches (its positive feedback then runs away), Idc, \
              Igain_mem, C_mem and dt"
        }
    };
    format!("the dynamics blow up: check {culprits}")
}

fn failed(error: impl std::fmt::Display, span: Span) -> Diagnostics {
    Diag::error(&codes::RUN_FAILED, format!("the simulation cannot run: {error}"))
        .label(span, "this step")
        .help("check the values this step uses")
        .into()
}
