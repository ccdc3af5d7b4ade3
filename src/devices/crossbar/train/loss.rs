//! Losses and their gradients with respect to the network output (mean over the batch, as
//! torch's `reduction="mean"`).

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    CrossEntropy,
    Mse,
}

impl Loss {
    /// Loss of one sample and its gradient (not yet divided by the batch size).
    /// `target`: the class index (cross entropy) or the target vector (mse).
    pub fn sample(self, y: &[f64], target: &[f64]) -> (f64, Vec<f64>) {
        match self {
            Loss::CrossEntropy => {
                let max = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let exp: Vec<f64> = y.iter().map(|v| (v - max).exp()).collect();
                let sum: f64 = exp.iter().sum();
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // a checked class index
                let class = target.first().copied().unwrap_or(0.0).max(0.0) as usize;
                let p: Vec<f64> = exp.iter().map(|e| e / sum).collect();
                let loss = -(p.get(class).copied().unwrap_or(1.0).max(f64::MIN_POSITIVE)).ln();
                let grad = p.iter().enumerate().map(|(k, pk)| pk - if k == class { 1.0 } else { 0.0 }).collect();
                (loss, grad)
            }
            Loss::Mse => {
                #[allow(clippy::cast_precision_loss)]
                let k = y.len().max(1) as f64;
                let loss = y.iter().zip(target).map(|(a, t)| (a - t) * (a - t)).sum::<f64>() / k;
                let grad = y.iter().zip(target).map(|(a, t)| 2.0 * (a - t) / k).collect();
                (loss, grad)
            }
        }
    }

    /// Whether output `y` classifies `target` correctly (cross entropy: arg max; mse: arg max of both).
    pub fn correct(self, y: &[f64], target: &[f64]) -> bool {
        let arg = |v: &[f64]| {
            v.iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, x)| if *x > bv { (i, *x) } else { (bi, bv) })
                .0
        };
        match self {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Loss::CrossEntropy => arg(y) == target.first().copied().unwrap_or(-1.0).max(0.0) as usize,
            Loss::Mse => arg(y) == arg(target),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Uniform logits over 3 classes: loss ln 3, gradient p − onehot.
    #[test]
    fn cross_entropy_of_uniform_logits() {
        let (l, g) = Loss::CrossEntropy.sample(&[0.0, 0.0, 0.0], &[1.0]);
        assert!((l - 3f64.ln()).abs() < 1e-12);
        let want = [1.0 / 3.0, -2.0 / 3.0, 1.0 / 3.0];
        assert!(g.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12), "{g:?}");
    }
}
