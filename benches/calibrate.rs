//! Full calibration of a 512-neuron BrainScaleS-2 plant: calix's `calibrate()` sequence,
//! `refine_potentials` and leak over threshold at 100 kHz (every step), with and without COBA. Target: under 0.5 s on
//! 2 cores (RAYON_NUM_THREADS=2).

use criterion::{criterion_group, criterion_main, Criterion};
use dynlang::devices::bss2::calibrate::run;
use dynlang::devices::bss2::calibrate::targets::{Options, Targets};
use dynlang::devices::bss2::plant::PlantParams;

fn full_calibration(c: &mut Criterion) {
    let targets = Targets {
        leak: vec![110.0; 512],
        reset: vec![60.0; 512],
        threshold: vec![120.0; 512],
        ..Targets::defaults(512)
    };
    let options = Options { seed: 1, refine_potentials: true, leak_over_threshold_rate: Some(vec![100e3; 512]) };
    let mut group = c.benchmark_group("bss2");
    group.sample_size(10);
    group.bench_function("calibrate_512_all_steps", |b| {
        b.iter(|| run(PlantParams { seed: 1, ..PlantParams::default() }, &targets, &options))
    });
    // Also COBA on both inputs (calix's step 9, nested searches): every step of the sequence.
    let coba = Targets {
        e_coba_reversal: Some([vec![300.0; 512], vec![30.0; 512]]),
        e_coba_reference: Some([vec![150.0; 512], vec![f64::NAN; 512]]),
        ..targets.clone()
    };
    group.bench_function("calibrate_512_all_steps_with_coba", |b| {
        b.iter(|| run(PlantParams { seed: 1, ..PlantParams::default() }, &coba, &options))
    });
    group.bench_function("calibrate_512_defaults", |b| {
        b.iter(|| run(PlantParams { seed: 1, ..PlantParams::default() }, &Targets::defaults(512), &Options::default()))
    });
    group.finish();
}

criterion_group!(benches, full_calibration);
criterion_main!(benches);
