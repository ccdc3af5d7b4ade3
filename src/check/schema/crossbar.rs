//! The `crossbar` device: aihwkit's build_config(algorithm, device, io_parameters,
//! up_parameters, n_devices, construction_seed), with every device model's parameters.

use super::{
    block, choice, concat, flag, int, Bound, Default, FieldSpec, FieldType, Schema, Shape, ANY, NONNEG, POSITIVE,
};
use crate::check::units::Dim;

/// build_config's algorithm names (compared case-insensitively, as aihwkit does).
pub const ALGORITHMS: &[&str] = crate::devices::crossbar::compounds::Algorithm::NAMES;

/// Device models, by the names of aihwkit's classes without the `Device` suffix.
pub const MODELS: &[&str] =
    &["ConstantStep", "LinearStep", "SoftBounds", "SoftBoundsReference", "ExpStep", "PowStep", "PiecewiseStep"];

const fn num(name: &'static str, default: f64, doc: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        ty: FieldType::Quantity { dim: Dim::NONE, min: ANY, max: ANY },
        default: Default::Num(default),
        shape: Shape::Scalar,
        doc,
    }
}

const fn nonneg(name: &'static str, default: f64, doc: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        ty: FieldType::Quantity { dim: Dim::NONE, min: NONNEG, max: ANY },
        default: Default::Num(default),
        shape: Shape::Scalar,
        doc,
    }
}

const fn prob(name: &'static str, default: f64, doc: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        ty: FieldType::Quantity { dim: Dim::NONE, min: NONNEG, max: Bound::Inclusive(1.0) },
        default: Default::Num(default),
        shape: Shape::Scalar,
        doc,
    }
}

const fn list(name: &'static str, doc: &'static str) -> FieldSpec {
    FieldSpec { name, ty: FieldType::List { dim: Dim::NONE }, default: Default::Absent, shape: Shape::Scalar, doc }
}

const fn model_field(name: &'static str) -> FieldSpec {
    FieldSpec {
        name: "model",
        ty: FieldType::Choice(MODELS),
        default: Default::Choice(name),
        shape: Shape::Scalar,
        doc: "the device model",
    }
}

/// PulsedDevice: parameters every model shares (aihwkit's Python defaults).
const COMMON: &[FieldSpec] = &[
    FieldSpec {
        name: "dw_min",
        ty: FieldType::Quantity { dim: Dim::NONE, min: POSITIVE, max: ANY },
        default: Default::Num(0.001),
        shape: Shape::Scalar,
        doc: "mean step of one pulse, weight units",
    },
    nonneg("dw_min_dtod", 0.3, "device-to-device spread of the step"),
    flag("dw_min_dtod_log_normal", false, "draw the step gain log-normally"),
    nonneg("dw_min_std", 0.3, "cycle-to-cycle spread of each pulse"),
    num("up_down", 0.0, "systematic up/down asymmetry"),
    nonneg("up_down_dtod", 0.01, "device-to-device spread of the asymmetry"),
    num("w_max", 0.6, "mean upper bound"),
    num("w_min", -0.6, "mean lower bound"),
    nonneg("w_max_dtod", 0.3, "device-to-device spread of the upper bound"),
    nonneg("w_min_dtod", 0.3, "device-to-device spread of the lower bound"),
    flag("enforce_consistency", true, "force positive steps and bounds around 0"),
    flag("perfect_bias", false, "ideal bias column"),
    prob("corrupt_devices_prob", 0.0, "probability that a device is stuck"),
    nonneg("corrupt_devices_range", 0.1, "range of stuck values"),
    nonneg("lifetime", 0.0, "decay time constant in mini-batches (0 = none)"),
    nonneg("lifetime_dtod", 0.0, "device-to-device spread of the lifetime"),
    nonneg("diffusion", 0.0, "random-walk std per mini-batch"),
    nonneg("diffusion_dtod", 0.0, "device-to-device spread of the diffusion"),
    num("reset", 0.0, "mean reset target"),
    nonneg("reset_dtod", 0.0, "device-to-device spread of the reset target (absolute)"),
    nonneg("reset_std", 0.01, "cycle-to-cycle spread of a reset"),
];

// Model bits: which device models have a field.
const CS: u8 = 1;
const LS: u8 = 2;
const SB: u8 = 4;
const SBR: u8 = 8;
const EXP: u8 = 16;
const POW: u8 = 32;
const PW: u8 = 64;
/// Models that implement write noise (every model but ConstantStep).
const WRITE_NOISE: u8 = LS | SB | SBR | EXP | POW | PW;

