//! BrainScaleS-2 calibration targets: shapes per neuron, calix's hard limits (errors, checked by
//! the schema's ranges) and feasible ranges (warnings), and potentials given as voltages
//! converted to CADC reads through the plant's readout model.

use super::schema::{bss2, Shape};
use super::settings::{SettingValue, Settings};
use super::units::{format_quantity, Dim};
use super::value::{Array, Number, Value};
use crate::diagnostics::{codes, Diag};
use crate::syntax::span::Span;

/// CADC read of a voltage with a calibrated readout (calix.md §5.7): 20 at CapMem code 70 and
/// 220 at code 550 of a voltage cell with step `vlsb`.
pub fn volts_to_cadc(volts: f64, vlsb: f64) -> f64 {
    let (v70, v550) = (70.0 * vlsb, 550.0 * vlsb);
    20.0 + (volts - v70) * 200.0 / (v550 - v70)
}

/// Checks every target's shape against the chip's neuron count.
pub fn check_shapes(targets: &Settings, neurons: usize) -> Vec<Diag> {
    let mut diags = Vec::new();
    for spec in targets.schema.fields {
        let Shape::Calibration { pairs } = spec.shape else { continue };
        let Some(Value::Array(a)) = targets.value(spec.name) else { continue };
        let shape = a.data.shape();
        let ok = shape == [neurons]
            || (pairs && (shape == [2] || shape == [2, neurons]))
            || (spec.name == "holdoff_time" && shape == [1]);
        if !ok {
            let allowed = if pairs {
                format!("one value, (2,), ({neurons},) or (2, {neurons})")
            } else {
                format!("one value or ({neurons},)")
            };
            diags.push(
                Diag::error(
                    &codes::SHAPES_MISMATCH,
                    format!("`{}` has shape {shape:?}; it takes {allowed}", spec.name),
                )
                .maybe_label(targets.span_of(spec.name), format!("shape {shape:?}"))
                .help(format!("a BrainScaleS-2 chip has {neurons} neurons; give one value for all or one per neuron")),
            );
        }
    }
    diags
}

/// Warnings for targets outside calix's feasible ranges.
pub fn feasibility(targets: &Settings) -> Vec<Diag> {
    let mut diags = Vec::new();
    for &(name, lo, hi) in bss2::FEASIBLE {
        let Some(value) = targets.value(name) else { continue };
        let (values, dim): (Vec<f64>, Dim) = match value {
            Value::Number(n) => (vec![n.value], n.dim),
            Value::Array(a) => (a.data.iter().copied().collect(), a.dim),
            _ => continue,
        };
        if dim == Dim::VOLTAGE {
            continue; // converted to CADC with the device's readout, checked there
        }
        let outside: Vec<(usize, f64)> =
            values.iter().copied().enumerate().filter(|(_, v)| *v < lo || *v > hi).collect();
        if let Some(&(i, v)) = outside.first() {
            let which =
                if values.len() > 1 { format!(" (neuron {i}, and {} in all)", outside.len()) } else { String::new() };
            diags.push(
                Diag::warning(
                    &codes::CALIBRATION_FEASIBLE,
                    format!("`{name}` = {} is outside calix's feasible range{which}", format_quantity(v, dim)),
                )
                .maybe_label(targets.span_of(name), "outside the feasible range")
                .help(format!(
                    "calix calibrates `{name}` well within {}..{}; expect a poorer result",
                    format_quantity(lo, dim),
                    format_quantity(hi, dim)
                )),
            );
        }
    }
    diags
}

/// Replaces potentials given in volts by CADC reads; errors where the readout cannot reach them.
pub fn potentials_to_cadc(targets: &mut Settings, vlsb: f64, device_span: Option<Span>) -> Vec<Diag> {
    let mut diags = Vec::new();
    for name in bss2::POTENTIALS {
        let span = targets.span_of(name);
        let Some(setting) = targets.fields.get_mut(name) else { continue };
        let SettingValue::Value(value) = &mut setting.value else { continue };
        let converted = match value {
            Value::Number(n) if n.dim == Dim::VOLTAGE => Value::Number(Number::plain(volts_to_cadc(n.value, vlsb))),
            Value::Array(a) if a.dim == Dim::VOLTAGE => {
                Value::Array(Array { data: a.data.mapv(|v| volts_to_cadc(v, vlsb)), dim: Dim::NONE, integer: false })
            }
            _ => continue,
        };
        let reads: Vec<f64> = match &converted {
            Value::Number(n) => vec![n.value],
            Value::Array(a) => a.data.iter().copied().collect(),
            _ => Vec::new(),
        };
        let reachable = *name == "e_coba_reversal" || reads.iter().all(|r| (0.0..=255.0).contains(r));
        if !reachable {
            let lo = (0.0 - 20.0) * (480.0 * vlsb) / 200.0 + 70.0 * vlsb;
            let hi = (255.0 - 20.0) * (480.0 * vlsb) / 200.0 + 70.0 * vlsb;
            diags.push(
                Diag::error(&codes::CALIBRATION_LIMIT, format!("`{name}` lies outside what the CADC can read"))
                    .maybe_label(span, "this potential")
                    .maybe_label(device_span, "the readout is set by this device")
                    .help(format!(
                        "the readout covers {} to {}",
                        format_quantity(lo, Dim::VOLTAGE),
                        format_quantity(hi, Dim::VOLTAGE)
                    )),
            );
            continue;
        }
        *value = converted;
    }
    diags
}
