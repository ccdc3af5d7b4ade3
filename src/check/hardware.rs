//! Dynap-SE2 hardware limits known before anything runs: neurons per core and chip, pinned
//! cores, fan-in (CAM entries), fan-out (SRAM entries) and event tags. One small function per rule; limits come from the
//! device's settings (the stdlib preset), never from literals here.

use super::settings::Settings;
use super::value::Value;
use crate::diagnostics::{codes, Diag};
use crate::model::{Network, Weights};
use crate::syntax::ast::PopulationKind;
use crate::syntax::span::Span;

/// The chip geometry a device declares.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    pub chips: usize,
    pub cores_per_chip: usize,
    pub neurons_per_core: usize,
    pub cam_entries: usize,
    pub sram_entries: usize,
    pub tags: usize,
}

impl Geometry {
    pub fn of(device: &Settings) -> Geometry {
        let get = |name: &str, default: usize| device.count(name).unwrap_or(default);
        Geometry {
            chips: get("chips", 4),
            cores_per_chip: get("cores_per_chip", 4),
            neurons_per_core: get("neurons_per_core", 256),
            cam_entries: get("cam_entries", 64),
            sram_entries: get("sram_entries", 4),
            tags: get("tags", 2048),
        }
    }

    pub fn cores(&self) -> usize {
        self.chips.saturating_mul(self.cores_per_chip)
    }

    pub fn capacity(&self) -> usize {
        self.cores().saturating_mul(self.neurons_per_core)
    }
}

/// Every rule, in order; each returns the diagnostics it finds.
pub fn check_mapping(network: &Network, device: &Settings, device_name: &str, map_span: Span) -> Vec<Diag> {
    let geometry = Geometry::of(device);
    let mut diags = Vec::new();
    diags.extend(capacity(network, device, device_name, &geometry, map_span));
    diags.extend(pinned_cores(network, device, device_name, &geometry));
    diags.extend(fan_in(network, device, device_name, &geometry));
    diags.extend(fan_out(network, device, device_name, &geometry));
    diags.extend(tags(network, device, device_name, &geometry, map_span));
    diags
}

fn neuron_count(network: &Network) -> usize {
    network.neurons().map(|(_, p)| p.size).sum()
}

fn input_count(network: &Network) -> usize {
    network.inputs().map(|(_, p)| p.size).sum()
}

fn capacity(network: &Network, device: &Settings, name: &str, g: &Geometry, map_span: Span) -> Option<Diag> {
    let n = neuron_count(network);
    (n > g.capacity()).then(|| {
        Diag::error(
            &codes::HARDWARE_CAPACITY,
            format!(
                "`{}` has {n} neurons, but `{name}` holds {} ({} chips x {} cores x {} neurons)",
                network.name,
                g.capacity(),
                g.chips,
                g.cores_per_chip,
                g.neurons_per_core
            ),
        )
        .label(map_span, format!("maps {n} neurons"))
        .maybe_label(device.span_of("chips").or(device.span_of("neurons_per_core")), "the chip geometry is set here")
        .help("use fewer neurons, or a device preset with more chips (`chips = ...`)")
    })
}

/// The core each neuron of a population is pinned to, if any, with the span that pins it.
fn pins(settings: Option<&Settings>, size: usize) -> Option<(Vec<i64>, Span)> {
    let s = settings?;
    let span = s.span_of("core")?;
    let values = match s.value("core")? {
        Value::Number(n) => vec![n.as_int()?; size],
        Value::Array(a) => a.data.iter().map(|v| v.round() as i64).collect(),
        _ => return None,
    };
    Some((values, span))
}

fn pinned_cores(network: &Network, device: &Settings, name: &str, g: &Geometry) -> Vec<Diag> {
    let mut diags = Vec::new();
    let mut load = vec![0usize; g.cores()];
    let mut first_span: Vec<Option<Span>> = vec![None; g.cores()];
    for (_, pop) in network.neurons() {
        let Some((cores, span)) = pins(pop.settings.as_ref(), pop.size) else { continue };
        for (i, core) in cores.iter().enumerate() {
            let slot = usize::try_from(*core).ok().filter(|c| *c < g.cores());
            let Some(c) = slot else {
                diags.push(
                    Diag::error(
                        &codes::HARDWARE_CORE,
                        format!(
                            "`{}[{i}]` is pinned to core {core}, but `{name}` has cores 0..{}",
                            pop.name,
                            g.cores().saturating_sub(1)
                        ),
                    )
                    .label(span, format!("core {core} does not exist"))
                    .maybe_label(
                        device.span_of("cores_per_chip").or(device.span_of("chips")),
                        "the number of cores is set here",
                    )
                    .help(format!(
                        "global core indices run from 0 to {} (chip * cores_per_chip + core)",
                        g.cores().saturating_sub(1)
                    )),
                );
                break;
            };
            if let Some(l) = load.get_mut(c) {
                *l += 1;
            }
            if let Some(f) = first_span.get_mut(c) {
                f.get_or_insert(span);
            }
        }
    }
    for (core, &count) in load.iter().enumerate() {
        if count > g.neurons_per_core {
            diags.push(
                Diag::error(
                    &codes::HARDWARE_CORE,
                    format!("{count} neurons are pinned to core {core}, which holds {}", g.neurons_per_core),
                )
                .maybe_label(first_span.get(core).copied().flatten(), "pins neurons to this core")
                .maybe_label(device.span_of("neurons_per_core"), "the core size is set here")
                .help("spread the population over more cores, e.g. `core = load(\"cores.npy\")`"),
            );
        }
    }
    diags
}

