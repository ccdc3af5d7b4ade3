//! Results must not depend on rayon's thread count: a 2048-neuron network (large enough for
//! the parallel neuron update) with mismatch, Poisson input and recurrence, run by the `dyn`
//! binary with 1 and with 2 threads, writes byte-identical files (summary.json compared
//! without its wall times), pictures included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::strip_seconds;
use serde_json::Value;

const NETWORK: &str = "use dynapse2
device chip = dynapse2.default {
    percent_mismatch = 5 %
    seed = 3
}
network big {
    input x[64]
    neurons h[2048] { Idc = 10 pA }
    x -> h = uniform(0, 1.5, seed = 1, density = 0.05)
    h -> h = normal(0, 0.6, seed = 2, density = 0.02)
}
experiment threads on chip {
    simulate big for 300 ms {
        x <- poisson(rate = 50 Hz, seed = 5)
        record spikes(h), Imem(h)
    }
}
";

fn run_with_threads(threads: usize, file: &Path, out: &Path) -> BTreeMap<String, Vec<u8>> {
    let status = Command::new(env!("CARGO_BIN_EXE_dyn"))
        .arg("run")
        .arg(file)
        .arg("-o")
        .arg(out)
        .env("RAYON_NUM_THREADS", threads.to_string())
        .status()
        .unwrap();
    assert!(status.success(), "dyn run failed with {threads} thread(s)");
    let dir = out.join("threads");
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut bytes = std::fs::read(&path).unwrap();
        if name == "summary.json" {
            let mut summary: Value = serde_json::from_slice(&bytes).unwrap();
            strip_seconds(&mut summary);
            bytes = serde_json::to_vec_pretty(&summary).unwrap();
        }
        files.insert(name, bytes);
    }
    files
}

#[test]
fn one_and_two_threads_write_identical_files() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("threads.dyn");
    std::fs::write(&file, NETWORK).unwrap();
    let one = run_with_threads(1, &file, &work.path().join("one"));
    let two = run_with_threads(2, &file, &work.path().join("two"));
    for name in ["spikes.h.npy", "Imem.h.npy", "raster.svg", "Imem.h.svg"] {
        assert!(one.contains_key(name), "{name} missing: {:?}", one.keys());
    }
    assert_eq!(one.keys().collect::<Vec<_>>(), two.keys().collect::<Vec<_>>());
    for (name, bytes) in &one {
        assert!(two[name] == *bytes, "{name} differs between 1 and 2 threads");
    }
}
