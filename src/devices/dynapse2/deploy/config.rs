//! The hardware configuration of a quantized deployment (Rockpool's `config_from_specification`,
//! reference §8), without the §9 failures:
//! - tags (§8.4): input channel i -> tag i, logical neuron j -> tag n_in + j, unique on the board;
//!   Rockpool's output tags are never used and are not reserved;
//! - CAM (§8.5): per post neuron, input entries first, then recurrent ones, in pre order; a
//!   fan-in count over the CAM size is an error naming the neuron (no spurious check, §9.24);
//! - SRAM (§8.6): built from the pre neuron's own address over the whole matrix, one destination
//!   per target chip with a mask of its cores (inter-core and inter-chip connections kept,
//!   §9.22), after the monitor destination `(all cores, -7, -7, tag)`, whose tag is the neuron's
//!   own tag so every neuron's output events are identifiable (§9.25);
//! - inputs: every channel's routes over all clusters (§9.23);
//! - every logical neuron listed with its address, outputs included (issue #10).

use std::collections::BTreeMap;

use serde::Serialize;

use super::biasgen::{self, BIASES};
use super::spec::Deployment;

/// Hops of the monitor destination, which sends a neuron's events to the host.
pub const MONITOR_HOP: i32 = -7;
/// Largest hop distance an event can travel.
pub const MAX_HOP: i32 = 7;

/// Which synapse a CAM entry drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dendrite {
    /// Excitatory (Rockpool's value 1024).
    Ampa,
    /// Inhibitory (512).
    Gaba,
}

/// One CAM entry (incoming synapse).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CamEntry {
    pub tag: usize,
    pub dendrite: Dendrite,
    /// Which base currents add up: index k selects `Iw_k`.
    pub weight_mask: [bool; 4],
}

/// One SRAM entry (outgoing destination).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Destination {
    pub tag: usize,
    /// The target chip's cores, in ascending order.
    pub core_mask: Vec<bool>,
    pub x_hop: i32,
    pub y_hop: i32,
}

/// One bias as written.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bias {
    pub coarse: u8,
    pub fine: u8,
    /// The current the setting produces (A).
    pub current: f64,
    /// The current asked for (A).
    pub requested: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoreConfig {
    pub chip: usize,
    pub core: usize,
    /// By the chip's bias name (`SOIF_LEAK_N`).
    pub params: BTreeMap<String, Bias>,
    /// Base weight currents `Iw_0..Iw_3` (A).
    #[serde(rename = "Iw")]
    pub iw: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputConfig {
    pub name: String,
    pub tag: usize,
    /// Where the host sends the channel's events (hops counted from chip 0).
    pub routes: Vec<Destination>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeuronConfig {
    pub name: String,
    pub chip: usize,
    pub core: usize,
    pub neuron: usize,
    pub tag: usize,
    /// Whether the core's DC current is switched on for this neuron.
    pub latch_so_dc: bool,
    pub cam: Vec<CamEntry>,
    pub sram: Vec<Destination>,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    pub cores: Vec<CoreConfig>,
    pub inputs: Vec<InputConfig>,
    pub neurons: Vec<NeuronConfig>,
}

/// Why a deployment cannot be configured.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// No quantized weights.
    NotQuantized,
    /// More base currents than a CAM entry selects.
    TooManyBits {
        n_bits: usize,
    },
    Tags {
        needed: usize,
        available: usize,
    },
    /// A neuron receives more connections than it has CAM entries.
    FanIn {
        neuron: usize,
        count: usize,
        limit: usize,
    },
    /// A neuron needs more SRAM entries (monitor included) than it has.
    FanOut {
        neuron: usize,
        count: usize,
        limit: usize,
    },
    /// A destination too far away for the router.
    Hops {
        neuron: usize,
        hop: i32,
    },
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::NotQuantized => write!(f, "the weights are not quantized"),
            ConfigError::TooManyBits { n_bits } => write!(f, "{n_bits} bits per weight, but a CAM entry selects 4"),
            ConfigError::Tags { needed, available } => write!(f, "{needed} tags needed, {available} available"),
            ConfigError::FanIn { neuron, count, limit } => {
                write!(f, "neuron {neuron} receives {count} connections, {limit} CAM entries")
            }
            ConfigError::FanOut { neuron, count, limit } => {
                write!(f, "neuron {neuron} needs {count} destinations, {limit} SRAM entries")
            }
            ConfigError::Hops { neuron, hop } => write!(f, "neuron {neuron} sends {hop} chips away"),
        }
    }
}