/// Every model-specific field once, with the models that have it (aihwkit's Python defaults;
/// a field whose default differs between models has one row per default).
const MODEL_FIELDS: &[(u8, FieldSpec)] = &[
    (LS, num("gamma_up", 0.0, "relative step decrease towards w_max")),
    (LS, num("gamma_down", 0.0, "relative step decrease towards w_min")),
    (LS, nonneg("gamma_up_dtod", 0.05, "device-to-device spread of gamma_up")),
    (LS, nonneg("gamma_down_dtod", 0.05, "device-to-device spread of gamma_down")),
    (LS, flag("allow_increasing", false, "allow steps that grow with the weight")),
    (LS, flag("mean_bound_reference", true, "slopes relative to the nominal bounds")),
    (LS | SB, flag("mult_noise", true, "multiplicative cycle-to-cycle noise")),
    (SBR, flag("mult_noise", false, "multiplicative cycle-to-cycle noise")),
    (LS | SB, flag("reverse_up", false, "reverse the up slope")),
    (LS | SB, flag("reverse_down", false, "reverse the down slope")),
    (LS | SB, num("reverse_offset", 0.01, "offset of the reversed reference")),
    (SBR, nonneg("slope_up_dtod", 0.0, "device-to-device spread of the up slope")),
    (SBR, nonneg("slope_down_dtod", 0.0, "device-to-device spread of the down slope")),
    (SBR, num("reference_mean", 0.0, "mean of the static reference")),
    (SBR, nonneg("reference_std", 0.0, "spread of the static reference")),
    (SBR, flag("subtract_symmetry_point", false, "subtract the symmetry point from the reference")),
    (EXP, num("A_up", 0.00081, "up-step amplitude")),
    (EXP, num("A_down", 0.36833, "down-step amplitude")),
    (EXP, num("gamma_up", 12.44625, "up-step exponent")),
    (EXP, num("gamma_down", 12.78785, "down-step exponent")),
    (EXP, num("a", 0.244, "weight scaling of the exponent")),
    (EXP, num("b", 0.2425, "offset of the exponent")),
    (EXP, nonneg("dw_min_std_add", 0.0, "additive part of the complex noise")),
    (EXP, nonneg("dw_min_std_slope", 0.0, "weight-proportional part of the complex noise")),
    (POW, num("pow_gamma", 1.0, "exponent of the step's weight dependence")),
    (POW, nonneg("pow_gamma_dtod", 0.1, "device-to-device spread of pow_gamma")),
    (POW, num("pow_up_down", 0.0, "asymmetry of the exponent")),
    (POW, nonneg("pow_up_down_dtod", 0.0, "device-to-device spread of pow_up_down")),
    (PW, list("piecewise_up", "step factors at equally spaced nodes over [w_min, w_max], up")),
    (PW, list("piecewise_down", "step factors at equally spaced nodes, down")),
    (WRITE_NOISE, nonneg("write_noise_std", 0.0, "write noise, in units of dw_min")),
    (WRITE_NOISE, flag("apply_write_noise_on_set", true, "apply write noise after set_weights")),
];

/// How many fields model `bit` has: its `model` field, its own fields, the common ones.
const fn field_count(bit: u8) -> usize {
    let mut n = 1 + COMMON.len();
    let mut rest = MODEL_FIELDS;
    while let [(mask, _), tail @ ..] = rest {
        if *mask & bit != 0 {
            n += 1;
        }
        rest = tail;
    }
    n
}

/// The field table of model `bit` named `name`, built at compile time from [`MODEL_FIELDS`].
#[allow(clippy::indexing_slicing)] // evaluated at compile time: an overrun is a build error
const fn fields_of<const N: usize>(bit: u8, name: &'static str) -> [FieldSpec; N] {
    let own = [model_field(name)];
    let mut out: [FieldSpec; N] = concat(&own, &[]);
    let mut n = 1;
    let mut rest = MODEL_FIELDS;
    while let [(mask, spec), tail @ ..] = rest {
        if *mask & bit != 0 {
            out[n] = *spec;
            n += 1;
        }
        rest = tail;
    }
    let mut common: &[FieldSpec] = COMMON;
    while let [spec, tail @ ..] = common {
        out[n] = *spec;
        n += 1;
        common = tail;
    }
    out
}

