//! The mapper: places every neuron of a network on a core (Rockpool's greedy clustering,
//! reference §6.4) and gives each core one parameter set (the mean over its neurons), without
//! the §9 failures:
//! - `ceil(N / 256)` cores and a balanced contiguous split, integer ids, every neuron placed
//!   (§9.16); more than 256 neurons spread over cores and chips;
//! - an explicit (chip, core, neuron slot) for every logical neuron (§9.21);
//! - pinned neurons (`core = ...`) on their core, which nothing else shares;
//! - populations whose incoming weights differ in scale by more than 10x on separate cores, so
//!   their base weight currents are fitted separately and small weights are not pruned (§7.7).

use std::collections::BTreeMap;

use ndarray::Array2;

use super::spec::{Cluster, Deployment, Geometry, InputChannel, Placement};
use crate::devices::dynapse2::simulation::{DynapSimParams, PARAMETERS};

/// Weight scales further apart than this get separate cores.
pub const SCALE_RATIO: f64 = 10.0;

/// A population to place, with its flat neuron range.
#[derive(Debug, Clone)]
pub struct PopulationIn {
    pub name: String,
    /// First flat neuron index.
    pub start: usize,
    pub size: usize,
    /// Global core (`chip * cores_per_chip + core`) of each neuron, if pinned.
    pub pins: Option<Vec<usize>>,
}

/// Everything the mapper reads.
#[derive(Debug, Clone)]
pub struct MapInput<'a> {
    pub network: String,
    pub geometry: Geometry,
    pub iscale: f64,
    pub populations: Vec<PopulationIn>,
    pub inputs: Vec<InputChannel>,
    /// (n_in, N)
    pub w_in: Array2<f64>,
    /// (N, N)
    pub w_rec: Array2<f64>,
    /// Per-neuron parameters before mismatch.
    pub params: &'a DynapSimParams,
    /// Separate cores for populations of different weight scales.
    pub separate_scales: bool,
}

/// Why a network cannot be placed.
#[derive(Debug, Clone, PartialEq)]
pub enum MapError {
    /// A pin names a core the board does not have (population index, neuron, core).
    NoSuchCore { population: usize, neuron: usize, core: usize },
    /// More neurons pinned to a core than it holds (core, count, first population pinning it).
    CoreFull { core: usize, count: usize, population: usize },
    /// Not enough free cores: needed, available.
    Capacity { needed: usize, available: usize },
}

impl std::fmt::Display for MapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MapError::NoSuchCore { neuron, core, .. } => {
                write!(f, "neuron {neuron} is pinned to core {core}, which does not exist")
            }
            MapError::CoreFull { core, count, .. } => write!(f, "{count} neurons are pinned to core {core}"),
            MapError::Capacity { needed, available } => {
                write!(f, "the network needs {needed} cores, but {available} are free")
            }
        }
    }
}

/// Mean absolute non-zero incoming weight of neurons `start..start+size` (None without inputs).
pub fn weight_scale(w_in: &Array2<f64>, w_rec: &Array2<f64>, start: usize, size: usize) -> Option<f64> {
    let (mut sum, mut count) = (0.0, 0usize);
    for m in [w_in, w_rec] {
        for row in m.rows() {
            for w in row.iter().skip(start).take(size) {
                if *w != 0.0 {
                    sum += w.abs();
                    count += 1;
                }
            }
        }
    }
    #[allow(clippy::cast_precision_loss)] // connection counts are far below 2^53
    (count > 0).then(|| sum / count as f64)
}

/// Groups of unpinned populations that may share cores: each population joins the first group
/// whose scales stay within [`SCALE_RATIO`] of each other with it, or starts a new one.
fn scale_groups(input: &MapInput) -> Vec<Vec<usize>> {
    // members and the (smallest, largest) scale among them
    type Group = (Vec<usize>, Option<(f64, f64)>);
    let mut groups: Vec<Group> = Vec::new();
    for (index, pop) in input.populations.iter().enumerate() {
        if pop.pins.is_some() || pop.size == 0 {
            continue;
        }
        let scale =
            if input.separate_scales { weight_scale(&input.w_in, &input.w_rec, pop.start, pop.size) } else { None };
        let fits = |range: &Option<(f64, f64)>| match (range, scale) {
            (Some((lo, hi)), Some(s)) => hi.max(s) <= SCALE_RATIO * lo.min(s),
            _ => true,
        };
        match groups.iter_mut().find(|(_, range)| fits(range)) {
            Some((members, range)) => {
                members.push(index);
                if let Some(s) = scale {
                    *range = Some(range.map_or((s, s), |(lo, hi)| (lo.min(s), hi.max(s))));
                }
            }
            None => groups.push((vec![index], scale.map(|s| (s, s)))),
        }
    }
    groups.into_iter().map(|(members, _)| members).collect()
}

