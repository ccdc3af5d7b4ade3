//! AGAD / TTv4 (`DynamicTransferCompound`, §6.6): like chopped TTv2, but the buffer integrates
//! the read minus a reference `P` that jumps to the running mean `M` of the last half chopper
//! period when a column's chopper switches; writes wait for a warm-up of N sweeps. As in aihwkit's
//! CPU core there is no variance-based significance gate (§10.7, kept deliberately).

use super::chopped::{threshold, Chopped};

#[derive(Debug, Clone)]
pub struct AgadState {
    /// Running mean M and past mean P (rows × cols, row-major).
    pub mean: Vec<f64>,
    pub past: Vec<f64>,
    /// Whether a column's chopper switched on its last read.
    pub switched: Vec<bool>,
}

impl AgadState {
    pub fn new(rows: usize, cols: usize) -> AgadState {
        AgadState { mean: vec![0.0; rows * cols], past: vec![0.0; rows * cols], switched: vec![false; cols] }
    }

    /// N = max(ceil(1/p), 2) sweeps per chopper period.
    pub fn chop_period(p: f64) -> u64 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let n = if p > 0.0 { (1.0 / p).ceil().min(1e12) as u64 } else { 2 };
        n.max(2)
    }

    pub fn period(&self, p: f64) -> u64 {
        AgadState::chop_period(p)
    }

    pub fn mark_switched(&mut self, i: usize) {
        if let Some(s) = self.switched.get_mut(i) {
            *s = true;
        }
    }

    /// One column's buffer step (§6.6 steps 1–4); returns the whole steps to write.
    pub fn column(&mut self, c: &mut Chopped, i: usize, v: &[f64], lambda: f64, max_steps: f64) -> Vec<f64> {
        let cols = c.fast.cols.max(1);
        let n_period = AgadState::chop_period(c.params.in_chop_prob);
        #[allow(clippy::cast_precision_loss)]
        let mu = (c.params.tail_weightening / n_period as f64).min(1.0);
        if self.switched.get(i).copied().unwrap_or(false) {
            for (p, m) in self.past.iter_mut().zip(&self.mean).skip(i).step_by(cols) {
                *p = *m;
            }
            if let Some(s) = self.switched.get_mut(i) {
                *s = false;
            }
        }
        let c_in = c.c_in.get(i).copied().unwrap_or(false);
        let p = c.params.clone();
        // experimental_correct_accumulation: λ over min(cs, 1/ε_A), cs the sweep in the period.
        #[allow(clippy::cast_precision_loss)]
        let lambda = if p.experimental_correct_accumulation {
            let cs = (c.transfer_counter % n_period + 1) as f64;
            lambda / cs.min(1.0 / c.fast.spec.granularity())
        } else {
            lambda
        };
        v.iter()
            .enumerate()
            .map(|(j, vj)| {
                let k = j * cols + i;
                let past = self.past.get(k).copied().unwrap_or(0.0);
                let s = if c_in != c.c_out.get(j).copied().unwrap_or(false) { -1.0 } else { 1.0 };
                let Some(h) = c.buffer.get_mut(k) else {
                    return 0.0;
                };
                let mut omega = if p.no_buffer { 0.0 } else { *h } + lambda * s * (vj - past);
                let n = threshold(&mut omega, &p, max_steps);
                if n != 0.0 && !p.forget_buffer && p.buffer_cap > 0.0 {
                    let cap = p.buffer_cap * max_steps;
                    omega = omega.clamp(-cap, cap);
                }
                *h = omega;
                if let Some(m) = self.mean.get_mut(k) {
                    *m = (1.0 - mu) * *m + mu * vj;
                }
                n
            })
            .collect()
    }
}
