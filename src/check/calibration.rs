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
/// 220 at code 550 of a voltage cell with step `vlsb` (the plant's readout model).
pub use crate::devices::bss2::plant::readout::volts_to_cadc;

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
        if reachable {
            // Feasible ranges apply to the converted reads.
            if let Some(&(_, lo, hi)) = bss2::FEASIBLE.iter().find(|(n, _, _)| n == name) {
                let outside: Vec<f64> = reads.iter().copied().filter(|r| *r < lo || *r > hi).collect();
                if let Some(first) = outside.first() {
                    diags.push(
                        Diag::warning(
                            &codes::CALIBRATION_FEASIBLE,
                            format!("`{name}` reads {first:.1} CADC, outside calix's feasible range"),
                        )
                        .maybe_label(span, format!("{first:.1} CADC through the readout"))
                        .help(format!(
                            "calix calibrates `{name}` well within {lo}..{hi} CADC ({} to {}); expect a poorer result",
                            format_quantity(
                                crate::devices::bss2::plant::readout::cadc_to_volts(lo, vlsb),
                                Dim::VOLTAGE
                            ),
                            format_quantity(
                                crate::devices::bss2::plant::readout::cadc_to_volts(hi, vlsb),
                                Dim::VOLTAGE
                            )
                        )),
                    );
                }
            }
        }
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

/// A field's values broadcast to `n` neurons (scalars and size-1 arrays repeat).
fn values(settings: &Settings, name: &str, n: usize) -> Option<Vec<f64>> {
    match settings.value(name)? {
        Value::Number(x) => Some(vec![x.value; n]),
        Value::Array(a) if a.data.len() == 1 => Some(vec![a.data.iter().next().copied()?; n]),
        Value::Array(a) => Some(a.data.iter().copied().collect()),
        _ => None,
    }
}

