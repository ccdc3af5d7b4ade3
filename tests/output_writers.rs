//! The output layer of `dyn run`: atomic staging, .npy round trips and numpy-compatible headers,
//! the .npy reader's dtypes and its errors on malformed files, JSON rounding, and the SVG
//! pictures. Set `DYN_SVG_DIR=/some/dir` to also write the rendered pictures there for viewing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use dynlang::output::json::{round_floats, snapshot_value, sort_keys, write_json};
use dynlang::output::npy::{self, read_npy, NpyDtype, NpyError};
use dynlang::output::svg::{
    calibration_svg, loss_svg, raster_svg, trace_svg, EpochMetrics, SpikePopulation, TargetHistogram, Trace,
};
use dynlang::output::{OutputStage, ProgressPolicy, StageError};
use ndarray::{array, Array, Array2, ArrayD, IxDyn, ShapeBuilder};
use ndarray_npy::WriteNpyExt;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

// ---------------------------------------------------------------- staging

#[test]
fn commit_moves_every_file_into_place() {
    let out = tempfile::tempdir().unwrap();
    let mut stage = OutputStage::begin(out.path(), "deploy").unwrap();
    let a = stage.write("summary.json", b"{}\n").unwrap();
    let b = stage.write("sub/deeper/x.json", b"[1]\n").unwrap();
    assert_eq!(a, out.path().join("deploy/summary.json"));
    // Nothing is visible before commit; the stage lives in a hidden sibling.
    assert!(!out.path().join("deploy").exists());
    assert_eq!(names_in(out.path()).len(), 1);
    assert!(names_in(out.path())[0].starts_with(".deploy.tmp-"));
    let written = stage.commit().unwrap();
    assert_eq!(written, vec![b.clone(), a.clone()], "sorted by path components");
    assert_eq!(fs::read(&a).unwrap(), b"{}\n");
    assert_eq!(fs::read(&b).unwrap(), b"[1]\n");
    assert_eq!(names_in(out.path()), vec!["deploy"]);
    assert_eq!(names_in(&out.path().join("deploy")), vec!["sub", "summary.json"]);
}

#[test]
fn commit_into_an_existing_folder_replaces_only_written_files() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("fit");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("old.txt"), "old").unwrap();
    fs::write(dir.join("summary.json"), "stale").unwrap();
    let mut stage = OutputStage::begin(out.path(), "fit").unwrap();
    stage.write("summary.json", b"new").unwrap();
    stage.write("summary.json", b"newer").unwrap(); // the last write wins
    stage.write("w/weights.npy", b"w").unwrap();
    assert_eq!(fs::read_to_string(dir.join("summary.json")).unwrap(), "stale");
    stage.commit().unwrap();
    assert_eq!(fs::read_to_string(dir.join("summary.json")).unwrap(), "newer");
    assert_eq!(fs::read_to_string(dir.join("old.txt")).unwrap(), "old");
    assert_eq!(fs::read_to_string(dir.join("w/weights.npy")).unwrap(), "w");
    assert_eq!(names_in(out.path()), vec!["fit"]);
}

#[test]
fn drop_without_commit_leaves_no_trace() {
    let out = tempfile::tempdir().unwrap();
    {
        let mut stage = OutputStage::begin(out.path(), "deploy").unwrap();
        stage.write("summary.json", b"{}").unwrap();
        stage.write("a/b.npy", b"x").unwrap();
        assert!(stage.temp_dir().exists());
    } // a failed run drops its stage
    assert!(names_in(out.path()).is_empty());
}

#[test]
fn drop_without_commit_keeps_an_earlier_run_intact() {
    let out = tempfile::tempdir().unwrap();
    let mut first = OutputStage::begin(out.path(), "e").unwrap();
    first.write("summary.json", b"first").unwrap();
    first.commit().unwrap();
    let mut second = OutputStage::begin(out.path(), "e").unwrap();
    second.write("summary.json", b"second").unwrap();
    drop(second);
    let summary = out.path().join("e/summary.json");
    assert_eq!(fs::read_to_string(summary).unwrap(), "first");
    assert_eq!(names_in(out.path()), vec!["e"]);
}

