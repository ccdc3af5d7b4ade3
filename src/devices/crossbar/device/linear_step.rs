//! LinearStep (§2.4.2): a step that changes linearly with the weight; SoftBounds uses the same
//! rule with γ = 1 and the device's own bounds as references.

use super::{Common, Hidden, Linear};

/// Slopes k⁺, k⁻ from the drawn γ̂ and the references (construction).
pub fn slopes(c: &Common, l: &Linear, h: &Hidden, gamma_up: f64, gamma_down: f64) -> (f64, f64) {
    let (top, bottom) = if l.mean_bound_reference { (c.w_max, c.w_min) } else { (h.max_bound, h.min_bound) };
    let r_up = if l.reverse_up { bottom - l.reverse_offset } else { top };
    let r_down = if l.reverse_down { top + l.reverse_offset } else { bottom };
    let k = |gamma: f64, s: f64, r: f64| if r == 0.0 { 0.0 } else { -gamma * s / r };
    (k(gamma_up, h.dw_up, r_up), k(gamma_down, h.dw_down, r_down))
}

/// One pulse; `noise` is σξ.
pub fn step(h: &Hidden, w: f64, up: bool, mult_noise: bool, noise: f64) -> f64 {
    let (s, k, sign) = if up { (h.dw_up, h.slope_up, 1.0) } else { (h.dw_down, h.slope_down, -1.0) };
    if mult_noise {
        w + sign * (s + k * w) * (1.0 + noise)
    } else {
        w + sign * (k * w + s * (1.0 + noise))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ecram() -> (Common, Linear, Hidden) {
        let c = Common { dw_min: 0.002, w_max: 1.1724, w_min: -0.8276, ..Common::default() };
        let l = Linear {
            gamma_up: 0.1153,
            gamma_down: 0.5085,
            gamma_up_dtod: 0.0,
            gamma_down_dtod: 0.0,
            allow_increasing: false,
            mean_bound_reference: true,
            mult_noise: true,
            reverse_up: false,
            reverse_down: false,
            reverse_offset: 0.01,
        };
        let mut h =
            Hidden { max_bound: c.w_max, min_bound: c.w_min, dw_up: 0.002, dw_down: 0.002, ..Hidden::default() };
        let (ku, kd) = slopes(&c, &l, &h, l.gamma_up, l.gamma_down);
        h.slope_up = ku;
        h.slope_down = kd;
        (c, l, h)
    }

    /// §8.4: EcRam up and down steps at three weights.
    #[test]
    fn ecram_steps_match_the_reference_table() {
        let (_, _, h) = ecram();
        let up = |w: f64| step(&h, w, true, true, 0.0) - w;
        let down = |w: f64| w - step(&h, w, false, true, 0.0);
        assert!((up(0.0) - 0.002).abs() < 1e-9);
        assert!((up(0.5) - 0.00190165).abs() < 1e-8);
        assert!((up(1.1724) - 0.0017694).abs() < 1e-7);
        assert!((down(-0.5) - 0.00138557).abs() < 1e-8);
        assert!((down(-0.8276) - 0.000983).abs() < 1e-6);
    }

    /// §8.4: Capacitor-like recursion, 100 pulses give 0.4938627264.
    #[test]
    fn capacitor_recursion() {
        let c = Common { dw_min: 0.005, w_max: 1.0, w_min: -1.0, ..Common::default() };
        let mut l = ecram().1;
        l.gamma_up = 0.05;
        l.gamma_down = 0.05;
        l.mult_noise = false;
        let mut h = Hidden { max_bound: 1.0, min_bound: -1.0, dw_up: 0.005, dw_down: 0.005, ..Hidden::default() };
        (h.slope_up, h.slope_down) = slopes(&c, &l, &h, 0.05, 0.05);
        let mut w = 0.0;
        for _ in 0..100 {
            w = super::super::clip(&h, step(&h, w, true, false, 0.0));
        }
        assert!((w - 0.4938627264).abs() < 1e-9);
    }
}
