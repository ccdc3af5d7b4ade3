//! Rockpool's `DigitalAutoEncoder` and `loss_reconstruction`, and their gradient.
//!
//! With `x` the scaled flat weights (length M), `n` code bits, encoder `W_en (M, n)` and decoder
//! logits `W_dec (n, M)`:
//!
//! ```text
//! c      = x @ W_en                       the n base weights (scaled units)
//! p      = sigmoid(W_dec)                 bit probabilities
//! B      = step(p) = max(floor(p + 0.5), 0)   bit masks, 1 iff p >= 1/2
//! x_hat  = c @ B
//! L      = mean((x_hat - x)^2) + 1000 * (sum_k exp(-min(c_k, 0)) - n)
//!          + 1000 * mean((B - int2bit(bit2int(B)))^2)     (zero for binary B, no gradient)
//! ```
//!
//! `step` has Rockpool's custom derivative `d step / dp = max(p, 0)`, so with `r = x_hat - x`:
//!
//! ```text
//! dL/dc_k         = (2/M) sum_m r_m B_km  - 1000 * exp(-c_k) [c_k < 0]
//! dL/dW_en[m][k]  = x_m * dL/dc_k
//! dL/dW_dec[k][m] = (2/M) c_k r_m * p_km * p_km (1 - p_km)
//! ```
//!
//! Here everything is plain float64 and unfused: the reference that `train`'s fused float32
//! passes are tested against, and that unit tests check against finite differences.

/// The weight of both penalties in Rockpool's loss.
pub const PENALTY: f64 = 1e3;

/// `sigmoid`, float64.
pub fn sigmoid(w: f64) -> f64 {
    1.0 / (1.0 + (-w).exp())
}

/// Rockpool's forward `step`: 1 iff `floor(p + 0.5) >= 1`.
pub fn bit(p: f64) -> bool {
    (p + 0.5).floor() >= 1.0
}

/// The float32 mask bit as a threshold on the decoder logit: `floor(sigmoid_f32(w) + 0.5) >= 1`
/// (Rockpool's step, in float32) iff `w >= bit_threshold()`. The bit flips where `w` is within
/// about 1e-7 of 0; there `exp` is `1 + x` plus a term far below `x`'s own ulp, and every rounding
/// is monotone, so the predicate is monotone and a bisection over the ordered float32 values
/// finds the flip (pinned by a test against the predicate itself around it).
pub fn bit_threshold() -> f32 {
    let bit = |w: f32| sigmoid_f32(w) + 0.5 >= 1.0;
    // float32 values in order as integers: negative ones mirrored below zero
    let key =
        |w: f32| if w.is_sign_negative() { -((w.to_bits() & 0x7fff_ffff) as i64) } else { i64::from(w.to_bits()) };
    let value = |k: i64| if k < 0 { -f32::from_bits((-k) as u32) } else { f32::from_bits(k as u32) };
    let (mut lo, mut hi) = (key(-1e-3), key(1e-3));
    // invariant: bit(value(lo)) is false, bit(value(hi)) is true
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if bit(value(mid)) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    value(hi)
}

/// The negative-code penalty `sum_k exp(-min(c_k, 0)) - n` (without the factor 1000).
pub fn penalty_negative(code: &[f64]) -> f64 {
    code.iter().map(|c| (-c.min(0.0)).exp()).sum::<f64>() - code.len() as f64
}

/// The derivative of `PENALTY * penalty_negative` with respect to one code.
pub fn penalty_slope(c: f64) -> f64 {
    if c < 0.0 {
        -PENALTY * (-c).exp()
    } else {
        0.0
    }
}

/// Loss and gradient at one parameter point. `w_en` and `w_dec` are both stored code-major:
/// `w_en[k * M + m]` is Rockpool's `W_en[m][k]`, `w_dec[k * M + m]` is `W_dec[k][m]`.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub loss: f64,
    pub code: Vec<f64>,
    pub bits: Vec<Vec<bool>>,
    pub grad_en: Vec<f64>,
    pub grad_dec: Vec<f64>,
}

