//! Frozen device mismatch as Rockpool applies it (reference §5): the last change to the
//! parameters before a run. Every element of every per-neuron parameter becomes
//! `x + x·sigma·n`, `sigma = p/3`, `n ~ N(0, 1)`; `dt`, `Iscale` and weights are untouched.
//!
//! Rockpool draws from JAX's threefry generator, which we do not reproduce: the draws come from
//! one ChaCha8 stream per parameter, seeded by the file's seed and keyed by the parameter's
//! name, so adding a parameter or a neuron never shifts the draws of the others.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::error::SimError;
use super::params::{DynapSimParams, Param, PARAMETERS};

/// Rockpool's `sigma_rule`: 99.7 % of the deviations lie within ±p.
pub const SIGMA_RULE: f64 = 3.0;

/// A stable 64-bit key for a name (FNV-1a), independent of platform and Rust version.
pub fn stream_key(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// The random stream of one parameter: ChaCha8 seeded with `seed`, stream `stream_key(name)`.
pub fn parameter_stream(seed: u64, param: Param) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream_key(param.name()));
    rng
}

/// Applies frozen mismatch `fraction` (0.05 = 5 %) to every listed per-neuron parameter
/// (`Idc` ... `Iw_ahp`, the capacitances, `Io`, `kappa_n`, `kappa_p`, `Ut`, `Vth`), neuron by
/// neuron in index order. `fraction` must be finite and >= 0; 0 changes nothing.
/// No clipping, as in Rockpool (a negative value needs a draw below -3/p).
pub fn apply_mismatch(params: &mut DynapSimParams, seed: u64, fraction: f64) -> Result<(), SimError> {
    if !(fraction.is_finite() && fraction >= 0.0) {
        let requirement = "finite and non-negative";
        return Err(SimError::InvalidScalar { name: "percent_mismatch", value: fraction, requirement });
    }
    if fraction == 0.0 {
        return Ok(());
    }
    let sigma = fraction / SIGMA_RULE;
    for info in PARAMETERS {
        let mut rng = parameter_stream(seed, info.param);
        for x in params.values_mut(info.param) {
            let n: f64 = StandardNormal.sample(&mut rng);
            *x += *x * sigma * n;
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn ratio_stats(after: &[f64], before: &[f64]) -> (f64, f64) {
        let r: Vec<f64> = after.iter().zip(before).map(|(a, b)| a / b).collect();
        let n = r.len() as f64;
        let mean = r.iter().sum::<f64>() / n;
        let var = r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var.sqrt())
    }

    #[test]
    fn statistics_match_rockpools_rule() {
        // §10.10: p = 0.3 -> relative std 0.1, mean within 0.2 % of nominal (N = 20 000).
        let n = 20_000;
        let nominal = DynapSimParams::defaults(n);
        for p in [0.3, 0.05] {
            let mut m = nominal.clone();
            apply_mismatch(&mut m, 42, p).unwrap();
            for info in PARAMETERS {
                let (mean, std) = ratio_stats(m.values(info.param), nominal.values(info.param));
                let sigma = p / 3.0;
                assert!((std / sigma - 1.0).abs() < 0.03, "{}: std {std}", info.name);
                assert!((mean - 1.0).abs() < 4.0 * sigma / (n as f64).sqrt(), "{}", info.name);
            }
            assert_eq!((m.dt, m.iscale), (nominal.dt, nominal.iscale));
        }
    }

    #[test]
    fn parameters_draw_independently() {
        let n = 20_000;
        let nominal = DynapSimParams::defaults(n);
        let mut m = nominal.clone();
        apply_mismatch(&mut m, 1, 0.3).unwrap();
        let dev =
            |p: Param| -> Vec<f64> { m.values(p).iter().zip(nominal.values(p)).map(|(a, b)| a / b - 1.0).collect() };
        let (a, b) = (dev(Param::ItauMem), dev(Param::IgainMem));
        let dot: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum::<f64>() / n as f64;
        // correlation coefficient ~ N(0, 1/sqrt(n)); 0.1² is the variance of each deviation
        assert!((dot / 0.01).abs() < 0.05, "correlated: {}", dot / 0.01);
    }

    #[test]
    fn seeded_and_stable_under_growth() {
        let mut a = DynapSimParams::defaults(10);
        let mut b = DynapSimParams::defaults(20);
        let mut c = DynapSimParams::defaults(10);
        apply_mismatch(&mut a, 7, 0.05).unwrap();
        apply_mismatch(&mut b, 7, 0.05).unwrap();
        apply_mismatch(&mut c, 8, 0.05).unwrap();
        assert_eq!(a.itau_mem[..], b.itau_mem[..10]);
        assert_ne!(a.itau_mem, c.itau_mem);
        assert_ne!(a.itau_mem[0], a.itau_mem[1]);
    }

    #[test]
    fn zero_and_invalid_fractions() {
        let mut p = DynapSimParams::defaults(4);
        apply_mismatch(&mut p, 3, 0.0).unwrap();
        assert_eq!(p, DynapSimParams::defaults(4));
        assert!(apply_mismatch(&mut p, 3, -0.1).is_err());
        assert!(apply_mismatch(&mut p, 3, f64::NAN).is_err());
    }

    #[test]
    fn stream_keys_are_fixed() {
        // FNV-1a test vector: the empty string hashes to the offset basis
        assert_eq!(stream_key(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stream_key("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
