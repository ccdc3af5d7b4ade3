//! Buffered, chopped transfer (`ChoppedTransferCompound`, §6.5): TTv2 (no chopping, absolute
//! fast LR) and chopped TTv2 / TTv3 (random input choppers, auto-scaled fast LR). The fast device A
//! accumulates the chopped gradient; each vector update reads one column of A into a digital
//! buffer H, and whole multiples of the threshold become single pulses on the slow device C.
//! AGAD (§6.6) shares this state and replaces the per-column transfer (see `agad.rs`).

use super::super::device::array::DeviceArray;
use super::super::rng::{stream, uniform, Purpose};
use super::super::update::{apply, VectorUpdate};
use super::agad::AgadState;
use super::{one_hot, read_column, CompoundParams, Env};

#[derive(Debug, Clone)]
pub struct Chopped {
    pub fast: DeviceArray,
    pub slow: DeviceArray,
    pub params: CompoundParams,
    /// Buffer H (rows × cols, row-major).
    pub buffer: Vec<f64>,
    /// Choppers: true = sign −1. `c_in` per column, `c_out` per row (column transfer).
    pub c_in: Vec<bool>,
    pub c_out: Vec<bool>,
    /// EMAs of max|x| and max|d| for auto_scale (0 = not yet set).
    pub m_x: f64,
    pub m_d: f64,
    pub transfer_counter: u64,
    pub i_slice: usize,
    /// AGAD's running and past means; `None` for TTv2 / c-TTv2.
    pub agad: Option<AgadState>,
}

impl Chopped {
    pub fn new(fast: DeviceArray, slow: DeviceArray, params: CompoundParams, agad: bool) -> Chopped {
        let (rows, cols) = (fast.rows, fast.cols);
        Chopped {
            buffer: vec![0.0; rows * cols],
            c_in: vec![false; cols],
            c_out: vec![false; rows],
            m_x: 0.0,
            m_d: 0.0,
            transfer_counter: 0,
            i_slice: 0,
            agad: agad.then(|| AgadState::new(rows, cols)),
            fast,
            slow,
            params,
        }
    }

    pub fn visible(&self) -> Vec<f64> {
        let (g, g_c) = self.params.gammas();
        let cols = self.fast.cols.max(1);
        self.slow
            .weights()
            .iter()
            .zip(self.fast.weights())
            .enumerate()
            .map(|(k, (c, a))| {
                if g == 0.0 {
                    return g_c * c;
                }
                let flip = self.c_in.get(k % cols) != self.c_out.get(k / cols);
                g_c * c + g * if flip { -a } else { *a }
            })
            .collect()
    }

    pub fn set_weights(&mut self, w: &[f64], rng: &mut rand_chacha::ChaCha8Rng) {
        self.fast.set_weights(&vec![0.0; w.len()], rng);
        self.slow.set_weights(w, rng);
    }

    /// Pulse-count LR of A (§6.5 step 2).
    pub fn fast_lr(&self, lr: f64, desired_bl: u32) -> f64 {
        let p = &self.params;
        let scale = if p.scale_fast_lr { lr } else { 1.0 };
        if p.auto_scale && p.fast_lr > 0.0 {
            let eps = self.fast.spec.granularity();
            let mut v = p.fast_lr * f64::from(desired_bl) * eps;
            if self.m_x > 0.0 && self.m_d > 0.0 {
                v /= self.m_x * self.m_d;
            }
            v * scale
        } else if p.fast_lr > 0.0 {
            p.fast_lr * scale
        } else {
            lr
        }
    }

    fn track(&mut self, x: &[f64], d: &[f64], m_batch: usize) {
        if !self.params.auto_scale {
            return;
        }
        #[allow(clippy::cast_precision_loss)]
        let tau = (1.0 - self.params.auto_momentum) / m_batch.max(1) as f64;
        let ema = |m: f64, new: f64| {
            if new <= 0.0 {
                m
            } else if m <= 0.0 {
                new
            } else {
                (1.0 - tau) * m + tau * new
            }
        };
        self.m_x = ema(self.m_x, x.iter().fold(0.0_f64, |m, v| m.max(v.abs())));
        self.m_d = ema(self.m_d, d.iter().fold(0.0_f64, |m, v| m.max(v.abs())));
    }

