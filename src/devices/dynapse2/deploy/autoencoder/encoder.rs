//! The encoder update without the encoder: only the codes `c = x @ W_en` matter.
//!
//! The encoder's gradient is rank one, `dL/dW_en[m][k] = x_m * gamma_k` with `x_m > 0`, and every
//! elementwise optimizer state started at zero stays a function of `x_m` times a per-code scalar
//! (Adam: `m = x_m M_k`, `v = x_m^2 V_k`; adamax: `u = x_m U_k`; adagrad's normalised step does
//! not depend on `x_m` at all). So one step changes the codes by a closed form in per-code
//! scalars and sums over `x`, with no per-weight state: O(n) per epoch (plus a few exact terms
//! for Adam's and adamax's `eps`), where the dense update is O(n M). Exact in real arithmetic;
//! rmsprop_momentum and SM3 are not of this form and keep the dense update.
//!
//! For Adam and adamax the step is `-rate * M_k * S(s)` with `S(s) = sum_m x_m^2 / (x_m s + eps)`.
//! With `q = eps / (x s)`, `x^2 / (x s + eps) = (x / s)(1 - q + q^2 - q^3 + ...)`; for the weights
//! with `q < 1e-3` (all but the smallest, once `s` is not tiny) the series to `q^3` is exact to
//! 1e-12 relative and uses suffix sums of `x`, `1`, `1/x`, `1/x^2` over the sorted `x`; the
//! others are added exactly.

use super::optimizers::Optimizer;
use super::schedule::Schedule;

/// Where the series is used: `eps / (x s)` below this.
const SERIES_Q: f64 = 1e-3;

/// Sums over the scaled weights, sorted ascending.
pub struct Moments {
    sorted: Vec<f64>,
    /// Suffix sums from index i: x, 1, 1/x, 1/x^2.
    suffix: Vec<[f64; 4]>,
    sum_x: f64,
    sum_x2: f64,
}

impl Moments {
    pub fn new(x: &[f32]) -> Moments {
        let mut sorted: Vec<f64> = x.iter().map(|v| f64::from(*v)).collect();
        sorted.sort_by(f64::total_cmp);
        let mut suffix = vec![[0.0; 4]; sorted.len() + 1];
        let mut acc = [0.0; 4];
        for (i, x) in sorted.iter().enumerate().rev() {
            acc = [acc[0] + x, acc[1] + 1.0, acc[2] + 1.0 / x, acc[3] + 1.0 / (x * x)];
            if let Some(slot) = suffix.get_mut(i) {
                *slot = acc;
            }
        }
        Moments { sum_x: sorted.iter().sum(), sum_x2: sorted.iter().map(|x| x * x).sum(), sorted, suffix }
    }

    /// `sum_m x_m^2 / (x_m s + eps)`.
    fn adam_sum(&self, s: f64, eps: f64) -> f64 {
        if s <= 0.0 {
            return self.sum_x2 / eps;
        }
        // weights with x >= cut have q = eps / (x s) <= SERIES_Q
        let cut = eps / (s * SERIES_Q);
        let split = self.sorted.partition_point(|x| *x < cut);
        let exact: f64 = self.sorted.iter().take(split).map(|x| x * x / (x * s + eps)).sum();
        let [sx, count, inv, inv2] = self.suffix.get(split).copied().unwrap_or([0.0; 4]);
        let e = eps / s;
        exact + (sx - e * count + e * e * inv - e * e * e * inv2) / s
    }

    /// `sum_m x_m^2 / sqrt(x_m^2 a + eps)` (rmsprop), exactly.
    fn rmsprop_sum(&self, a: f64, eps: f64) -> f64 {
        self.sorted.iter().map(|x| x * x / (x * x * a + eps).sqrt()).sum()
    }
}

/// Per-code optimizer scalars of the factored update.
pub struct Factored {
    s1: Vec<f64>,
    s2: Vec<f64>,
}

impl Factored {
    /// `None` when the optimizer's state does not factor (rmsprop_momentum, sm3).
    pub fn new(optimizer: &Optimizer, n: usize) -> Option<Factored> {
        match optimizer {
            Optimizer::RmspropMomentum { .. } | Optimizer::Sm3 { .. } => None,
            _ => Some(Factored { s1: vec![0.0; n], s2: vec![0.0; n] }),
        }
    }

    /// One step: the codes' change for code gradients `gamma` at step index `i`.
    pub fn step(&mut self, optimizer: &Optimizer, schedule: &Schedule, i: u64, gamma: &[f64], x: &Moments) -> Vec<f64> {
        let lr = schedule.at(i);
        let t = i32::try_from(i.saturating_add(1)).unwrap_or(i32::MAX);
        let codes = self.s1.iter_mut().zip(self.s2.iter_mut()).zip(gamma);
        codes
            .map(|((s1, s2), g)| match *optimizer {
                Optimizer::Sgd => -lr * g * x.sum_x2,
                Optimizer::Momentum { mass } => {
                    *s1 = mass * *s1 + g;
                    -lr * *s1 * x.sum_x2
                }
                Optimizer::Nesterov { mass } => {
                    *s1 = mass * *s1 + g;
                    -lr * (mass * *s1 + g) * x.sum_x2
                }
                Optimizer::Adagrad { momentum } => {
                    *s1 += g * g;
                    let normalised = if *s1 > 0.0 { g / s1.sqrt() } else { 0.0 };
                    *s2 = (1.0 - momentum) * normalised + momentum * *s2;
                    -lr * *s2 * x.sum_x
                }
                Optimizer::Rmsprop { gamma: decay, eps } => {
                    *s1 = *s1 * decay + g * g * (1.0 - decay);
                    -lr * g * x.rmsprop_sum(*s1, eps)
                }
                Optimizer::Adam { b1, b2, eps } => {
                    *s1 = (1.0 - b1) * g + b1 * *s1;
                    *s2 = (1.0 - b2) * g * g + b2 * *s2;
                    let mhat = *s1 / (1.0 - b1.powi(t));
                    let s = (*s2 / (1.0 - b2.powi(t))).sqrt();
                    -lr * mhat * x.adam_sum(s, eps)
                }
                Optimizer::Adamax { b1, b2, eps } => {
                    *s1 = (1.0 - b1) * g + b1 * *s1;
                    *s2 = (b2 * *s2).max(g.abs());
                    -(lr / (1.0 - b1.powi(t))) * *s1 * x.adam_sum(*s2, eps)
                }
                // not factored (see `new`)
                Optimizer::RmspropMomentum { .. } | Optimizer::Sm3 { .. } => 0.0,
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn adam_sum_series_equals_the_exact_sum() {
        let x: Vec<f32> = (1..2000).map(|i| (i as f32).powf(1.7) * 1e-7).collect();
        let m = Moments::new(&x);
        for s in [1e-9, 1e-6, 1e-3, 0.1, 10.0] {
            let exact: f64 = x.iter().map(|x| f64::from(*x)).map(|x| x * x / (x * s + 1e-8)).sum();
            let got = m.adam_sum(s, 1e-8);
            assert!((got - exact).abs() <= 1e-10 * exact, "s = {s}: {got} vs {exact}");
        }
    }
}
