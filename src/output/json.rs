//! JSON outputs (`summary.json`, `quantization.json`, `calibration.json`, exported configs):
//! pretty-printed, keys in insertion order (serde_json's `preserve_order`) or sorted on request,
//! and a rounding helper that fixes float precision for anything that reaches a snapshot.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::{Map, Number, Value};

use super::staging::{OutputStage, StageError};

/// Why a JSON output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// The value could not be turned into JSON (a map with non-string keys, for instance).
    #[error("cannot encode `{path}` as JSON")]
    Encode {
        /// The output path.
        path: String,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
    /// Staging the encoded file failed.
    #[error(transparent)]
    Stage(#[from] StageError),
}

/// Rounds every float in the tree to `digits` significant decimal digits (1..=17) and turns
/// `-0.0` into `0.0`, so values that differ only in the last bits print the same. Integers are
/// left alone. serde_json prints the shortest text that reads back to the rounded value, so
/// `0.1 + 0.2` with 6 digits prints as `0.3`.
pub fn round_floats(value: &mut Value, digits: u32) {
    match value {
        Value::Number(number) if number.is_f64() => {
            if let Some(x) = number.as_f64() {
                if let Some(rounded) = Number::from_f64(round_significant(x, digits)) {
                    *number = rounded;
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| round_floats(v, digits)),
        Value::Object(map) => map.values_mut().for_each(|v| round_floats(v, digits)),
        _ => {}
    }
}

/// `x` rounded to `digits` significant decimal digits (clamped to 1..=17); non-finite values
/// and zero are returned unchanged except that `-0.0` becomes `0.0`.
pub fn round_significant(x: f64, digits: u32) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    if !x.is_finite() {
        return x;
    }
    let precision = usize::try_from(digits.clamp(1, 17) - 1).unwrap_or(16);
    // Scientific formatting rounds the exact binary value correctly in decimal; reading it
    // back gives the float nearest to the rounded decimal.
    let text = format!("{x:.precision$e}");
    let rounded = text.parse::<f64>().unwrap_or(x);
    if rounded == 0.0 {
        0.0
    } else {
        rounded
    }
}

/// Sorts the keys of every object in the tree (for maps built from unordered sources).
pub fn sort_keys(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            *map = entries
                .into_iter()
                .map(|(k, mut v)| {
                    sort_keys(&mut v);
                    (k, v)
                })
                .collect::<Map<String, Value>>();
        }
        _ => {}
    }
}

/// Pretty JSON (two-space indent) with a final newline. Non-finite floats become `null`
/// (serde_json's rule), so record them elsewhere (e.g. in `warnings`) if they matter.
pub fn to_pretty_json<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// Stages `value` as pretty JSON at `path` (relative to the experiment folder), at full float
/// precision, and returns the final path.
pub fn write_json<T: Serialize + ?Sized>(stage: &mut OutputStage, path: &str, value: &T) -> Result<PathBuf, JsonError> {
    let text = to_pretty_json(value).map_err(|source| JsonError::Encode { path: path.into(), source })?;
    Ok(stage.write(path, text.as_bytes())?)
}

/// A copy of `value` as a JSON tree with floats rounded to `digits` significant digits: what
/// snapshot tests compare.
pub fn snapshot_value<T: Serialize + ?Sized>(value: &T, digits: u32) -> Result<Value, serde_json::Error> {
    let mut tree = serde_json::to_value(value)?;
    round_floats(&mut tree, digits);
    Ok(tree)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_significant_digits() {
        assert_eq!(round_significant(0.1 + 0.2, 6), 0.3);
        assert_eq!(round_significant(123_456.789, 3), 123_000.0);
        assert_eq!(round_significant(-1.23456e-12, 2), -1.2e-12);
        assert_eq!(round_significant(-0.0, 6).to_bits(), 0.0f64.to_bits());
        assert!(round_significant(f64::NAN, 3).is_nan());
    }

    #[test]
    fn sorts_nested_keys() {
        let mut v = serde_json::json!({"b": 1, "a": {"d": 2, "c": 3}});
        sort_keys(&mut v);
        assert_eq!(v.to_string(), r#"{"a":{"c":3,"d":2},"b":1}"#);
    }
}