    pub fn update(&mut self, x: &[f64], d: &[f64], lr: f64, env: &mut Env) -> u64 {
        self.track(x, d, env.m_batch);
        let eps = self.fast.spec.granularity();
        let u = VectorUpdate {
            params: env.update,
            x,
            d,
            lr: self.fast_lr(lr, env.update.desired_bl),
            x_flip: Some(&self.c_in),
            d_flip: Some(&self.c_out),
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

    /// The buffer threshold θ and the scale λ of reads into the buffer (§6.5).
    pub fn threshold_and_scale(&self, lr: f64, desired_bl: u32) -> (f64, f64) {
        let p = &self.params;
        let eps_a = self.fast.spec.granularity();
        let bg = if p.buffer_granularity > 0.0 { p.buffer_granularity } else { 1.0 };
        #[allow(clippy::cast_precision_loss)]
        let theta = if p.auto_granularity > 0.0 {
            bg * eps_a * p.auto_granularity
                / (self.fast.cols.max(1) as f64 * p.transfer_period().abs().max(f64::MIN_POSITIVE))
        } else {
            bg * eps_a
        };
        let lr_tr = (p.transfer_rate() * if p.scale_transfer_lr { lr } else { 1.0 }).abs();
        if p.correct_gradient_magnitudes {
            let theta_c = theta * self.slow.spec.granularity() / eps_a;
            (theta, lr_tr / self.fast_lr(lr, desired_bl) / theta_c)
        } else {
            (theta, lr_tr / theta)
        }
    }

    fn transfer(&mut self, lr: f64, env: &mut Env) -> u64 {
        let cols = self.fast.cols.max(1);
        let i = self.i_slice % cols;
        let mut rng = stream(env.seed, env.counter, Purpose::Read);
        let v = read_column(&self.fast, i, env.transfer_read, &mut rng);
        let (_, lambda) = self.threshold_and_scale(lr, env.update.desired_bl);
        let max_steps = f64::from(env.transfer_update.desired_bl);
        let n = match self.agad.take() {
            Some(mut state) => {
                let n = state.column(self, i, &v, lambda, max_steps);
                self.agad = Some(state);
                n
            }
            None => self.buffer_column(i, &v, lambda, max_steps),
        };
        let warm = self.agad.as_ref().is_none_or(|a| self.transfer_counter > a.period(self.params.in_chop_prob));
        let mut pulses = 0;
        if warm && n.iter().any(|v| *v != 0.0) {
            let x = one_hot(cols, i);
            let d: Vec<f64> = n.iter().map(|v| -v).collect();
            let eps_c = self.slow.spec.granularity();
            let u = VectorUpdate {
                params: env.transfer_update,
                x: &x,
                d: &d,
                lr: self.params.step * self.slow.spec.granularity(),
                x_flip: None,
                d_flip: None,
                seed: env.seed ^ 0x5EED,
                counter: env.counter,
            };
            pulses = apply(&mut self.slow, &u, eps_c);
        }
        self.flip_choppers(i, &mut stream(env.seed, env.counter, Purpose::Compound));
        self.i_slice = (i + 1) % cols;
        pulses
    }

    /// §6.5: accumulate `s·λ·v` into column `i` of H; return the whole steps to write.
    pub fn buffer_column(&mut self, i: usize, v: &[f64], lambda: f64, max_steps: f64) -> Vec<f64> {
        let cols = self.fast.cols.max(1);
        let c_in = self.c_in.get(i).copied().unwrap_or(false);
        let p = &self.params;
        v.iter()
            .enumerate()
            .map(|(j, vj)| {
                let s = if c_in != self.c_out.get(j).copied().unwrap_or(false) { -1.0 } else { 1.0 };
                let Some(h) = self.buffer.get_mut(j * cols + i) else {
                    return 0.0;
                };
                let mut omega = if p.no_buffer { 0.0 } else { *h } + s * lambda * vj;
                let n = threshold(&mut omega, p, max_steps);
                *h = omega;
                n
            })
            .collect()
    }

    /// Chopper flips after reading column `i`; output choppers and the sweep counter after the last.
    fn flip_choppers(&mut self, i: usize, rng: &mut rand_chacha::ChaCha8Rng) {
        let p = self.params.in_chop_prob;
        if p > 0.0 {
            let flip = if self.params.in_chop_random {
                uniform(rng) < p
            } else {
                let n = AgadState::chop_period(p);
                (self.transfer_counter % n) + 1 == n
            };
            if flip {
                if let Some(c) = self.c_in.get_mut(i) {
                    *c = !*c;
                }
                if let Some(a) = self.agad.as_mut() {
                    a.mark_switched(i);
                }
            }
        }
        if i + 1 == self.fast.cols {
            let q = self.params.out_chop_prob;
            if q > 0.0 {
                for c in &mut self.c_out {
                    if uniform(rng) < q {
                        *c = !*c;
                    }
                }
            }
            self.transfer_counter += 1;
        }
    }
}

/// The threshold rule shared by the buffers: whole steps `n` of `ω` (|ω| ≥ 1), clamped to
/// ±max_steps; the buffer keeps `ω·momentum` (forget) or `ω − (1 − momentum)·n`.
pub fn threshold(omega: &mut f64, p: &CompoundParams, max_steps: f64) -> f64 {
    if omega.abs() < 1.0 {
        return 0.0;
    }
    let n = omega.trunc().clamp(-max_steps, max_steps);
    if p.forget_buffer {
        *omega *= p.momentum;
    } else {
        *omega -= (1.0 - p.momentum) * n;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::super::{Algorithm, CompoundParams};
    use super::threshold;

    /// §8.9: λ = 10, reads [0.05, −0.12, 0.003] give ω = [0.5, −1.2, 0.03], n = [0, −1, 0] and the
    /// buffer [0.5, 0, 0.03] (forgotten with momentum 0).
    #[test]
    fn chopped_buffer_snippet() {
        let p = CompoundParams::for_algorithm(Algorithm::CTtv2);
        let mut got = Vec::new();
        for v in [0.05, -0.12, 0.003] {
            let mut omega = 10.0 * v;
            let n = threshold(&mut omega, &p, 1.0);
            got.push((n, omega));
        }
        let want = [(0.0, 0.5), (-1.0, 0.0), (0.0, 0.03)];
        for ((n, o), (wn, wo)) in got.iter().zip(want) {
            assert_eq!(*n, wn);
            assert!((o - wo).abs() < 1e-12);
        }
    }
}