/// Evaluates the loss of Rockpool's autoencoder and its (surrogate) gradient.
pub fn evaluate(x: &[f64], w_en: &[f64], w_dec: &[f64], n: usize) -> Evaluation {
    let m_len = x.len();
    let rows = |w: &'_ [f64]| -> Vec<Vec<f64>> { w.chunks(m_len.max(1)).take(n).map(<[f64]>::to_vec).collect() };
    let (en, dec) = (rows(w_en), rows(w_dec));
    let code: Vec<f64> = en.iter().map(|row| row.iter().zip(x).map(|(w, x)| w * x).sum()).collect();
    let probs: Vec<Vec<f64>> = dec.iter().map(|row| row.iter().map(|w| sigmoid(*w)).collect()).collect();
    let bits: Vec<Vec<bool>> = probs.iter().map(|row| row.iter().map(|p| bit(*p)).collect()).collect();
    let x_hat: Vec<f64> = (0..m_len)
        .map(|m| code.iter().zip(&bits).map(|(c, b)| if b.get(m).copied().unwrap_or(false) { *c } else { 0.0 }).sum())
        .collect();
    let residual: Vec<f64> = x_hat.iter().zip(x).map(|(h, x)| h - x).collect();
    let m_f = m_len.max(1) as f64;
    let mse = residual.iter().map(|r| r * r).sum::<f64>() / m_f;
    let loss = mse + PENALTY * penalty_negative(&code);
    let grad_code: Vec<f64> = code
        .iter()
        .zip(&bits)
        .map(|(c, b)| {
            let fit: f64 = residual.iter().zip(b).filter(|(_, set)| **set).map(|(r, _)| r).sum();
            2.0 / m_f * fit + penalty_slope(*c)
        })
        .collect();
    let grad_en = grad_code.iter().flat_map(|g| x.iter().map(move |x| x * g)).collect();
    let grad_dec = code
        .iter()
        .zip(&probs)
        .flat_map(|(c, row)| {
            let residual = &residual;
            row.iter().zip(residual).map(move |(p, r)| 2.0 / m_f * c * r * p * p * (1.0 - p))
        })
        .collect();
    Evaluation { loss, code, bits, grad_en, grad_dec }
}

/// ln 2 in two parts for [`exp_f32`]'s range reduction (Cody-Waite: `n * EXP_LN2_HI` is exact).
const EXP_LN2_HI: f32 = 0.693_359_4;
const EXP_LN2_LO: f32 = -2.121_944_4e-4;
/// `P` of `exp(r) = 1 + r + r^2 P(r)` on `|r| <= ln2 / 2`, highest degree first: a degree-4
/// minimax fit of the relative error (Lawson's iteration in float64, then rounded to float32),
/// within 3.9e-9, far inside float32's half ulp. Cephes' `expf` uses degree 5 for the same
/// accuracy after rounding: one fused multiply-add more in the hottest loop.
const EXP_P: [f32; 5] = [1.381_461_3e-3, 8.368_71e-3, 4.166_839e-2, 1.666_652_1e-1, 0.499_999_94];

/// `exp` in float32 for the hot loops: Cody-Waite range reduction and a polynomial
/// (`1 + r + r^2 P(r)`, P of degree 4: [`EXP_P`]), branch-free; within 2 ulp on [-87, 88] (clamped
/// outside).
/// Written with fused multiply-adds: exactly rounded, so the result is the same on every CPU (one
/// instruction where the CPU has FMA, libm's `fmaf` where not).
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let ([mantissa], [exponent]) = exp_reduced(&[-x]);
    mantissa * f32::from_bits((exponent.wrapping_add(127) as u32).wrapping_shl(23))
}

