//! Mixed precision (`MixedPrecisionCompound`, §6.7): the gradient accumulates digitally in χ;
//! every `transfer_every` mini-batches, whole multiples of the device granularity ε are written
//! row by row onto the analog device with UM and UBLM forced on.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::super::device::array::DeviceArray;
use super::super::rng::{stream, Purpose};
use super::super::update::{apply, UpdateParams, VectorUpdate};
use super::{one_hot, CompoundParams, Env};

#[derive(Debug, Clone)]
pub struct MixedPrecision {
    pub device: DeviceArray,
    pub params: CompoundParams,
    /// χ (rows × cols, row-major).
    pub chi: Vec<f64>,
    pub next_row: usize,
}

impl MixedPrecision {
    pub fn granularity(&self) -> f64 {
        if self.params.granularity > 0.0 {
            self.params.granularity
        } else {
            self.device.spec.granularity()
        }
    }

    /// Quantises to `bins` levels of max|v|/floor(bins/2) (identity with 0 bins).
    pub fn quantize(v: &[f64], bins: u32, sto: bool, rng: &mut ChaCha8Rng) -> Vec<f64> {
        let half = f64::from(bins / 2);
        if bins == 0 || half == 0.0 {
            return v.to_vec();
        }
        let max = v.iter().fold(0.0_f64, |m, a| m.max(a.abs()));
        let width = if max > 0.0 { max / half } else { 1.0 };
        v.iter()
            .map(|a| {
                let u = if sto { rng.gen::<f64>() - 0.5 } else { 0.0 };
                (a / width + u).round_ties_even().clamp(-half, half) * width
            })
            .collect()
    }

    pub fn update(&mut self, x: &[f64], d: &[f64], lr: f64, env: &mut Env) -> u64 {
        let mut rng = stream(env.seed, env.counter, Purpose::Compound);
        let qx = Self::quantize(x, self.params.n_x_bins, self.params.stoc_round_x, &mut rng);
        let qd = Self::quantize(d, self.params.n_d_bins, self.params.stoc_round_d, &mut rng);
        let cols = self.device.cols.max(1);
        for (row, di) in self.chi.chunks_mut(cols).zip(&qd) {
            for (c, xj) in row.iter_mut().zip(&qx) {
                *c += lr * di * xj;
            }
        }
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let every = (self.params.transfer_every * env.m_batch as f64).round().max(1.0) as u64;
        // The core checks before counting, so the first transfer is on update E + 1.
        let t = env.counter.saturating_sub(1);
        if t > 0 && t.is_multiple_of(every) {
            return self.transfer(env, &mut rng);
        }
        0
    }

    /// Writes `n_rows_per_transfer` rows (all with −1) of whole steps of χ onto the device.
    pub fn transfer(&mut self, env: &mut Env, rng: &mut ChaCha8Rng) -> u64 {
        let (rows, cols) = (self.device.rows, self.device.cols.max(1));
        let eps = self.granularity();
        let n_rows =
            usize::try_from(self.params.n_rows_per_transfer).ok().filter(|n| *n > 0 && *n < rows).unwrap_or(rows);
        let start = if self.params.random_row && n_rows < rows { rng.gen_range(0..rows) } else { self.next_row };
        let params = UpdateParams { update_management: true, update_bl_management: true, ..env.update.clone() };
        let mut pulses = 0;
        for r in (0..n_rows).map(|k| (start + k) % rows.max(1)) {
            let Some(row) = self.chi.get_mut(r * cols..(r + 1) * cols) else {
                continue;
            };
            let n = whole_steps(row, eps);
            if n.iter().all(|v| *v == 0.0) {
                continue;
            }
            let d = one_hot(rows, r);
            let u = VectorUpdate {
                params: &params,
                x: &n,
                d: &d,
                lr: eps * self.params.transfer_lr,
                x_flip: None,
                d_flip: None,
                seed: env.seed ^ 0x3C,
                counter: env.counter.wrapping_mul(rows as u64 + 1).wrapping_add(r as u64),
            };
            pulses += apply(&mut self.device, &u, eps);
        }
        self.next_row = (start + n_rows) % rows.max(1);
        pulses
    }
}

/// Takes the whole multiples of `eps` out of `chi` (truncating towards 0); returns them.
pub fn whole_steps(chi: &mut [f64], eps: f64) -> Vec<f64> {
    chi.iter_mut()
        .map(|c| {
            let n = (*c / eps).trunc();
            *c -= n * eps;
            n
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::whole_steps;

    /// §8.9: χ = [0.0035, −0.0012, 0.0009] with ε = 0.001 gives n = [3, −1, 0] and residuals
    /// [0.0005, −0.0002, 0.0009].
    #[test]
    fn whole_steps_and_residuals() {
        let mut chi = [0.0035, -0.0012, 0.0009];
        let n = whole_steps(&mut chi, 0.001);
        assert_eq!(n, vec![3.0, -1.0, 0.0]);
        for (c, w) in chi.iter().zip([0.0005, -0.0002, 0.0009]) {
            assert!((c - w).abs() < 1e-12);
        }
    }
}
