//! DynapSim simulation speed in neuron-steps per second: 64, 256 and 1024 neurons x 10,000
//! steps (dt = 1 ms), 5 % random input and recurrent connectivity, 64 Poisson inputs at 50 Hz,
//! default (Rockpool) neuron parameters, float32, spikes recorded.
//! benches/rockpool_simulate.py times the same kind of network in Rockpool and in `dyn run`.

use std::time::Instant;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dynlang::devices::dynapse2::simulation::{
    poisson, simulate, CountsView, DynapSimParams, Observable, Precision, RecordRequest, RunOptions, SparseWeights,
    Stimulus,
};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

const STEPS: usize = 10_000;
const INPUTS: usize = 64;
const DENSITY: f64 = 0.05;
const RATE_HZ: f64 = 50.0;

/// A (rows, cols) matrix with `DENSITY` of its entries drawn from `draw`, the rest 0.
fn sparse(rows: usize, cols: usize, rng: &mut ChaCha8Rng, draw: impl Fn(&mut ChaCha8Rng) -> f64) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |_| if rng.gen::<f64>() < DENSITY { draw(rng) } else { 0.0 })
}

struct Network {
    params: DynapSimParams,
    w_in: SparseWeights,
    w_rec: SparseWeights,
    counts: Array2<u32>,
}

/// Input weights U(0, 1.5), recurrent N(0, 0.6) (mixed signs), Idc = 10 pA: about 60 Hz.
fn network(n: usize) -> Network {
    let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
    let w_in = sparse(INPUTS, n, &mut rng, |r| 1.5 * r.gen::<f64>());
    let normal = Normal::new(0.0, 0.6).unwrap_or_else(|_| unreachable!());
    let w_rec = sparse(n, n, &mut rng, |r| normal.sample(r));
    let mut params = DynapSimParams::defaults(n);
    params.idc.iter_mut().for_each(|x| *x = 10e-12);
    Network {
        params,
        w_in: SparseWeights::from_dense("w_in", w_in.view()).unwrap_or_else(|e| panic!("{e}")),
        w_rec: SparseWeights::from_dense("w_rec", w_rec.view()).unwrap_or_else(|e| panic!("{e}")),
        counts: poisson(RATE_HZ, 1e-3, STEPS, INPUTS, 5).unwrap_or_else(|e| panic!("{e}")),
    }
}

fn run(net: &Network) -> u64 {
    let n = net.params.n_neurons();
    let record = vec![RecordRequest { observable: Observable::Spikes, neurons: 0..n }];
    let options = RunOptions { precision: Precision::F32, record, initial: None };
    let stimulus = Stimulus::Counts { counts: CountsView::U32(net.counts.view()), w_in: &net.w_in };
    let out =
        simulate(&net.params, Some(&net.w_rec), &stimulus, &options, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"));
    out.spike_counts.iter().sum()
}

fn bench_simulate(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    for n in [64, 256, 1024] {
        let net = network(n);
        group.throughput(Throughput::Elements((n * STEPS) as u64));
        group.bench_with_input(BenchmarkId::new("neuron-steps", format!("{n}x{STEPS}")), &net, |b, net| {
            b.iter(|| run(net))
        });
        let started = Instant::now();
        let spikes = run(&net);
        let seconds = started.elapsed().as_secs_f64();
        let rate = spikes as f64 / (n as f64 * STEPS as f64 * 1e-3);
        println!(
            "simulate {n} neurons x {STEPS} steps: {seconds:.3} s = {:.3e} neuron-steps/s ({rate:.1} Hz mean rate)",
            (n * STEPS) as f64 / seconds
        );
    }
    group.finish();
}

criterion_group!(benches, bench_simulate);
criterion_main!(benches);
