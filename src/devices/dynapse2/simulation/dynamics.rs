//! The DynapSim run loop, the core of the `simulate` pass: event-driven drive accumulation
//! (spikes × fan-out), then the per-neuron step of `neuron` for every neuron (in parallel
//! chunks for large networks; identical at any thread count), spike collection, recording.

use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::SimError;
use super::neuron::{step, NeuronConst, NeuronState};
use super::params::DynapSimParams;
use super::real::Real;
use super::record::{RecordRequest, RecordedTrace, Recorder};
use super::weights::SparseWeights;

/// The arithmetic of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Precision {
    /// float32 everywhere, as Rockpool: reproduces its spike steps (the default).
    #[default]
    F32,
    /// float64 everywhere: the model without float32 artefacts.
    F64,
}

/// Input spike counts per step and channel, `(steps, n_in)`.
#[derive(Debug, Clone, Copy)]
pub enum CountsView<'a> {
    /// Counts as stored in `.npy` spike files.
    U8(ArrayView2<'a, u8>),
    /// Counts as produced by the stimulus generators.
    U32(ArrayView2<'a, u32>),
}

impl CountsView<'_> {
    /// `(steps, channels)`.
    pub fn dim(&self) -> (usize, usize) {
        match self {
            CountsView::U8(a) => a.dim(),
            CountsView::U32(a) => a.dim(),
        }
    }

    /// The non-zero `(channel, count)` pairs of row `t`, in channel order, into `out`.
    fn events(&self, t: usize, out: &mut Vec<(usize, u32)>) {
        out.clear();
        let mut push = |(c, n): (usize, u32)| {
            if n != 0 {
                out.push((c, n));
            }
        };
        match self {
            CountsView::U8(a) => a.row(t).iter().map(|&n| u32::from(n)).enumerate().for_each(&mut push),
            CountsView::U32(a) => a.row(t).iter().copied().enumerate().for_each(&mut push),
        }
    }
}

/// What drives the neurons, step by step. Its number of rows is the number of steps.
#[derive(Debug, Clone, Copy)]
pub enum Stimulus<'a> {
    /// No synaptic input (DC and recurrence only) for `steps` steps.
    Silent {
        /// Number of steps.
        steps: usize,
    },
    /// Input spike counts `(steps, n_in)` through input weights `w_in` `(n_in, N)`.
    Counts {
        /// The counts.
        counts: CountsView<'a>,
        /// The input weights (units of Iscale).
        w_in: &'a SparseWeights,
    },
    /// A precomputed weighted input `(steps, N)` in units of Iscale (Rockpool's module input).
    Drive(ArrayView2<'a, f64>),
}

impl Stimulus<'_> {
    /// Number of steps this stimulus lasts.
    pub fn steps(&self) -> usize {
        match self {
            Stimulus::Silent { steps } => *steps,
            Stimulus::Counts { counts, .. } => counts.dim().0,
            Stimulus::Drive(d) => d.dim().0,
        }
    }
}

/// The state of every neuron (SI units), as Rockpool's state dict without the batch axis.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SimState {
    /// Synaptic current (A).
    pub isyn: Vec<f64>,
    /// AHP current (A).
    pub iahp: Vec<f64>,
    /// Membrane current (A), post-reset.
    pub imem: Vec<f64>,
    /// Membrane voltage (V), pre-reset (it feeds the next step's positive feedback).
    pub vmem: Vec<f64>,
    /// Remaining refractory time (s).
    pub timer_ref: Vec<f64>,
    /// Last step's spike counts (they feed recurrence and AHP in the next step).
    pub spikes: Vec<u32>,
}

impl SimState {
    /// Rockpool's initial state: `isyn = iahp = imem = Io`, everything else 0.
    /// Rockpool takes `Io` *before* mismatch: call this on the nominal parameters to match it.
    pub fn rest(params: &DynapSimParams) -> Self {
        let n = params.n_neurons();
        SimState {
            isyn: params.io.clone(),
            iahp: params.io.clone(),
            imem: params.io.clone(),
            vmem: vec![0.0; n],
            timer_ref: vec![0.0; n],
            spikes: vec![0; n],
        }
    }

