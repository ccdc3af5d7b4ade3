//! The analog matrix-vector pipeline of IOParameters (aihwkit.md §4.2–4.3): DAC quantisation and
//! clipping, input noise and asymmetry, the analog MAC, IR drop, weight noise, output noise, ADC
//! quantisation and clipping, noise management and the bound-management retry loop. Computed in
//! float32, as aihwkit computes it: the quantisation steps `fl32(fl32(res)·2·bound)` decide ties.

use pulp::Arch;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::config::Fields;
use super::product::mac_packed;
use super::rng::{normal, uniform};
use super::round::ties_even_f32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseManagement {
    None,
    AbsMax,
    AbsMaxNpSum,
    Max,
    Constant,
    AverageAbsMax,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BoundManagement {
    None,
    Iterative,
    IterativeWorstCase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightNoise {
    None,
    AdditiveConstant,
    PcmRead,
}

/// IOParameters (§4.1), Python defaults.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IoParams {
    pub is_perfect: bool,
    pub mv_type: String,
    pub inp_bound: f64,
    pub inp_res: f64,
    pub inp_sto_round: bool,
    pub inp_noise: f64,
    pub inp_asymmetry: f64,
    pub out_bound: f64,
    pub out_noise: f64,
    pub out_noise_std: f64,
    pub out_res: f64,
    pub out_sto_round: bool,
    pub out_scale: f64,
    pub out_asymmetry: f64,
    pub bound_management: BoundManagement,
    pub noise_management: NoiseManagement,
    pub w_noise: f64,
    pub w_noise_type: WeightNoise,
    pub ir_drop: f64,
    pub ir_drop_g_ratio: f64,
    pub out_nonlinearity: f64,
    pub out_nonlinearity_std: f64,
    pub slope_calibration: f64,
    pub v_offset_std: f64,
    pub v_offset_w_min: f64,
    pub r_series: f64,
    pub w_read_asymmetry_dtod: f64,
    pub max_bm_factor: f64,
    pub max_bm_res: f64,
    pub bm_test_negative_bound: bool,
    pub nm_thres: f64,
    /// Core-only: the weight assumed by ABS_MAX_NP_SUM.
    pub nm_assumed_wmax: f64,
    /// Core-only: the decay of AVERAGE_ABS_MAX.
    pub nm_decay: f64,
}

impl Default for IoParams {
    fn default() -> Self {
        IoParams {
            is_perfect: false,
            mv_type: "one_pass".into(),
            inp_bound: 1.0,
            inp_res: 1.0 / 126.0,
            inp_sto_round: false,
            inp_noise: 0.0,
            inp_asymmetry: 0.0,
            out_bound: 12.0,
            out_noise: 0.06,
            out_noise_std: 0.0,
            out_res: 1.0 / 510.0,
            out_sto_round: false,
            out_scale: 1.0,
            out_asymmetry: 0.0,
            bound_management: BoundManagement::Iterative,
            noise_management: NoiseManagement::AbsMax,
            w_noise: 0.0,
            w_noise_type: WeightNoise::None,
            ir_drop: 0.0,
            ir_drop_g_ratio: 1.0 / 0.35 / 5e-6,
            out_nonlinearity: 0.0,
            out_nonlinearity_std: 0.0,
            slope_calibration: 0.0,
            v_offset_std: 0.0,
            v_offset_w_min: -1.0,
            r_series: 0.0,
            w_read_asymmetry_dtod: 0.0,
            max_bm_factor: 1000.0,
            max_bm_res: 0.25,
            bm_test_negative_bound: true,
            nm_thres: 0.0,
            nm_assumed_wmax: 0.6,
            nm_decay: 1e-3,
        }
    }
}

impl IoParams {
    /// From named fields (aihwkit's names; enum values lower-case, with or without `Type.` prefix).
    pub fn from_fields(f: &dyn Fields) -> IoParams {
        let d = IoParams::default();
        let num = |n: &str, v: f64| f.num(n).unwrap_or(v);
        let flag = |n: &str, v: bool| f.flag(n).unwrap_or(v);
        IoParams {
            is_perfect: flag("is_perfect", d.is_perfect),
            mv_type: f.name("mv_type").unwrap_or(d.mv_type),
            inp_bound: num("inp_bound", d.inp_bound),
            inp_res: num("inp_res", d.inp_res),
            inp_sto_round: flag("inp_sto_round", d.inp_sto_round),
            inp_noise: num("inp_noise", d.inp_noise),
            inp_asymmetry: num("inp_asymmetry", d.inp_asymmetry),
            out_bound: num("out_bound", d.out_bound),
            out_noise: num("out_noise", d.out_noise),
            out_noise_std: num("out_noise_std", d.out_noise_std),
            out_res: num("out_res", d.out_res),
            out_sto_round: flag("out_sto_round", d.out_sto_round),
            out_scale: num("out_scale", d.out_scale),
            out_asymmetry: num("out_asymmetry", d.out_asymmetry),
            bound_management: match f.name("bound_management").as_deref() {
                Some("none") => BoundManagement::None,
                Some("iterative_worst_case") => BoundManagement::IterativeWorstCase,
                _ => BoundManagement::Iterative,
            },
            noise_management: match f.name("noise_management").as_deref() {
                Some("none") => NoiseManagement::None,
                Some("abs_max_np_sum") => NoiseManagement::AbsMaxNpSum,
                Some("max") => NoiseManagement::Max,
                Some("constant") => NoiseManagement::Constant,
                Some("average_abs_max") => NoiseManagement::AverageAbsMax,
                _ => NoiseManagement::AbsMax,
            },
            w_noise: num("w_noise", d.w_noise),
            w_noise_type: match f.name("w_noise_type").as_deref() {
                Some("additive_constant") => WeightNoise::AdditiveConstant,
                Some("pcm_read") => WeightNoise::PcmRead,
                _ => WeightNoise::None,
            },
            ir_drop: num("ir_drop", d.ir_drop),
            ir_drop_g_ratio: num("ir_drop_g_ratio", d.ir_drop_g_ratio),
            out_nonlinearity: num("out_nonlinearity", d.out_nonlinearity),
            out_nonlinearity_std: num("out_nonlinearity_std", d.out_nonlinearity_std),
            slope_calibration: num("slope_calibration", d.slope_calibration),
            v_offset_std: num("v_offset_std", d.v_offset_std),
            v_offset_w_min: num("v_offset_w_min", d.v_offset_w_min),
            r_series: num("r_series", d.r_series),
            w_read_asymmetry_dtod: num("w_read_asymmetry_dtod", d.w_read_asymmetry_dtod),
            max_bm_factor: num("max_bm_factor", d.max_bm_factor),
            max_bm_res: num("max_bm_res", d.max_bm_res),
            bm_test_negative_bound: flag("bm_test_negative_bound", d.bm_test_negative_bound),
            nm_thres: num("nm_thres", d.nm_thres),
            ..d
        }
    }

    /// A transfer read: the same pipeline with noise and bound management forced off (§6.3).
    pub fn for_transfer(&self) -> IoParams {
        IoParams { noise_management: NoiseManagement::None, bound_management: BoundManagement::None, ..self.clone() }
    }
}

/// A quantisation step in float32, as the core computes it: `fl32(fl32(res_rel)·2·bound)`.
#[allow(clippy::cast_possible_truncation)] // float32 on purpose
pub fn step(res: f64, bound: f64) -> f32 {
    let rel = if res > 1.0 { 1.0 / res } else { res.max(0.0) };
    let bound = if bound > 0.0 { bound } else { 1.0 };
    (rel as f32) * 2.0 * (bound as f32)
}

/// `q(v) = rint(v/Δ)·Δ` (ties to even), stochastic rounding with `sto`; identity when Δ ≤ 0.
fn quantize(v: f32, delta: f32, sto: Option<&mut ChaCha8Rng>) -> f32 {
    if delta <= 0.0 {
        return v;
    }
    #[allow(clippy::cast_possible_truncation)]
    let shift = sto.map_or(0.0, |rng| uniform(rng) as f32 - 0.5);
    ties_even_f32(v / delta + shift) * delta
}

/// Per-output quantities drawn once at construction (output noise spread, nonlinearity, offsets).
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub io: IoParams,
    out_sigma: Vec<f32>,
    nonlinearity: Vec<f32>,
    nonlinearity_gain: f32,
    offsets: Vec<f32>,
    /// AVERAGE_ABS_MAX's running value.
    running_max: Option<f32>,
}

