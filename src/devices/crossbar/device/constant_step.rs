//! ConstantStep (§2.4.1): the same step at every weight.

use super::Hidden;

/// One pulse; `noise` is σξ (0 without c2c noise).
pub fn step(h: &Hidden, w: f64, up: bool, noise: f64) -> f64 {
    if up {
        w + h.dw_up * (1.0 + noise)
    } else {
        w - h.dw_down * (1.0 + noise)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §8.3: 100 up pulses of 0.001 from 0 reach 0.1; at the bound it saturates.
    #[test]
    fn constant_steps_add_up_and_saturate() {
        let h = Hidden { max_bound: 0.6, min_bound: -0.6, dw_up: 0.001, dw_down: 0.001, ..Hidden::default() };
        let mut w = 0.0;
        for _ in 0..100 {
            w = super::super::clip(&h, step(&h, w, true, 0.0));
        }
        assert!((w - 0.1).abs() < 1e-12);
        for _ in 0..901 {
            w = super::super::clip(&h, step(&h, w, true, 0.0));
        }
        assert!((w - 0.6).abs() < 1e-12);
    }
}
