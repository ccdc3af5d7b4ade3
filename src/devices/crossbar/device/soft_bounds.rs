//! SoftBounds helpers (§2.4.3) and SoftBoundsReference (§2.4.4): soft bounds read against a
//! static reference, so the visible weight is `conductance − reference`.

use super::Hidden;

/// Continuous symmetry point `w* = (s⁺ − s⁻)/(s⁺/b⁺ − s⁻/b⁻)` (0 when undefined).
pub fn symmetry_point(h: &Hidden) -> f64 {
    let denom = h.dw_up / h.max_bound - h.dw_down / h.min_bound;
    if h.max_bound > 0.0 && h.min_bound < 0.0 && denom != 0.0 {
        (h.dw_up - h.dw_down) / denom
    } else {
        0.0
    }
}

/// One pulse of SoftBoundsReference on visible weight `w`; clips the conductance `v = w + ref`.
pub fn reference_step(h: &Hidden, w: f64, up: bool, mult_noise: bool, noise: f64) -> f64 {
    let v = w + h.reference;
    let next = if up {
        let a = if h.max_bound > 0.0 { v / h.max_bound } else { 0.0 };
        if mult_noise {
            v + h.dw_up * (1.0 - a) * (1.0 + noise)
        } else {
            v + h.dw_up * (1.0 - a + noise)
        }
    } else {
        let a = if h.min_bound < 0.0 { v / h.min_bound } else { 0.0 };
        if mult_noise {
            v - h.dw_down * (1.0 - a) * (1.0 + noise)
        } else {
            v - h.dw_down * (1.0 - a + noise)
        }
    };
    next.min(h.max_bound).max(h.min_bound) - h.reference
}

#[cfg(test)]
mod tests {
    use super::super::{clip, linear_step};
    use super::*;

    fn soft(up_down: f64) -> Hidden {
        let mut h = Hidden {
            max_bound: 0.6,
            min_bound: -0.6,
            dw_up: 0.001,
            dw_down: 0.001 * (1.0 - up_down),
            ..Hidden::default()
        };
        h.slope_up = -h.dw_up / h.max_bound;
        h.slope_down = -h.dw_down / h.min_bound;
        h
    }

    /// §8.1: n up pulses from 0 follow 0.6·(1 − (1 − 0.001/0.6)ⁿ).
    #[test]
    fn soft_bounds_up_pulses() {
        let h = soft(0.0);
        let mut w = 0.0;
        let mut at = Vec::new();
        for n in 1..=5000 {
            w = clip(&h, linear_step::step(&h, w, true, true, 0.0));
            if [1, 10, 100, 600, 1000, 5000].contains(&n) {
                at.push(w);
            }
        }
        let want = [0.0010000000, 0.0099253324, 0.0921815788, 0.3794564029, 0.4868321002, 0.5998567775];
        for (got, want) in at.iter().zip(want) {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
    }

    /// §8.2: symmetry point, continuous 0.0315789 and the discrete alternating fixed point 0.0311298.
    #[test]
    fn symmetry_points() {
        let h = soft(0.1);
        assert!((symmetry_point(&h) - 0.0315789).abs() < 1e-6);
        let mut w = 0.3;
        for _ in 0..200_000 {
            w = clip(&h, linear_step::step(&h, w, true, true, 0.0));
            w = clip(&h, linear_step::step(&h, w, false, true, 0.0));
        }
        assert!((w - 0.0311298).abs() < 1e-6, "{w}");
    }

    /// The reference shifts the visible weight but not the conductance's soft bounds.
    #[test]
    fn reference_is_subtracted() {
        let mut h = soft(0.0);
        h.reference = 0.1;
        let w = reference_step(&h, -0.1, true, false, 0.0);
        assert!((w - (-0.1 + 0.001)).abs() < 1e-12);
        let top = reference_step(&h, 0.5, true, false, 0.0);
        assert!((top - 0.5).abs() < 1e-12, "conductance 0.6 is at b⁺: {top}");
    }
}
