//! Tiki-taka v1 (`TransferCompound`, §6.3): SGD pulses go to the fast device A; every
//! `transfer_every` mini-batches one column of A is read (noisy, NM/BM off) and written onto the
//! slow device C with a pulsed update; the visible weight is C (gamma = 0) plus gamma·A.

use super::super::device::array::DeviceArray;
use super::super::rng::{stream, Purpose};
use super::super::update::{apply, VectorUpdate};
use super::{one_hot, read_column, CompoundParams, Env};

#[derive(Debug, Clone)]
pub struct Transfer {
    pub fast: DeviceArray,
    pub slow: DeviceArray,
    pub params: CompoundParams,
    /// The next column to transfer.
    pub i_slice: usize,
}

impl Transfer {
    pub fn visible(&self) -> Vec<f64> {
        let (g_a, g_c) = self.params.gammas();
        self.slow.weights().iter().zip(self.fast.weights()).map(|(c, a)| g_c * c + g_a * a).collect()
    }

    pub fn set_weights(&mut self, w: &[f64], rng: &mut rand_chacha::ChaCha8Rng) {
        self.fast.set_weights(&vec![0.0; w.len()], rng);
        self.slow.set_weights(w, rng);
    }

    /// Pulse-count LR of A (§6.3; PR #764 semantics: scaled by η when scale_fast_lr).
    pub fn fast_lr(&self, lr: f64) -> f64 {
        let p = &self.params;
        match (p.fast_lr > 0.0, p.scale_fast_lr) {
            (true, true) => p.fast_lr * lr,
            (true, false) => p.fast_lr,
            (false, _) => lr,
        }
    }

    pub fn update(&mut self, x: &[f64], d: &[f64], lr: f64, env: &mut Env) -> u64 {
        let eps = self.fast.spec.granularity();
        let u = VectorUpdate {
            params: env.update,
            x,
            d,
            lr: self.fast_lr(lr),
            x_flip: None,
            d_flip: None,
            seed: env.seed,
            counter: env.counter,
        };
        let mut pulses = apply(&mut self.fast, &u, eps);
        let period = self.params.transfer_period_in_updates(env.m_batch);
        if period > 0 && env.counter.is_multiple_of(period) {
            pulses += self.transfer(lr, env);
        }
        pulses
    }

    /// Reads `n_reads_per_transfer` columns of A and writes them onto C.
    fn transfer(&mut self, lr: f64, env: &mut Env) -> u64 {
        let cols = self.fast.cols;
        let lr_tr = self.params.transfer_rate() * if self.params.scale_transfer_lr { lr } else { 1.0 };
        let eps = self.slow.spec.granularity();
        let mut rng = stream(env.seed, env.counter, Purpose::Read);
        let mut pulses = 0;
        for _ in 0..self.params.n_reads_per_transfer {
            let i = self.i_slice % cols.max(1);
            let v: Vec<f64> = read_column(&self.fast, i, env.transfer_read, &mut rng).iter().map(|a| -a).collect();
            let x = one_hot(cols, i);
            let u = VectorUpdate {
                params: env.transfer_update,
                x: &x,
                d: &v,
                lr: lr_tr,
                x_flip: None,
                d_flip: None,
                seed: env.seed ^ 0x5EED,
                counter: env.counter.wrapping_mul(cols as u64 + 1).wrapping_add(i as u64),
            };
            pulses += apply(&mut self.slow, &u, eps);
            self.i_slice = (i + 1) % cols.max(1);
        }
        pulses
    }
}