const CONSTANT_STEP_FIELDS: [FieldSpec; field_count(CS)] = fields_of(CS, "ConstantStep");
const LINEAR_STEP_FIELDS: [FieldSpec; field_count(LS)] = fields_of(LS, "LinearStep");
const SOFT_BOUNDS_FIELDS: [FieldSpec; field_count(SB)] = fields_of(SB, "SoftBounds");
const SOFT_BOUNDS_REFERENCE_FIELDS: [FieldSpec; field_count(SBR)] = fields_of(SBR, "SoftBoundsReference");
const EXP_STEP_FIELDS: [FieldSpec; field_count(EXP)] = fields_of(EXP, "ExpStep");
const POW_STEP_FIELDS: [FieldSpec; field_count(POW)] = fields_of(POW, "PowStep");
const PIECEWISE_STEP_FIELDS: [FieldSpec; field_count(PW)] = fields_of(PW, "PiecewiseStep");

/// A device model's schema.
const fn model(kind: &'static str, doc: &'static str, fields: &'static [FieldSpec]) -> Schema {
    Schema { kind, doc, fields }
}

pub static CONSTANT_STEP: Schema = model("ConstantStep", "constant step per pulse", &CONSTANT_STEP_FIELDS);
pub static LINEAR_STEP: Schema = model("LinearStep", "step linear in the weight", &LINEAR_STEP_FIELDS);
pub static SOFT_BOUNDS: Schema = model("SoftBounds", "step vanishing at the bounds", &SOFT_BOUNDS_FIELDS);
pub static SOFT_BOUNDS_REFERENCE: Schema =
    model("SoftBoundsReference", "soft bounds read against a static reference", &SOFT_BOUNDS_REFERENCE_FIELDS);
pub static EXP_STEP: Schema = model("ExpStep", "exponential step dependence", &EXP_STEP_FIELDS);
pub static POW_STEP: Schema = model("PowStep", "power-law step dependence", &POW_STEP_FIELDS);
pub static PIECEWISE_STEP: Schema = model("PiecewiseStep", "piecewise-linear step dependence", &PIECEWISE_STEP_FIELDS);

pub static DEVICE_MODELS: &[&Schema] =
    &[&CONSTANT_STEP, &LINEAR_STEP, &SOFT_BOUNDS, &SOFT_BOUNDS_REFERENCE, &EXP_STEP, &POW_STEP, &PIECEWISE_STEP];

/// aihwkit's IOParameters.
pub static IO: Schema = Schema {
    kind: "io",
    doc: "the analog matrix-vector pipeline (IOParameters)",
    fields: &[
        flag("is_perfect", false, "exact y = W x, every other setting ignored"),
        choice(
            "mv_type",
            &["one_pass", "ideal", "pos_neg_separate", "pos_neg_separate_digital_sum"],
            "one_pass",
            "how the product is computed",
        ),
        num("inp_bound", 1.0, "DAC range ±bound (<= 0: infinite)"),
        num("inp_res", 1.0 / 126.0, "DAC resolution: a fraction of 2·bound, or a number of steps when > 1"),
        flag("inp_sto_round", false, "stochastic rounding in the DAC"),
        nonneg("inp_noise", 0.0, "input noise std"),
        num("inp_asymmetry", 0.0, "negative inputs scaled by (1 - a)"),
        num("out_bound", 12.0, "ADC range ±bound (<= 0: infinite)"),
        nonneg("out_noise", 0.06, "output noise std"),
        nonneg("out_noise_std", 0.0, "per-output relative variation of out_noise"),
        num("out_res", 1.0 / 510.0, "ADC resolution"),
        flag("out_sto_round", false, "stochastic rounding in the ADC"),
        num("out_scale", 1.0, "digital output factor"),
        num("out_asymmetry", 0.0, "negative outputs scaled by (1 - a)"),
        choice(
            "bound_management",
            &["none", "iterative", "iterative_worst_case"],
            "iterative",
            "retry with scaled-down inputs when outputs clip",
        ),
        choice(
            "noise_management",
            &["none", "abs_max", "abs_max_np_sum", "max", "constant", "average_abs_max"],
            "abs_max",
            "input scaling before the DAC",
        ),
        nonneg("w_noise", 0.0, "output-referred weight noise"),
        choice("w_noise_type", &["none", "additive_constant", "pcm_read"], "none", "weight noise model"),
        nonneg("ir_drop", 0.0, "IR-drop scale"),
        FieldSpec {
            name: "ir_drop_g_ratio",
            ty: FieldType::Quantity { dim: Dim::NONE, min: POSITIVE, max: ANY },
            default: Default::Num(571_428.571_428_571_4),
            shape: Shape::Scalar,
            doc: "wire-to-device conductance ratio",
        },
        num("out_nonlinearity", 0.0, "S-shaped output nonlinearity"),
        nonneg("out_nonlinearity_std", 0.0, "per-output variation of the nonlinearity"),
        num("slope_calibration", 0.0, "calibration point of the nonlinearity slope"),
        nonneg("v_offset_std", 0.0, "per-output voltage offset spread"),
        num("v_offset_w_min", -1.0, "reference weight with offsets"),
        nonneg("r_series", 0.0, "series resistance"),
        nonneg("w_read_asymmetry_dtod", 0.0, "per-device read asymmetry"),
        FieldSpec {
            name: "max_bm_factor",
            ty: FieldType::Quantity { dim: Dim::NONE, min: POSITIVE, max: ANY },
            default: Default::Num(1000.0),
            shape: Shape::Scalar,
            doc: "largest bound-management reduction",
        },
        FieldSpec {
            name: "max_bm_res",
            ty: FieldType::Quantity { dim: Dim::NONE, min: POSITIVE, max: ANY },
            default: Default::Num(0.25),
            shape: Shape::Scalar,
            doc: "bound management stops past max_bm_res / inp_res",
        },
        flag("bm_test_negative_bound", true, "the negative bound also triggers bound management"),
        nonneg("nm_thres", 0.0, "constant noise management: the scale; others: a cap"),
    ],
};

