//! `train` data: arrays checked against the network's input and output sizes.

use super::settings::Settings;
use super::value::Value;
use crate::diagnostics::{codes, Diag};
use crate::model::Network;
use crate::syntax::ast::Block;
use crate::syntax::span::Span;

/// Checks data/labels shapes for a rate network.
pub fn check_data(network: &Network, settings: &Settings, block: &Block, step_span: Span) -> Result<(), Diag> {
    let inputs: usize = network.inputs().map(|(_, p)| p.size).sum();
    let outputs: usize = network.outputs.iter().filter_map(|&i| network.populations.get(i)).map(|p| p.size).sum();
    let classes =
        if network.outputs.is_empty() { network.neurons().last().map_or(0, |(_, p)| p.size) } else { outputs };
    let field_span = |name: &str| block.fields.iter().find(|f| f.name.node == name).map_or(step_span, |f| f.span);
    let array = |name: &str| match settings.value(name) {
        Some(Value::Array(a)) => Some(a),
        _ => None,
    };
    let (Some(data), Some(labels)) = (array("data"), array("labels")) else {
        let missing = if array("data").is_none() { "data" } else { "labels" };
        return Err(Diag::error(&codes::TYPES_ARGUMENTS, format!("`train` needs `{missing}`"))
            .label(step_span, format!("no `{missing}` given"))
            .help("give `data = load(\"x.npy\")` (float, (n, inputs)) and `labels = load(\"y.npy\")` (int, (n,))"));
    };
    check_pair(
        data,
        labels,
        inputs,
        classes,
        field_span("data"),
        field_span("labels"),
        settings.choice("loss") == Some("mse"),
    )?;
    match (array("test_data"), array("test_labels")) {
        (Some(d), Some(l)) => check_pair(
            d,
            l,
            inputs,
            classes,
            field_span("test_data"),
            field_span("test_labels"),
            settings.choice("loss") == Some("mse"),
        ),
        (None, None) => Ok(()),
        (Some(_), None) => Err(missing_pair("test_labels", field_span("test_data"))),
        (None, Some(_)) => Err(missing_pair("test_data", field_span("test_labels"))),
    }
}

fn missing_pair(missing: &str, span: Span) -> Diag {
    Diag::error(&codes::TYPES_ARGUMENTS, format!("`{missing}` is missing"))
        .label(span, "given without its partner")
        .help("test data and test labels come together")
}

fn check_pair(
    data: &super::value::Array,
    labels: &super::value::Array,
    inputs: usize,
    classes: usize,
    data_span: Span,
    labels_span: Span,
    mse: bool,
) -> Result<(), Diag> {
    let shape = data.data.shape();
    if shape.len() != 2 || shape.get(1) != Some(&inputs) {
        return Err(Diag::error(
            &codes::SHAPES_MISMATCH,
            format!("data has shape {shape:?}, but the network has {inputs} inputs"),
        )
        .label(data_span, format!("shape {shape:?}"))
        .help(format!("data is (samples, {inputs})")));
    }
    let n = shape.first().copied().unwrap_or(0);
    let lshape = labels.data.shape();
    let want_mse = [n, classes];
    let ok = if mse { lshape == want_mse } else { lshape == [n] };
    if !ok {
        let want = if mse { format!("({n}, {classes})") } else { format!("({n},)") };
        return Err(Diag::error(&codes::SHAPES_MISMATCH, format!("labels have shape {lshape:?}, expected {want}"))
            .label(labels_span, format!("shape {lshape:?}"))
            .help("one label per sample: class indices for cross_entropy, target vectors for mse"));
    }
    if !mse {
        #[allow(clippy::cast_precision_loss)] // class counts are small
        let top = classes as f64;
        if let Some(bad) = labels.data.iter().find(|v| v.fract() != 0.0 || **v < 0.0 || **v >= top) {
            return Err(Diag::error(&codes::TYPES_RANGE, format!("label {bad} is not a class index in 0..{classes}"))
                .label(labels_span, "these labels")
                .help(format!(
                    "the output layer has {classes} units: labels are integers 0..{}",
                    classes.saturating_sub(1)
                )));
        }
    }
    Ok(())
}