#[test]
fn escaping_and_absolute_paths_are_rejected() {
    let out = tempfile::tempdir().unwrap();
    let mut stage = OutputStage::begin(out.path(), "deploy").unwrap();
    let escaping = ["../x.json", "a/../../x.json", "..", "sub/../../../etc/passwd"];
    for path in escaping {
        let err = stage.write(path, b"x").unwrap_err();
        assert!(matches!(err, StageError::EscapingPath { .. }), "{path}: {err}");
        assert!(err.to_string().contains(path));
    }
    let err = stage.write("/tmp/x.json", b"x").unwrap_err();
    assert!(matches!(err, StageError::AbsolutePath { .. }), "{err}");
    let err = stage.write("sub/..", b"x").unwrap_err();
    assert!(matches!(err, StageError::EmptyPath { .. }), "{err}");
    // A `..` that stays inside is fine.
    let ok = stage.write("sub/../deploy.config.json", b"{}").unwrap();
    assert_eq!(ok, out.path().join("deploy/deploy.config.json"));
    assert_eq!(stage.commit().unwrap().len(), 1);
    assert_eq!(names_in(out.path()), vec!["deploy"]);
}

#[test]
fn bad_experiment_names_are_rejected() {
    let out = tempfile::tempdir().unwrap();
    for name in ["", "..", "a/b", ".hidden"] {
        let err = OutputStage::begin(out.path(), name).unwrap_err();
        assert!(matches!(err, StageError::BadExperimentName { .. }), "{name}");
    }
}

#[test]
fn concurrent_stages_and_stale_temporaries() {
    let out = tempfile::tempdir().unwrap();
    // A folder left by a killed process (no such pid: above Linux's pid_max).
    let stale = out.path().join(".e.tmp-999999999");
    fs::create_dir_all(stale.join("sub")).unwrap();
    let mut one = OutputStage::begin(out.path(), "e").unwrap();
    let two = OutputStage::begin(out.path(), "e").unwrap();
    assert_ne!(one.temp_dir(), two.temp_dir());
    if Path::new("/proc/self").exists() {
        assert!(!stale.exists());
    }
    one.write("a", b"1").unwrap();
    one.commit().unwrap();
    drop(two);
    assert_eq!(names_in(&out.path().join("e")), vec!["a"]);
}

#[test]
fn io_errors_name_the_path() {
    let out = tempfile::tempdir().unwrap();
    let mut stage = OutputStage::begin(out.path(), "e").unwrap();
    stage.write("f", b"1").unwrap();
    // `f` is a file, so `f/g` cannot be created.
    let err = stage.write("f/g", b"2").unwrap_err();
    assert!(matches!(err, StageError::Io { .. }));
    assert!(err.to_string().contains("f"), "{err}");
    assert!(std::error::Error::source(&err).is_some());
}

// ---------------------------------------------------------------- npy writing

/// Splits a .npy file into (version, header text, data).
fn split_npy(bytes: &[u8]) -> ((u8, u8), String, &[u8]) {
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    let header = String::from_utf8(bytes[10..10 + len].to_vec()).unwrap();
    ((bytes[6], bytes[7]), header, &bytes[10 + len..])
}

#[test]
fn f64_header_matches_numpy() {
    let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]];
    let bytes = npy::npy_bytes(&a).unwrap();
    let (version, header, data) = split_npy(&bytes);
    assert_eq!(version, (1, 0));
    // numpy itself writes `(2, 3), }`; ndarray-npy omits the trailing comma. numpy.load reads
    // both (it evaluates the dict literal).
    assert!(header.starts_with("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}"), "{header:?}");
    assert!(header.ends_with('\n'));
    assert_eq!((10 + header.len()) % 64, 0, "numpy aligns the data to 64 bytes");
    assert_eq!(data.len(), 48);
    assert_eq!(&data[40..48], &6.5f64.to_le_bytes());
}

