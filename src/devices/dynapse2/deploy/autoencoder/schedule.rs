//! Step-size schedules of `jax.example_libraries.optimizers`, by the same formulas.
//!
//! `i` is the optimizer's step index as Rockpool passes it: 0-based, and restarted at 0 in every
//! checkpoint chunk of the non-fixed-epoch mode (see `train`).

use super::problem::{range, steps, Interval, Problem, ProblemKind};

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

    /// Every reason the schedule's values cannot work; empty when they can. `dyn check` reports
    /// each at the argument it names, and quantization refuses to start with any.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        match self {
            Schedule::Constant(step_size) => out.extend(rate("step_size", *step_size)),
            Schedule::ExponentialDecay { step_size, decay_steps, decay_rate } => {
                out.extend(rate("step_size", *step_size));
                out.extend(decay_steps_problem(*decay_steps));
                out.extend(range(
                    "decay_rate",
                    "decay_rate",
                    *decay_rate,
                    Interval::DECAY,
                    "the step size is multiplied by `decay_rate` every `decay_steps` steps: above 1 it grows \
                     without bound, at 0 training stops after the first step; e.g. `decay_rate = 0.9`",
                ));
            }
            Schedule::InverseTimeDecay { step_size, decay_steps, decay_rate, .. } => {
                out.extend(rate("step_size", *step_size));
                out.extend(decay_steps_problem(*decay_steps));
                out.extend(range(
                    "decay_rate",
                    "decay_rate",
                    *decay_rate,
                    Interval::NON_NEGATIVE,
                    "the step size is `step_size / (1 + decay_rate * i / decay_steps)`: a negative rate \
                     divides by zero and then turns the steps around; e.g. `decay_rate = 0.5`",
                ));
            }
            Schedule::PolynomialDecay { step_size, decay_steps, final_step_size, power } => {
                out.extend(rate("step_size", *step_size));
                out.extend(decay_steps_problem(*decay_steps));
                out.extend(range(
                    "final_step_size",
                    "final_step_size",
                    *final_step_size,
                    Interval::NON_NEGATIVE,
                    "the step size ends at `final_step_size`; a negative one climbs the loss instead of \
                     descending it",
                ));
                out.extend(range(
                    "power",
                    "power",
                    *power,
                    Interval::POSITIVE,
                    "the step size falls as `(1 - i / decay_steps) ^ power`: at 0 it never falls, below 0 it \
                     becomes infinite at `decay_steps`; e.g. `power = 1` (linear)",
                ));
            }
            Schedule::PiecewiseConstant { boundaries, values } => piecewise(boundaries, values, &mut out),
        }
        out
    }

    /// The first of [`Schedule::problems`].
    pub fn problem(&self) -> Option<Problem> {
        self.problems().into_iter().next()
    }
}

const RATE_HELP: &str = "a step size is a positive number of the order of 1e-4 to 1e-1; zero never moves the \
                         encoder and a negative one climbs the loss instead of descending it";

fn rate(argument: &'static str, value: f64) -> Option<Problem> {
    range(argument, argument, value, Interval::POSITIVE, RATE_HELP)
}

fn decay_steps_problem(value: f64) -> Option<Problem> {
    steps(
        "decay_steps",
        "decay_steps",
        value,
        Interval::POSITIVE,
        "`decay_steps` is the number of optimizer steps over which the step size decays (jax divides the step \
         index by it), e.g. `decay_steps = 1000`",
    )
}

