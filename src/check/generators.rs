//! Weight generators (`uniform`, `normal`, `fill`, `one_to_one`), drawn at check time so the
//! checker knows every weight (fan-in limits) before anything runs.

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use super::value::Call;
use crate::diagnostics::{codes, Diag};

/// Draws the (pre, post) matrix a generator call describes.
pub fn generate(call: &Call, rows: usize, cols: usize) -> Result<Array2<f64>, Diag> {
    let num = |name: &str, default: f64| call.number(name).map_or(default, |n| n.value);
    let seed = call.number("seed").and_then(|n| n.as_int()).and_then(|i| u64::try_from(i).ok()).unwrap_or(0);
    let density = num("density", 1.0);
    if !(density > 0.0 && density <= 1.0) {
        return Err(Diag::error(&codes::TYPES_RANGE, format!("`density` must lie in (0, 1], found {density}"))
            .label(call.span, "in this generator")
            .help("density is the fraction of non-zero weights, e.g. `density = 0.1`"));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    match call.function.as_str() {
        "uniform" => {
            let (low, high) = (num("low", 0.0), num("high", 1.0));
            if high < low {
                return Err(Diag::error(
                    &codes::TYPES_RANGE,
                    format!("`uniform` needs low <= high, found {low} > {high}"),
                )
                .label(call.span, "here")
                .help("swap the bounds"));
            }
            Ok(Array2::from_shape_fn((rows, cols), |_| {
                let keep = density >= 1.0 || rng.gen::<f64>() < density;
                let v = low + (high - low) * rng.gen::<f64>();
                if keep {
                    v
                } else {
                    0.0
                }
            }))
        }
        "normal" => {
            let (mean, std) = (num("mean", 0.0), num("std", 1.0));
            // rand_distr takes a negative std as a mirrored spread; a user who wrote one meant something else
            let valid = if std >= 0.0 { Normal::new(mean, std).ok() } else { None };
            let normal = valid.ok_or_else(|| {
                Diag::error(&codes::TYPES_RANGE, format!("`normal` needs a non-negative finite std, found {std}"))
                    .label(call.span, "here")
                    .help("std is a spread, e.g. `normal(0, 0.2, seed = 3)`")
            })?;
            Ok(Array2::from_shape_fn((rows, cols), |_| {
                let keep = density >= 1.0 || rng.gen::<f64>() < density;
                let v = normal.sample(&mut rng);
                if keep {
                    v
                } else {
                    0.0
                }
            }))
        }
        "fill" => Ok(Array2::from_elem((rows, cols), num("value", 0.0))),
        "one_to_one" => {
            if rows != cols {
                return Err(Diag::error(
                    &codes::SHAPES_MISMATCH,
                    format!("`one_to_one` joins populations of equal size, found {rows} and {cols}"),
                )
                .label(call.span, "here")
                .help("use a matrix or another generator for populations of different sizes"));
            }
            let w = num("weight", 1.0);
            Ok(Array2::from_shape_fn((rows, cols), |(i, j)| if i == j { w } else { 0.0 }))
        }
        other => Err(Diag::error(&codes::TYPES_EXPECTED, format!("`{other}(...)` does not describe weights"))
            .label(call.span, "not a weight generator")
            .help("weights are a matrix, `load(...)`, `uniform`, `normal`, `fill` or `one_to_one`")),
    }
}