/// Which way the product runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `y = W x` (outputs = rows); bound management as configured.
    Forward,
    /// `z = Wᵀ d` (outputs = columns); bound management always off.
    Backward,
}

impl Pipeline {
    #[allow(clippy::cast_possible_truncation)]
    pub fn new(io: IoParams, outputs: usize, construction: &mut ChaCha8Rng) -> Pipeline {
        let out_sigma = (0..outputs)
            .map(|_| (io.out_noise * (1.0 + io.out_noise_std * normal(construction))).abs() as f32)
            .collect();
        let bound = if io.out_bound > 0.0 { io.out_bound } else { 1.0 };
        let nonlinearity: Vec<f32> = (0..outputs)
            .map(|_| {
                (io.out_nonlinearity / bound * (1.0 + io.out_nonlinearity_std * normal(construction))).abs() as f32
            })
            .collect();
        #[allow(clippy::cast_precision_loss)]
        let mean_n = nonlinearity.iter().map(|v| f64::from(*v)).sum::<f64>() / outputs.max(1) as f64;
        let nonlinearity_gain = if io.slope_calibration > 0.0 {
            (1.0 + (mean_n + io.r_series) * io.slope_calibration * bound).powi(2) as f32
        } else {
            1.0
        };
        let offsets = (0..outputs).map(|_| (io.v_offset_std * normal(construction)).max(0.0) as f32).collect();
        Pipeline { io, out_sigma, nonlinearity, nonlinearity_gain, offsets, running_max: None }
    }

