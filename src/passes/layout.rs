//! Where each population sits in the flat neuron and input-channel vectors the device models use,
//! and the dense input and recurrent weight matrices of a spiking network.

use std::ops::Range;

use ndarray::{s, Array2};

use crate::devices::dynapse2::simulation::{SimError, SparseWeights};
use crate::model::{Network, Population, Weights};
use crate::syntax::ast::PopulationKind;

/// The flat layout of a network: neurons (all `neurons` populations) and input channels.
#[derive(Debug, Clone)]
pub struct Layout {
    /// For each population of the network: its range among neurons or among input channels.
    pub ranges: Vec<Range<usize>>,
    pub n_neurons: usize,
    pub n_inputs: usize,
}

impl Layout {
    pub fn of(network: &Network) -> Layout {
        let mut ranges = Vec::with_capacity(network.populations.len());
        let (mut neurons, mut inputs) = (0usize, 0usize);
        for p in &network.populations {
            let counter = if p.kind == PopulationKind::Input { &mut inputs } else { &mut neurons };
            ranges.push(*counter..*counter + p.size);
            *counter += p.size;
        }
        Layout { ranges, n_neurons: neurons, n_inputs: inputs }
    }

    pub fn range(&self, population: usize) -> Range<usize> {
        self.ranges.get(population).cloned().unwrap_or(0..0)
    }

    /// The population and index within it of a flat neuron index.
    pub fn locate<'n>(&self, network: &'n Network, neuron: usize) -> Option<(&'n Population, usize)> {
        network
            .populations
            .iter()
            .zip(&self.ranges)
            .find_map(|(p, r)| (p.kind != PopulationKind::Input && r.contains(&neuron)).then(|| (p, neuron - r.start)))
    }
}

/// Dense input (n_inputs, n_neurons) and recurrent (n_neurons, n_neurons) weight matrices.
pub fn dense_weights(network: &Network, layout: &Layout) -> (Array2<f64>, Array2<f64>) {
    let mut w_in = Array2::zeros((layout.n_inputs, layout.n_neurons));
    let mut w_rec = Array2::zeros((layout.n_neurons, layout.n_neurons));
    for proj in &network.projections {
        let Weights::Dense(m) = &proj.weights else { continue };
        let (pre, post) = (layout.range(proj.from), layout.range(proj.to));
        let from_input = network.populations.get(proj.from).is_some_and(|p| p.kind == PopulationKind::Input);
        let target = if from_input { &mut w_in } else { &mut w_rec };
        // check proved the matrix is (pre.len(), post.len()); `slice_mut` on a checked range.
        if pre.end <= target.nrows() && post.end <= target.ncols() && m.dim() == (pre.len(), post.len()) {
            target.slice_mut(s![pre, post]).assign(m);
        }
    }
    (w_in, w_rec)
}

/// Sparse input (n_inputs, n_neurons) and recurrent (n_neurons, n_neurons) matrices, built from
/// each projection's block without the dense N x N matrix of [`dense_weights`] (512 MB for 8192
/// neurons); the same values, a later projection onto the same pair replacing an earlier one.
pub fn sparse_weights(network: &Network, layout: &Layout) -> Result<(SparseWeights, SparseWeights), SimError> {
    let (mut w_in, mut w_rec) = (Vec::new(), Vec::new());
    for proj in &network.projections {
        let Weights::Dense(m) = &proj.weights else { continue };
        let (pre, post) = (layout.range(proj.from), layout.range(proj.to));
        let from_input = network.populations.get(proj.from).is_some_and(|p| p.kind == PopulationKind::Input);
        let entries = if from_input { &mut w_in } else { &mut w_rec };
        // check proved the matrix is (pre.len(), post.len())
        if m.dim() == (pre.len(), post.len()) {
            let nonzero = m.indexed_iter().filter(|(_, &w)| w != 0.0);
            entries.extend(nonzero.map(|((i, j), &w)| (pre.start + i, post.start + j, w)));
        }
    }
    Ok((
        SparseWeights::from_entries("w_in", layout.n_inputs, layout.n_neurons, w_in)?,
        SparseWeights::from_entries("w_rec", layout.n_neurons, layout.n_neurons, w_rec)?,
    ))
}