/// `sigmoid` in float32 through the same `exp` as [`exp_f32`].
#[inline(always)]
pub fn sigmoid_f32(w: f32) -> f32 {
    let [p] = sigmoid_lanes(&[w]);
    p
}

/// [`sigmoid_f32`] of `L` values at once: `1 / (1 + exp(-w))`. The logit is clamped to [-88, 86]
/// (outside it the float32 sigmoid is 1, or below 1e-38 where it only enters squared), so that
/// `exp(-w) = m 2^n` is a normal number and the scaling by `2^n` an integer add to the exponent
/// field: one short operation instead of building `2^n` and multiplying.
#[inline(always)]
pub fn sigmoid_lanes<const L: usize>(w: &[f32; L]) -> [f32; L] {
    let (mantissa, exponent) = exp_reduced(&lanes(w, |w| w.clamp(-88.0, 86.0)));
    let mut out = [0.0; L];
    for ((p, m), n) in out.iter_mut().zip(mantissa).zip(exponent) {
        let e = f32::from_bits(m.to_bits().wrapping_add((n as u32).wrapping_shl(23)));
        *p = 1.0 / (1.0 + e);
    }
    out
}

/// The surrogate gradient's shape `p^2 (1 - p)` at `p = sigmoid(w)`, as `t - t p` with `t = p^2`:
/// one fused multiply-add instead of a subtraction and a multiplication (and one rounding less).
#[inline(always)]
pub fn gradient_shape(p: f32) -> f32 {
    let t = p * p;
    (-t).mul_add(p, t)
}

/// [`gradient_shape`] of the sigmoid of `L` logits at once.
#[inline(always)]
pub fn gradient_shape_lanes<const L: usize>(w: &[f32; L]) -> [f32; L] {
    lanes(&sigmoid_lanes(w), gradient_shape)
}

/// `exp(-w) = exp(r) 2^n` of `L` values at once, as `(exp(r), n)`: `x = -w = n ln2 + r` with `|r| <= ln2 / 2` and
/// `exp(r)` from [`EXP_P`] evaluated in Estrin's scheme (two short dependency chains
/// instead of one long one: the stage is bound by how many chains the CPU keeps in flight).
/// Operation by operation across the lanes, so the CPU has `L / 8` independent chains per
/// iteration (and the results are the same as one at a time). `w` must lie in [-88, 87].
#[inline(always)]
fn exp_reduced<const L: usize>(w: &[f32; L]) -> ([f32; L], [i32; L]) {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // 1.5 * 2^23: adding it rounds to the nearest integer, held in the low mantissa bits
    const ROUND: f32 = 12_582_912.0;
    let shifted = lanes(w, |w| (-LOG2E).mul_add(w, ROUND));
    // s = w + n ln2 = -r (the negation is exact, so the polynomial in -s is the one in r)
    let s = lanes2(w, &shifted, |w, shifted| {
        let n = shifted - ROUND;
        n.mul_add(EXP_LN2_LO, n.mul_add(EXP_LN2_HI, w))
    });
    let [p0, p1, p2, p3, p4] = EXP_P;
    // P(r) = (p4 + p3 r) + r^2 ((p2 + p1 r) + r^2 p0), with r = -s
    let s2 = lanes(&s, |s| s * s);
    let low = lanes(&s, |s| (-p3).mul_add(s, p4));
    let mid = lanes(&s, |s| (-p1).mul_add(s, p2));
    let upper = lanes2(&s2, &mid, |s2, mid| p0.mul_add(s2, mid));
    let poly = lanes3(&upper, &s2, &low, |upper, s2, low| upper.mul_add(s2, low));
    // exp(r) = (r + r^2 P(r)) + 1
    let mantissa = lanes3(&s2, &poly, &s, |s2, poly, s| s2.mul_add(poly, -s) + 1.0);
    let mut exponent = [0; L];
    for (n, shifted) in exponent.iter_mut().zip(shifted) {
        // n as an integer: the mantissa bits of `shifted` minus those of ROUND (|n| <= 127)
        *n = shifted.to_bits().wrapping_sub(ROUND.to_bits()) as i32;
    }
    (mantissa, exponent)
}

