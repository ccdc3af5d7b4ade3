//! Full calibration of a 512-neuron BrainScaleS-2 plant: calix's `calibrate()` sequence,
//! `refine_potentials` and leak over threshold at 100 kHz (every step). Target: under 0.5 s on
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
    group.bench_function("calibrate_512_defaults", |b| {
        b.iter(|| run(PlantParams { seed: 1, ..PlantParams::default() }, &Targets::defaults(512), &Options::default()))
    });
    group.finish();
}

criterion_group!(benches, full_calibration);
criterion_main!(benches);
