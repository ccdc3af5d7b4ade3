//! The `autoencoder` quantization: Rockpool's autoencoder_quantization arguments.

use super::{choice, flag, int, Default, FieldSpec, FieldType, Schema, Shape};
use crate::check::units::Dim;

use crate::devices::dynapse2::deploy::autoencoder::MAX_BITS;
/// Step-size schedules accepted by `step_size`; their rules live beside them.
pub use crate::devices::dynapse2::deploy::autoencoder::SCHEDULES;
/// jax.example_libraries.optimizers, by name; their parameters and ranges live beside them.
pub use crate::devices::dynapse2::deploy::autoencoder::{OPTIMIZERS, OPTIMIZER_PARAMS};

/// `n_bits`' upper bound for the schema (a small constant: the conversion is exact).
#[allow(clippy::cast_possible_wrap)]
const MAX_BITS_INT: i64 = MAX_BITS as i64;

pub static QUANTIZATION: Schema = Schema {
    kind: "autoencoder",
    doc: "Rockpool's per-core autoencoder weight quantization",
    fields: &[
        int(
            "n_bits",
            Default::Int(4),
            Some(1),
            Some(MAX_BITS_INT),
            "bits per weight mask = base weight currents per core",
        ),
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