#[test]
fn u8_header_matches_numpy() {
    let a = Array2::<u8>::from_shape_fn((4, 2), |(t, n)| u8::try_from(t * 2 + n).unwrap());
    let bytes = npy::npy_bytes(&a).unwrap();
    let (_, header, data) = split_npy(&bytes);
    assert!(header.starts_with("{'descr': '|u1', 'fortran_order': False, 'shape': (4, 2)}"));
    assert_eq!(data, &[0, 1, 2, 3, 4, 5, 6, 7]);
}

#[test]
fn transposed_views_are_written_row_major() {
    let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let bytes = npy::npy_bytes(&a.t()).unwrap();
    let (_, header, data) = split_npy(&bytes);
    assert!(header.contains("'fortran_order': False, 'shape': (3, 2)"));
    let second = f64::from_le_bytes(data[8..16].try_into().unwrap());
    assert_eq!(second, 4.0);
}

#[test]
fn npy_round_trips_through_the_stage() {
    let out = tempfile::tempdir().unwrap();
    let mut stage = OutputStage::begin(out.path(), "sim").unwrap();
    let trace = Array2::from_shape_fn((5, 3), |(t, n)| (t as f64) * 1e-9 - (n as f64) * 0.5);
    let spikes = Array2::from_shape_fn((5, 3), |(t, n)| u8::from((t + n) % 2 == 0));
    let cube = Array::from_shape_fn((2, 3, 4), |(i, j, k)| (i * 100 + j * 10 + k) as f64);
    let scalar = ArrayD::from_elem(IxDyn(&[]), 42.0);
    let p1 = npy::write_f64(&mut stage, "Imem.h1.npy", &trace).unwrap();
    let p2 = npy::write_u8(&mut stage, "spikes.h1.npy", &spikes).unwrap();
    let p3 = npy::write_f64(&mut stage, "cube.npy", &cube).unwrap();
    let p4 = npy::write_f64(&mut stage, "scalar.npy", &scalar).unwrap();
    stage.commit().unwrap();
    let back = read_npy(&p1).unwrap();
    assert_eq!(back.dtype, NpyDtype::Float64);
    assert_eq!(back.shape(), &[5, 3]);
    assert_eq!(back.data, trace.into_dyn());
    let back = read_npy(&p2).unwrap();
    assert_eq!(back.dtype, NpyDtype::Uint8);
    assert_eq!(back.data, spikes.mapv(f64::from).into_dyn());
    let back = read_npy(&p3).unwrap();
    assert_eq!(back.shape(), &[2, 3, 4]);
    assert_eq!(back.data[[1, 2, 3]], 123.0);
    let back = read_npy(&p4).unwrap();
    assert_eq!(back.shape(), &[] as &[usize]);
    assert_eq!(back.data.sum(), 42.0);
}

// ---------------------------------------------------------------- npy reading

fn save<A: ndarray_npy::WritableElement, D: ndarray::Dimension>(dir: &Path, name: &str, a: &Array<A, D>) -> PathBuf {
    let path = dir.join(name);
    a.write_npy(fs::File::create(&path).unwrap()).unwrap();
    path
}

