//! Builtin functions: their signatures, checked when a call is evaluated.
//!
//! Generators (`uniform`, `normal`, `fill`, `one_to_one`) describe a weight matrix whose shape
//! comes from the projection; stimuli (`poisson`, `regular`, `spikes`) drive an input; schedules
//! give an optimizer's step size over time (jax.example_libraries.optimizers' names).

use super::units::Dim;

/// What a parameter accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamType {
    /// A number of this dimension.
    Quantity(Dim),
    /// A whole number (seeds, counts).
    Int,
    Bool,
    Text,
    /// A list or array of numbers.
    Array,
}

#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub ty: ParamType,
    pub required: bool,
}

/// What a call produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltinKind {
    /// `load`: reads an array at check time.
    Load,
    /// A weight-matrix generator.
    Generator,
    /// An input stimulus.
    Stimulus,
    /// An optimizer step-size schedule.
    Schedule,
}

#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub name: &'static str,
    pub kind: BuiltinKind,
    pub params: &'static [Param],
    pub doc: &'static str,
}

const fn req(name: &'static str, ty: ParamType) -> Param {
    Param { name, ty, required: true }
}
const fn opt(name: &'static str, ty: ParamType) -> Param {
    Param { name, ty, required: false }
}

const NUM: ParamType = ParamType::Quantity(Dim::NONE);

pub static BUILTINS: &[Builtin] = &[
    Builtin {
        name: "load",
        kind: BuiltinKind::Load,
        params: &[req("path", ParamType::Text)],
        doc: "an array from a .npy file, relative to this file",
    },
    Builtin {
        name: "uniform",
        kind: BuiltinKind::Generator,
        params: &[req("low", NUM), req("high", NUM), req("seed", ParamType::Int), opt("density", NUM)],
        doc: "weights drawn uniformly from [low, high), a fraction `density` of them non-zero",
    },
    Builtin {
        name: "normal",
        kind: BuiltinKind::Generator,
        params: &[req("mean", NUM), req("std", NUM), req("seed", ParamType::Int), opt("density", NUM)],
        doc: "weights drawn from a normal distribution, a fraction `density` of them non-zero",
    },
    Builtin {
        name: "fill",
        kind: BuiltinKind::Generator,
        params: &[req("value", NUM)],
        doc: "every weight equal to `value`",
    },
    Builtin {
        name: "one_to_one",
        kind: BuiltinKind::Generator,
        params: &[req("weight", NUM)],
        doc: "neuron i of the source to neuron i of the target (equal sizes)",
    },
    Builtin {
        name: "poisson",
        kind: BuiltinKind::Stimulus,
        params: &[req("rate", ParamType::Quantity(Dim::FREQUENCY)), req("seed", ParamType::Int)],
        doc: "independent Poisson spike trains on every channel",
    },
    Builtin {
        name: "regular",
        kind: BuiltinKind::Stimulus,
        params: &[req("period", ParamType::Quantity(Dim::TIME)), opt("delay", ParamType::Quantity(Dim::TIME))],
        doc: "a spike on every channel every `period`, the first after `delay` (default 0 s)",
    },
    Builtin {
        name: "spikes",
        kind: BuiltinKind::Stimulus,
        params: &[req("counts", ParamType::Array)],
        doc: "spike counts per step and channel, (steps, channels)",
    },
    Builtin {
        name: "constant",
        kind: BuiltinKind::Schedule,
        params: &[req("step_size", NUM)],
        doc: "a constant step size",
    },
    Builtin {
        name: "exponential_decay",
        kind: BuiltinKind::Schedule,
        params: &[req("step_size", NUM), req("decay_steps", NUM), req("decay_rate", NUM)],
        doc: "step_size * decay_rate ^ (i / decay_steps)",
    },
    Builtin {
        name: "inverse_time_decay",
        kind: BuiltinKind::Schedule,
        params: &[
            req("step_size", NUM),
            req("decay_steps", NUM),
            req("decay_rate", NUM),
            opt("staircase", ParamType::Bool),
        ],
        doc: "step_size / (1 + decay_rate * i / decay_steps)",
    },
    Builtin {
        name: "polynomial_decay",
        kind: BuiltinKind::Schedule,
        params: &[req("step_size", NUM), req("decay_steps", NUM), req("final_step_size", NUM), opt("power", NUM)],
        doc: "polynomial interpolation from step_size to final_step_size over decay_steps",
    },
    Builtin {
        name: "piecewise_constant",
        kind: BuiltinKind::Schedule,
        params: &[req("boundaries", ParamType::Array), req("values", ParamType::Array)],
        doc: "values[k] until step boundaries[k] has passed (one value more than boundaries)",
    },
];

pub fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

pub fn names() -> impl Iterator<Item = &'static str> + Clone {
    BUILTINS.iter().map(|b| b.name)
}