/// Tag of input channel `i`.
pub fn input_tag(_d: &Deployment, i: usize) -> usize {
    i
}

/// Tag of logical neuron `j`.
pub fn neuron_tag(d: &Deployment, j: usize) -> usize {
    d.n_inputs() + j
}

/// Checks the tag range (§8.4).
pub fn check_tags(d: &Deployment) -> Result<(), ConfigError> {
    let needed = d.n_inputs() + d.n_neurons();
    if needed > d.geometry.tags {
        return Err(ConfigError::Tags { needed, available: d.geometry.tags });
    }
    Ok(())
}

/// Grid position of a chip: chips sit in a row, as in Rockpool's `CHIP_POS` (first definition).
fn chip_x(chip: usize) -> i64 {
    i64::try_from(chip).unwrap_or(i64::MAX)
}

/// One destination per target chip (ascending), each with the mask of that chip's target cores.
/// `targets` are cluster indices; hops are counted from `source_chip`.
pub fn routes(
    d: &Deployment,
    source_chip: usize,
    targets: impl Iterator<Item = usize>,
    tag: usize,
    neuron: usize,
) -> Result<Vec<Destination>, ConfigError> {
    let cpc = d.geometry.cores_per_chip;
    let mut chips: BTreeMap<usize, Vec<bool>> = BTreeMap::new();
    for c in targets {
        let Some(cluster) = d.clusters.get(c) else { continue };
        let mask = chips.entry(cluster.chip).or_insert_with(|| vec![false; cpc]);
        if let Some(bit) = mask.get_mut(cluster.core) {
            *bit = true;
        }
    }
    chips
        .into_iter()
        .map(|(chip, core_mask)| {
            let hop = chip_x(chip) - chip_x(source_chip);
            let hop = i32::try_from(hop)
                .ok()
                .filter(|h| h.abs() <= MAX_HOP)
                .ok_or(ConfigError::Hops { neuron, hop: i32::try_from(hop).unwrap_or(i32::MAX) })?;
            Ok(Destination { tag, core_mask, x_hop: hop, y_hop: 0 })
        })
        .collect()
}

/// The clusters neuron `pre` sends to, given which connections exist.
fn target_clusters(d: &Deployment, pre: usize, connected: &dyn Fn(usize, usize) -> bool) -> Vec<usize> {
    let mut clusters: Vec<usize> = (0..d.n_neurons())
        .filter(|&post| connected(pre, post))
        .filter_map(|post| d.core_map.get(post).copied())
        .collect();
    clusters.sort_unstable();
    clusters.dedup();
    clusters
}

/// SRAM of every neuron: the monitor, then its routes; `connected(pre, post)` says which
/// recurrent connections exist (float weights at map time, non-zero codes after quantization).
pub fn sram(d: &Deployment, connected: &dyn Fn(usize, usize) -> bool) -> Result<Vec<Vec<Destination>>, ConfigError> {
    let limit = d.geometry.dest_per_neuron;
    let all_cores = vec![true; d.geometry.cores_per_chip];
    (0..d.n_neurons())
        .map(|pre| {
            let tag = neuron_tag(d, pre);
            let chip = d.neurons.get(pre).map_or(0, |p| p.chip);
            let mut list =
                vec![Destination { tag, core_mask: all_cores.clone(), x_hop: MONITOR_HOP, y_hop: MONITOR_HOP }];
            list.extend(routes(d, chip, target_clusters(d, pre, connected).into_iter(), tag, pre)?);
            if list.len() > limit {
                return Err(ConfigError::FanOut { neuron: pre, count: list.len(), limit });
            }
            Ok(list)
        })
        .collect()
}