fn fan_in(network: &Network, device: &Settings, name: &str, g: &Geometry) -> Vec<Diag> {
    let mut diags = Vec::new();
    for (post_index, post) in network.neurons() {
        let mut counts = vec![0usize; post.size];
        let mut biggest: Option<(usize, Span)> = None;
        for proj in network.projections.iter().filter(|p| p.to == post_index) {
            let Weights::Dense(m) = &proj.weights else { continue };
            let mut total = 0;
            for row in m.rows() {
                for (count, w) in counts.iter_mut().zip(row.iter()) {
                    if *w != 0.0 {
                        *count += 1;
                        total += 1;
                    }
                }
            }
            if biggest.is_none_or(|(t, _)| total > t) {
                biggest = Some((total, proj.span));
            }
        }
        let over: Vec<(usize, usize)> =
            counts.iter().copied().enumerate().filter(|(_, c)| *c > g.cam_entries).collect();
        if let (Some(&(neuron, count)), Some((_, span))) = (over.first(), biggest) {
            let more = if over.len() > 1 {
                format!(" ({} neurons of `{}` exceed it)", over.len(), post.name)
            } else {
                String::new()
            };
            diags.push(
                Diag::error(&codes::HARDWARE_FAN_IN, format!("`{}[{neuron}]` receives {count} connections, but a neuron of `{name}` has {} CAM entries{more}", post.name, g.cam_entries))
                    .label(span, format!("connections into `{}`", post.name))
                    .maybe_label(device.span_of("cam_entries"), "the CAM size is set here")
                    .help(format!("each neuron can receive at most {} connections: make the weights sparser (zeros need no CAM entry)", g.cam_entries)),
            );
        }
    }
    diags
}

/// Each SRAM entry routes a neuron's events to one chip (with a mask of its cores), so a neuron
/// reaches at most `sram_entries` chips. Only pinned destinations (`core = ...`) are known before
/// the map pass places the rest; unpinned ones are left to it.
fn fan_out(network: &Network, device: &Settings, name: &str, g: &Geometry) -> Vec<Diag> {
    let chip_of_core = |core: i64| usize::try_from(core).ok().map(|c| c / g.cores_per_chip.max(1));
    let chips_of: Vec<Option<Vec<Option<usize>>>> = network
        .populations
        .iter()
        .map(|p| pins(p.settings.as_ref(), p.size).map(|(cores, _)| cores.into_iter().map(chip_of_core).collect()))
        .collect();
    let mut diags = Vec::new();
    for (pre_index, pre) in network.populations.iter().enumerate() {
        let mut chips: Vec<Vec<usize>> = vec![Vec::new(); pre.size];
        let mut span = None;
        for proj in network.projections.iter().filter(|p| p.from == pre_index) {
            let (Weights::Dense(m), Some(Some(post_chips))) = (&proj.weights, chips_of.get(proj.to)) else { continue };
            span.get_or_insert(proj.span);
            for (row, targets) in m.rows().into_iter().zip(chips.iter_mut()) {
                for (w, chip) in row.iter().zip(post_chips) {
                    if let (true, Some(c)) = (*w != 0.0, chip) {
                        if !targets.contains(c) {
                            targets.push(*c);
                        }
                    }
                }
            }
        }
        let over: Vec<(usize, usize)> =
            chips.iter().map(Vec::len).enumerate().filter(|(_, n)| *n > g.sram_entries).collect();
        if let (Some(&(neuron, count)), Some(span)) = (over.first(), span) {
            let more = if over.len() > 1 {
                format!(" ({} neurons of `{}` exceed it)", over.len(), pre.name)
            } else {
                String::new()
            };
            diags.push(
                Diag::error(
                    &codes::HARDWARE_FAN_OUT,
                    format!(
                        "`{}[{neuron}]` sends to {count} chips, but a neuron of `{name}` has {} SRAM entries{more}",
                        pre.name, g.sram_entries
                    ),
                )
                .label(span, format!("connections from `{}`", pre.name))
                .maybe_label(device.span_of("sram_entries"), "the SRAM size is set here")
                .help(format!(
                    "each SRAM entry reaches the cores of one chip: connect each neuron to populations on at most {} chips",
                    g.sram_entries
                )),
            );
        }
    }
    diags
}

fn tags(network: &Network, device: &Settings, name: &str, g: &Geometry, map_span: Span) -> Option<Diag> {
    let needed = input_count(network) + neuron_count(network);
    (needed > g.tags).then(|| {
        Diag::error(
            &codes::HARDWARE_TAGS,
            format!(
                "`{}` needs {needed} event tags (one per input channel and neuron), but `{name}` has {}",
                network.name, g.tags
            ),
        )
        .label(map_span, "maps the network here")
        .maybe_label(device.span_of("tags"), "the tag count is set here")
        .help("reduce the number of inputs or neurons")
    })
}

/// Inputs are not neurons; only spiking populations are placed on cores.
pub fn is_spiking(network: &Network) -> bool {
    network.neurons().all(|(_, p)| p.kind == PopulationKind::Neurons)
}
