//! Rockpool's per-core autoencoder weight quantization (reference dynapse2.md §7), as a pure
//! library: one cluster's weight matrix in, 4-bit masks, signs and base weight currents out.
//!
//! A cluster's matrix is the concatenated input + recurrent matrix (pre x post) with every
//! column outside the cluster zeroed, as Rockpool's `autoencoder_quantization` builds it.
//! Differences from Rockpool, all deliberate:
//! - the encoder initialisation is seeded (ChaCha8 stream per cluster) instead of numpy's global
//!   RNG, or given explicitly (to replay a recorded Rockpool run);
//! - a cluster without any non-zero weight returns empty masks and zero currents instead of
//!   crashing; `record_loss = false` still returns the last loss (Rockpool crashes);
//! - clusters run in parallel ([`quantize_clusters`]), each on its own stream.

mod encoder;
mod model;
mod optimizers;
mod prepare;
mod problem;
mod schedule;
mod staggered;
mod team;
mod train;

use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

pub use model::{evaluate, exp_f32, sigmoid, sigmoid_f32, Evaluation, PENALTY};
pub use optimizers::{params_of, Leaf, Optimizer, Param, NAMES as OPTIMIZERS, PARAMS as OPTIMIZER_PARAMS};
pub use prepare::{bits_to_int, signs, Flat};
pub use problem::{Interval, Problem, ProblemKind};
pub use schedule::{Schedule, NAMES as SCHEDULES};
pub use train::{Trainer, BLOCK};

/// The `autoencoder` quantization's settings, Rockpool's `autoencoder_quantization` arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Bits per mask = base weight currents per core (1..=4).
    pub n_bits: usize,
    pub fixed_epoch: bool,
    pub num_epoch: u64,
    pub num_epoch_checkpoint: u64,
    pub eps: f64,
    pub record_loss: bool,
    pub optimizer: Optimizer,
    pub step_size: Schedule,
}

/// The most bits a mask can have: a Dynap-SE2 synapse has four base weight currents.
pub const MAX_BITS: usize = 4;

impl Settings {
    /// Everything wrong with the settings; empty when quantization can run with them. The
    /// checker proves the same for a `.dyn` file (schema ranges plus these schedule and optimizer
    /// rules), so from a checked file this list is always empty.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let count = |argument: &'static str, value: f64, why: &str| {
            problem::steps(argument, argument, value, Interval::POSITIVE, why)
        };
        #[allow(clippy::cast_precision_loss)] // counts far below 2^53
        let (bits, epochs, checkpoint) = (self.n_bits as f64, self.num_epoch as f64, self.num_epoch_checkpoint as f64);
        if !(1..=MAX_BITS).contains(&self.n_bits) {
            out.push(Problem {
                kind: ProblemKind::Range,
                argument: "n_bits",
                message: format!("`n_bits` must lie in [1, {MAX_BITS}], found {bits}"),
                label: format!("{bits} is out of range"),
                help: "a Dynap-SE2 core has four base weight currents, one per bit".into(),
            });
        }
        out.extend(count("num_epoch", epochs, "the number of optimizer steps"));
        out.extend(count("num_epoch_checkpoint", checkpoint, "steps between stopping-rule checkpoints"));
        out.extend(problem::range("eps", "eps", self.eps, Interval::NON_NEGATIVE, "smallest improvement that counts"));
        out.extend(self.step_size.problems());
        out.extend(self.optimizer.problems());
        out
    }
}

impl Default for Settings {
    /// Rockpool's defaults.
    fn default() -> Settings {
        Settings {
            n_bits: 4,
            fixed_epoch: false,
            num_epoch: 10_000_000,
            num_epoch_checkpoint: 1_000,
            eps: 1e-6,
            record_loss: true,
            optimizer: Optimizer::adam(),
            step_size: Schedule::Constant(1e-4),
        }
    }
}

