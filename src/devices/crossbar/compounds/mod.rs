//! The compounds build_config assembles (aihwkit.md §1.2, §6): plain SGD on one device (or a
//! vector unit cell), tiki-taka v1 (transfer), TTv2 and chopped TTv2 (buffered, chopped transfer),
//! AGAD (dynamic transfer) and mixed precision (digital accumulation). Each keeps its own state
//! machine; the tile feeds it vector updates and asks it for the visible weights.

pub mod agad;
pub mod chopped;
pub mod mixed_precision;
pub mod single;
pub mod transfer;

use serde::Serialize;

use super::config::Fields;
use super::device::array::DeviceArray;
use super::io::Pipeline;
use super::update::UpdateParams;

/// build_config's algorithms, with every alias it accepts (compared case-insensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    Sgd,
    Tt,
    Ttv2,
    CTtv2,
    Agad,
    Mp,
}

impl Algorithm {
    /// The aliases of build_config, in its order.
    pub const NAMES: &'static [&'static str] = &[
        "sgd",
        "tiki-taka",
        "tt",
        "ttv1",
        "ttv2",
        "chopped-ttv2",
        "ttv3",
        "c-ttv2",
        "agad",
        "ttv4",
        "mp",
        "mixed-precision",
    ];

    pub fn from_name(name: &str) -> Option<Algorithm> {
        match name.to_lowercase().as_str() {
            "sgd" => Some(Algorithm::Sgd),
            "tiki-taka" | "tt" | "ttv1" => Some(Algorithm::Tt),
            "ttv2" => Some(Algorithm::Ttv2),
            "chopped-ttv2" | "ttv3" | "c-ttv2" => Some(Algorithm::CTtv2),
            "agad" | "ttv4" => Some(Algorithm::Agad),
            "mp" | "mixed-precision" => Some(Algorithm::Mp),
            _ => None,
        }
    }

    /// The compound class build_config builds.
    pub fn compound_class(self, n_devices: usize) -> &'static str {
        match self {
            Algorithm::Sgd if n_devices > 1 => "VectorUnitCell",
            Algorithm::Sgd => "SingleDevice",
            Algorithm::Tt => "TransferCompound",
            Algorithm::Ttv2 | Algorithm::CTtv2 => "ChoppedTransferCompound",
            Algorithm::Agad => "DynamicTransferCompound",
            Algorithm::Mp => "MixedPrecisionCompound",
        }
    }

    /// The settings of the compound class this algorithm builds (aihwkit's dataclass fields).
    pub fn compound_fields(self) -> Vec<&'static str> {
        match self {
            Algorithm::Sgd => Vec::new(),
            Algorithm::Mp => MIXED_FIELDS.to_vec(),
            Algorithm::Tt => TRANSFER_FIELDS.to_vec(),
            Algorithm::Ttv2 | Algorithm::CTtv2 => [TRANSFER_FIELDS, CHOPPED_FIELDS].concat(),
            Algorithm::Agad => [TRANSFER_FIELDS, CHOPPED_FIELDS, DYNAMIC_FIELDS].concat(),
        }
    }

    /// The RPU config class build_config returns.
    pub fn config_class(self, n_devices: usize) -> &'static str {
        match self {
            Algorithm::Sgd if n_devices <= 1 => "SingleRPUConfig",
            Algorithm::Mp => "DigitalRankUpdateRPUConfig",
            _ => "UnitCellRPUConfig",
        }
    }
}

/// The fields of each compound class, in aihwkit's order (its dataclass dumps).
const TRANSFER_FIELDS: &[&str] = &[
    "gamma",
    "gamma_vec",
    "transfer_every",
    "no_self_transfer",
    "transfer_every_vec",
    "units_in_mbatch",
    "n_reads_per_transfer",
    "transfer_columns",
    "with_reset_prob",
    "random_selection",
    "fast_lr",
    "transfer_lr",
    "transfer_lr_vec",
    "scale_transfer_lr",
    "scale_fast_lr",
];
const CHOPPED_FIELDS: &[&str] = &[
    "in_chop_prob",
    "in_chop_random",
    "out_chop_prob",
    "buffer_granularity",
    "auto_granularity",
    "step",
    "momentum",
    "forget_buffer",
    "no_buffer",
    "auto_scale",
    "auto_momentum",
    "correct_gradient_magnitudes",
];
const DYNAMIC_FIELDS: &[&str] = &["experimental_correct_accumulation", "buffer_cap", "tail_weightening"];
const MIXED_FIELDS: &[&str] = &[
    "transfer_every",
    "n_rows_per_transfer",
    "random_row",
    "granularity",
    "transfer_lr",
    "n_x_bins",
    "n_d_bins",
    "stoc_round_x",
    "stoc_round_d",
];