    fn len_check(&self, n: usize) -> Result<(), SimError> {
        let lens = [
            ("isyn", self.isyn.len()),
            ("iahp", self.iahp.len()),
            ("imem", self.imem.len()),
            ("vmem", self.vmem.len()),
            ("timer_ref", self.timer_ref.len()),
            ("spikes", self.spikes.len()),
        ];
        match lens.into_iter().find(|(_, len)| *len != n) {
            Some((name, found)) => {
                let name = format!("initial {name}");
                Err(SimError::LengthMismatch { name, expected: n, found })
            }
            None => Ok(()),
        }
    }
}

/// How to run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunOptions {
    /// float32 (Rockpool's numbers, default) or float64.
    pub precision: Precision,
    /// What to record.
    pub record: Vec<RecordRequest>,
    /// The state before the first step; `None` = [`SimState::rest`] of the run's parameters.
    pub initial: Option<SimState>,
}

/// One output spike event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpikeEvent {
    /// Step (row) index.
    pub step: u32,
    /// Neuron index.
    pub neuron: u32,
    /// Spike count in that step (can exceed 1).
    pub count: u32,
}

/// Everything a run returns.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOutput {
    /// Number of steps run.
    pub steps: usize,
    /// Number of neurons.
    pub n_neurons: usize,
    /// The recorded arrays, in request order.
    pub traces: Vec<RecordedTrace>,
    /// Every spike, in step order then neuron order.
    pub spike_events: Vec<SpikeEvent>,
    /// Total spike count per neuron.
    pub spike_counts: Vec<u64>,
    /// The largest count any neuron emitted in one step.
    pub max_spikes_in_one_step: u32,
    /// A recorded spike count exceeded 255 and was saturated in its u8 array.
    pub spikes_saturated: bool,
    /// The state after the last step.
    pub final_state: SimState,
}

/// Networks at least this large update their neurons in parallel. A step of 2048 neurons is
/// about 50 µs of work, several times what rayon needs to split and join it on idle cores; on
/// an oversubscribed machine the per-step join costs more than it saves even at 8192 neurons.
const PARALLEL_MIN_NEURONS: usize = 2048;
/// Neurons per parallel work item at least.
const MIN_CHUNK: usize = 128;