    /// The noise-management scale of input `x` (§4.2 step 2).
    #[allow(clippy::cast_possible_truncation)]
    fn nm_scale(&mut self, x: &[f32], kind: NoiseManagement) -> f32 {
        let io = &self.io;
        let cap = |v: f32| if io.nm_thres > 0.0 { v.min(io.nm_thres as f32) } else { v };
        let abs_max = x.iter().fold(0.0_f32, |m, v| m.max(v.abs()));
        match kind {
            NoiseManagement::None => 1.0,
            NoiseManagement::AbsMax => cap(abs_max),
            NoiseManagement::Max => cap(x.iter().fold(f32::MIN, |m, v| m.max(*v))),
            NoiseManagement::Constant => {
                if io.nm_thres > 0.0 {
                    io.nm_thres as f32
                } else {
                    1.0
                }
            }
            NoiseManagement::AverageAbsMax => {
                let decay = io.nm_decay as f32;
                let m = self.running_max.map_or(abs_max, |m| m * (1.0 - decay) + decay * abs_max);
                self.running_max = Some(m);
                m
            }
            NoiseManagement::AbsMaxNpSum => {
                let amax = cap(abs_max);
                let pos: f32 = x.iter().filter(|v| **v > 0.0).sum();
                let neg: f32 = -x.iter().filter(|v| **v < 0.0).sum::<f32>();
                let bound = if io.out_bound > 0.0 { io.out_bound as f32 } else { 1.0 };
                let guess = pos.max(neg) * io.nm_assumed_wmax as f32 / bound;
                let res = step(io.inp_res, io.inp_bound);
                let capped = if res > 0.0 { guess.min(amax / res * io.max_bm_res as f32) } else { guess };
                amax.max(capped)
            }
        }
    }

    /// One analog product of `x` with `weights` (`rows × cols`, row-major) into `out`.
    pub fn apply(
        &mut self,
        weights: &[f32],
        cols: usize,
        dir: Direction,
        x: &[f32],
        out: &mut [f32],
        rng: &mut ChaCha8Rng,
    ) {
        self.apply_with(Matrix { weights, cols, packed: None, arch: Arch::new() }, dir, x, out, rng);
    }