/// Builds the configuration from the quantized deployment.
pub fn build(d: &Deployment) -> Result<Config, ConfigError> {
    let q = d.quantized.as_ref().ok_or(ConfigError::NotQuantized)?;
    if q.n_bits > 4 {
        return Err(ConfigError::TooManyBits { n_bits: q.n_bits });
    }
    check_tags(d)?;
    let code_rec = |pre: usize, post: usize| q.codes_rec.get((pre, post)).copied().unwrap_or(0);
    let code_in = |pre: usize, post: usize| q.codes_in.get((pre, post)).copied().unwrap_or(0);
    let cores = d
        .clusters
        .iter()
        .enumerate()
        .map(|(c, cluster)| {
            let mut iw: Vec<f64> = q.clusters.get(c).map(|qc| qc.iw.clone()).unwrap_or_default();
            iw.resize(4, 0.0);
            let params = BIASES
                .iter()
                .map(|b| {
                    let requested = match b.sim.strip_prefix("Iw_").and_then(|k| k.parse::<usize>().ok()) {
                        Some(k) => iw.get(k).copied().unwrap_or(0.0),
                        None => cluster.params.get(b.sim).copied().unwrap_or(0.0),
                    };
                    let s = biasgen::setting(b, requested);
                    (b.device.to_string(), Bias { coarse: s.coarse, fine: s.fine, current: s.current, requested })
                })
                .collect();
            CoreConfig { chip: cluster.chip, core: cluster.core, params, iw }
        })
        .collect();
    let sram = sram(d, &|pre, post| code_rec(pre, post) > 0)?;
    let limit = d.geometry.cam_per_neuron;
    let mut neurons = Vec::with_capacity(d.n_neurons());
    for (j, (placement, sram)) in d.neurons.iter().zip(sram).enumerate() {
        let mut cam = Vec::new();
        let sign = |s: i8| if s < 0 { Dendrite::Gaba } else { Dendrite::Ampa };
        for i in 0..d.n_inputs() {
            let code = code_in(i, j);
            if code > 0 {
                let s = q.sign_in.get((i, j)).copied().unwrap_or(1);
                cam.push(CamEntry { tag: input_tag(d, i), dendrite: sign(s), weight_mask: mask(code) });
            }
        }
        for p in 0..d.n_neurons() {
            let code = code_rec(p, j);
            if code > 0 {
                let s = q.sign_rec.get((p, j)).copied().unwrap_or(1);
                cam.push(CamEntry { tag: neuron_tag(d, p), dendrite: sign(s), weight_mask: mask(code) });
            }
        }
        if cam.len() > limit {
            return Err(ConfigError::FanIn { neuron: j, count: cam.len(), limit });
        }
        let cluster = d.clusters.get(placement.cluster);
        let param = |name: &str| cluster.and_then(|c| c.params.get(name)).copied().unwrap_or(0.0);
        neurons.push(NeuronConfig {
            name: placement.name(),
            chip: placement.chip,
            core: placement.core,
            neuron: placement.neuron,
            tag: neuron_tag(d, j),
            // Idc at the dark current means "no DC input" in dyn (the default Idc = Io)
            latch_so_dc: param("Idc") > param("Io"),
            cam,
            sram,
        });
    }
    let inputs = d
        .inputs
        .iter()
        .enumerate()
        .map(|(i, channel)| {
            let mut clusters: Vec<usize> =
                (0..d.n_neurons()).filter(|&j| code_in(i, j) > 0).filter_map(|j| d.core_map.get(j).copied()).collect();
            clusters.sort_unstable();
            clusters.dedup();
            let tag = input_tag(d, i);
            Ok(InputConfig { name: channel.name(), tag, routes: routes(d, 0, clusters.into_iter(), tag, i)? })
        })
        .collect::<Result<Vec<_>, ConfigError>>()?;
    Ok(Config { cores, inputs, neurons })
}

/// The 4 bits of a code, LSB (`Iw_0`) first.
pub fn mask(code: u8) -> [bool; 4] {
    [code & 1 != 0, code & 2 != 0, code & 4 != 0, code & 8 != 0]
}