#[test]
fn reads_every_supported_dtype() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let expect = array![[1.0, -2.0, 3.0], [0.0, 5.0, -6.0]].into_dyn();
    let cases: Vec<(PathBuf, NpyDtype)> = vec![
        (save(d, "f8.npy", &expect.clone()), NpyDtype::Float64),
        (save(d, "f4.npy", &expect.mapv(|v| v as f32)), NpyDtype::Float32),
        (save(d, "i8.npy", &expect.mapv(|v| v as i64)), NpyDtype::Int64),
        (save(d, "i4.npy", &expect.mapv(|v| v as i32)), NpyDtype::Int32),
        (save(d, "i2.npy", &expect.mapv(|v| v as i16)), NpyDtype::Int16),
        (save(d, "i1.npy", &expect.mapv(|v| v as i8)), NpyDtype::Int8),
    ];
    for (path, dtype) in cases {
        let a = read_npy(&path).unwrap();
        assert_eq!((a.dtype, a.shape()), (dtype, &[2usize, 3][..]), "{path:?}");
        assert_eq!(a.data, expect, "{path:?}");
        assert_eq!(a.dtype.is_integer(), !matches!(dtype, NpyDtype::Float64 | NpyDtype::Float32));
    }
    let unsigned = expect.mapv(f64::abs);
    let cases: Vec<(PathBuf, NpyDtype)> = vec![
        (save(d, "u1.npy", &unsigned.mapv(|v| v as u8)), NpyDtype::Uint8),
        (save(d, "u2.npy", &unsigned.mapv(|v| v as u16)), NpyDtype::Uint16),
        (save(d, "u4.npy", &unsigned.mapv(|v| v as u32)), NpyDtype::Uint32),
        (save(d, "u8.npy", &unsigned.mapv(|v| v as u64)), NpyDtype::Uint64),
    ];
    for (path, dtype) in cases {
        let a = read_npy(&path).unwrap();
        assert_eq!((a.dtype, &a.data), (dtype, &unsigned), "{path:?}");
    }
    let flags = array![true, false, true];
    let a = read_npy(&save(d, "b1.npy", &flags)).unwrap();
    assert_eq!(a.dtype, NpyDtype::Bool);
    assert_eq!(a.data, array![1.0, 0.0, 1.0].into_dyn());
    assert_eq!(a.dtype.name(), "bool");
}

#[test]
fn reads_fortran_order_and_big_endian() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = Array2::<f64>::zeros((2, 3).f());
    f.assign(&array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    let path = save(dir.path(), "f.npy", &f);
    let header = split_npy(&fs::read(&path).unwrap()).1;
    assert!(header.contains("'fortran_order': True"), "{header}");
    let a = read_npy(&path).unwrap();
    assert_eq!(a.data, array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]].into_dyn());
    assert!(a.data.is_standard_layout());

    let mut data = Vec::new();
    for v in [1.5f64, -2.0] {
        data.extend_from_slice(&v.to_be_bytes());
    }
    let path = dir.path().join("be.npy");
    fs::write(&path, handmade_npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", &data)).unwrap();
    assert_eq!(read_npy(&path).unwrap().data, array![1.5, -2.0].into_dyn());
}

/// A version-1.0 .npy file with the given header dict and data.
fn handmade_npy(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut header = dict.to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    bytes
}

fn read_bytes(dir: &Path, bytes: &[u8]) -> Result<npy::NpyArray, NpyError> {
    let path = dir.join("x.npy");
    fs::write(&path, bytes).unwrap();
    read_npy(&path)
}

#[test]
fn malformed_files_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let err = read_npy(&d.join("nope.npy")).unwrap_err();
    assert!(matches!(err, NpyError::Missing { .. }));
    assert!(err.to_string().contains("nope.npy"), "{err}");

    let malformed = |bytes: &[u8], needle: &str| {
        let err = read_bytes(d, bytes).unwrap_err();
        assert!(matches!(err, NpyError::Malformed { .. }), "{err}");
        assert!(err.to_string().contains(needle), "{err} lacks {needle}");
        assert!(err.to_string().contains("x.npy"), "{err}");
    };
    malformed(b"", "magic");
    malformed(b"hello world, not an array", "magic");
    malformed(b"\x93NUMPY\x01", "ends inside the header");
    malformed(b"\x93NUMPY\x09\x00\x10\x00", "version 9.0");
    let valid = npy::npy_bytes(&array![1.0, 2.0, 3.0]).unwrap();
    malformed(&valid[..valid.len() - 5], "ends before its data does");
    malformed(&valid[..valid.len() - 24], "ends before its data does");
    malformed(&valid[..40], "ends inside the header");
    let mut extra = valid.clone();
    extra.extend_from_slice(&[0, 0]);
    malformed(&extra, "2 bytes after the data");
    let huge = handmade_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 1000000000000), }", &[]);
    malformed(&huge, "too large");
    let claims_much = handmade_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }", &[0; 16]);
    malformed(&claims_much, "ends before its data does");
    let bad_bool = handmade_npy("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", &[1, 7]);
    malformed(&bad_bool, "data is invalid");
    malformed(&handmade_npy("{'descr': '<f8', 'shape': (1,), }", &[0; 8]), "lacks");

    let complex = handmade_npy("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", &[0; 16]);
    let err = read_bytes(d, &complex).unwrap_err();
    assert!(matches!(err, NpyError::UnsupportedDtype { ref descr, .. } if descr == "<c16"), "{err}");
    assert!(err.to_string().contains("float64"));
}

