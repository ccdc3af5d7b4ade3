//! Rounding to the nearest integer, ties to even, as `round_ties_even` does, but inline: on
//! x86-64 without SSE4.1 (the baseline target) `round_ties_even` is a call into libm's `rintf`,
//! and the DAC and pulse-count roundings run once per element of every read and update.
//!
//! Adding and subtracting `2^23` with the value's sign rounds a float32 in the default rounding
//! mode; from `2^23` on every float32 is an integer already (and NaN and the infinities pass
//! unchanged). The sign is put back at the end so that small negatives round to -0.0, as
//! `round_ties_even` does.

/// `v.round_ties_even()`.
#[inline(always)]
pub fn ties_even_f32(v: f32) -> f32 {
    const BIG: f32 = 8_388_608.0; // 2^23
    if v.abs() < BIG {
        let t = BIG.copysign(v);
        ((v + t) - t).copysign(v)
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn agrees_with_round_ties_even_bit_for_bit() {
        let mut values = vec![0.0f32, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999997, -0.49999997];
        values.extend([8_388_607.5f32, -8_388_607.5, 8_388_608.0, 4_194_304.5, 16_777_215.0, 1e30, -1e30]);
        values.extend([f32::MIN_POSITIVE, -f32::MIN_POSITIVE, 1e-45, f32::INFINITY, f32::NEG_INFINITY, f32::MAX]);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        // every exponent, both signs, random mantissas; then halves and near-halves
        values.extend((0..200_000).map(|_| f32::from_bits(rng.gen::<u32>())));
        values.extend((0..100_000).map(|_| rng.gen_range(-64.0f32..64.0) * 0.5));
        for v in values {
            assert_eq!(ties_even_f32(v).to_bits(), v.round_ties_even().to_bits(), "{v:e}");
        }
        assert!(ties_even_f32(f32::NAN).is_nan());
    }
}
