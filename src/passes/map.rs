//! The `map` pass: clusters a network onto Dynap-SE2 cores and chips (Rockpool's mapper, without
//! its failures; see `devices::dynapse2::deploy::mapper`), then checks the routing the placement
//! implies against the SRAM size and the router's reach.

use serde_json::json;

use super::layout::{dense_weights, Layout};
use super::{Ctx, Ir};
use crate::check::hardware::Geometry as DeviceGeometry;
use crate::check::settings::Settings;
use crate::check::value::Value;
use crate::devices::dynapse2::deploy::config::{self, ConfigError};
use crate::devices::dynapse2::deploy::mapper::{self, MapError, MapInput, PopulationIn};
use crate::devices::dynapse2::deploy::{Deployment, Geometry, InputChannel};
use crate::devices::dynapse2::simulation::{DynapSimParams, PARAMETERS};
use crate::diagnostics::{codes, Diag, Diagnostics};
use crate::model::{Device, Network, Step, StepPlan};
use crate::syntax::span::Span;

/// Runs the step; returns its figures for summary.json.
pub fn apply(step: &Step, ir: &mut Ir, ctx: &Ctx) -> Result<serde_json::Value, Diagnostics> {
    let StepPlan::Map { network, options } = &step.plan else { return Ok(json!({})) };
    let Some(network) = ctx.checked.model.networks.get(network) else { return Ok(json!({})) };
    let separate = options.as_ref().and_then(|o| o.flag("separate_scales")).unwrap_or(true);
    let deployment = deployment(network, ctx.device, separate, step.span)?;
    let mut figures = figures(&deployment);
    let layout = Layout::of(network);
    let nominal = super::neurons::nominal(network, &layout, ctx.device)?;
    if let Some(map) = figures.as_object_mut() {
        map.insert("averaged".into(), averaged(&deployment, &nominal));
    }
    ir.deploy = Some(deployment);
    Ok(figures)
}

/// Places `network` on `device`: the deployment specification, or a diagnostic at the step
/// (`span`), the population or the projection that cannot be placed or routed.
pub fn deployment(
    network: &Network,
    device: &Device,
    separate_scales: bool,
    span: Span,
) -> Result<Deployment, Diagnostics> {
    let layout = Layout::of(network);
    let params = super::neurons::nominal(network, &layout, device)?;
    let (w_in, w_rec) = dense_weights(network, &layout);
    let g = DeviceGeometry::of(&device.settings);
    let geometry = Geometry {
        chips: g.chips,
        cores_per_chip: g.cores_per_chip,
        neurons_per_core: g.neurons_per_core,
        cam_per_neuron: g.cam_entries,
        dest_per_neuron: g.sram_entries,
        tags: g.tags,
    };
    let populations = network
        .neurons()
        .map(|(index, pop)| PopulationIn {
            name: pop.name.clone(),
            start: layout.range(index).start,
            size: pop.size,
            pins: pins(pop.settings.as_ref(), pop.size),
        })
        .collect();
    let inputs = network
        .inputs()
        .flat_map(|(_, pop)| (0..pop.size).map(|index| InputChannel { population: pop.name.clone(), index }))
        .collect();
    let input = MapInput {
        network: network.name.clone(),
        geometry,
        iscale: params.iscale,
        populations,
        inputs,
        w_in,
        w_rec,
        params: &params,
        separate_scales,
    };
    let d = mapper::map(&input).map_err(|e| map_error(&e, network, device, span))?;
    // Routing needs only the placement and which connections exist; check it now, not at export.
    config::sram(&d, &|pre, post| d.w_rec.get((pre, post)).is_some_and(|w| *w != 0.0))
        .map_err(|e| config_error(&e, &d, network, device, span))?;
    Ok(d)
}

/// The core of each neuron of a population, if `core = ...` pins it.
fn pins(settings: Option<&Settings>, size: usize) -> Option<Vec<usize>> {
    let to_core = |v: f64| if v.is_finite() && v >= 0.0 { v.round() as usize } else { usize::MAX };
    match settings?.value("core")? {
        Value::Number(n) => Some(vec![to_core(n.value); size]),
        Value::Array(a) => Some(a.data.iter().map(|&v| to_core(v)).collect()),
        _ => None,
    }
}

fn figures(d: &Deployment) -> serde_json::Value {
    let cores: Vec<serde_json::Value> = d
        .clusters
        .iter()
        .map(|c| {
            let mut populations: Vec<String> = Vec::new();
            for &j in &c.neurons {
                if let Some(p) = d.neurons.get(j) {
                    if !populations.contains(&p.population) {
                        populations.push(p.population.clone());
                    }
                }
            }
            json!({ "chip": c.chip, "core": c.core, "neurons": c.neurons.len(), "populations": populations })
        })
        .collect();
    json!({
        "network": d.network,
        "neurons": d.n_neurons(),
        "inputs": d.n_inputs(),
        "n_cluster": d.clusters.len(),
        "cores": cores,
    })
}

