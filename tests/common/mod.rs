//! Helpers shared by the integration tests: quiet runs, JSON vectors as arrays, `.npy` inputs,
//! summaries without wall times. Each test binary uses a subset, hence `dead_code`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::{Path, PathBuf};

use dynlang::output::npy::npy_bytes;
use dynlang::output::ProgressPolicy;
use dynlang::run::RunOptions;
use ndarray::{Array, Array2, Dimension};
use serde_json::Value;

/// Options of a `dyn run` into `out_dir`: every experiment, no pictures, no progress bars.
pub fn quiet_run(out_dir: PathBuf) -> RunOptions {
    RunOptions { out_dir, experiment: None, plots: false, progress: ProgressPolicy::hidden() }
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub fn f64s(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// A JSON list of rows as a matrix (0 columns when there are no rows).
pub fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(f64s).collect();
    let cols = rows.first().map_or(0, Vec::len);
    Array2::from_shape_vec((rows.len(), cols), rows.into_iter().flatten().collect()).unwrap()
}

/// Writes `a` as `dir/name` in dyn's own `.npy` encoding.
pub fn save<A: ndarray_npy::WritableElement + Clone, D: Dimension>(dir: &Path, name: &str, a: &Array<A, D>) {
    std::fs::write(dir.join(name), npy_bytes(a).unwrap()).unwrap();
}

/// Removes every `seconds` entry: wall times change run to run, everything else must not.
pub fn strip_seconds(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("seconds");
            map.values_mut().for_each(strip_seconds);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_seconds),
        _ => {}
    }
}