#[test]
fn garbage_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let valid = npy::npy_bytes(&array![[1.0f64, 2.0], [3.0, 4.0]]).unwrap();
    // Every truncation is an error.
    for len in 0..valid.len() {
        assert!(read_bytes(dir.path(), &valid[..len]).is_err(), "prefix {len}");
    }
    // Random corruptions of the header and data: an error or an array, never a panic.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for _ in 0..300 {
        let mut bytes = valid.clone();
        for _ in 0..rng.gen_range(1..4) {
            let at = rng.gen_range(0..bytes.len());
            bytes[at] = rng.gen();
        }
        let _ = read_bytes(dir.path(), &bytes);
    }
}

// ---------------------------------------------------------------- json

#[test]
fn json_rounding_makes_snapshots_stable() {
    let mut v = json!({
        "loss": 0.1 + 0.2,
        "counts": [1, 2, 3],
        "nested": {"tau": 1.0000000000000002e-5, "neg_zero": -0.0, "big": 123456789.123},
        "name": "deploy"
    });
    round_floats(&mut v, 6);
    assert_eq!(
        v.to_string(),
        r#"{"loss":0.3,"counts":[1,2,3],"nested":{"tau":0.00001,"neg_zero":0.0,"big":123457000.0},"name":"deploy"}"#
    );
    let a = snapshot_value(&json!({"x": 1.0 / 3.0}), 4).unwrap();
    let b = snapshot_value(&json!({"x": 0.33333334}), 4).unwrap();
    assert_eq!(a, b);
    let mut unsorted = json!({"b": 1, "a": [{"z": 1, "y": 2}]});
    sort_keys(&mut unsorted);
    assert_eq!(unsorted.to_string(), r#"{"a":[{"y":2,"z":1}],"b":1}"#);
}

#[test]
fn json_is_written_pretty_in_insertion_order() {
    let out = tempfile::tempdir().unwrap();
    let mut stage = OutputStage::begin(out.path(), "cal").unwrap();
    let value = json!({"neurons": 2, "targets": {"leak": {"unit": "", "target": [80.0, 80.0]}}, "codes": {}});
    let path = write_json(&mut stage, "calibration.json", &value).unwrap();
    stage.commit().unwrap();
    let text = fs::read_to_string(path).unwrap();
    assert!(text.starts_with("{\n  \"neurons\": 2,\n  \"targets\": {"), "{text}");
    assert!(text.ends_with("}\n"));
    assert!(text.find("targets").unwrap() < text.find("codes").unwrap());
}

// ---------------------------------------------------------------- svg

/// Checks that tags nest and close properly (plotters writes no comments or CDATA).
fn assert_well_formed(svg: &str) {
    assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
    assert!(svg.trim_end().ends_with("</svg>"));
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let end = start + rest[start..].find('>').expect("unclosed tag");
        let tag = &rest[start + 1..end];
        assert!(!rest[..start].contains('>'), "stray '>'");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name.trim()), "mismatched </{name}>");
        } else if !tag.ends_with('/') && !tag.starts_with('?') {
            stack.push(tag.split_whitespace().next().unwrap());
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

fn keep(name: &str, svg: &str) {
    if let Ok(dir) = std::env::var("DYN_SVG_DIR") {
        fs::create_dir_all(&dir).unwrap();
        fs::write(Path::new(&dir).join(name), svg).unwrap();
    }
}

fn poisson_counts(steps: usize, neurons: usize, p: f64, seed: u64) -> Array2<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_simple_fn((steps, neurons), || u8::from(rng.gen_bool(p)))
}

