//! The deployment specification: what the mapper produces and what quantization, the hardware
//! configuration and the deployed simulation consume (Rockpool's `spec` dictionary, reference
//! §6.5, with an explicit placement of every logical neuron instead of "index = slot", §9.21).
//!
//! Neurons are numbered by their flat index: the network's `neurons` populations in declaration
//! order (`Layout`), input channels likewise. Weight matrices are indexed (pre, post).

use std::collections::BTreeMap;

use ndarray::Array2;
use serde::Serialize;

/// The board a deployment is placed on (from the device preset; Rockpool's defaults, §2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Geometry {
    /// Chips on the board.
    pub chips: usize,
    /// Cores per chip.
    pub cores_per_chip: usize,
    /// Neuron slots per core.
    pub neurons_per_core: usize,
    /// CAM entries (incoming synapses) per neuron.
    pub cam_per_neuron: usize,
    /// SRAM entries (outgoing destinations) per neuron, the monitor destination included.
    pub dest_per_neuron: usize,
    /// Event tags (valid tags are `0..tags`).
    pub tags: usize,
}

impl Default for Geometry {
    fn default() -> Self {
        Geometry {
            chips: 4,
            cores_per_chip: 4,
            neurons_per_core: 256,
            cam_per_neuron: 64,
            dest_per_neuron: 4,
            tags: 2048,
        }
    }
}

impl Geometry {
    /// Cores on the whole board.
    pub fn cores(&self) -> usize {
        self.chips.saturating_mul(self.cores_per_chip)
    }

    /// Neuron slots on the whole board.
    pub fn capacity(&self) -> usize {
        self.cores().saturating_mul(self.neurons_per_core)
    }
}

/// Where one logical neuron sits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placement {
    /// Population name.
    pub population: String,
    /// Index within the population.
    pub index: usize,
    /// Cluster (index into [`Deployment::clusters`]).
    pub cluster: usize,
    pub chip: usize,
    /// Core within the chip (0..cores_per_chip).
    pub core: usize,
    /// Neuron slot within the core (0..neurons_per_core).
    pub neuron: usize,
}

impl Placement {
    /// The user's name of the neuron: `out[1]`.
    pub fn name(&self) -> String {
        format!("{}[{}]", self.population, self.index)
    }
}

/// One external input channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputChannel {
    pub population: String,
    pub index: usize,
}

impl InputChannel {
    /// The user's name of the channel: `x[0]`.
    pub fn name(&self) -> String {
        format!("{}[{}]", self.population, self.index)
    }
}

/// One cluster = one core: its address, its neurons and its shared parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    pub chip: usize,
    /// Core within the chip.
    pub core: usize,
    /// Flat indices of the logical neurons placed on this core, in slot order (`neurons[k]` sits
    /// in slot `k`).
    pub neurons: Vec<usize>,
    /// The core's parameter set under Rockpool's simulator names (`Itau_mem`, `C_mem`, ...), SI
    /// units: the mean over the core's neurons (reference §6.4), before mismatch.
    pub params: BTreeMap<String, f64>,
}

/// The result of `quantize`, filled by the quantization pass (reference §7.6).
///
/// Code and sign matrices have the full shapes of [`Deployment::w_in`] / [`Deployment::w_rec`];
/// column `post` was quantized with the base currents of `clusters[core_map[post]]`. The deployed
/// weight of a connection, in units of `Iscale`, is `sign * sum_k bit_k(code) * Iw_k / Iscale`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantized {
    /// Bits per weight (= number of base currents).
    pub n_bits: usize,
    /// Per cluster, in the order of [`Deployment::clusters`].
    pub clusters: Vec<QuantizedCluster>,
    /// Integer bit masks (bit k set = `Iw_k` contributes), (n_in, N).
    pub codes_in: Array2<u8>,
    /// Integer bit masks, (N, N).
    pub codes_rec: Array2<u8>,
    /// -1, 0 or +1 from the float weights, (n_in, N).
    pub sign_in: Array2<i8>,
    /// -1, 0 or +1, (N, N).
    pub sign_rec: Array2<i8>,
}

/// One core's base weight currents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuantizedCluster {
    /// `Iw_0..Iw_{n_bits-1}` in amperes.
    pub iw: Vec<f64>,
    /// Rockpool's `quantization_loss` (last per-step loss), if training ran.
    pub loss: Option<f64>,
}

impl Quantized {
    /// The deployed weight (units of Iscale) of a code with a sign on a core with base currents `iw`.
    pub fn weight(code: u8, sign: i8, iw: &[f64], iscale: f64) -> f64 {
        let sum: f64 = iw.iter().enumerate().filter(|(k, _)| *k < 8 && code & (1u8 << k) != 0).map(|(_, w)| w).sum();
        f64::from(sign) * sum / iscale
    }
}

/// A mapped network: the deployment specification.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    /// The mapped network's name.
    pub network: String,
    pub geometry: Geometry,
    /// Scaling current (A): weights are in units of it.
    pub iscale: f64,
    /// External input channels, flat order.
    pub inputs: Vec<InputChannel>,
    /// Every logical neuron, flat order.
    pub neurons: Vec<Placement>,
    /// Clusters (cores in use), ordered by (chip, core).
    pub clusters: Vec<Cluster>,
    /// Flat neuron index -> cluster index (Rockpool's `core_map`, integers).
    pub core_map: Vec<usize>,
    /// Input weights (n_in, N), unitless (x Iscale), as Rockpool's `weights_in`.
    pub w_in: Array2<f64>,
    /// All hidden and recurrent weights (N, N), as Rockpool's `weights_rec`.
    pub w_rec: Array2<f64>,
    /// Filled by `quantize`.
    pub quantized: Option<Quantized>,
}

impl Deployment {
    pub fn n_neurons(&self) -> usize {
        self.neurons.len()
    }

    pub fn n_inputs(&self) -> usize {
        self.inputs.len()
    }

    /// The columns (post-synaptic flat indices) of cluster `c`.
    pub fn cluster_neurons(&self, c: usize) -> &[usize] {
        self.clusters.get(c).map_or(&[], |cl| cl.neurons.as_slice())
    }

    /// Global core number of a cluster (`chip * cores_per_chip + core`), Rockpool's cluster id.
    pub fn global_core(&self, c: usize) -> Option<usize> {
        self.clusters.get(c).map(|cl| cl.chip * self.geometry.cores_per_chip + cl.core)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn deployed_weight_sums_the_set_bits() {
        let iw = [1e-9, 2e-9, 4e-9, 8e-9];
        // mask 11 = bits {0, 1, 3} (reference §10.7)
        assert!((Quantized::weight(11, -1, &iw, 1e-8) + 1.1).abs() < 1e-12);
        assert_eq!(Quantized::weight(0, 1, &iw, 1e-8), 0.0);
    }
}
