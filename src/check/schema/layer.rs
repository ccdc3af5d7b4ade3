//! Blocks on network populations that are not device parameters: rate `layer`s.

use super::{choice, Schema};

pub const ACTIVATIONS: &[&str] = &["sigmoid", "relu", "tanh", "none"];
pub const BIASES: &[&str] = &["digital", "analog", "none"];

/// What a `layer` block may set.
pub static LAYER: Schema = Schema {
    kind: "layer",
    doc: "a rate (non-spiking) layer of an analog network",
    fields: &[
        choice("activation", ACTIVATIONS, "sigmoid", "activation after the analog matrix-vector product"),
        choice(
            "bias",
            BIASES,
            "digital",
            "where the bias lives: digital (aihwkit's default), an analog column, or none",
        ),
    ],
};
