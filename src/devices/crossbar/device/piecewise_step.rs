//! PiecewiseStep (§2.4.7): step factors interpolated between equally spaced nodes over the
//! device's own `[b⁻, b⁺]`.

use super::Hidden;

/// The interpolated factor of `nodes` at weight `w`.
pub fn factor(nodes: &[f64], lo: f64, hi: f64, w: f64) -> f64 {
    let first = nodes.first().copied().unwrap_or(1.0);
    let sections = nodes.len().saturating_sub(1);
    if sections == 0 || hi <= lo {
        return first;
    }
    #[allow(clippy::cast_precision_loss)] // fewer than 64 nodes
    let n = sections as f64;
    let u = ((w - lo) / (hi - lo) * n).max(0.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // u ≥ 0, floored, capped below
    let k = (u.floor() as usize).min(sections - 1);
    #[allow(clippy::cast_precision_loss)]
    let t = (u - k as f64).min(1.0);
    let at = |i: usize| nodes.get(i).copied().unwrap_or(first);
    (1.0 - t) * at(k) + t * at(k + 1)
}

/// One pulse; `noise` is σξ.
pub fn step(h: &Hidden, w: f64, up: bool, nodes_up: &[f64], nodes_down: &[f64], noise: f64) -> f64 {
    if up {
        w + h.dw_up * factor(nodes_up, h.min_bound, h.max_bound, w) * (1.0 + noise)
    } else {
        w - h.dw_down * factor(nodes_down, h.min_bound, h.max_bound, w) * (1.0 + noise)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §8.6: nodes [1.5, 1, 1.5] on [−1, 1].
    #[test]
    fn piecewise_factors() {
        let nodes = [1.5, 1.0, 1.5];
        for (w, f) in [(-1.0, 1.5), (-0.5, 1.25), (0.0, 1.0), (0.25, 1.125), (0.5, 1.25), (1.0, 1.5)] {
            assert!((factor(&nodes, -1.0, 1.0, w) - f).abs() < 1e-12, "w={w}");
        }
    }
}