/// aihwkit's UpdateParameters.
pub static UPDATE: Schema = Schema {
    kind: "update",
    doc: "the stochastic pulsed update (UpdateParameters)",
    fields: &[
        int(
            "desired_bl",
            Default::Int(31),
            Some(1),
            Some(1 << 20),
            "pulse-train length (the maximum with update_bl_management)",
        ),
        flag("fixed_bl", true, "fixed pulse-train length"),
        choice(
            "pulse_type",
            &[
                "none",
                "stochastic",
                "stochastic_compressed",
                "none_with_device",
                "mean_count",
                "deterministic_implicit",
            ],
            "stochastic_compressed",
            "how pulses are drawn",
        ),
        nonneg("res", 0.0, "quantisation of the firing probabilities (0 = off)"),
        nonneg("x_res_implicit", 0.0, "x quantisation for deterministic_implicit"),
        nonneg("d_res_implicit", 0.0, "d quantisation for deterministic_implicit"),
        flag("d_sparsity", false, "compute d sparsity statistics"),
        flag("sto_round", false, "stochastic rounding in the update quantisers"),
        flag("update_bl_management", true, "adapt the pulse-train length per update"),
        flag("update_management", true, "balance x and d probabilities"),
        FieldSpec {
            name: "um_grad_scale",
            ty: FieldType::Quantity { dim: Dim::NONE, min: POSITIVE, max: ANY },
            default: Default::Num(1.0),
            shape: Shape::Scalar,
            doc: "weight of the d side in update management",
        },
    ],
};

const fn opt_num(name: &'static str, min: Bound, doc: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        ty: FieldType::Quantity { dim: Dim::NONE, min, max: ANY },
        default: Default::Absent,
        shape: Shape::Scalar,
        doc,
    }
}

const fn opt_flag(name: &'static str, doc: &'static str) -> FieldSpec {
    FieldSpec { name, ty: FieldType::Bool, default: Default::Absent, shape: Shape::Scalar, doc }
}