/// `f` of every lane.
#[inline(always)]
fn lanes<const L: usize>(a: &[f32; L], f: impl Fn(f32) -> f32) -> [f32; L] {
    let mut out = [0.0; L];
    for (o, a) in out.iter_mut().zip(a) {
        *o = f(*a);
    }
    out
}

/// `f` of every triple of lanes.
#[inline(always)]
fn lanes3<const L: usize>(a: &[f32; L], b: &[f32; L], c: &[f32; L], f: impl Fn(f32, f32, f32) -> f32) -> [f32; L] {
    let mut out = [0.0; L];
    for (((o, a), b), c) in out.iter_mut().zip(a).zip(b).zip(c) {
        *o = f(*a, *b, *c);
    }
    out
}

/// `f` of every pair of lanes.
#[inline(always)]
fn lanes2<const L: usize>(a: &[f32; L], b: &[f32; L], f: impl Fn(f32, f32) -> f32) -> [f32; L] {
    let mut out = [0.0; L];
    for ((o, a), b) in out.iter_mut().zip(a).zip(b) {
        *o = f(*a, *b);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn bit_threshold_is_where_the_float32_step_flips() {
        let threshold = bit_threshold();
        let bit = |w: f32| sigmoid_f32(w) + 0.5 >= 1.0;
        assert!(bit(threshold) && !bit(threshold.next_down()));
        // rounding makes it a little below zero: sigmoid(w) rounds up to 0.5 - 2^-25 there
        assert!(threshold < 0.0 && threshold > -1e-6, "{threshold}");
        // every float32 within 2^20 steps on either side
        let (mut below, mut above) = (threshold, threshold);
        for _ in 0..1 << 20 {
            below = below.next_down();
            above = above.next_up();
            assert!(!bit(below) && bit(above), "{below} {above}");
        }
        // and a sweep of magnitudes from 1e-38 to 1e4, both signs
        let mut magnitude = 1e-38f32;
        while magnitude < 1e4 {
            for w in [magnitude, -magnitude] {
                assert_eq!(bit(w), w >= threshold, "{w}");
            }
            magnitude *= 1.001;
        }
    }

    #[test]
    fn exp_f32_is_accurate() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x < 88.0 {
            let want = f64::from(x).exp();
            let got = f64::from(exp_f32(x));
            worst = worst.max(((got - want) / want).abs());
            x += 0.01234;
        }
        // measured 7.4e-8: within one float32 epsilon (Cephes' degree-5 polynomial: 7.8e-8)
        assert!(worst < f64::from(f32::EPSILON), "worst relative error {worst}");
        assert_eq!(exp_f32(0.0), 1.0);
        assert!(sigmoid_f32(-1e30) < 1e-37 && sigmoid_f32(1e30) == 1.0);
    }

    #[test]
    fn exp_polynomial_is_within_its_stated_error() {
        // the float32 coefficients in exact (float64) arithmetic, on a fine grid of |r| <= ln2 / 2
        let half = std::f64::consts::LN_2 / 2.0;
        let worst = (-20_000..=20_000)
            .map(|i| f64::from(i) / 20_000.0 * half)
            .map(|r| {
                let p = EXP_P.iter().fold(0.0, |acc, c| acc * r + f64::from(*c));
                ((1.0 + r + r * r * p) - r.exp()).abs() / r.exp()
            })
            .fold(0.0f64, f64::max);
        assert!(worst < 3.9e-9, "{worst}");
    }

    #[test]
    fn reference_example_10_7_is_exact() {
        // x = [0.2, 0.4, 0.8] with codes [1.0, 0.057, 0.443, 0.5] * s and masks 8, 14, 15
        // reconstructs exactly (loss 0 up to rounding).
        let s = 0.4;
        let x = [0.2, 0.4, 0.8];
        let code = [1.0 * s, 0.057 * s, 0.443 * s, 0.5 * s];
        let masks = [8u8, 14, 15];
        // encoder: put the whole code on the first weight (x_0 = 0.2)
        let mut w_en = vec![0.0; 12];
        for (k, c) in code.iter().enumerate() {
            w_en[k * 3] = c / 0.2;
        }
        let w_dec: Vec<f64> =
            (0..4).flat_map(|k| masks.iter().map(move |m| if m >> k & 1 == 1 { 5.0 } else { -5.0 })).collect();
        let e = evaluate(&x, &w_en, &w_dec, 4);
        assert!(e.loss.abs() < 1e-12, "{}", e.loss);
        assert_eq!(super::super::prepare::bits_to_int(&e.bits, 3), vec![8, 14, 15]);
    }

    /// The loss with the bit masks replaced by Rockpool's surrogate around `w_dec0`:
    /// `B + (p^2 - p0^2) / 2`, whose derivative in p is p — the custom JVP of `step`.
    fn surrogate_loss(x: &[f64], w_en: &[f64], w_dec: &[f64], w_dec0: &[f64], n: usize) -> f64 {
        let m_len = x.len();
        let code: Vec<f64> = (0..n).map(|k| (0..m_len).map(|m| w_en[k * m_len + m] * x[m]).sum()).collect();
        let mut mse = 0.0;
        for m in 0..m_len {
            let mut x_hat = 0.0;
            for k in 0..n {
                let (p, p0) = (sigmoid(w_dec[k * m_len + m]), sigmoid(w_dec0[k * m_len + m]));
                let b = f64::from(u8::from(bit(p0))) + (p * p - p0 * p0) / 2.0;
                x_hat += code[k] * b;
            }
            mse += (x_hat - x[m]).powi(2);
        }
        mse / m_len as f64 + PENALTY * penalty_negative(&code)
    }

    #[test]
    fn gradient_matches_finite_differences() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let (m_len, n) = (7, 4);
        let x: Vec<f64> = (0..m_len).map(|_| rng.gen_range(0.05..0.9)).collect();
        let mut w_en: Vec<f64> = (0..n * m_len).map(|_| rng.gen_range(-0.9..0.9)).collect();
        // make code 2 clearly negative so the penalty's slope is exercised
        for m in 0..m_len {
            w_en[2 * m_len + m] = -0.01;
        }
        let w_dec: Vec<f64> = (0..n * m_len).map(|_| rng.gen_range(-1.2..1.2)).collect();
        let e = evaluate(&x, &w_en, &w_dec, n);
        assert!(e.code[2] < 0.0);
        assert!((surrogate_loss(&x, &w_en, &w_dec, &w_dec, n) - e.loss).abs() < 1e-9);
        let h = 1e-5;
        for i in 0..n * m_len {
            let (mut plus, mut minus) = (w_en.clone(), w_en.clone());
            plus[i] += h;
            minus[i] -= h;
            let fd = (surrogate_loss(&x, &plus, &w_dec, &w_dec, n) - surrogate_loss(&x, &minus, &w_dec, &w_dec, n))
                / (2.0 * h);
            assert!((fd - e.grad_en[i]).abs() <= 1e-5 * fd.abs() + 1e-7, "w_en {i}: {fd} vs {}", e.grad_en[i]);
            let (mut plus, mut minus) = (w_dec.clone(), w_dec.clone());
            plus[i] += h;
            minus[i] -= h;
            let fd = (surrogate_loss(&x, &w_en, &plus, &w_dec, n) - surrogate_loss(&x, &w_en, &minus, &w_dec, n))
                / (2.0 * h);
            assert!((fd - e.grad_dec[i]).abs() <= 1e-5 * fd.abs() + 1e-7, "w_dec {i}: {fd} vs {}", e.grad_dec[i]);
        }
    }
}
