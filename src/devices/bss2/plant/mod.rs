//! The behavioural BrainScaleS-2 chip (calix.md §5): 512 neurons with fixed-pattern mismatch
//! drawn from the chip seed, 10-bit CapMem cells (optionally with crosstalk), a noisy 8-bit CADC,
//! MADC fits, spike counters, and a budget of the hardware time a real chip would spend.
//!
//! Measurements take all neurons at once, each neuron in parallel with its own noise stream
//! derived from (noise seed, measurement number, neuron): results are the same at any thread
//! count.

pub mod config;
pub mod measure;
pub mod mismatch;
pub mod params;
pub mod physics;
pub mod readout;

use rayon::prelude::*;

use config::{NeuronConfig, Row};
use mismatch::Mismatch;
pub use params::PlantParams;
use params::{quadrant, CAPMEM_SETTLE, CODE_MAX, PER_QUADRANT};
use physics::View;

use crate::devices::bss2::rng::{stream, Purpose};

/// A simulated chip and what is written to it.
#[derive(Debug, Clone)]
pub struct Plant {
    pub params: PlantParams,
    pub mismatch: Mismatch,
    pub config: Vec<NeuronConfig>,
    /// Synapse DAC bias code per quadrant.
    pub dac: [u16; 4],
    measurements: u64,
    /// Hardware time a real chip would have spent (s): CapMem settling and measurements.
    pub hardware_time: f64,
}

impl Plant {
    pub fn new(params: PlantParams) -> Plant {
        let mismatch = Mismatch::draw(&params);
        let config = vec![NeuronConfig::default(); params.neurons];
        Plant { params, mismatch, config, dac: [0; 4], measurements: 0, hardware_time: 0.0 }
    }

    pub fn neurons(&self) -> usize {
        self.config.len()
    }

    /// Measurements taken so far.
    pub fn measurements(&self) -> u64 {
        self.measurements
    }

    /// Writes one code per neuron to a CapMem row (clipped to 0..=1022).
    pub fn set_row(&mut self, row: Row, codes: &[i32]) {
        for (c, &code) in self.config.iter_mut().zip(codes) {
            c.set(row, u16::try_from(code.clamp(0, i32::from(CODE_MAX))).unwrap_or(0));
        }
        self.hardware_time += CAPMEM_SETTLE;
    }

    /// Writes the synapse DAC bias of each quadrant.
    pub fn set_dac(&mut self, codes: &[i32]) {
        for (d, &code) in self.dac.iter_mut().zip(codes) {
            *d = u16::try_from(code.clamp(0, i32::from(CODE_MAX))).unwrap_or(0);
        }
        self.hardware_time += 5.0 * CAPMEM_SETTLE; // calix waits 100 ms after global bias writes
    }

    /// Codes of one row, per neuron.
    pub fn row(&self, row: Row) -> Vec<i32> {
        self.config.iter().map(|c| i32::from(c.code(row))).collect()
    }

    /// Crosstalk shift of each neuron's three voltage cells (calix.md §5.2): same-code coupling
    /// within a row and quadrant, and block coupling to the quadrant's mean code.
    fn crosstalk(&self) -> Vec<[f64; 3]> {
        let n = self.neurons();
        let mut x = vec![[0.0; 3]; n];
        if !self.params.crosstalk {
            return x;
        }
        for q in 0..4 {
            let members: Vec<usize> = (0..n).filter(|&i| quadrant(i) == q).collect();
            if members.is_empty() {
                continue;
            }
            let mut sum = 0.0;
            for &i in &members {
                if let Some(c) = self.config.get(i) {
                    sum += c.codes.iter().map(|&v| f64::from(v)).sum::<f64>();
                }
            }
            let mean = sum / (members.len() * Row::COUNT) as f64;
            let block = self.params.k_block * (mean - 511.0) / f64::from(CODE_MAX);
            for (v, row) in [Row::VLeak, Row::VReset, Row::VThreshold].into_iter().enumerate() {
                let mut counts = vec![0u16; usize::from(CODE_MAX) + 1];
                for &i in &members {
                    if let Some(slot) = self.config.get(i).and_then(|c| counts.get_mut(usize::from(c.code(row)))) {
                        *slot += 1;
                    }
                }
                for &i in &members {
                    let same =
                        self.config.get(i).and_then(|c| counts.get(usize::from(c.code(row)))).copied().unwrap_or(1);
                    let shift = self.params.k_same * f64::from(same.saturating_sub(1)) / (PER_QUADRANT - 1) as f64;
                    if let Some(slot) = x.get_mut(i).and_then(|a| a.get_mut(v)) {
                        *slot = shift + block;
                    }
                }
            }
        }
        x
    }

    /// The DAC current of each quadrant (fraction of full scale).
    fn dac_fractions(&self) -> [f64; 4] {
        let mut out = [0.0; 4];
        for ((o, q), &code) in out.iter_mut().zip(&self.mismatch.quadrants).zip(&self.dac) {
            *o = physics::current_fraction(code, q.dac_cell.dead, q.dac_cell.gain) * q.dac_gain;
        }
        out
    }

    /// Evaluates `f` for every neuron in parallel, each with its own noise stream; charges
    /// `duration` of hardware time.
    pub fn measure<F>(&mut self, duration: f64, f: F) -> Vec<f64>
    where
        F: Fn(&View<'_>, &mut rand_chacha::ChaCha8Rng) -> f64 + Sync,
    {
        let id = self.measurements;
        self.measurements += 1;
        self.hardware_time += duration;
        let seed = self.params.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ self.params.noise_seed;
        self.per_neuron(|i, view| f(view, &mut stream(seed, Purpose::Noise, id, i as u64)))
    }

    /// Evaluates `f` for every neuron without noise or hardware time (the model's true values,
    /// for reports and tests).
    pub fn inspect<F>(&self, f: F) -> Vec<f64>
    where
        F: Fn(&View<'_>) -> f64 + Sync,
    {
        self.per_neuron(|_, view| f(view))
    }

    /// Evaluates `f(neuron, view)` for every neuron in parallel, in neuron order.
    fn per_neuron<F>(&self, f: F) -> Vec<f64>
    where
        F: Fn(usize, &View<'_>) -> f64 + Sync,
    {
        let x = self.crosstalk();
        let dac = self.dac_fractions();
        let (p, m, c) = (&self.params, &self.mismatch.neurons, &self.config);
        (0..self.neurons())
            .into_par_iter()
            .with_min_len(32)
            .map(|i| {
                let (Some(mi), Some(ci), Some(xi)) = (m.get(i), c.get(i), x.get(i)) else { return f64::NAN };
                f(i, &View { p, m: mi, c: ci, x: *xi, dac: dac.get(quadrant(i)).copied().unwrap_or(0.0) })
            })
            .collect()
    }
}