    /// [`Pipeline::apply`] with an optional packed copy of the weights, which makes the forward
    /// product vectorise (same sums in the same order, so the same bits).
    pub fn apply_with(&mut self, m: Matrix<'_>, dir: Direction, x: &[f32], out: &mut [f32], rng: &mut ChaCha8Rng) {
        let Some(mut pass) = self.begin(&m, dir, x, out) else {
            return;
        };
        loop {
            let v = self.prepare(&pass, x, rng);
            m.product(dir, &v, out);
            if self.finish(&mut pass, &m, dir, x, &v, out, rng) {
                return;
            }
        }
    }

    /// Starts one product: the perfect and all-zero shortcuts write `out` and return `None`;
    /// otherwise the state of the bound-management loop (§4.2 steps 1–3).
    pub fn begin(&mut self, m: &Matrix<'_>, dir: Direction, x: &[f32], out: &mut [f32]) -> Option<Pass> {
        let io = &self.io;
        if io.is_perfect || io.mv_type == "ideal" {
            m.product(dir, x, out);
            #[allow(clippy::cast_possible_truncation)]
            let scale = io.out_scale as f32;
            out.iter_mut().for_each(|v| *v *= scale);
            return None;
        }
        let kind = io.noise_management;
        let (nm_on, bm) = (kind != NoiseManagement::None, io.bound_management);
        let inp_noise = io.inp_noise;
        let s_nm = self.nm_scale(x, kind);
        if nm_on && s_nm <= 0.0 && inp_noise <= 0.0 {
            out.iter_mut().for_each(|v| *v = 0.0);
            return None;
        }
        let bm = if dir == Direction::Backward { BoundManagement::None } else { bm };
        Some(Pass { s_nm, rho: 1.0, round: 0, nm_on, bm })
    }

    /// The input scale of the current round: `1/(s_nm·ρ)`, each factor only when it applies.
    fn scale(p: &Pass) -> f32 {
        let nm_factor = if p.nm_on && p.s_nm > 0.0 { p.s_nm } else { 1.0 };
        let bm_factor = if p.bm == BoundManagement::None { 1.0 } else { p.rho };
        nm_factor * bm_factor
    }

    /// §4.2 step 4b: the DAC stage of one round (quantise, clip, input noise, asymmetry).
    #[allow(clippy::cast_possible_truncation)]
    pub fn prepare(&self, pass: &Pass, x: &[f32], rng: &mut ChaCha8Rng) -> Vec<f32> {
        let io = &self.io;
        let c = 1.0 / Self::scale(pass);
        let in_step = step(io.inp_res, io.inp_bound);
        let in_bound = if io.inp_bound > 0.0 { io.inp_bound as f32 } else { f32::INFINITY };
        x.iter()
            .map(|xj| {
                let sto = if io.inp_sto_round { Some(&mut *rng) } else { None };
                let mut v = quantize(xj * c, in_step, sto).clamp(-in_bound, in_bound);
                if io.inp_noise > 0.0 {
                    v += io.inp_noise as f32 * normal(rng) as f32;
                }
                if v < 0.0 {
                    v *= 1.0 - io.inp_asymmetry as f32;
                }
                v
            })
            .collect()
    }