/// Where the encoder's initial parameters come from.
#[derive(Debug, Clone)]
pub enum Init {
    /// Kaiming-uniform, `U(-sqrt(6/rows), sqrt(6/rows))`, `W_en (M, n)` drawn first, then
    /// `W_dec (n, M)`, from ChaCha8 seeded with `seed` on stream `stream`.
    Seeded { seed: u64, stream: u64 },
    /// Given parameters (e.g. Rockpool's recorded ones): `w_en` row-major `(M, n)`, `w_dec` `(n, M)`.
    Given { w_en: Vec<f32>, w_dec: Vec<f32> },
}

/// One cluster's quantization.
#[derive(Debug, Clone)]
pub struct Quantized {
    /// Integer masks (0..2^n_bits - 1) in the matrix's shape; 0 where the weight was 0.
    pub masks: Array2<u8>,
    /// `sign(w)` of the unquantized weights.
    pub signs: Array2<i8>,
    /// The learned codes in the autoencoder's scaled units (length n_bits).
    pub code: Vec<f64>,
    /// Base weight currents `Iw_0..Iw_3` in amperes (`code * Iscale / scale`; 0 past n_bits).
    pub iw: [f64; 4],
    /// `1 / (max|w| - min|w| + 1)` over the non-zero weights.
    pub scale: f64,
    /// Rockpool's `quantization_loss`: the loss recorded at the last step; `None` without weights.
    pub loss: Option<f64>,
    /// The loss of every step (empty unless `record_loss`).
    pub loss_curve: Vec<f32>,
    /// Steps run.
    pub epochs: u64,
}

impl Quantized {
    /// The deployed weight of every entry in units of `Iscale`: `sign * sum_k bit_k Iw_k / Iscale`.
    pub fn weights(&self, iscale: f64) -> Array2<f64> {
        let mut out = Array2::zeros(self.masks.dim());
        for ((o, mask), sign) in out.iter_mut().zip(&self.masks).zip(&self.signs) {
            let current: f64 = self.iw.iter().enumerate().filter(|(k, _)| mask >> k & 1 == 1).map(|(_, i)| i).sum();
            *o = f64::from(*sign) * current / iscale;
        }
        out
    }
}

/// Why a cluster could not be quantized.
#[derive(Debug, Clone, PartialEq)]
pub enum QuantizeError {
    /// Given initial parameters whose sizes do not match the cluster's weights.
    InitShape { expected: usize, found: usize },
    /// A setting outside its range (checked by the type checker; here for library users).
    Setting(String),
}

impl std::fmt::Display for QuantizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QuantizeError::InitShape { expected, found } => {
                write!(f, "initial encoder has {found} parameters, the cluster needs {expected}")
            }
            QuantizeError::Setting(why) => write!(f, "{why}"),
        }
    }
}

/// Kaiming-uniform initial parameters, `W_en (M, n)` then `W_dec (n, M)`, float32.
pub fn kaiming(m: usize, n: usize, seed: u64, stream: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    let mut draw = |rows: usize, count: usize| -> Vec<f32> {
        let lim = (6.0 / rows.max(1) as f64).sqrt();
        (0..count).map(|_| rng.gen_range(-lim..=lim) as f32).collect()
    };
    let w_en = draw(m, m * n);
    let w_dec = draw(n, n * m);
    (w_en, w_dec)
}

