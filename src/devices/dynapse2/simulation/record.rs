//! What a run records: the caller names states and neuron ranges (a population), and gets
//! `(steps, neurons)` arrays back — f64 for currents and voltages, u8 counts for spikes —
//! for the output writers (`X.pop.npy`). Row k is the state after update k.

use std::ops::Range;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::error::SimError;
use super::neuron::NeuronState;
use super::real::Real;

/// A recordable quantity, under Rockpool's record names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Observable {
    /// Synaptic current (A).
    Isyn,
    /// AHP (adaptation) current (A).
    Iahp,
    /// Membrane current (A), after the spike reset (Io at a spike step).
    Imem,
    /// Membrane voltage (V), before the spike reset.
    Vmem,
    /// Spike counts per step (u8, saturating at 255).
    Spikes,
}

impl Observable {
    /// Rockpool's record key (`isyn`, `iahp`, `imem`, `vmem`, `spikes`).
    pub fn name(self) -> &'static str {
        match self {
            Observable::Isyn => "isyn",
            Observable::Iahp => "iahp",
            Observable::Imem => "imem",
            Observable::Vmem => "vmem",
            Observable::Spikes => "spikes",
        }
    }
}

/// One thing to record: a quantity on a contiguous range of neurons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRequest {
    /// What to record.
    pub observable: Observable,
    /// Which neurons (a population's slice of the network).
    pub neurons: Range<usize>,
}

/// A recorded array, `(steps, neurons)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Trace {
    /// Currents (A) or voltages (V).
    Values(Array2<f64>),
    /// Spike counts per step, saturated at 255.
    Counts(Array2<u8>),
}

/// A request and what it recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedTrace {
    /// What was asked for.
    pub request: RecordRequest,
    /// The data.
    pub trace: Trace,
}

enum Buffer {
    Values(Vec<f64>),
    Counts(Vec<u8>),
}

/// Collects the requested rows step by step.
pub(crate) struct Recorder {
    requests: Vec<(RecordRequest, Buffer)>,
    /// Some recorded spike count exceeded 255.
    pub saturated: bool,
}

impl Recorder {
    /// Checks the requests against `n_neurons` and reserves `steps` rows for each.
    pub fn new(requests: &[RecordRequest], steps: usize, n_neurons: usize) -> Result<Self, SimError> {
        let mut out = Vec::with_capacity(requests.len());
        for request in requests {
            let Range { start, end } = request.neurons;
            if start > end || end > n_neurons {
                return Err(SimError::RangeOutOfBounds { start, end, n_neurons });
            }
            let values = steps.checked_mul(end - start).ok_or(SimError::RecordTooLarge { values: usize::MAX })?;
            let too_large = SimError::RecordTooLarge { values };
            let buffer = if request.observable == Observable::Spikes {
                let mut v = Vec::new();
                v.try_reserve_exact(values).map_err(|_| too_large)?;
                Buffer::Counts(v)
            } else {
                let mut v = Vec::new();
                v.try_reserve_exact(values).map_err(|_| too_large)?;
                Buffer::Values(v)
            };
            out.push((request.clone(), buffer));
        }
        Ok(Recorder { requests: out, saturated: false })
    }

    /// Appends one row per request from the states after an update.
    pub fn push<T: Real>(&mut self, states: &[NeuronState<T>]) {
        for (request, buffer) in &mut self.requests {
            let Some(states) = states.get(request.neurons.clone()) else { continue };
            match buffer {
                Buffer::Counts(v) => {
                    for s in states {
                        let count = s.spikes.to_f64();
                        self.saturated |= count > 255.0;
                        // saturating float -> int cast; counts are whole numbers >= 0
                        v.push(count.min(255.0) as u8);
                    }
                }
                Buffer::Values(v) => {
                    let field: fn(&NeuronState<T>) -> T = match request.observable {
                        Observable::Isyn => |s| s.isyn,
                        Observable::Iahp => |s| s.iahp,
                        Observable::Imem => |s| s.imem,
                        Observable::Vmem | Observable::Spikes => |s| s.vmem,
                    };
                    v.extend(states.iter().map(|s| field(s).to_f64()));
                }
            }
        }
    }

    /// The recorded arrays, `steps` rows each.
    pub fn finish(self, steps: usize) -> Vec<RecordedTrace> {
        self.requests
            .into_iter()
            .map(|(request, buffer)| {
                let shape = (steps, request.neurons.len());
                // Exactly `steps` rows of `neurons.len()` values were pushed.
                let trace = match buffer {
                    Buffer::Values(v) => Trace::Values(Array2::from_shape_vec(shape, v).unwrap_or_default()),
                    Buffer::Counts(v) => Trace::Counts(Array2::from_shape_vec(shape, v).unwrap_or_default()),
                };
                RecordedTrace { request, trace }
            })
            .collect()
    }
}