    /// After the analog product `out` of round input `v`: the non-idealities and the ADC (§4.2
    /// steps 4d–f). Returns true when the loop ends (then `out` holds the rescaled result).
    #[allow(clippy::too_many_arguments, clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    pub fn finish(
        &mut self,
        pass: &mut Pass,
        m: &Matrix<'_>,
        dir: Direction,
        x: &[f32],
        v: &[f32],
        out: &mut [f32],
        rng: &mut ChaCha8Rng,
    ) -> bool {
        let (weights, cols) = (m.weights, m.cols);
        let io = &self.io;
        let bm_on = pass.bm != BoundManagement::None;
        if io.ir_drop > 0.0 {
            ir_drop(io, weights, cols, dir, v, out);
        }
        if io.v_offset_std > 0.0 || io.r_series > 0.0 {
            let y_ref = -io.v_offset_w_min as f32 * v.iter().sum::<f32>();
            for (u, o) in out.iter_mut().zip(&self.offsets) {
                let rs = |a: f32| 1.0 + (io.r_series as f32 * a.abs());
                *u = if io.v_offset_w_min == 0.0 {
                    (1.0 - o) * *u / rs(*u)
                } else {
                    (1.0 - o) * *u / rs(*u) - 2.0 * o * y_ref / rs(y_ref)
                };
            }
        }
        match io.w_noise_type {
            WeightNoise::None => {}
            WeightNoise::AdditiveConstant if io.w_noise > 0.0 => {
                let norm = v.iter().map(|a| a * a).sum::<f32>().sqrt();
                out.iter_mut().for_each(|u| *u += io.w_noise as f32 * norm * normal(rng) as f32);
            }
            WeightNoise::PcmRead if io.w_noise > 0.0 => {
                let v2: Vec<f32> = v.iter().map(|a| a * a).collect();
                let mut spread = vec![0.0_f32; out.len()];
                let abs: Vec<f32> = weights.iter().map(|w| w.abs()).collect();
                mac(&abs, cols, dir, &v2, &mut spread);
                for (u, s) in out.iter_mut().zip(spread) {
                    *u += io.w_noise as f32 * s.max(0.0).sqrt() * normal(rng) as f32;
                }
            }
            _ => {}
        }
        let out_step = step(io.out_res, io.out_bound);
        let bound = if io.out_bound > 0.0 { io.out_bound as f32 } else { f32::INFINITY };
        let mut hit = false;
        for ((u, sigma), n) in out.iter_mut().zip(&self.out_sigma).zip(&self.nonlinearity) {
            let mut y = *u;
            if io.out_nonlinearity != 0.0 {
                y = self.nonlinearity_gain * y / (1.0 + (n * y).abs());
            }
            if y < 0.0 {
                y *= 1.0 - io.out_asymmetry as f32;
            }
            if *sigma > 0.0 {
                y += sigma * normal(rng) as f32;
            }
            let sto = if io.out_sto_round { Some(&mut *rng) } else { None };
            y = quantize(y, out_step, sto);
            if y >= bound || (y <= -bound && io.bm_test_negative_bound) {
                hit = true;
            }
            *u = y.clamp(-bound, bound);
        }
        let hit = hit && bm_on;
        pass.round += 1;
        let in_step = step(io.inp_res, io.inp_bound);
        let rho = pass.rho;
        let last = !hit
            || pass.bm == BoundManagement::None
            || f64::from(rho) > io.max_bm_factor
            || (in_step > 0.0 && f64::from(rho) > io.max_bm_res / f64::from(in_step))
            || (pass.bm == BoundManagement::IterativeWorstCase && pass.round >= 2);
        if last {
            let back = io.out_scale as f32 * Self::scale(pass);
            out.iter_mut().for_each(|v| *v *= back);
            return true;
        }
        if pass.bm == BoundManagement::IterativeWorstCase {
            pass.s_nm = self.nm_scale(x, NoiseManagement::AbsMaxNpSum);
            pass.rho = 1.0;
        } else {
            pass.rho *= 2.0;
        }
        false
    }
}

/// Where one product stands in the bound-management loop.
#[derive(Debug, Clone, Copy)]
pub struct Pass {
    s_nm: f32,
    rho: f32,
    round: u32,
    nm_on: bool,
    bm: BoundManagement,
}

/// A weight matrix (`rows × cols`, row-major), optionally with its packed copy
/// ([`super::product::pack`]) and the instruction set to run the packed product with.
#[derive(Debug, Clone, Copy)]
pub struct Matrix<'a> {
    pub weights: &'a [f32],
    pub cols: usize,
    pub packed: Option<&'a [f32]>,
    pub arch: Arch,
}

