//! A tile's reads and updates do not depend on the number of threads: every sample and every row
//! draws from its own stream, derived from (seed, update index, unit).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use dynlang::devices::crossbar::compounds::{Algorithm, CompoundParams};
use dynlang::devices::crossbar::config::TileConfig;
use dynlang::devices::crossbar::device::{Common, DeviceSpec, Model};
use dynlang::devices::crossbar::io::IoParams;
use dynlang::devices::crossbar::tile::Tile;
use dynlang::devices::crossbar::update::UpdateParams;

fn run() -> (Vec<f32>, Vec<f64>) {
    let config = TileConfig {
        algorithm: Algorithm::Tt,
        device: DeviceSpec { common: Common::default(), model: Model::ConstantStep },
        forward: IoParams::default(),
        backward: IoParams::default(),
        update: UpdateParams::default(),
        transfer_forward: IoParams::default().for_transfer(),
        transfer_update: UpdateParams::default(),
        compound: CompoundParams::for_algorithm(Algorithm::Tt),
        n_devices: 1,
        construction_seed: 4,
        seed: 9,
    };
    let (rows, cols, batch) = (160, 128, 8);
    let mut tile = Tile::new(&config, rows, cols, 0);
    tile.set_weights(&(0..rows * cols).map(|k| ((k % 13) as f64 - 6.0) * 0.02).collect::<Vec<_>>());
    let x32: Vec<f32> = (0..batch * cols).map(|k| ((k * 7 % 11) as f32 - 5.0) / 5.0).collect();
    let x: Vec<f64> = x32.iter().map(|v| f64::from(*v)).collect();
    let d: Vec<f64> = (0..batch * rows).map(|k| ((k * 3 % 7) as f64 - 3.0) / 30.0).collect();
    let mut y = Vec::new();
    for _ in 0..3 {
        y.extend(tile.forward(&x32));
        tile.update(&x, &d, 0.05);
    }
    (y, tile.weights())
}

#[test]
fn same_results_on_one_and_two_threads() {
    let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
    let one = pool(1).install(run);
    let two = pool(2).install(run);
    assert_eq!(one, two);
}