/// A field with an (exc, inh) axis per neuron: scalar, (2,), (n,) for both, or (2, n); None when
/// absent or of another shape (the schema reports that).
pub fn pair_values(settings: &Settings, name: &str, n: usize) -> Option<[Vec<f64>; 2]> {
    match settings.value(name)? {
        Value::Number(x) => Some([vec![x.value; n], vec![x.value; n]]),
        Value::Array(a) => {
            let v: Vec<f64> = a.data.iter().copied().collect();
            match a.data.shape() {
                [2] => Some([vec![*v.first()?; n], vec![*v.get(1)?; n]]),
                [2, m] if *m == n => Some([v.get(..n)?.to_vec(), v.get(n..)?.to_vec()]),
                [m] if *m == n => Some([v.clone(), v]),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether any of the fields holds more than one value.
fn arrays(settings: &Settings, names: &[&str]) -> bool {
    names.iter().any(|n| matches!(settings.value(n), Some(Value::Array(a)) if a.data.len() > 2))
}

fn first_neuron(per_neuron: bool, i: usize) -> String {
    if per_neuron {
        format!(" (neuron {i})")
    } else {
        String::new()
    }
}

/// calix's remaining hard errors (calix.md §1.3, §6.5, §6.10) once the chip's size is known:
/// holdoff not below refractory time, refractory clocks beyond the slowest scaler, COBA
/// potentials without room, leak-over-threshold rates that cannot work.
pub fn check_targets(targets: &Settings, options: &Settings, neurons: usize, step_span: Span) -> Vec<Diag> {
    use crate::devices::bss2::calibrate::refractory;
    let mut diags = Vec::new();
    let n = neurons;
    let refr = values(targets, "refractory_time", n).unwrap_or_else(|| vec![2e-6; n]);
    let hold = values(targets, "holdoff_time", n).unwrap_or_else(|| vec![0.0; n]);
    if let Some((i, (h, t))) = hold.iter().zip(&refr).enumerate().find(|(_, (h, t))| **h > 0.0 && h >= t) {
        diags.push(
            Diag::error(
                &codes::CALIBRATION_HOLDOFF,
                format!(
                    "the holdoff time {} is not shorter than the refractory time {}{}",
                    format_quantity(*h, Dim::TIME),
                    format_quantity(*t, Dim::TIME),
                    first_neuron(arrays(targets, &["holdoff_time", "refractory_time"]), i)
                ),
            )
            .maybe_label(targets.span_of("holdoff_time"), "holdoff")
            .maybe_label(targets.span_of("refractory_time"), "refractory time, holdoff included")
            .help("the holdoff is the tail of the refractory period: make it shorter than `refractory_time`"),
        );
    } else if let Err(e) = refractory::settings(&refr, &hold) {
        diags.push(
            Diag::error(&codes::CALIBRATION_LIMIT, format!("{e}"))
                .maybe_label(targets.span_of("refractory_time"), "too long for the refractory counter")
                .label(step_span, "calibrated here")
                .help("the 8-bit counter on the slowest clock (262 us) reaches about 66.8 ms"),
        );
    }
    if let Some(reversal) = pair_values(targets, "e_coba_reversal", n) {
        let leak = values(targets, "leak", n).unwrap_or_else(|| vec![80.0; n]);
        let threshold = values(targets, "threshold", n).unwrap_or_else(|| vec![125.0; n]);
        let reference = pair_values(targets, "e_coba_reference", n);
        'outer: for (s, rev) in reversal.iter().enumerate() {
            for (i, &r) in rev.iter().enumerate() {
                if !r.is_finite() {
                    continue;
                }
                let e_ref = reference
                    .as_ref()
                    .and_then(|p| p.get(s)?.get(i).copied())
                    .filter(|x| x.is_finite())
                    .unwrap_or_else(|| {
                        0.5 * (leak.get(i).copied().unwrap_or(80.0) + threshold.get(i).copied().unwrap_or(125.0))
                    });
                if coba_operating_point(e_ref, r).is_none() {
                    diags.push(
                        Diag::error(
                            &codes::CALIBRATION_COBA,
                            format!(
                                "the {} COBA reference {e_ref:.1} and reversal {r:.1} CADC leave no room for a second operating point inside 60..165{}",
                                if s == 0 { "excitatory" } else { "inhibitory" },
                                first_neuron(arrays(targets, &["e_coba_reversal", "e_coba_reference", "leak", "threshold"]), i)
                            ),
                        )
                        .maybe_label(targets.span_of("e_coba_reversal"), "reversal")
                        .maybe_label(targets.span_of("e_coba_reference"), "reference")
                        .help("calix measures at a point 60 CADC or more from the reference, inside 60..165 CADC: move the reference towards the middle of that range"),
                    );
                    break 'outer;
                }
            }
        }
    }
    if let Some(rates) = values(options, "leak_over_threshold_rate", n) {
        let span = options.span_of("leak_over_threshold_rate");
        if rates.iter().all(|r| *r == 0.0) {
            diags.push(
                Diag::error(&codes::CALIBRATION_RATE, "every leak-over-threshold rate is zero")
                    .maybe_label(span, "all zero")
                    .help("a rate of 0 leaves a neuron's threshold untouched; give at least one neuron a rate, e.g. `100 kHz`"),
            );
        } else {
            let leak = values(targets, "leak", n).unwrap_or_else(|| vec![80.0; n]);
            let reset = values(targets, "reset", n).unwrap_or_else(|| vec![70.0; n]);
            if let Some((i, (l, r))) = leak
                .iter()
                .zip(&reset)
                .enumerate()
                .find(|(i, (l, r))| rates.get(*i).is_some_and(|x| *x > 0.0) && l <= r)
            {
                diags.push(
                    Diag::error(
                        &codes::CALIBRATION_RATE,
                        format!(
                            "leak {l} is not above reset {r} CADC{}: the neuron cannot fire on its own",
                            first_neuron(
                                arrays(targets, &["leak", "reset"]) || arrays(options, &["leak_over_threshold_rate"]),
                                i
                            )
                        ),
                    )
                    .maybe_label(span, "leak over threshold asked for here")
                    .maybe_label(targets.span_of("leak"), "leak")
                    .maybe_label(targets.span_of("reset"), "reset")
                    .help("leave room between reset and leak (calix's own test uses leak 110, reset 60)"),
                );
            }
            let positive: Vec<f64> = rates.iter().copied().filter(|r| *r > 0.0).collect();
            let max = positive.iter().copied().fold(0.0, f64::max);
            let min = positive.iter().copied().fold(f64::INFINITY, f64::min);
            if max > 10.0 * min {
                diags.push(
                    Diag::warning(
                        &codes::CALIBRATION_FEASIBLE,
                        format!(
                            "leak-over-threshold rates span {}..{}, more than 10x",
                            format_quantity(min, Dim::FREQUENCY),
                            format_quantity(max, Dim::FREQUENCY)
                        ),
                    )
                    .maybe_label(span, "rates")
                    .help("the 8-bit spike counter resolves the slow neurons poorly; calibrate them in a second run"),
                );
            }
        }
    }
    diags
}

/// calix's second COBA operating point: 80 % of the way from reference to reversal, clamped
/// to 60..165; at least 60 LSB from the reference, else 60 LSB on the other side; None when
/// that falls outside 60..165.
pub fn coba_operating_point(reference: f64, reversal: f64) -> Option<f64> {
    let mut p = (reference + 0.8 * (reversal - reference)).clamp(60.0, 165.0);
    if (p - reference).abs() < 60.0 {
        p = reference - 60.0 * (reversal - reference).signum();
    }
    (60.0..=165.0).contains(&p).then_some(p)
}