/// `len` items in `parts` contiguous chunks whose sizes differ by at most one.
fn balanced(items: &[usize], parts: usize) -> Vec<Vec<usize>> {
    let parts = parts.max(1);
    let (base, extra) = (items.len() / parts, items.len() % parts);
    let mut chunks = Vec::with_capacity(parts);
    let mut rest = items;
    for k in 0..parts {
        let take = base + usize::from(k < extra);
        let (chunk, tail) = rest.split_at(take.min(rest.len()));
        chunks.push(chunk.to_vec());
        rest = tail;
    }
    chunks
}

/// Places the network.
pub fn map(input: &MapInput) -> Result<Deployment, MapError> {
    let g = input.geometry;
    let n: usize = input.populations.iter().map(|p| p.size).sum();
    let mut per_core: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut first_pin: BTreeMap<usize, usize> = BTreeMap::new();
    for (index, pop) in input.populations.iter().enumerate() {
        let Some(pins) = &pop.pins else { continue };
        for (i, &core) in pins.iter().enumerate().take(pop.size) {
            if core >= g.cores() {
                return Err(MapError::NoSuchCore { population: index, neuron: i, core });
            }
            per_core.entry(core).or_default().push(pop.start + i);
            first_pin.entry(core).or_insert(index);
        }
    }
    for (&core, neurons) in &per_core {
        if neurons.len() > g.neurons_per_core {
            let population = first_pin.get(&core).copied().unwrap_or(0);
            return Err(MapError::CoreFull { core, count: neurons.len(), population });
        }
    }
    let pinned: Vec<usize> = per_core.keys().copied().collect();
    let mut free = (0..g.cores()).filter(|c| !pinned.contains(c));
    let groups = scale_groups(input);
    let needed_total: usize = groups
        .iter()
        .map(|members| {
            let len: usize = members.iter().filter_map(|&i| input.populations.get(i)).map(|p| p.size).sum();
            len.div_ceil(g.neurons_per_core.max(1))
        })
        .sum();
    let available = g.cores().saturating_sub(per_core.len());
    if needed_total > available {
        return Err(MapError::Capacity { needed: needed_total + per_core.len(), available: g.cores() });
    }
    for members in groups {
        let mut neurons: Vec<usize> =
            members.iter().filter_map(|&i| input.populations.get(i)).flat_map(|p| p.start..p.start + p.size).collect();
        neurons.sort_unstable();
        let cores = neurons.len().div_ceil(g.neurons_per_core.max(1));
        for chunk in balanced(&neurons, cores) {
            let core = free.next().ok_or(MapError::Capacity { needed: needed_total, available })?;
            per_core.insert(core, chunk);
        }
    }
    let cpc = g.cores_per_chip.max(1);
    let mut clusters = Vec::with_capacity(per_core.len());
    let mut core_map = vec![0usize; n];
    let mut slot_of = vec![(0usize, 0usize); n];
    for (c, (global, mut neurons)) in per_core.into_iter().enumerate() {
        neurons.sort_unstable();
        for (slot, &j) in neurons.iter().enumerate() {
            if let Some(m) = core_map.get_mut(j) {
                *m = c;
            }
            if let Some(s) = slot_of.get_mut(j) {
                *s = (c, slot);
            }
        }
        let params = mean_params(input.params, &neurons);
        clusters.push(Cluster { chip: global / cpc, core: global % cpc, neurons, params });
    }
    let mut placements = Vec::with_capacity(n);
    for pop in &input.populations {
        for i in 0..pop.size {
            let (cluster, slot) = slot_of.get(pop.start + i).copied().unwrap_or((0, 0));
            let (chip, core) = clusters.get(cluster).map_or((0, 0), |cl| (cl.chip, cl.core));
            placements.push(Placement { population: pop.name.clone(), index: i, cluster, chip, core, neuron: slot });
        }
    }
    Ok(Deployment {
        network: input.network.clone(),
        geometry: g,
        iscale: input.iscale,
        inputs: input.inputs.clone(),
        neurons: placements,
        clusters,
        core_map,
        w_in: input.w_in.clone(),
        w_rec: input.w_rec.clone(),
        quantized: None,
    })
}