/// Settings of the compound the algorithm builds; unset ones keep build_config's values.
pub static COMPOUND: Schema = Schema {
    kind: "compound",
    doc: "transfer, chopper, buffer and mixed-precision settings (defaults depend on the algorithm)",
    fields: &[
        opt_num("gamma", NONNEG, "weight of the slow device in the visible weight"),
        list("gamma_vec", "per-device weights of the visible weight"),
        opt_num("transfer_every", NONNEG, "transfer period (mini-batches or samples)"),
        list("transfer_every_vec", "per-device transfer periods"),
        opt_flag("units_in_mbatch", "periods in mini-batches"),
        opt_num("n_reads_per_transfer", POSITIVE, "columns read per transfer"),
        opt_flag("transfer_columns", "transfer columns (else rows)"),
        opt_num("with_reset_prob", NONNEG, "reset probability after transfer"),
        opt_flag("random_selection", "random column selection"),
        opt_num("fast_lr", NONNEG, "learning rate of the fast device"),
        opt_num("transfer_lr", NONNEG, "learning rate of the transfer"),
        list("transfer_lr_vec", "per-device transfer learning rates"),
        opt_flag("scale_transfer_lr", "scale the transfer rate by the learning rate"),
        opt_flag("scale_fast_lr", "scale the fast rate by the learning rate"),
        opt_num("thres_scale", NONNEG, "buffer threshold scale"),
        opt_num("step", NONNEG, "buffer transfer step"),
        opt_num("momentum", NONNEG, "buffer momentum"),
        opt_flag("forget_buffer", "reset the buffer after a transfer"),
        opt_flag("no_buffer", "transfer without a buffer"),
        opt_num("in_chop_prob", NONNEG, "input chopper flip probability"),
        opt_flag("in_chop_random", "random chopper flips"),
        opt_num("out_chop_prob", NONNEG, "output chopper flip probability"),
        opt_num("buffer_granularity", NONNEG, "buffer granularity"),
        opt_num("auto_granularity", NONNEG, "automatic transfer granularity (period in samples)"),
        opt_flag("auto_scale", "scale the fast learning rate automatically"),
        opt_num("auto_momentum", NONNEG, "momentum of the automatic scale"),
        opt_flag("correct_gradient_magnitudes", "correct gradient magnitudes"),
        opt_num("tail_weightening", NONNEG, "AGAD tail weighting"),
        opt_num("buffer_cap", NONNEG, "cap of the buffer"),
        opt_flag(
            "experimental_correct_accumulation",
            "AGAD: scale buffer increments by the sweep in the chopper period",
        ),
        opt_num("granularity", NONNEG, "mixed precision: transfer granularity"),
        opt_num("n_x_bins", NONNEG, "mixed precision: x quantisation bins (0 = off)"),
        opt_num("n_d_bins", NONNEG, "mixed precision: d quantisation bins (0 = off)"),
        opt_flag("stoc_round_x", "mixed precision: stochastic rounding of x"),
        opt_flag("stoc_round_d", "mixed precision: stochastic rounding of d"),
        opt_num("n_rows_per_transfer", Bound::Unbounded, "mixed precision: rows per transfer (-1 = all)"),
        opt_flag("random_row", "mixed precision: random row selection"),
    ],
};

pub static DEVICE: Schema = Schema {
    kind: "crossbar",
    doc: "an analog crossbar tile (aihwkit's build_config)",
    fields: &[
        choice("algorithm", ALGORITHMS, "sgd", "training algorithm; build_config's names"),
        FieldSpec {
            name: "device",
            ty: FieldType::Model(DEVICE_MODELS),
            default: Default::Block,
            shape: Shape::Scalar,
            doc: "the resistive device: a preset (`crossbar.ReRamSB`) or a model block",
        },
        block("io", &IO, "forward/backward pipeline"),
        block("update", &UPDATE, "pulsed update"),
        block("compound", &COMPOUND, "compound settings"),
        block("transfer_io", &IO, "pipeline of transfer reads (noise and bound management are off there)"),
        block("transfer_update", &UPDATE, "pulsed update of transfers"),
        int("n_devices", Default::Int(1), Some(1), Some(64), "devices per cross-point (sgd only)"),
        int("construction_seed", Default::Int(0), Some(0), None, "seed of device-to-device variation"),
        int("seed", Default::Int(0), Some(0), None, "seed of runtime noise (pulses, reads)"),
    ],
};

/// Losses `train` accepts.
pub const LOSSES: &[&str] = &["cross_entropy", "mse"];

/// What a `train NET with { ... }` block may set.
pub static TRAIN: Schema = Schema {
    kind: "train",
    doc: "training data and settings of a train step",
    fields: &[
        FieldSpec {
            name: "data",
            ty: FieldType::List { dim: Dim::NONE },
            default: Default::Absent,
            shape: Shape::Scalar,
            doc: "training inputs, float (n, inputs)",
        },
        FieldSpec {
            name: "labels",
            ty: FieldType::List { dim: Dim::NONE },
            default: Default::Absent,
            shape: Shape::Scalar,
            doc: "training labels, int (n,)",
        },
        FieldSpec {
            name: "test_data",
            ty: FieldType::List { dim: Dim::NONE },
            default: Default::Absent,
            shape: Shape::Scalar,
            doc: "test inputs, float (m, inputs)",
        },
        FieldSpec {
            name: "test_labels",
            ty: FieldType::List { dim: Dim::NONE },
            default: Default::Absent,
            shape: Shape::Scalar,
            doc: "test labels, int (m,)",
        },
        int("epochs", Default::Int(10), Some(1), Some(1_000_000), "passes over the training set"),
        int("batch_size", Default::Int(10), Some(1), Some(1 << 24), "samples per mini-batch"),
        FieldSpec {
            name: "lr",
            ty: FieldType::Quantity { dim: Dim::NONE, min: POSITIVE, max: ANY },
            default: Default::Num(0.1),
            shape: Shape::Scalar,
            doc: "learning rate",
        },
        choice("loss", LOSSES, "cross_entropy", "loss function"),
        int("seed", Default::Int(0), Some(0), None, "seed of weight initialisation and shuffling"),
    ],
};