#[test]
fn raster_of_a_small_network() {
    let hidden = poisson_counts(500, 12, 0.04, 1);
    let out = poisson_counts(500, 2, 0.02, 2);
    let pops =
        [SpikePopulation { name: "h1", counts: hidden.view() }, SpikePopulation { name: "out", counts: out.view() }];
    let svg = raster_svg(&pops, 1e-3).unwrap();
    assert_well_formed(&svg);
    for label in ["h1 (12)", "out (2)", "time (ms)", "spike raster: 14 neurons, 500 steps"] {
        assert!(svg.contains(label), "missing {label}");
    }
    keep("raster_small.svg", &svg);
}

#[test]
fn raster_of_1024_neurons_by_10000_steps_stays_small() {
    let h = poisson_counts(10_000, 768, 0.002, 3);
    let o = poisson_counts(10_000, 256, 0.01, 4);
    let pops =
        [SpikePopulation { name: "hidden", counts: h.view() }, SpikePopulation { name: "readout", counts: o.view() }];
    let svg = raster_svg(&pops, 1e-4).unwrap();
    assert_well_formed(&svg);
    assert!(svg.contains("1 in 2 neurons shown"));
    assert!(svg.contains("hidden (768)") && svg.contains("readout (256)"));
    assert!(svg.len() < 12_000_000, "{} bytes", svg.len());
    keep("raster_large.svg", &svg);
}

#[test]
fn empty_recordings_still_draw() {
    let none = Array2::<u8>::zeros((0, 0));
    let svg = raster_svg(&[SpikePopulation { name: "x", counts: none.view() }], 1e-3).unwrap();
    assert_well_formed(&svg);
    assert_well_formed(&raster_svg(&[], 1e-3).unwrap());
    let values = Array2::<f64>::zeros((0, 3));
    let trace = Trace { signal: "Imem", population: "h", unit: "A", values: values.view(), dt: 1e-3 };
    assert_well_formed(&trace_svg(&trace).unwrap());
    assert_well_formed(&calibration_svg(&[]).unwrap());
    assert_well_formed(&loss_svg(&[]).unwrap());
}

/// Leaky integrators (tau 20 ms at dt 0.1 ms) driven from 0.5 to 2 nA: the weakly driven
/// neurons settle below the 1.5 nA threshold, the others fire at increasing rates.
fn membrane_currents(steps: usize, neurons: usize) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut values = Array2::zeros((steps, neurons));
    for n in 0..neurons {
        let drive = 0.5e-9 + 1.5e-9 * n as f64 / neurons as f64;
        let mut i = 0.0;
        for t in 0..steps {
            i += 0.005 * (drive - i) + rng.gen_range(-1.0..1.0) * 5e-12;
            if i > 1.5e-9 {
                i = 0.0; // reset after a spike
            }
            values[[t, n]] = i;
        }
    }
    values
}

#[test]
fn trace_picture_subsets_many_neurons() {
    let values = membrane_currents(5000, 32);
    let trace = Trace { signal: "Imem", population: "h1", unit: "A", values: values.view(), dt: 1e-4 };
    let svg = trace_svg(&trace).unwrap();
    assert_well_formed(&svg);
    for label in ["Imem (nA)", "time (ms)", "8 of 32 shown", "h1[31]", "neurons 0, 4, 8"] {
        assert!(svg.contains(label), "missing {label}");
    }
    keep("Imem.h1.svg", &svg);
    let few = membrane_currents(300, 3);
    let mut with_nan = few.clone();
    with_nan[[100, 1]] = f64::NAN;
    let trace = Trace { signal: "Vmem", population: "out", unit: "V", values: with_nan.view(), dt: 1e-3 };
    let svg = trace_svg(&trace).unwrap();
    assert_well_formed(&svg);
    assert!(svg.contains("Vmem(out), 3 neurons") && svg.contains("out[2]"));
}