/// The mean of every parameter over a core's neurons (Rockpool's clustered currents, §6.4).
fn mean_params(params: &DynapSimParams, neurons: &[usize]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for info in PARAMETERS {
        let values = params.values(info.param);
        let sum: f64 = neurons.iter().filter_map(|&j| values.get(j)).sum();
        #[allow(clippy::cast_precision_loss)] // at most 2^16 neurons per core
        let mean = if neurons.is_empty() { info.default } else { sum / neurons.len() as f64 };
        out.insert(info.name.to_string(), mean);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn input<'a>(params: &'a DynapSimParams, sizes: &[usize], scales: &[f64]) -> MapInput<'a> {
        let n: usize = sizes.iter().sum();
        let mut w_in = Array2::zeros((1, n));
        let mut populations = Vec::new();
        let mut start = 0;
        for (k, (&size, &scale)) in sizes.iter().zip(scales).enumerate() {
            for j in start..start + size {
                w_in[[0, j]] = scale;
            }
            populations.push(PopulationIn { name: format!("p{k}"), start, size, pins: None });
            start += size;
        }
        MapInput {
            network: "net".into(),
            geometry: Geometry::default(),
            iscale: 1e-8,
            populations,
            inputs: vec![InputChannel { population: "x".into(), index: 0 }],
            w_in,
            w_rec: Array2::zeros((n, n)),
            params,
            separate_scales: true,
        }
    }

    #[test]
    fn exactly_256_neurons_fit_one_core() {
        let params = DynapSimParams::defaults(256);
        let d = map(&input(&params, &[256], &[1.0])).unwrap();
        assert_eq!(d.clusters.len(), 1);
    }

    #[test]
    fn more_than_a_chip_spreads_over_chips() {
        let params = DynapSimParams::defaults(1300);
        let d = map(&input(&params, &[1300], &[1.0])).unwrap();
        // ceil(1300 / 256) = 6 cores of 217 or 216 neurons, the last two on chip 1
        assert_eq!(d.clusters.len(), 6);
        assert!(d.clusters.iter().all(|c| c.neurons.len() == 216 || c.neurons.len() == 217));
        assert_eq!((d.clusters[5].chip, d.clusters[5].core), (1, 1));
        let last = d.neurons.last().unwrap();
        assert_eq!((last.chip, last.core, last.neuron), (1, 1, 215));
        let mut addresses: Vec<_> = d.neurons.iter().map(|p| (p.chip, p.core, p.neuron)).collect();
        addresses.sort_unstable();
        addresses.dedup();
        assert_eq!(addresses.len(), 1300);
    }

    #[test]
    fn a_population_of_another_scale_gets_its_own_core() {
        let params = DynapSimParams::defaults(20);
        let d = map(&input(&params, &[8, 10, 2], &[3.0, 1.0, 0.03])).unwrap();
        assert_eq!(d.clusters.len(), 2);
        assert_eq!(d.clusters[1].neurons, vec![18, 19]);
        let mut same = input(&params, &[8, 10, 2], &[3.0, 1.0, 0.03]);
        same.separate_scales = false;
        assert_eq!(map(&same).unwrap().clusters.len(), 1);
    }

    #[test]
    fn pins_take_their_core_alone() {
        let params = DynapSimParams::defaults(12);
        let mut i = input(&params, &[4, 8], &[1.0, 1.0]);
        i.populations[1].pins = Some(vec![0, 0, 0, 0, 5, 5, 5, 5]);
        let d = map(&i).unwrap();
        let addresses: Vec<(usize, usize, usize)> =
            d.clusters.iter().map(|c| (c.chip, c.core, c.neurons.len())).collect();
        assert_eq!(addresses, vec![(0, 0, 4), (0, 1, 4), (1, 1, 4)]);
        assert_eq!(d.core_map[0], 1);
        assert_eq!(d.core_map[4], 0);
    }

    #[test]
    fn too_many_neurons_is_an_error() {
        let params = DynapSimParams::defaults(4097);
        assert!(matches!(map(&input(&params, &[4097], &[1.0])), Err(MapError::Capacity { .. })));
    }
}