/// Every compound setting, resolved: the class defaults, build_config's overrides for the
/// algorithm (§1.2), then the user's `compound { ... }` block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompoundParams {
    pub gamma: f64,
    /// Per-device weights of the visible weight `[γ_A, γ_C]` (empty: `[gamma, 1]`).
    pub gamma_vec: Vec<f64>,
    pub transfer_every: f64,
    /// Per-device transfer periods (empty: `transfer_every` for A → C; the last is unused).
    pub transfer_every_vec: Vec<f64>,
    pub no_self_transfer: bool,
    pub units_in_mbatch: bool,
    pub n_reads_per_transfer: usize,
    pub transfer_columns: bool,
    pub with_reset_prob: f64,
    pub random_selection: bool,
    pub fast_lr: f64,
    pub transfer_lr: f64,
    /// Per-device transfer learning rates (empty: `transfer_lr`).
    pub transfer_lr_vec: Vec<f64>,
    pub scale_transfer_lr: bool,
    pub scale_fast_lr: bool,
    pub thres_scale: f64,
    pub step: f64,
    pub momentum: f64,
    pub forget_buffer: bool,
    pub no_buffer: bool,
    pub in_chop_prob: f64,
    pub in_chop_random: bool,
    pub out_chop_prob: f64,
    pub buffer_granularity: f64,
    pub auto_granularity: f64,
    pub auto_scale: bool,
    pub auto_momentum: f64,
    pub correct_gradient_magnitudes: bool,
    pub tail_weightening: f64,
    pub buffer_cap: f64,
    /// AGAD: divide the buffer increment by the sweep count within the chopper period.
    pub experimental_correct_accumulation: bool,
    pub granularity: f64,
    pub n_x_bins: u32,
    pub n_d_bins: u32,
    pub stoc_round_x: bool,
    pub stoc_round_d: bool,
    pub n_rows_per_transfer: i64,
    pub random_row: bool,
}

impl CompoundParams {
    /// Class defaults plus build_config's settings for `algorithm`.
    pub fn for_algorithm(algorithm: Algorithm) -> CompoundParams {
        let transfer = CompoundParams {
            gamma: 0.0,
            gamma_vec: Vec::new(),
            transfer_every: 1.0,
            transfer_every_vec: Vec::new(),
            no_self_transfer: true,
            units_in_mbatch: true,
            n_reads_per_transfer: 1,
            transfer_columns: true,
            with_reset_prob: 0.0,
            random_selection: false,
            fast_lr: 1.0,
            transfer_lr: 1.0,
            transfer_lr_vec: Vec::new(),
            scale_transfer_lr: true,
            scale_fast_lr: true,
            thres_scale: 1.0,
            step: 1.0,
            momentum: 0.0,
            forget_buffer: true,
            no_buffer: false,
            in_chop_prob: 0.1,
            in_chop_random: true,
            out_chop_prob: 0.0,
            buffer_granularity: 1.0,
            auto_granularity: 0.0,
            auto_scale: false,
            auto_momentum: 0.99,
            correct_gradient_magnitudes: false,
            tail_weightening: 5.0,
            buffer_cap: 0.0,
            experimental_correct_accumulation: false,
            granularity: 0.0,
            n_x_bins: 0,
            n_d_bins: 0,
            stoc_round_x: true,
            stoc_round_d: true,
            n_rows_per_transfer: -1,
            random_row: false,
        };
        match algorithm {
            Algorithm::Sgd | Algorithm::Tt | Algorithm::Mp => transfer,
            Algorithm::Ttv2 => CompoundParams {
                in_chop_prob: 0.0,
                units_in_mbatch: false,
                auto_scale: false,
                scale_fast_lr: false,
                ..transfer
            },
            Algorithm::CTtv2 => CompoundParams {
                units_in_mbatch: false,
                fast_lr: 0.1,
                auto_scale: true,
                scale_fast_lr: false,
                ..transfer
            },
            Algorithm::Agad => CompoundParams {
                units_in_mbatch: false,
                fast_lr: 0.1,
                auto_scale: true,
                scale_fast_lr: false,
                in_chop_random: false,
                ..transfer
            },
        }
    }

