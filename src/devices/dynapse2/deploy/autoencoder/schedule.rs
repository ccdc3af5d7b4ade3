//! Step-size schedules of `jax.example_libraries.optimizers`, by the same formulas.
//!
//! `i` is the optimizer's step index as Rockpool passes it: 0-based, and restarted at 0 in every
//! checkpoint chunk of the non-fixed-epoch mode (see `train`).

/// A learning rate as a function of the step index.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// `constant(step_size)`: the same rate at every step.
    Constant(f64),
    /// `exponential_decay(step_size, decay_steps, decay_rate)`: `step_size * decay_rate^(i / decay_steps)`.
    ExponentialDecay { step_size: f64, decay_steps: f64, decay_rate: f64 },
    /// `inverse_time_decay(step_size, decay_steps, decay_rate, staircase=false)`:
    /// `step_size / (1 + decay_rate * i / decay_steps)`, with `floor(i / decay_steps)` when staircase.
    InverseTimeDecay { step_size: f64, decay_steps: f64, decay_rate: f64, staircase: bool },
    /// `polynomial_decay(step_size, decay_steps, final_step_size, power=1)`:
    /// `(1 - min(i, decay_steps) / decay_steps)^power * (step_size - final) + final`.
    PolynomialDecay { step_size: f64, decay_steps: f64, final_step_size: f64, power: f64 },
    /// `piecewise_constant(boundaries, values)`: `values[#{b in boundaries : i > b}]`;
    /// `values` has one more entry than `boundaries`.
    PiecewiseConstant { boundaries: Vec<f64>, values: Vec<f64> },
}

/// The names accepted in `.dyn` files, as jax spells them.
pub const NAMES: &[&str] =
    &["constant", "exponential_decay", "inverse_time_decay", "polynomial_decay", "piecewise_constant"];

impl Schedule {
    /// The rate at step `i`.
    pub fn at(&self, i: u64) -> f64 {
        // Step indices stay far below 2^53, so the conversion is exact.
        let t = i as f64;
        match self {
            Schedule::Constant(s) => *s,
            Schedule::ExponentialDecay { step_size, decay_steps, decay_rate } => {
                step_size * decay_rate.powf(t / decay_steps)
            }
            Schedule::InverseTimeDecay { step_size, decay_steps, decay_rate, staircase } => {
                let ratio = if *staircase { (t / decay_steps).floor() } else { t / decay_steps };
                step_size / (1.0 + decay_rate * ratio)
            }
            Schedule::PolynomialDecay { step_size, decay_steps, final_step_size, power } => {
                let n = t.min(*decay_steps);
                (1.0 - n / decay_steps).powf(*power) * (step_size - final_step_size) + final_step_size
            }
            Schedule::PiecewiseConstant { boundaries, values } => {
                let passed = boundaries.iter().filter(|b| t > **b).count();
                values.get(passed).or(values.last()).copied().unwrap_or(0.0)
            }
        }
    }

    /// Why the schedule's values cannot work, if they cannot (checked before a run).
    pub fn problem(&self) -> Option<String> {
        match self {
            Schedule::Constant(_) => None,
            Schedule::ExponentialDecay { decay_steps, .. } | Schedule::InverseTimeDecay { decay_steps, .. }
                if *decay_steps <= 0.0 =>
            {
                Some("`decay_steps` must be positive".into())
            }
            Schedule::PolynomialDecay { decay_steps, .. } if *decay_steps <= 0.0 => {
                Some("`decay_steps` must be positive".into())
            }
            Schedule::PiecewiseConstant { boundaries, values } if values.len() != boundaries.len() + 1 => {
                Some(format!(
                    "`values` needs one entry more than `boundaries` ({} boundaries, {} values)",
                    boundaries.len(),
                    values.len()
                ))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-15 * b.abs().max(1.0), "{a} != {b}");
    }

    #[test]
    fn constant_is_constant() {
        let s = Schedule::Constant(1e-4);
        close(s.at(0), 1e-4);
        close(s.at(123_456), 1e-4);
    }

    #[test]
    fn exponential_decay_by_hand() {
        // 0.1 * 0.5^(i/10): i = 0 -> 0.1, i = 10 -> 0.05, i = 5 -> 0.1/sqrt(2)
        let s = Schedule::ExponentialDecay { step_size: 0.1, decay_steps: 10.0, decay_rate: 0.5 };
        close(s.at(0), 0.1);
        close(s.at(10), 0.05);
        close(s.at(5), 0.1 / 2f64.sqrt());
    }

    #[test]
    fn inverse_time_decay_by_hand() {
        // 1 / (1 + 0.5 * i / 4): i = 4 -> 1/1.5; staircase: i = 7 -> floor(7/4) = 1 -> 1/1.5
        let s = Schedule::InverseTimeDecay { step_size: 1.0, decay_steps: 4.0, decay_rate: 0.5, staircase: false };
        close(s.at(4), 1.0 / 1.5);
        close(s.at(7), 1.0 / (1.0 + 0.5 * 7.0 / 4.0));
        let s = Schedule::InverseTimeDecay { step_size: 1.0, decay_steps: 4.0, decay_rate: 0.5, staircase: true };
        close(s.at(7), 1.0 / 1.5);
        close(s.at(8), 1.0 / 2.0);
    }

    #[test]
    fn polynomial_decay_by_hand() {
        // (1 - i/10)^2 * (1 - 0.1) + 0.1: i = 5 -> 0.25 * 0.9 + 0.1 = 0.325; i >= 10 -> 0.1
        let s = Schedule::PolynomialDecay { step_size: 1.0, decay_steps: 10.0, final_step_size: 0.1, power: 2.0 };
        close(s.at(0), 1.0);
        close(s.at(5), 0.325);
        close(s.at(10), 0.1);
        close(s.at(50), 0.1);
    }

    #[test]
    fn piecewise_constant_counts_strictly_passed_boundaries() {
        // jax: values[sum(i > boundaries)], so the boundary step itself still has the old value
        let s = Schedule::PiecewiseConstant { boundaries: vec![2.0, 5.0], values: vec![1.0, 0.5, 0.25] };
        assert_eq!([0, 1, 2, 3, 5, 6, 100].map(|i| s.at(i)), [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25]);
        assert!(s.problem().is_none());
        let bad = Schedule::PiecewiseConstant { boundaries: vec![2.0], values: vec![1.0] };
        assert!(bad.problem().is_some());
    }
}