/// What one parameter set per core changes (reference §9.17): for every parameter a core's
/// neurons did not share, the neuron furthest from the core's mean and its relative deviation.
fn averaged(d: &Deployment, nominal: &DynapSimParams) -> serde_json::Value {
    let mut out = Vec::new();
    for (c, cluster) in d.clusters.iter().enumerate() {
        for info in PARAMETERS {
            let Some(&mean) = cluster.params.get(info.name) else { continue };
            let values = nominal.values(info.param);
            let worst = cluster
                .neurons
                .iter()
                .filter_map(|&j| values.get(j).map(|v| (j, (v - mean).abs() / mean.abs().max(f64::MIN_POSITIVE))))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((j, deviation)) = worst.filter(|(_, dev)| *dev > 1e-9) {
                let neuron = d.neurons.get(j).map(|p| p.name()).unwrap_or_default();
                out.push(json!({ "cluster": c, "param": info.name, "value": mean, "neuron": neuron, "relative_deviation": deviation }));
            }
        }
    }
    json!(out)
}

/// The population a flat neuron index belongs to.
fn population_span(network: &Network, d: &Deployment, neuron: usize) -> Option<Span> {
    let name = &d.neurons.get(neuron)?.population;
    network.population(name).map(|(_, p)| p.span)
}

fn map_error(e: &MapError, network: &Network, device: &Device, span: Span) -> Diagnostics {
    let pop = |index: usize| network.neurons().nth(index).map(|(_, p)| p);
    match e {
        MapError::NoSuchCore { population, neuron, core } => {
            let name = pop(*population).map_or("?", |p| p.name.as_str());
            Diag::error(&codes::HARDWARE_CORE, format!("`{name}[{neuron}]` is pinned to core {core}, which `{}` does not have", device.name))
                .maybe_label(pop(*population).and_then(|p| p.settings.as_ref()).and_then(|s| s.span_of("core")), "pinned here")
                .label(span, "mapped here")
                .help("global core indices run from 0 to chips * cores_per_chip - 1")
        }
        MapError::CoreFull { core, count, population } => {
            Diag::error(&codes::HARDWARE_CORE, format!("{count} neurons are pinned to core {core}, which holds fewer"))
                .maybe_label(pop(*population).and_then(|p| p.settings.as_ref()).and_then(|s| s.span_of("core")), "pins neurons to this core")
                .label(span, "mapped here")
                .help("spread the population over more cores, e.g. `core = load(\"cores.npy\")`")
        }
        MapError::Capacity { needed, available } => Diag::error(
            &codes::HARDWARE_CAPACITY,
            format!("`{}` needs {needed} cores on `{}`, which has {available}", network.name, device.name),
        )
        .label(span, "maps the network here")
        .maybe_label(device.settings.span_of("chips"), "the number of chips is set here")
        .help("pinned cores are not shared and populations of very different weight scales get their own cores: pin fewer cores, set `map NET { separate_scales = false }`, or use more chips"),
    }
    .into()
}

/// A routing or configuration failure as a diagnostic at the population that causes it.
pub fn config_error(e: &ConfigError, d: &Deployment, network: &Network, device: &Device, span: Span) -> Diagnostics {
    let name = |j: usize| d.neurons.get(j).map_or_else(|| "?".to_string(), |p| p.name());
    match e {
        ConfigError::FanOut { neuron, count, limit } => Diag::error(
            &codes::HARDWARE_FAN_OUT,
            format!(
                "`{}` sends to cores on {} chips, but a neuron of `{}` has {limit} SRAM entries (one monitors it)",
                name(*neuron),
                count - 1,
                device.name
            ),
        )
        .maybe_label(population_span(network, d, *neuron), "declared here")
        .label(span, "placed here")
        .maybe_label(device.settings.span_of("sram_entries"), "the SRAM size is set here")
        .help(format!(
            "connect each neuron to populations on at most {} chips, or pin them onto fewer chips with `core = ...`",
            limit - 1
        )),
        ConfigError::Hops { neuron, hop } => Diag::error(
            &codes::HARDWARE_ROUTE,
            format!(
                "`{}` sends events {hop} chips away, but the router reaches {} chips",
                name(*neuron),
                config::MAX_HOP
            ),
        )
        .maybe_label(population_span(network, d, *neuron), "declared here")
        .label(span, "placed here")
        .help("pin connected populations onto nearby chips with `core = ...`"),
        ConfigError::FanIn { neuron, count, limit } => Diag::error(
            &codes::HARDWARE_FAN_IN,
            format!(
                "`{}` receives {count} connections, but a neuron of `{}` has {limit} CAM entries",
                name(*neuron),
                device.name
            ),
        )
        .maybe_label(population_span(network, d, *neuron), "declared here")
        .label(span, "configured here")
        .help("make the weights sparser (zeros need no CAM entry)"),
        ConfigError::Tags { needed, available } => Diag::error(
            &codes::HARDWARE_TAGS,
            format!("`{}` needs {needed} event tags, but `{}` has {available}", network.name, device.name),
        )
        .label(span, "configured here")
        .maybe_label(device.settings.span_of("tags"), "the tag count is set here")
        .help("reduce the number of inputs or neurons"),
        ConfigError::TooManyBits { n_bits } => Diag::error(
            &codes::RUN_FAILED,
            format!("the weights are quantized to {n_bits} bits, but a CAM entry selects 4 base currents"),
        )
        .label(span, "configured here")
        .help("set `n_bits = 4` in the quantization"),
        ConfigError::NotQuantized => Diag::error(&codes::RUN_FAILED, "the configuration needs quantized weights")
            .label(span, "configured here")
            .help("add `quantize with Q` after `map NET`"),
    }
    .into()
}
