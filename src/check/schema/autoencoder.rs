//! The `autoencoder` quantization: Rockpool's autoencoder_quantization arguments.

use super::{choice, flag, int, Default, FieldSpec, FieldType, Schema, Shape, POSITIVE};
use crate::check::units::Dim;

/// jax.example_libraries.optimizers, by name.
pub const OPTIMIZERS: &[&str] =
    &["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "rmsprop_momentum", "adam", "adamax", "sm3"];

/// The extra parameters each optimizer takes (`opt_params { ... }`), with jax's defaults.
pub const OPTIMIZER_PARAMS: &[(&str, &[(&str, f64)])] = &[
    ("sgd", &[]),
    ("momentum", &[("mass", f64::NAN)]),
    ("nesterov", &[("mass", f64::NAN)]),
    ("adagrad", &[("momentum", 0.9)]),
    ("rmsprop", &[("gamma", 0.9), ("eps", 1e-8)]),
    ("rmsprop_momentum", &[("gamma", 0.9), ("eps", 1e-8), ("momentum", 0.9)]),
    ("adam", &[("b1", 0.9), ("b2", 0.999), ("eps", 1e-8)]),
    ("adamax", &[("b1", 0.9), ("b2", 0.999), ("eps", 1e-8)]),
    ("sm3", &[("momentum", 0.9)]),
];

/// Step-size schedules accepted by `step_size`.
pub const SCHEDULES: &[&str] =
    &["constant", "exponential_decay", "inverse_time_decay", "polynomial_decay", "piecewise_constant"];

pub static QUANTIZATION: Schema = Schema {
    kind: "autoencoder",
    doc: "Rockpool's per-core autoencoder weight quantization",
    fields: &[
        int("n_bits", Default::Int(4), Some(1), Some(4), "bits per weight mask = base weight currents per core"),
        flag("fixed_epoch", false, "run exactly num_epoch steps instead of the checkpoint stopping rule"),
        int("num_epoch", Default::Int(10_000_000), Some(1), None, "maximum number of full-batch steps"),
        int("num_epoch_checkpoint", Default::Int(1_000), Some(1), None, "steps between stopping-rule checkpoints"),
        FieldSpec {
            name: "eps",
            ty: FieldType::Quantity { dim: Dim::NONE, min: super::NONNEG, max: super::ANY },
            default: Default::Num(1e-6),
            shape: Shape::Scalar,
            doc: "smallest checkpoint improvement that counts",
        },
        flag("record_loss", true, "keep the loss of every step"),
        choice("optimizer", OPTIMIZERS, "adam", "optimizer from jax.example_libraries.optimizers"),
        FieldSpec {
            name: "step_size",
            ty: FieldType::StepSize,
            default: Default::Num(1e-4),
            shape: Shape::Scalar,
            doc: "learning rate: a number or a schedule",
        },
        FieldSpec {
            name: "opt_params",
            ty: FieldType::Params,
            default: Default::Block,
            shape: Shape::Scalar,
            doc: "the optimizer's extra parameters",
        },
        int("seed", Default::Int(0), Some(0), None, "seed of the encoder initialisation"),
    ],
};

/// The smallest positive step size that makes sense.
pub const STEP_SIZE_MIN: super::Bound = POSITIVE;
