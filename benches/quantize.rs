//! Autoencoder quantization speed: one 256-neuron cluster (64 x 256 input + 256 x 256 recurrent
//! weights, all non-zero, U(-1, 1) from ChaCha8 seed 2026: M = 81,920 flat weights), Rockpool's
//! settings (adam, step 1e-4, 4 bits), 10,000 fixed epochs, from a seeded Kaiming initialisation.
//!
//! Before measuring, the bench writes the weights and the initial encoder to
//! `target/bench-data/quantize/{w_in,w_rec,w_en,w_dec}.npy` and one timed run's figures to
//! `dyn.json` (seconds, final loss, codes) and its loss curve to `dyn_loss.npy`, so that benches/rockpool_quantize.py can run
//! Rockpool's `autoencoder_quantization` on exactly the same problem and print the ratio.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use dynlang::devices::dynapse2::deploy::autoencoder::{kaiming, quantize_cluster, Init, Quantized, Settings};
use ndarray::{concatenate, Array2, Axis};
use ndarray_npy::WriteNpyExt;
use rand::{Rng, SeedableRng};

/// Neurons in the cluster: 256, or `DYN_QUANT_NEURONS` to see how the time scales with size.
fn neurons() -> usize {
    std::env::var("DYN_QUANT_NEURONS").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
}
/// Input channels: a quarter of the neurons (64 for 256).
fn inputs() -> usize {
    neurons() / 4
}
const EPOCHS: u64 = 10_000;

/// Epochs to run: 10,000, or `DYN_QUANT_EPOCHS` for a quick look.
fn epochs() -> u64 {
    std::env::var("DYN_QUANT_EPOCHS").ok().and_then(|v| v.parse().ok()).unwrap_or(EPOCHS)
}
/// The problem's seed: 2026, or `DYN_QUANT_SEED` to try other weights and initial encoders.
fn seed() -> u64 {
    std::env::var("DYN_QUANT_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(2026)
}
const ISCALE: f64 = 1e-8;

struct Problem {
    w_in: Array2<f64>,
    w_rec: Array2<f64>,
    w_en: Vec<f32>,
    w_dec: Vec<f32>,
}

fn problem() -> Problem {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed());
    let mut draw = |rows: usize| {
        Array2::from_shape_fn((rows, neurons()), |_| {
            // U(-1, 1) without exact zeros (a zero weight would leave the flat vector)
            let w: f64 = rng.gen_range(-1.0..1.0);
            if w == 0.0 {
                0.5
            } else {
                w
            }
        })
    };
    let w_in = draw(inputs());
    let w_rec = draw(neurons());
    let m = (inputs() + neurons()) * neurons();
    let (w_en, w_dec) = kaiming(m, 4, seed(), 0);
    Problem { w_in, w_rec, w_en, w_dec }
}

fn settings() -> Settings {
    Settings { fixed_epoch: true, num_epoch: epochs(), record_loss: true, ..Settings::default() }
}

fn run(p: &Problem, global: &Array2<f64>) -> Quantized {
    let init = Init::Given { w_en: p.w_en.clone(), w_dec: p.w_dec.clone() };
    quantize_cluster(global.view(), ISCALE, &settings(), &init).unwrap_or_else(|e| panic!("{e}"))
}

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench-data").join("quantize")
}

fn write(dir: &std::path::Path, name: &str, array: &impl WriteNpyExt) {
    let file = std::fs::File::create(dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
    array.write_npy(std::io::BufWriter::new(file)).unwrap_or_else(|e| panic!("{e}"));
}

fn bench(c: &mut Criterion) {
    let p = problem();
    let global = concatenate(Axis(0), &[p.w_in.view(), p.w_rec.view()]).unwrap_or_else(|e| panic!("{e}"));
    let m = global.len();
    let dir = data_dir();
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    write(&dir, "w_in.npy", &p.w_in);
    write(&dir, "w_rec.npy", &p.w_rec);
    let w_en = Array2::from_shape_vec((m, 4), p.w_en.clone()).unwrap_or_else(|e| panic!("{e}"));
    let w_dec = Array2::from_shape_vec((4, m), p.w_dec.clone()).unwrap_or_else(|e| panic!("{e}"));
    write(&dir, "w_en.npy", &w_en);
    write(&dir, "w_dec.npy", &w_dec);

    // One timed run for the comparison with Rockpool.
    let started = Instant::now();
    let q = run(&p, &global);
    let seconds = started.elapsed().as_secs_f64();
    let figures = serde_json::json!({
        "seconds": seconds,
        "epochs": q.epochs,
        "loss": q.loss,
        "iw": q.iw,
        "threads": rayon::current_num_threads(),
        "flat_weights": m,
        "seed": seed(),
    });
    write(&dir, "dyn_loss.npy", &ndarray::Array1::from(q.loss_curve.clone()));
    std::fs::write(dir.join("dyn.json"), figures.to_string()).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "quantize {} neurons x {} epochs: {seconds:.3} s, final loss {:?}, Iw {:?} ({} threads; data in {})",
        neurons(),
        q.epochs,
        q.loss,
        q.iw,
        rayon::current_num_threads(),
        dir.display()
    );

    let mut group = c.benchmark_group("quantize");
    group.sample_size(10).measurement_time(Duration::from_secs(20)).warm_up_time(Duration::from_secs(1));
    group.bench_function("cluster_256_neurons_10000_epochs", |b| b.iter(|| run(&p, &global)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
