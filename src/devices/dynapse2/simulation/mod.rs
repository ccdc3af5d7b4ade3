//! DynapSim: the Dynap-SE2 neuron, synapse and AHP dynamics as Rockpool 3.1.0 computes them
//! (reference dynapse2.md §2-5), as a deterministic, event-driven library for the `simulate`
//! pass.
//!
//! A pass builds [`DynapSimParams::defaults`], overrides populations by name
//! ([`DynapSimParams::assign`]), applies high-level settings ([`apply_high_level`]) and
//! mismatch ([`apply_mismatch`]), builds [`SparseWeights`] from dense matrices, picks a
//! [`Stimulus`] (counts from [`poisson`], [`regular`] or a file, or a weighted drive) and calls
//! [`simulate`], which returns the recorded arrays or a [`SimError`].

mod convert;
mod dynamics;
mod error;
mod mismatch;
mod neuron;
mod params;
mod real;
mod record;
mod stimuli;
mod weights;

pub use convert::{
    apply_high_level, current_to_pulse_width, gain_current, gain_ratio, itau_to_tau, kappa, pulse_width_to_current,
    read_high_level, tau_to_itau, HighLevel, HighLevelValues,
};
pub use dynamics::{simulate, CountsView, Precision, RunOptions, SimOutput, SimState, SpikeEvent, Stimulus};
pub use error::SimError;
pub use mismatch::{apply_mismatch, parameter_stream, stream_key, SIGMA_RULE};
pub use params::{Dimension, DynapSimParams, Param, ParamInfo, ParamValue, DEFAULT_DT, DEFAULT_ISCALE, PARAMETERS};
pub use record::{Observable, RecordRequest, RecordedTrace, Trace};
pub use stimuli::{poisson, regular, validate_counts};
pub use weights::SparseWeights;

#[cfg(test)]
mod tests;
