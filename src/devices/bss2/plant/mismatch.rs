//! Fixed-pattern mismatch: drawn once from the chip seed, neuron by neuron in order (calix.md
//! §5.1–5.5), so a chip is the same whatever the thread count.

use rand::Rng;
use rand_distr::StandardNormal;

use super::params::PlantParams;
use crate::devices::bss2::rng::{stream, Purpose};

/// A voltage cell: `V = VLSB c (1 + gain) + offset`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoltageCell {
    pub gain: f64,
    pub offset: f64,
}

/// A current cell: `I / I_FS = max(c - dead, 0) / 1022 (1 + gain)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurrentCell {
    pub dead: f64,
    pub gain: f64,
}

/// One neuron's fixed pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct NeuronMismatch {
    /// v_leak, v_reset, v_threshold cells.
    pub vcell: [VoltageCell; 3],
    /// i_bias_leak, i_bias_reset, tau exc/inh, gm exc/inh, i_bias_nmda cells.
    pub icell: [CurrentCell; 7],
    /// Slope gains and offsets of leak, reset, threshold potentials.
    pub gain: [f64; 3],
    pub offset: [f64; 3],
    /// Dependence of the resting potential on the leak bias (V per e-fold of current).
    pub leak_log: f64,
    pub cap_gain: f64,
    /// Log-normal gains: leak conductance, offset current, tau_syn exc/inh, gm exc/inh, icc.
    pub g_leak: f64,
    pub off_gain: f64,
    pub tau_syn: [f64; 2],
    pub gm: [f64; 2],
    pub icc: f64,
    /// Synaptic OTA input offsets (V).
    pub syn_offset: [f64; 2],
    /// Residual offsets of the neuron's two CADC channels (LSB).
    pub channel: [f64; 2],
    /// COBA: reference-voltage cells (e_synin_rev) with their offsets, bias cells and gains.
    pub coba_ref: [VoltageCell; 2],
    pub coba_offset: [f64; 2],
    pub coba_cell: [CurrentCell; 2],
    pub coba_gain: [f64; 2],
}

/// A quadrant's synapse DAC.
#[derive(Debug, Clone, PartialEq)]
pub struct QuadrantMismatch {
    pub dac_cell: CurrentCell,
    pub dac_gain: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub neurons: Vec<NeuronMismatch>,
    pub quadrants: [QuadrantMismatch; 4],
}

impl Mismatch {
    pub fn draw(p: &PlantParams) -> Mismatch {
        let mut d = Draw(stream(p.seed, Purpose::Mismatch, 0, 0));
        let quadrants = [0, 1, 2, 3]
            .map(|_| QuadrantMismatch { dac_cell: d.icell(), dac_gain: (1.0 + p.sigma_dac * d.n()).max(0.1) });
        // COBA parameters from their own stream, so adding them left every other draw as it was.
        let mut e = Draw(stream(p.seed, Purpose::Mismatch, 1, 0));
        let neurons = (0..p.neurons)
            .map(|_| NeuronMismatch {
                coba_ref: [e.vcell(), e.vcell()],
                coba_offset: [p.sigma_offset * e.n(), p.sigma_offset * e.n()],
                coba_cell: [e.icell(), e.icell()],
                coba_gain: [e.log_normal(p.sigma_conductance), e.log_normal(p.sigma_conductance)],
                vcell: [0; 3].map(|_| d.vcell()),
                icell: [0; 7].map(|_| d.icell()),
                gain: [0; 3].map(|_| p.sigma_gain * d.n()),
                offset: [0; 3].map(|_| p.sigma_offset * d.n()),
                leak_log: 3e-3 * d.n(),
                cap_gain: 0.02 * d.n(),
                g_leak: d.log_normal(p.sigma_conductance),
                off_gain: d.log_normal(0.10),
                tau_syn: [d.log_normal(p.sigma_tau_syn), d.log_normal(p.sigma_tau_syn)],
                gm: [d.log_normal(p.sigma_conductance), d.log_normal(p.sigma_conductance)],
                icc: d.log_normal(p.sigma_conductance),
                syn_offset: [p.sigma_synin_offset * d.n(), p.sigma_synin_offset * d.n()],
                channel: [p.channel_offset * d.n(), p.channel_offset * d.n()],
            })
            .collect();
        Mismatch { neurons, quadrants }
    }
}

/// Draws in a fixed order from the mismatch stream.
struct Draw(rand_chacha::ChaCha8Rng);

impl Draw {
    fn n(&mut self) -> f64 {
        self.0.sample(StandardNormal)
    }

    fn log_normal(&mut self, sigma: f64) -> f64 {
        (sigma * self.n()).exp()
    }

    /// calix.md §5.2: gain N(0, 0.5 %), offset N(0, 1 mV).
    fn vcell(&mut self) -> VoltageCell {
        VoltageCell { gain: 0.005 * self.n(), offset: 1e-3 * self.n() }
    }

    /// calix.md §5.2: dead zone N(8, 4) codes clipped at 0; 1 % gain spread (ours).
    fn icell(&mut self) -> CurrentCell {
        CurrentCell { dead: (8.0 + 4.0 * self.n()).max(0.0), gain: (0.01 * self.n()).max(-0.5) }
    }
}
