//! Random streams of a tile. Every stream is a ChaCha8Rng seeded from (seed, tile, purpose), so
//! construction, reads and updates never borrow each other's draws and results do not depend on
//! evaluation order (aihwkit.md §2.3, "design for us").

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// What a stream is used for; each purpose is its own ChaCha stream number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Device-to-device hidden parameters, drawn once.
    Construction = 1,
    /// Cycle-to-cycle pulse noise and write noise.
    Pulse = 2,
    /// Stochastic bit lines of the update.
    BitLine = 3,
    /// Forward/backward/transfer read noise.
    Read = 4,
    /// Compound state machines (choppers, random devices).
    Compound = 5,
    /// Weight initialisation and data shuffling of `train`.
    Train = 6,
}

/// The stream for `purpose` of unit `unit` (a tile index, a sub-device index) under `seed`.
pub fn stream(seed: u64, unit: u64, purpose: Purpose) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ unit.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    rng.set_stream(purpose as u64);
    rng
}

/// A fresh standard-normal draw (`ξ` in the reference).
pub fn normal(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample(StandardNormal)
}

/// A fresh uniform draw on [0, 1) (`U` in the reference).
pub fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    rng.gen::<f64>()
}