/// Quantizes one cluster's matrix (pre x post, input rows then recurrent rows).
pub fn quantize_cluster(
    weights: ArrayView2<f64>,
    iscale: f64,
    settings: &Settings,
    init: &Init,
) -> Result<Quantized, QuantizeError> {
    if let Some(why) = settings.problems().into_iter().next() {
        return Err(QuantizeError::Setting(why.message));
    }
    let n = settings.n_bits;
    let flat = Flat::new(weights);
    let signs = signs(weights);
    let m = flat.magnitude.len();
    if m == 0 {
        return Ok(Quantized {
            masks: Array2::zeros(weights.dim()),
            signs,
            code: vec![0.0; n],
            iw: [0.0; 4],
            scale: flat.scale,
            loss: None,
            loss_curve: Vec::new(),
            epochs: 0,
        });
    }
    let (w_en, w_dec) = match init {
        Init::Seeded { seed, stream } => kaiming(m, n, *seed, *stream),
        Init::Given { w_en, w_dec } => {
            for found in [w_en.len(), w_dec.len()] {
                if found != m * n {
                    return Err(QuantizeError::InitShape { expected: m * n, found });
                }
            }
            (w_en.clone(), w_dec.clone())
        }
    };
    // the pool's other threads help with every epoch for the whole run (see `team`); when they
    // are busy with other clusters, the helpers start late or never, and the leader does the work
    let trained = rayon::scope(|scope| {
        let mut trainer = Trainer::new(&flat.target(), &w_en, &w_dec, n, &settings.optimizer);
        // no more helpers than blocks to share: a helper with nothing to claim would only hold a
        // pool thread that another cluster could use
        for _ in 1..rayon::current_num_threads().min(trainer.blocks()) {
            let help = trainer.helper();
            scope.spawn(move |_| help());
        }
        // dropping the trainer at the end of this closure sends the helpers home
        run(&mut trainer, settings)
    });
    let masks = flat.scatter(&bits_to_int(&trained.bits, m));
    let mut iw = [0.0; 4];
    for (slot, c) in iw.iter_mut().zip(&trained.code) {
        *slot = c * iscale / flat.scale;
    }
    Ok(Quantized {
        masks,
        signs,
        code: trained.code,
        iw,
        scale: flat.scale,
        loss: Some(trained.last_loss),
        loss_curve: trained.losses,
        epochs: trained.epochs,
    })
}

/// Quantizes several clusters in parallel; results in input order, identical at any thread count.
pub fn quantize_clusters(
    clusters: &[(Array2<f64>, Init)],
    iscale: f64,
    settings: &Settings,
) -> Vec<Result<Quantized, QuantizeError>> {
    clusters.par_iter().map(|(w, init)| quantize_cluster(w.view(), iscale, settings, init)).collect()
}

/// The training loop with Rockpool's stopping rule (learn.py, `learn_weights`):
///
/// - `fixed_epoch`: exactly `num_epoch` steps with step indices 0..num_epoch-1.
/// - otherwise, `ceil(num_epoch / num_epoch_checkpoint)` chunks at most, each of exactly
///   `num_epoch_checkpoint` steps (so up to one chunk more than `num_epoch` steps in all) whose
///   step index restarts at 0 (schedules and Adam's bias correction restart; the optimizer's
///   moments carry over). After each chunk, with `m` the chunk's mean loss: if `best - m < eps`
///   then `count += 1`, stopping once `count > 5` (the sixth non-improving chunk in a row; the
///   docstring says five); else `count = 0, best = m`. `best` starts at +inf, and a NaN mean
///   never counts as non-improving.
///
/// The returned loss is the one recorded at the last step, before its update.
pub fn run(trainer: &mut Trainer, settings: &Settings) -> train::Trained {
    let mut losses: Vec<f32> = Vec::new();
    let mut last_loss = trainer.loss();
    let mut epochs = 0u64;
    let record = |loss: f64, losses: &mut Vec<f32>| {
        if settings.record_loss {
            losses.push(loss as f32);
        }
    };
    if settings.fixed_epoch {
        for i in 0..settings.num_epoch {
            last_loss = trainer.step(&settings.optimizer, &settings.step_size, i);
            record(last_loss, &mut losses);
            epochs += 1;
        }
    } else {
        let chunk = settings.num_epoch_checkpoint.max(1);
        let mut best = f64::INFINITY;
        let mut count = 0u32;
        for _ in 0..settings.num_epoch.div_ceil(chunk) {
            let mut sum = 0.0;
            for i in 0..chunk {
                last_loss = trainer.step(&settings.optimizer, &settings.step_size, i);
                record(last_loss, &mut losses);
                sum += f64::from(last_loss as f32);
                epochs += 1;
            }
            let mean = sum / chunk as f64;
            if best - mean < settings.eps {
                count += 1;
                if count > 5 {
                    break;
                }
            } else {
                count = 0;
                best = mean;
            }
        }
    }
    let (code, bits) = trainer.result();
    train::Trained { code, bits, last_loss, losses, epochs }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests;
