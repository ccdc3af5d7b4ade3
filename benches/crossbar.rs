//! Analog tile speed: forward (default IOParameters: NM, BM, noise, DAC/ADC) and the stochastic
//! pulsed update (default UpdateParameters, ConstantStep device) on 256×256 and 1024×1024 tiles,
//! batch 1 and 32. `benches/aihwkit_tile.py` times aihwkit's CPU tile on the same cases.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dynlang::devices::crossbar::compounds::{Algorithm, CompoundParams};
use dynlang::devices::crossbar::config::TileConfig;
use dynlang::devices::crossbar::device::{Common, DeviceSpec, Model};
use dynlang::devices::crossbar::io::IoParams;
use dynlang::devices::crossbar::tile::Tile;
use dynlang::devices::crossbar::update::UpdateParams;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn config() -> TileConfig {
    TileConfig {
        algorithm: Algorithm::Sgd,
        device: DeviceSpec { common: Common::default(), model: Model::ConstantStep },
        forward: IoParams::default(),
        backward: IoParams::default(),
        update: UpdateParams::default(),
        transfer_forward: IoParams::default(),
        transfer_update: UpdateParams::default(),
        compound: CompoundParams::for_algorithm(Algorithm::Sgd),
        n_devices: 1,
        construction_seed: 1,
        seed: 1,
    }
}

fn bench_tile(c: &mut Criterion) {
    let mut group = c.benchmark_group("crossbar");
    group.sample_size(10);
    for size in [256usize, 1024] {
        for batch in [1usize, 32] {
            let mut rng = ChaCha8Rng::seed_from_u64(3);
            let mut tile = Tile::new(&config(), size, size, 0);
            let w: Vec<f64> = (0..size * size).map(|_| rng.gen_range(-0.3..0.3)).collect();
            tile.set_weights(&w);
            let x32: Vec<f32> = (0..batch * size).map(|_| rng.gen_range(-1.0..1.0)).collect();
            let x: Vec<f64> = x32.iter().map(|v| f64::from(*v)).collect();
            let d: Vec<f64> = (0..batch * size).map(|_| rng.gen_range(-0.1..0.1)).collect();
            let id = format!("{size}x{size}/batch{batch}");
            group.throughput(Throughput::Elements((batch * size * size) as u64));
            group.bench_function(BenchmarkId::new("forward", &id), |b| b.iter(|| tile.forward(&x32)));
            group.bench_function(BenchmarkId::new("update", &id), |b| b.iter(|| tile.update(&x, &d, 0.01)));
        }
    }
    group.finish();
}

criterion_group!(benches, bench_tile);
criterion_main!(benches);