impl Matrix<'_> {
    /// The ideal product, through the packed copy when there is one (forward only).
    pub fn product(&self, dir: Direction, x: &[f32], out: &mut [f32]) {
        match (dir, self.packed) {
            (Direction::Forward, Some(packed)) => mac_packed(self.arch, packed, &[x], &mut [out]),
            _ => mac(self.weights, self.cols, dir, x, out),
        }
    }
}

/// The ideal product: `W x` forward, `Wᵀ x` backward.
pub fn mac(weights: &[f32], cols: usize, dir: Direction, x: &[f32], out: &mut [f32]) {
    match dir {
        Direction::Forward => {
            for (o, row) in out.iter_mut().zip(weights.chunks_exact(cols.max(1))) {
                *o = row.iter().zip(x).map(|(w, v)| w * v).sum();
            }
        }
        Direction::Backward => {
            out.iter_mut().for_each(|o| *o = 0.0);
            for (row, d) in weights.chunks_exact(cols.max(1)).zip(x) {
                for (o, w) in out.iter_mut().zip(row) {
                    *o += w * d;
                }
            }
        }
    }
}

/// IR drop (§4.2 d): a position-weighted correction proportional to each output's current.
#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
fn ir_drop(io: &IoParams, weights: &[f32], cols: usize, dir: Direction, v: &[f32], out: &mut [f32]) {
    let n = v.len() as f32;
    let abs_w: Vec<f32> = weights.iter().map(|w| w.abs()).collect();
    let abs_v: Vec<f32> = v.iter().map(|a| a.abs()).collect();
    let mut a = vec![0.0_f32; out.len()];
    mac(&abs_w, cols, dir, &abs_v, &mut a);
    let shaped: Vec<f32> = v
        .iter()
        .enumerate()
        .map(|(j, vj)| {
            let t = 1.0 - j as f32 / n;
            vj * (1.0 - t * t)
        })
        .collect();
    let mut corr = vec![0.0_f32; out.len()];
    mac(weights, cols, dir, &shaped, &mut corr);
    let g = io.ir_drop_g_ratio as f32;
    for ((u, ai), ci) in out.iter_mut().zip(a).zip(corr) {
        let ai = n / g * ai;
        let c = ai * (ai * (0.05 * ai - 0.2) + 0.5);
        *u -= io.ir_drop as f32 * c * ci;
    }
}

#[cfg(test)]
mod tests {
    use super::super::rng::{stream, Purpose};
    use super::*;

    fn ones_row(n: usize, bm: BoundManagement) -> f32 {
        let io = IoParams { out_noise: 0.0, bound_management: bm, ..IoParams::default() };
        let mut rng = stream(0, 0, Purpose::Read);
        let mut p = Pipeline::new(io, 1, &mut rng);
        let mut out = [0.0_f32];
        p.apply(&vec![1.0; n], n, Direction::Forward, &vec![1.0; n], &mut out, &mut rng);
        out[0]
    }

    /// §8.7: the worked forward examples (a float32 tie case, the BM loop and its cap).
    #[test]
    fn worked_forward_examples() {
        assert!((ones_row(10, BoundManagement::Iterative) - 9.976471).abs() < 1e-5);
        assert!((ones_row(20, BoundManagement::Iterative) - 19.670588).abs() < 1e-4);
        assert!((ones_row(100, BoundManagement::Iterative) - 101.647_06).abs() < 1e-3);
        assert!((ones_row(1000, BoundManagement::Iterative) - 192.0).abs() < 1e-3);
        assert!((ones_row(20, BoundManagement::None) - 12.0).abs() < 1e-6);
    }

    /// §4.1: default DAC step 1/63 (slightly above in float32), ADC step 24/510.
    #[test]
    fn default_steps() {
        assert!((step(1.0 / 126.0, 1.0) - 0.015_873_017).abs() < 1e-9);
        assert!((step(1.0 / 510.0, 12.0) - 0.047_058_8).abs() < 1e-6);
        assert!((step(254.0, 10.0) - 20.0 / 254.0).abs() < 1e-6);
    }
}