/// Runs a DynapSim network: parameters (validated here), optional recurrent weights
/// `w_rec` `(N, N)` (pre, post), a stimulus, and options. `progress` is called with the
/// number of completed steps about every 1 % of the run and at the end.
/// Fails on invalid parameters or shapes, or when a state becomes NaN or infinite (naming the
/// step, neuron and state).
pub fn simulate(
    params: &DynapSimParams,
    w_rec: Option<&SparseWeights>,
    stimulus: &Stimulus<'_>,
    options: &RunOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<SimOutput, SimError> {
    params.validate()?;
    let n = params.n_neurons();
    check_shapes(n, w_rec, stimulus)?;
    let initial = match &options.initial {
        Some(state) => {
            state.len_check(n)?;
            state.clone()
        }
        None => SimState::rest(params),
    };
    match options.precision {
        Precision::F32 => Engine::<f32>::new(params, w_rec, stimulus, &initial).run(options, progress),
        Precision::F64 => Engine::<f64>::new(params, w_rec, stimulus, &initial).run(options, progress),
    }
}

fn check_shapes(n: usize, w_rec: Option<&SparseWeights>, stimulus: &Stimulus<'_>) -> Result<(), SimError> {
    let mismatch = |what, expected, found| SimError::ShapeMismatch { what, expected, found };
    if let Some(w) = w_rec {
        if w.shape() != (n, n) {
            return Err(mismatch("w_rec", (n, n), w.shape()));
        }
    }
    match stimulus {
        Stimulus::Silent { .. } => Ok(()),
        Stimulus::Counts { counts, w_in } => {
            let (steps, n_in) = counts.dim();
            if w_in.shape() != (n_in, n) {
                return Err(mismatch("w_in", (n_in, n), w_in.shape()));
            }
            if u32::try_from(steps).is_err() {
                return Err(mismatch("input counts", (u32::MAX as usize, n_in), (steps, n_in)));
            }
            Ok(())
        }
        Stimulus::Drive(d) => {
            let (steps, cols) = d.dim();
            if cols != n || u32::try_from(steps).is_err() {
                return Err(mismatch("weighted input", (steps.min(u32::MAX as usize), n), d.dim()));
            }
            Ok(())
        }
    }
}

/// A sparse matrix with its weights in the run's precision.
struct TypedCsr<T> {
    row_start: Vec<usize>,
    post: Vec<u32>,
    weight: Vec<T>,
}

impl<T: Real> TypedCsr<T> {
    fn new(w: &SparseWeights) -> Self {
        let (row_start, post, weight) = w.parts();
        TypedCsr {
            row_start: row_start.to_vec(),
            post: post.to_vec(),
            weight: weight.iter().map(|&x| T::from_f64(x)).collect(),
        }
    }

    /// `drive[post] += weight · count` over row `pre`, in post order. Summing rows in
    /// increasing `pre` order gives each neuron the sequential sum of a dense `dot`.
    fn scatter(&self, pre: usize, count: T, drive: &mut [T]) {
        let range = match (self.row_start.get(pre), self.row_start.get(pre + 1)) {
            (Some(&a), Some(&b)) => a..b,
            _ => return,
        };
        let (Some(posts), Some(weights)) = (self.post.get(range.clone()), self.weight.get(range)) else {
            return;
        };
        for (&post, &w) in posts.iter().zip(weights) {
            if let Some(d) = drive.get_mut(post as usize) {
                *d = *d + w * count;
            }
        }
    }
}

enum Input<'a, T> {
    Silent,
    Counts { counts: CountsView<'a>, w_in: TypedCsr<T>, events: Vec<(usize, u32)> },
    Drive(ArrayView2<'a, f64>),
}

struct Engine<'a, T> {
    consts: Vec<NeuronConst<T>>,
    states: Vec<NeuronState<T>>,
    w_rec: Option<TypedCsr<T>>,
    input: Input<'a, T>,
    steps: usize,
    /// Recurrent and input drive of the current step (units of Iscale).
    rec: Vec<T>,
    inp: Vec<T>,
    /// Neurons that spiked in the last step, in index order, with their counts.
    spikers: Vec<(usize, T)>,
}

impl<'a, T: Real> Engine<'a, T> {
    fn new(
        params: &DynapSimParams,
        w_rec: Option<&SparseWeights>,
        stimulus: &Stimulus<'a>,
        initial: &SimState,
    ) -> Self {
        let n = params.n_neurons();
        let t = T::from_f64;
        let states: Vec<NeuronState<T>> = (0..n)
            .map(|j| {
                let get = |v: &[f64]| t(v.get(j).copied().unwrap_or(f64::NAN));
                let spikes = initial.spikes.get(j).copied().unwrap_or(0);
                NeuronState {
                    isyn: get(&initial.isyn),
                    iahp: get(&initial.iahp),
                    imem: get(&initial.imem),
                    vmem: get(&initial.vmem),
                    timer: get(&initial.timer_ref),
                    spikes: T::from_count(spikes),
                }
            })
            .collect();
        let spikers =
            (0..n).filter_map(|j| initial.spikes.get(j).filter(|&&c| c > 0).map(|&c| (j, T::from_count(c)))).collect();
        let input = match *stimulus {
            Stimulus::Silent { .. } => Input::Silent,
            Stimulus::Counts { counts, w_in } => {
                Input::Counts { counts, w_in: TypedCsr::new(w_in), events: Vec::new() }
            }
            Stimulus::Drive(d) => Input::Drive(d),
        };
        Engine {
            consts: (0..n).map(|j| NeuronConst::new(params, j)).collect(),
            states,
            w_rec: w_rec.map(TypedCsr::new),
            input,
            steps: stimulus.steps(),
            rec: vec![T::ZERO; n],
            inp: vec![T::ZERO; n],
            spikers,
        }
    }

    fn run(mut self, options: &RunOptions, progress: &mut dyn FnMut(usize)) -> Result<SimOutput, SimError> {
        let n = self.states.len();
        let mut recorder = Recorder::new(&options.record, self.steps, n)?;
        let mut out = SimOutput {
            steps: self.steps,
            n_neurons: n,
            traces: Vec::new(),
            spike_events: Vec::new(),
            spike_counts: vec![0; n],
            max_spikes_in_one_step: 0,
            spikes_saturated: false,
            final_state: SimState::default(),
        };
        let report_every = (self.steps / 100).max(1);
        for k in 0..self.steps {
            self.accumulate_drive(k);
            if let Some((neuron, state, value)) = self.update() {
                return Err(SimError::NonFiniteState { step: k, neuron, state, value });
            }
            self.collect_spikes(k, &mut out);
            recorder.push(&self.states);
            if (k + 1) % report_every == 0 || k + 1 == self.steps {
                progress(k + 1);
            }
        }
        out.spikes_saturated = recorder.saturated;
        out.traces = recorder.finish(self.steps);
        out.final_state = self.final_state();
        Ok(out)
    }

    /// Fills `rec` (previous step's spikes through `w_rec`) and `inp` (row `k` of the input).
    fn accumulate_drive(&mut self, k: usize) {
        self.rec.fill(T::ZERO);
        if let Some(w) = &self.w_rec {
            for &(pre, count) in &self.spikers {
                w.scatter(pre, count, &mut self.rec);
            }
        }
        match &mut self.input {
            Input::Silent => {}
            Input::Counts { counts, w_in, events } => {
                self.inp.fill(T::ZERO);
                counts.events(k, events);
                for &(channel, count) in events.iter() {
                    w_in.scatter(channel, T::from_count(count), &mut self.inp);
                }
            }
            Input::Drive(d) => {
                for (slot, &x) in self.inp.iter_mut().zip(d.row(k)) {
                    *slot = T::from_f64(x);
                }
            }
        }
    }

    /// Steps every neuron; returns the lowest-indexed neuron with a non-finite state.
    fn update(&mut self) -> Option<(usize, &'static str, f64)> {
        let n = self.states.len();
        let threads = rayon::current_num_threads();
        let bad = if n >= PARALLEL_MIN_NEURONS && threads > 1 {
            // one work item per thread: neurons are independent, so the split never changes a
            // result, and the lowest-indexed failure is reported whatever the thread count
            let chunk = n.div_ceil(threads).max(MIN_CHUNK);
            self.states
                .par_chunks_mut(chunk)
                .zip(self.consts.par_chunks(chunk))
                .zip(self.rec.par_chunks(chunk))
                .zip(self.inp.par_chunks(chunk))
                .enumerate()
                .filter_map(|(i, (((s, c), r), x))| update_slice(s, c, r, x).map(|(j, name)| (i * chunk + j, name)))
                .min_by_key(|(j, _)| *j)
        } else {
            update_slice(&mut self.states, &self.consts, &self.rec, &self.inp)
        };
        bad.map(|(j, name)| (j, name, self.state_value(j, name)))
    }

    fn state_value(&self, j: usize, name: &str) -> f64 {
        let Some(s) = self.states.get(j) else { return f64::NAN };
        match name {
            "isyn" => s.isyn,
            "iahp" => s.iahp,
            "imem" => s.imem,
            _ => s.vmem,
        }
        .to_f64()
    }

    /// Records this step's spikes as events and as next step's spikers.
    fn collect_spikes(&mut self, k: usize, out: &mut SimOutput) {
        self.spikers.clear();
        for (j, s) in self.states.iter().enumerate() {
            if s.spikes > T::ZERO {
                self.spikers.push((j, s.spikes));
                // saturating cast: counts are whole numbers
                let count = s.spikes.to_f64() as u32;
                out.max_spikes_in_one_step = out.max_spikes_in_one_step.max(count);
                if let Some(total) = out.spike_counts.get_mut(j) {
                    *total += u64::from(count);
                }
                // k < steps <= u32::MAX and j < N <= u32::MAX (checked in `check_shapes`)
                out.spike_events.push(SpikeEvent { step: k as u32, neuron: j as u32, count });
            }
        }
    }

    fn final_state(&self) -> SimState {
        let field = |f: fn(&NeuronState<T>) -> T| -> Vec<f64> { self.states.iter().map(|s| f(s).to_f64()).collect() };
        SimState {
            isyn: field(|s| s.isyn),
            iahp: field(|s| s.iahp),
            imem: field(|s| s.imem),
            vmem: field(|s| s.vmem),
            timer_ref: field(|s| s.timer),
            spikes: self.states.iter().map(|s| s.spikes.to_f64() as u32).collect(),
        }
    }
}

/// Steps a slice of neurons; returns the first (local index, state) that is not finite.
fn update_slice<T: Real>(
    states: &mut [NeuronState<T>],
    consts: &[NeuronConst<T>],
    rec: &[T],
    inp: &[T],
) -> Option<(usize, &'static str)> {
    let mut bad = None;
    for (j, (((s, c), &r), &x)) in states.iter_mut().zip(consts).zip(rec).zip(inp).enumerate() {
        if let Some(name) = step(s, c, r, x) {
            bad = bad.or(Some((j, name)));
        }
    }
    bad
}
