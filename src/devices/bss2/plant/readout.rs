//! The calibrated CADC (calix.md §3.7, §5.7 "calibrated shortcut"): read 20 at CapMem voltage
//! code 70 and 220 at code 550; two channels per neuron (causal, acausal), each with a residual
//! offset and read noise, floored and clipped to 8 bits; a neuron's read is their mean.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// The ideal (noise-free, unrounded) CADC read of `volts`.
pub fn volts_to_cadc(volts: f64, vlsb: f64) -> f64 {
    20.0 + (volts - 70.0 * vlsb) * 200.0 / (480.0 * vlsb)
}

/// The voltage the ideal CADC reads as `cadc`.
pub fn cadc_to_volts(cadc: f64, vlsb: f64) -> f64 {
    70.0 * vlsb + (cadc - 20.0) * 480.0 * vlsb / 200.0
}

/// Volts per CADC LSB.
pub fn lsb_volts(vlsb: f64) -> f64 {
    480.0 * vlsb / 200.0
}

/// One noisy read of a neuron at `volts`: the mean of its two channels.
pub fn read(volts: f64, vlsb: f64, channels: &[f64; 2], noise: f64, rng: &mut ChaCha8Rng) -> f64 {
    let ideal = volts_to_cadc(volts, vlsb);
    let channel = |offset: f64, rng: &mut ChaCha8Rng| {
        let n: f64 = rng.sample(StandardNormal);
        (ideal + offset + noise * n).floor().clamp(0.0, 255.0)
    };
    let a = channel(channels[0], rng);
    let b = channel(channels[1], rng);
    0.5 * (a + b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// calix.md §7.8: calibrated CADC under the 1.2 V assumption.
    #[test]
    fn conversions_match_the_reference_table() {
        let vlsb = 1.2 / 1023.0;
        for (cadc, mv) in [(30.0, 110.3), (70.0, 222.9), (80.0, 251.0), (125.0, 377.7), (210.0, 617.0)] {
            assert!((cadc_to_volts(cadc, vlsb) * 1e3 - mv).abs() < 0.06, "{cadc}");
            assert!((volts_to_cadc(mv * 1e-3, vlsb) - cadc).abs() < 0.03);
        }
        assert!((lsb_volts(vlsb) * 1e3 - 2.815).abs() < 1e-3);
    }
}