    /// Overrides from a `compound { ... }` block (fields not set keep their values).
    pub fn with_fields(mut self, f: &dyn Fields) -> CompoundParams {
        macro_rules! nums {
            ($($n:ident),*) => { $( if let Some(v) = f.num(stringify!($n)) { self.$n = v; } )* };
        }
        macro_rules! flags {
            ($($n:ident),*) => { $( if let Some(v) = f.flag(stringify!($n)) { self.$n = v; } )* };
        }
        nums!(gamma, transfer_every, with_reset_prob, fast_lr, transfer_lr, thres_scale, step, momentum);
        nums!(in_chop_prob, out_chop_prob, buffer_granularity, auto_granularity, auto_momentum, tail_weightening);
        nums!(buffer_cap, granularity);
        flags!(units_in_mbatch, transfer_columns, random_selection, scale_transfer_lr, scale_fast_lr);
        flags!(forget_buffer, no_buffer, in_chop_random, auto_scale, correct_gradient_magnitudes);
        flags!(experimental_correct_accumulation);
        flags!(stoc_round_x, stoc_round_d, random_row);
        for (name, target) in [
            ("gamma_vec", &mut self.gamma_vec),
            ("transfer_every_vec", &mut self.transfer_every_vec),
            ("transfer_lr_vec", &mut self.transfer_lr_vec),
        ] {
            if let Some(v) = f.list(name) {
                *target = v;
            }
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked non-negative counts
        {
            if let Some(v) = f.num("n_reads_per_transfer") {
                self.n_reads_per_transfer = v.max(1.0) as usize;
            }
            if let Some(v) = f.num("n_x_bins") {
                self.n_x_bins = v.max(0.0) as u32;
            }
            if let Some(v) = f.num("n_d_bins") {
                self.n_d_bins = v.max(0.0) as u32;
            }
            if let Some(v) = f.num("n_rows_per_transfer") {
                self.n_rows_per_transfer = v as i64;
            }
        }
        self
    }
}

impl CompoundParams {
    /// The weights `(γ_A, γ_C)` of fast and slow device in the visible weight: `gamma_vec` when
    /// given, else `[gamma, 1]` (aihwkit: `[gamma^(n-1), …, gamma^0]` for n = 2).
    pub fn gammas(&self) -> (f64, f64) {
        match self.gamma_vec.as_slice() {
            [a, c] => (*a, *c),
            _ => (self.gamma, 1.0),
        }
    }

    /// The A → C transfer period in its units (`transfer_every_vec[0]` when given).
    pub fn transfer_period(&self) -> f64 {
        self.transfer_every_vec.first().copied().unwrap_or(self.transfer_every)
    }

    /// The transfer period counted in updates: in mini-batches when `units_in_mbatch` (then
    /// scaled by the batch size), else in updates; 0 turns transfers off.
    pub fn transfer_period_in_updates(&self, m_batch: usize) -> u64 {
        let period = if self.units_in_mbatch {
            #[allow(clippy::cast_precision_loss)]
            let p = (self.transfer_period() * m_batch as f64).ceil();
            p
        } else {
            self.transfer_period().round()
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let period = period.max(0.0) as u64;
        period
    }

    /// The A → C transfer learning rate before scaling (`transfer_lr_vec[0]` when given).
    pub fn transfer_rate(&self) -> f64 {
        self.transfer_lr_vec.first().copied().unwrap_or(self.transfer_lr)
    }
}

/// What every compound needs besides its own state: the update and transfer settings, the
/// transfer read pipeline, the tile's seed and its vector-update counter.
pub struct Env<'a> {
    pub update: &'a UpdateParams,
    pub transfer_update: &'a UpdateParams,
    pub transfer_read: &'a mut Pipeline,
    pub seed: u64,
    /// Vector updates so far (this one included), over the tile's life.
    pub counter: u64,
    /// Vector updates in the current mini-batch.
    pub m_batch: usize,
}

/// Reads column `i` of `array` through the transfer pipeline (`v = A e_i`, noisy, NM/BM off).
pub fn read_column(array: &DeviceArray, i: usize, read: &mut Pipeline, rng: &mut rand_chacha::ChaCha8Rng) -> Vec<f64> {
    #[allow(clippy::cast_possible_truncation)] // the analog read runs in float32
    let column: Vec<f32> = array.weights().iter().skip(i).step_by(array.cols.max(1)).map(|w| *w as f32).collect();
    let mut out = vec![0.0_f32; column.len()];
    read.apply(&column, 1, super::io::Direction::Forward, &[1.0], &mut out, rng);
    out.into_iter().map(f64::from).collect()
}

/// A one-hot vector of length `n` at `i`.
pub fn one_hot(n: usize, i: usize) -> Vec<f64> {
    (0..n).map(|k| if k == i { 1.0 } else { 0.0 }).collect()
}
