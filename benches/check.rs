//! Parse + check throughput on a large generated file, in lines per second.

use std::path::Path;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// A file of `blocks` repetitions of presets, devices, networks and experiments.
fn generated(blocks: usize) -> String {
    let mut text = String::from("use dynapse2\n");
    for i in 0..blocks {
        text.push_str(&format!(
            "let tau_{i} = {k} * 1 ms + 2 ms\n\
             preset p{i}: dynapse2 = dynapse2.default {{\n    tau_mem = tau_{i}\n    Idc = {k} pA\n    Iscale = 10 nA\n}}\n\
             device d{i} = p{i} {{\n    percent_mismatch = 5 %\n    seed = {i}\n}}\n\
             network n{i} {{\n    input x[4]\n    neurons h[8] {{ Itau_mem = 6 pA, tau_syn = 10 ms }}\n    neurons o[2]\n\
             \x20   x -> h = uniform(0, 1, seed = {i})\n    h -> o = [[0.5, -0.5], [0.25, 0.0], [1, 1], [0, 0], [1, 0], [0, 1], [2, 2], [1, 1]]\n    output o\n}}\n\
             experiment e{i} on d{i} {{\n    simulate n{i} for 100 ms {{\n        x <- poisson(rate = 40 Hz, seed = {i})\n        record spikes(o), Imem(h)\n    }}\n}}\n",
            k = i % 17 + 1
        ));
    }
    text
}

fn bench_check(c: &mut Criterion) {
    let text = generated(400);
    let lines = text.lines().count() as u64;
    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Elements(lines));
    group.sample_size(10);
    group.bench_function(format!("parse+check {lines} lines"), |b| {
        b.iter(|| {
            let (_, result) = dynlang::check_text("bench.dyn", &text, Path::new("."));
            assert!(result.is_ok());
        })
    });
    group.finish();
    let started = Instant::now();
    let _ = dynlang::check_text("bench.dyn", &text, Path::new("."));
    let seconds = started.elapsed().as_secs_f64();
    println!("parse+check: {lines} lines in {seconds:.3} s = {:.0} lines/s", lines as f64 / seconds);
}

criterion_group!(benches, bench_check);
criterion_main!(benches);