#[test]
fn calibration_picture_has_a_panel_per_target() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut spread = |mean: f64, sd: f64| -> Vec<f64> {
        (0..512).map(|_| mean + sd * (rng.gen::<f64>() + rng.gen::<f64>() - 1.0) * 2.4).collect()
    };
    let (leak_before, leak_after) = (spread(80.0, 15.0), spread(80.0, 1.0));
    let (thr_before, thr_after) = (spread(125.0, 20.0), spread(125.0, 1.5));
    let (tau_before, tau_after) = (spread(14e-6, 4e-6), spread(10e-6, 0.3e-6));
    let mut per_neuron_target = spread(10e-6, 0.0);
    for (i, t) in per_neuron_target.iter_mut().enumerate() {
        *t = if i % 2 == 0 { 9e-6 } else { 11e-6 };
    }
    let mut syn_after = spread(10e-6, 0.3e-6);
    syn_after[0] = f64::NAN;
    let targets = [
        TargetHistogram { name: "leak", unit: "", target: &[80.0; 512], before: &leak_before, achieved: &leak_after },
        TargetHistogram {
            name: "threshold",
            unit: "",
            target: &[125.0; 512],
            before: &thr_before,
            achieved: &thr_after,
        },
        TargetHistogram {
            name: "tau_mem",
            unit: "s",
            target: &[10e-6; 512],
            before: &tau_before,
            achieved: &tau_after,
        },
        TargetHistogram {
            name: "tau_syn",
            unit: "s",
            target: &per_neuron_target,
            before: &tau_before,
            achieved: &syn_after,
        },
    ];
    let svg = calibration_svg(&targets).unwrap();
    assert_well_formed(&svg);
    for label in ["leak: sd", "threshold", "tau_mem (µs)", "before", "after", "target", "1 not measured"] {
        assert!(svg.contains(label), "missing {label}");
    }
    keep("calibration.svg", &svg);
}

#[test]
fn loss_picture_shows_loss_and_accuracy() {
    let epochs: Vec<EpochMetrics> = (0..30)
        .map(|e| {
            let e = f64::from(e);
            EpochMetrics {
                train_loss: 2.0 * (-e / 8.0).exp() + 0.1,
                train_accuracy: Some(1.0 - 0.8 * (-e / 6.0).exp()),
                test_loss: Some(2.1 * (-e / 9.0).exp() + 0.2),
                test_accuracy: Some(0.95 - 0.8 * (-e / 7.0).exp()),
            }
        })
        .collect();
    let svg = loss_svg(&epochs).unwrap();
    assert_well_formed(&svg);
    for label in ["loss", "accuracy", "epoch", "train", "test"] {
        assert!(svg.contains(label), "missing {label}");
    }
    keep("loss.svg", &svg);
    let only_loss = [EpochMetrics { train_loss: 1.0, train_accuracy: None, test_loss: None, test_accuracy: None }];
    let svg = loss_svg(&only_loss).unwrap();
    assert_well_formed(&svg);
    assert!(!svg.contains(">accuracy<"));
}

#[test]
fn svg_text_is_escaped() {
    let c = Array2::<u8>::ones((3, 1));
    let svg = raster_svg(&[SpikePopulation { name: "a<b&c", counts: c.view() }], 1e-3).unwrap();
    assert_well_formed(&svg);
    assert!(svg.contains("a&lt;b&amp;c"));
}

// ---------------------------------------------------------------- progress

#[test]
fn progress_is_silent_when_quiet() {
    let policy = ProgressPolicy::detect(true);
    assert!(!policy.enabled);
    let progress = policy.start("simulate deploy", 100);
    for _ in 0..100 {
        progress.inc(1);
    }
    assert_eq!(progress.position(), 100);
    assert!(!progress.is_visible());
    progress.finish();
    assert!(!ProgressPolicy::hidden().start("x", 1).is_visible());
}