/// `piecewise_constant(boundaries, values)`: one value more than boundaries, boundaries whole,
/// not negative and increasing, values usable step sizes.
fn piecewise(boundaries: &[f64], values: &[f64], out: &mut Vec<Problem>) {
    if values.len() != boundaries.len() + 1 {
        let (b, v) = (boundaries.len(), values.len());
        out.push(Problem {
            kind: ProblemKind::Schedule,
            argument: "values",
            message: format!("`values` needs one entry more than `boundaries` ({b} boundaries, {v} values)"),
            label: format!("{v} values for {b} boundaries"),
            help: format!(
                "{b} boundaries split training into {} pieces, one step size each: `values[k]` holds until step \
                 `boundaries[k]` has passed, the last one after every boundary",
                b + 1
            ),
        });
    }
    let boundary_help = "a boundary is the optimizer step after which the next value takes over, e.g. \
                         `piecewise_constant([1000, 5000], [1e-2, 1e-3, 1e-4])`";
    for (k, b) in boundaries.iter().enumerate() {
        out.extend(steps("boundaries", &format!("boundaries[{k}]"), *b, Interval::NON_NEGATIVE, boundary_help));
    }
    let mut pairs = boundaries.iter().zip(boundaries.iter().skip(1)).enumerate();
    if let Some((k, (before, after))) = pairs.find(|(_, (a, b))| b <= a) {
        out.push(Problem {
            kind: ProblemKind::Schedule,
            argument: "boundaries",
            message: format!("`boundaries` must increase, but `boundaries[{}]` = {after} follows {before}", k + 1),
            label: "not in increasing order".into(),
            help: "jax counts how many boundaries the step index has passed, so a boundary that does not increase \
                   skips a value; list the steps in increasing order"
                .into(),
        });
    }
    for (k, v) in values.iter().enumerate() {
        out.extend(range("values", &format!("values[{k}]"), *v, Interval::POSITIVE, RATE_HELP));
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

    #[test]
    fn problems_name_the_argument_at_fault() {
        let at = |s: Schedule| s.problems().iter().map(|p| (p.argument, p.kind)).collect::<Vec<_>>();
        assert_eq!(at(Schedule::Constant(0.0)), [("step_size", ProblemKind::Range)]);
        assert_eq!(at(Schedule::Constant(f64::NAN)), [("step_size", ProblemKind::Range)]);
        let exp = |decay_steps, decay_rate| Schedule::ExponentialDecay { step_size: 0.1, decay_steps, decay_rate };
        assert!(exp(10.0, 1.0).problems().is_empty());
        assert_eq!(at(exp(0.0, 0.5)), [("decay_steps", ProblemKind::Range)]);
        assert_eq!(at(exp(2.5, 0.5)), [("decay_steps", ProblemKind::Integer)]);
        assert_eq!(at(exp(10.0, 1.5)), [("decay_rate", ProblemKind::Range)]);
        assert_eq!(at(exp(10.0, 0.0)), [("decay_rate", ProblemKind::Range)]);
        let inv = Schedule::InverseTimeDecay { step_size: 0.1, decay_steps: 10.0, decay_rate: -0.1, staircase: false };
        assert_eq!(at(inv), [("decay_rate", ProblemKind::Range)]);
        let poly = |final_step_size, power| Schedule::PolynomialDecay {
            step_size: 0.1,
            decay_steps: 10.0,
            final_step_size,
            power,
        };
        assert!(poly(0.0, 2.0).problems().is_empty());
        assert_eq!(at(poly(-1e-3, 1.0)), [("final_step_size", ProblemKind::Range)]);
        assert_eq!(at(poly(1e-3, 0.0)), [("power", ProblemKind::Range)]);
        let piece = |boundaries: &[f64], values: &[f64]| Schedule::PiecewiseConstant {
            boundaries: boundaries.to_vec(),
            values: values.to_vec(),
        };
        assert!(piece(&[], &[0.1]).problems().is_empty());
        assert_eq!(at(piece(&[5.0, 2.0], &[1.0, 0.5, 0.1])), [("boundaries", ProblemKind::Schedule)]);
        assert_eq!(at(piece(&[2.0, 2.0], &[1.0, 0.5, 0.1])), [("boundaries", ProblemKind::Schedule)]);
        assert_eq!(at(piece(&[2.5], &[1.0, 0.5])), [("boundaries", ProblemKind::Integer)]);
        assert_eq!(at(piece(&[-1.0], &[1.0, 0.5])), [("boundaries", ProblemKind::Range)]);
        assert_eq!(at(piece(&[2.0], &[1.0, -0.5])), [("values", ProblemKind::Range)]);
        // every problem, not just the first
        assert_eq!(piece(&[3.0, 1.0], &[0.0]).problems().len(), 3);
    }
}
