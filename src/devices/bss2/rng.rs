//! Named, seeded random streams. Every draw comes from a ChaCha8 stream derived from a seed and
//! a (purpose, unit, index) triple, so no stream is shared across rayon tasks and results never
//! depend on the thread count or on evaluation order (calix.md §5.1, §6.6).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a stream is for; each purpose is its own family of streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Fixed-pattern mismatch of the chip, drawn once from the chip seed.
    Mismatch = 1,
    /// Read noise of one measurement of one neuron.
    Noise = 2,
    /// NoisyBinarySearch start offsets and CapMem write noise.
    Search = 3,
}

/// SplitMix64 finaliser: spreads nearby inputs over the whole seed space.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream for `purpose` under `seed`, for measurement or search `index` and unit `unit`
/// (a neuron, a quadrant; 0 when the stream is drawn in order by one task).
pub fn stream(seed: u64, purpose: Purpose, index: u64, unit: u64) -> ChaCha8Rng {
    let key = mix(mix(seed ^ ((purpose as u64) << 56)) ^ index);
    let mut rng = ChaCha8Rng::seed_from_u64(key);
    rng.set_stream(unit);
    rng
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_by_every_part() {
        let draw = |s: u64, p: Purpose, i: u64, u: u64| stream(s, p, i, u).gen::<u64>();
        let base = draw(1, Purpose::Noise, 2, 3);
        assert_eq!(base, draw(1, Purpose::Noise, 2, 3));
        assert_ne!(base, draw(2, Purpose::Noise, 2, 3));
        assert_ne!(base, draw(1, Purpose::Search, 2, 3));
        assert_ne!(base, draw(1, Purpose::Noise, 3, 3));
        assert_ne!(base, draw(1, Purpose::Noise, 2, 4));
    }
}
