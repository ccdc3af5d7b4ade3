//! Errors of the DynapSim library: every failure the `simulate` pass can meet, with the
//! parameter, neuron, step or shape that caused it, for the lead to turn into diagnostics.

use thiserror::Error;

/// Everything that can go wrong while building, perturbing or running a DynapSim network.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SimError {
    /// A parameter name that is not one of Rockpool's DynapSim parameters.
    #[error("unknown DynapSim parameter `{name}`{}", suggestion_text(.suggestion))]
    UnknownParameter {
        /// The name as given.
        name: String,
        /// The nearest valid name, if one is close.
        suggestion: Option<&'static str>,
    },
    /// A neuron range that does not fit in the network.
    #[error("neuron range {start}..{end} is outside the {n_neurons} neurons")]
    RangeOutOfBounds {
        /// First neuron of the range.
        start: usize,
        /// One past the last neuron of the range.
        end: usize,
        /// Number of neurons in the network.
        n_neurons: usize,
    },
    /// A per-neuron vector whose length does not match its target.
    #[error("`{name}` has {found} values, expected {expected}")]
    LengthMismatch {
        /// Which quantity.
        name: String,
        /// The length required.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// A value that must be finite (and possibly positive) is not.
    #[error("`{name}` of neuron {neuron} is {value:e}, which is not {requirement}")]
    InvalidValue {
        /// Which parameter or quantity.
        name: String,
        /// Index of the offending neuron (or element).
        neuron: usize,
        /// The value found.
        value: f64,
        /// What the value must be ("finite", "positive", ...).
        requirement: &'static str,
    },
    /// A scalar setting (dt, Iscale, mismatch fraction, rate, period) that is out of range.
    #[error("`{name}` is {value:e}, which is not {requirement}")]
    InvalidScalar {
        /// Which setting.
        name: &'static str,
        /// The value found.
        value: f64,
        /// What the value must be.
        requirement: &'static str,
    },
    /// An array whose shape does not fit the network.
    #[error("{what} has shape {found:?}, expected {expected:?}")]
    ShapeMismatch {
        /// Which array.
        what: &'static str,
        /// The shape required (`usize::MAX` where any size is fine).
        expected: (usize, usize),
        /// The shape given.
        found: (usize, usize),
    },
    /// A non-finite weight.
    #[error("{what}[{pre}][{post}] is {value}, weights must be finite")]
    NonFiniteWeight {
        /// Which matrix ("w_in" or "w_rec").
        what: &'static str,
        /// Pre-synaptic index.
        pre: usize,
        /// Post-synaptic index.
        post: usize,
        /// The value.
        value: f64,
    },
    /// A state became NaN or infinite during the run.
    #[error("state `{state}` of neuron {neuron} became {value} at step {step}")]
    NonFiniteState {
        /// Step index (0-based, the update that produced it).
        step: usize,
        /// Neuron index.
        neuron: usize,
        /// State name: `isyn`, `iahp`, `imem` or `vmem`.
        state: &'static str,
        /// The value (NaN or ±inf).
        value: f64,
    },
    /// The recording asked for does not fit in memory.
    #[error("recording {values} values does not fit in memory")]
    RecordTooLarge {
        /// Number of values requested.
        values: usize,
    },
}

fn suggestion_text(suggestion: &Option<&'static str>) -> String {
    match suggestion {
        Some(name) => format!(" (did you mean `{name}`?)"),
        None => String::new(),
    }
}
