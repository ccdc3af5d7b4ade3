//! What can be wrong with an autoencoder setting. The rules live with the schedules and
//! optimizers they protect; `dyn check` points a [`Problem`] at the argument it names, and the
//! quantize pass refuses to run with it (for library users who skip the checker).

use std::fmt;

/// The sort of mistake, which decides the diagnostic code the checker gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// A value outside the range its formula can use.
    Range,
    /// A step count or boundary that is not a whole number.
    Integer,
    /// A required argument or parameter is missing, or the value is not a schedule at all.
    Arguments,
    /// An optimizer or schedule name that does not exist.
    Unknown,
    /// A schedule's arguments do not fit together (lengths, order).
    Schedule,
}

/// One broken rule: which argument, what is wrong, and what would fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// The argument or parameter at fault, by jax's name (`decay_steps`, `b1`).
    pub argument: &'static str,
    pub message: String,
    /// A few words for the label under the offending value.
    pub label: String,
    pub help: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// An interval of allowed values; NaN and infinities never belong to one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub low_closed: bool,
    pub high: f64,
    pub high_closed: bool,
}

impl Interval {
    /// (0, inf)
    pub const POSITIVE: Interval = Interval { low: 0.0, low_closed: false, high: f64::INFINITY, high_closed: false };
    /// [0, inf)
    pub const NON_NEGATIVE: Interval = Interval { low: 0.0, low_closed: true, ..Interval::POSITIVE };
    /// [0, 1): a moving-average coefficient that still forgets.
    pub const FRACTION: Interval = Interval { low: 0.0, low_closed: true, high: 1.0, high_closed: false };
    /// [0, 1]
    pub const UNIT: Interval = Interval { high_closed: true, ..Interval::FRACTION };
    /// (0, 1]: a decay factor.
    pub const DECAY: Interval = Interval { low_closed: false, ..Interval::UNIT };

    pub fn contains(&self, v: f64) -> bool {
        let above = if self.low_closed { v >= self.low } else { v > self.low };
        let below = if self.high_closed { v <= self.high } else { v < self.high };
        v.is_finite() && above && below
    }

    /// "must be positive", "must lie in [0, 1)".
    pub fn describe(&self) -> String {
        if self.high.is_infinite() {
            return match (self.low, self.low_closed) {
                (0.0, false) => "must be positive".into(),
                (0.0, true) => "must not be negative".into(),
                (l, true) => format!("must be at least {l}"),
                (l, false) => format!("must be above {l}"),
            };
        }
        let open = if self.low_closed { '[' } else { '(' };
        let close = if self.high_closed { ']' } else { ')' };
        format!("must lie in {open}{}, {}{close}", self.low, self.high)
    }
}

/// `name` (the argument, or an element of it such as `values[2]`) against `allowed`.
pub(crate) fn range(argument: &'static str, name: &str, value: f64, allowed: Interval, why: &str) -> Option<Problem> {
    (!allowed.contains(value)).then(|| Problem {
        kind: ProblemKind::Range,
        argument,
        message: format!("`{name}` {}, found {value}", allowed.describe()),
        label: format!("{value} is out of range"),
        help: why.to_string(),
    })
}

/// A number of steps: positive (or, for a boundary, not negative) and whole.
pub(crate) fn steps(argument: &'static str, name: &str, value: f64, allowed: Interval, why: &str) -> Option<Problem> {
    range(argument, name, value, allowed, why).or_else(|| {
        (value.fract() != 0.0).then(|| Problem {
            kind: ProblemKind::Integer,
            argument,
            message: format!("`{name}` counts optimizer steps and must be a whole number, found {value}"),
            label: format!("{value} is not whole"),
            help: format!("write `{name}` without a fractional part, e.g. `{}`", value.round().max(1.0)),
        })
    })
}
