//! Calibration targets as plain per-neuron numbers (calix's NeuronCalibTarget after
//! broadcasting): potentials in CADC LSB, times in seconds, codes as integers.

/// How the synaptic input strength is set (calix.md §1.2).
#[derive(Debug, Clone, PartialEq)]
pub enum Synin {
    /// One bias: the median amplitude at this bias is the target for both inputs.
    Matching(i32),
    /// One bias per input (exc, inh): each input to its own median.
    PerInput([i32; 2]),
    /// Per neuron and input: taken as calibrated biases; only the references are calibrated.
    Uncalibrated([Vec<i32>; 2]),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    pub leak: Vec<f64>,
    pub reset: Vec<f64>,
    pub threshold: Vec<f64>,
    pub tau_mem: Vec<f64>,
    /// Exc and inh.
    pub tau_syn: [Vec<f64>; 2],
    pub synin: Synin,
    /// COBA reversal and reference potentials (exc, inh) per neuron; None: CUBA everywhere.
    pub e_coba_reversal: Option<[Vec<f64>; 2]>,
    pub e_coba_reference: Option<[Vec<f64>; 2]>,
    pub capacitance: Vec<u8>,
    pub refractory_time: Vec<f64>,
    pub holdoff_time: Vec<f64>,
    pub synapse_dac_bias: i32,
    pub tau_icc: Option<Vec<f64>>,
}

impl Targets {
    /// calix's defaults for `n` neurons.
    pub fn defaults(n: usize) -> Targets {
        Targets {
            leak: vec![80.0; n],
            reset: vec![70.0; n],
            threshold: vec![125.0; n],
            tau_mem: vec![10e-6; n],
            tau_syn: [vec![10e-6; n], vec![10e-6; n]],
            synin: Synin::Matching(500),
            e_coba_reversal: None,
            e_coba_reference: None,
            capacitance: vec![63; n],
            refractory_time: vec![2e-6; n],
            holdoff_time: vec![0.0; n],
            synapse_dac_bias: 600,
            tau_icc: None,
        }
    }

    pub fn neurons(&self) -> usize {
        self.leak.len()
    }
}

/// What runs after `calibrate()`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Options {
    /// Seed of the noisy searches and CapMem write noise.
    pub seed: u64,
    /// Re-run threshold, reset and leak at the end (calix.md §3.6).
    pub refine_potentials: bool,
    /// Leak over threshold: firing rate per neuron (Hz, hardware time); 0 leaves a neuron's
    /// threshold as calibrated.
    pub leak_over_threshold_rate: Option<Vec<f64>>,
}
