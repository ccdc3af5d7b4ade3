//! The forward product `W x` of a tile read, on a packed copy of the weights: panels of
//! [`PANEL`] outputs, each stored column by column, so one pass streams the panel contiguously
//! and keeps every output's running sum in a register for up to [`SAMPLES`] inputs at once.
//! Every output sums its products in column order from −0.0, exactly as `Iterator::sum` does
//! over a row, so the bits are those of the plain row-wise product on every CPU: the kernel is
//! compiled for AVX2 at run time (pulp), but its lanes are outputs, never parts of one sum.

use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

/// Outputs per panel: two 8-lane float32 vectors.
pub const PANEL: usize = 16;
/// Inputs per pass over a panel: 16 outputs × 4 inputs fill 8 of AVX2's 16 vector registers.
pub const SAMPLES: usize = 4;
/// Panels per parallel task in a large product (128 outputs).
const PANELS_PER_TASK: usize = 8;
/// Below this many multiply-adds (weights × inputs) a pass over the panels runs on one thread:
/// waking the pool's threads costs more than the shared work saves. Measured: a 1024² product
/// with one input (10^6 multiply-adds, bound by reading the weights) took 126 µs on one thread and
/// 170 µs shared out on two.
const PARALLEL_FROM: usize = 1 << 22;

/// Packs a `rows × cols` row-major matrix into panels: panel `p`, column `j`, output `r` at
/// `(p·cols + j)·PANEL + r`; the outputs past `rows` in the last panel are zeros.
pub fn pack(weights: &[f32], rows: usize, cols: usize, out: &mut Vec<f32>) {
    let panels = rows.div_ceil(PANEL);
    out.clear();
    out.resize(panels * cols * PANEL, 0.0);
    for (p, panel) in out.chunks_exact_mut((cols * PANEL).max(1)).enumerate() {
        for (r, row) in weights.chunks_exact(cols.max(1)).skip(p * PANEL).take(PANEL).enumerate() {
            for (slot, w) in panel.iter_mut().skip(r).step_by(PANEL).zip(row) {
                *slot = *w;
            }
        }
    }
}

/// `outs[k] = W xs[k]` for each input, from the packed weights; `arch` picks the instruction set
/// (the bits do not depend on it). Any number of inputs; they go through in groups of [`SAMPLES`].
pub fn mac_packed(arch: Arch, packed: &[f32], xs: &[&[f32]], outs: &mut [&mut [f32]]) {
    let rows = outs.first().map_or(0, |y| y.len());
    let cols = xs.first().map_or(0, |x| x.len());
    if rows == 0 {
        return;
    }
    if cols == 0 {
        outs.iter_mut().for_each(|y| y.iter_mut().for_each(|o| *o = -0.0));
        return;
    }
    for (xs, outs) in xs.chunks(SAMPLES).zip(outs.chunks_mut(SAMPLES)) {
        // The inputs interleaved by column, so the kernel reads one small row per column.
        let mut interleaved = vec![0.0_f32; cols * SAMPLES];
        for (k, x) in xs.iter().enumerate() {
            for (slot, v) in interleaved.iter_mut().skip(k).step_by(SAMPLES).zip(x.iter()) {
                *slot = *v;
            }
        }
        let n = xs.len();
        let mut results = vec![0.0_f32; rows.div_ceil(PANEL) * PANEL * n];
        let task = PANEL * cols * PANELS_PER_TASK;
        let run = |(panels, result): (&[f32], &mut [f32])| {
            arch.dispatch(Panels { packed: panels, cols, interleaved: &interleaved, n, out: result });
        };
        let result_task = PANEL * PANELS_PER_TASK * n;
        if rows * cols * n >= PARALLEL_FROM {
            packed.par_chunks(task).zip(results.par_chunks_mut(result_task)).for_each(run);
        } else {
            packed.chunks(task).zip(results.chunks_mut(result_task)).for_each(run);
        }
        // `results`: per panel, `n` blocks of PANEL outputs.
        for (p, block) in results.chunks_exact(PANEL * n).enumerate() {
            for (y, sums) in outs.iter_mut().zip(block.chunks_exact(PANEL)) {
                for (o, s) in y.iter_mut().skip(p * PANEL).zip(sums) {
                    *o = *s;
                }
            }
        }
    }
}

/// Some consecutive panels against `n` interleaved inputs.
struct Panels<'a> {
    packed: &'a [f32],
    cols: usize,
    interleaved: &'a [f32],
    n: usize,
    out: &'a mut [f32],
}

impl WithSimd for Panels<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Panels { packed, cols, interleaved, n, out } = self;
        let (mut packed, mut out) = (packed, out);
        if S::F32_LANES == PANEL / 2 && n <= 2 {
            // One panel's sums for one or two inputs are only two or four chains of additions,
            // each waiting on its last addition: a group of panels puts eight in flight.
            let group = if n == 1 { 4 } else { 2 };
            let mut panels = packed.chunks_exact(PANEL * cols * group);
            let mut results = out.chunks_exact_mut(PANEL * n * group);
            for (panels, result) in panels.by_ref().zip(results.by_ref()) {
                if n == 1 {
                    group_sums_wide::<S, 1, 4>(simd, panels, cols, interleaved, result);
                } else {
                    group_sums_wide::<S, 2, 2>(simd, panels, cols, interleaved, result);
                }
            }
            // the panels short of a whole group, one at a time below
            (packed, out) = (panels.remainder(), results.into_remainder());
        }
        for (panel, result) in packed.chunks_exact(PANEL * cols).zip(out.chunks_exact_mut(PANEL * n)) {
            if S::F32_LANES == PANEL / 2 {
                match n {
                    1 => panel_sums_wide::<S, 1>(simd, panel, interleaved, result),
                    2 => panel_sums_wide::<S, 2>(simd, panel, interleaved, result),
                    3 => panel_sums_wide::<S, 3>(simd, panel, interleaved, result),
                    _ => panel_sums_wide::<S, SAMPLES>(simd, panel, interleaved, result),
                }
            } else {
                match n {
                    1 => panel_sums::<1>(panel, interleaved, result),
                    2 => panel_sums::<2>(panel, interleaved, result),
                    3 => panel_sums::<3>(panel, interleaved, result),
                    _ => panel_sums::<SAMPLES>(panel, interleaved, result),
                }
            }
        }
    }
}

/// [`panel_sums`] with two 8-lane vectors per column (`S::F32_LANES == 8`): the same additions
/// of the same products per output, written as vector operations so none is left scalar.
#[inline(always)]
fn panel_sums_wide<S: Simd, const N: usize>(simd: S, panel: &[f32], interleaved: &[f32], result: &mut [f32]) {
    let zero = simd.splat_f32s(-0.0);
    let mut acc = [[zero; 2]; N];
    let (vectors, _) = S::as_simd_f32s(panel);
    let (columns, _) = vectors.as_chunks::<2>();
    let (inputs, _) = interleaved.as_chunks::<SAMPLES>();
    for ([w0, w1], x) in columns.iter().zip(inputs) {
        for ([a0, a1], xj) in acc.iter_mut().zip(x) {
            let xv = simd.splat_f32s(*xj);
            *a0 = simd.add_f32s(*a0, simd.mul_f32s(*w0, xv));
            *a1 = simd.add_f32s(*a1, simd.mul_f32s(*w1, xv));
        }
    }
    for (sums, y) in acc.iter().zip(result.chunks_exact_mut(PANEL)) {
        let (ys, _) = S::as_mut_simd_f32s(y);
        for (yv, s) in ys.iter_mut().zip(sums) {
            *yv = *s;
        }
    }
}

/// [`panel_sums_wide`] for `G` consecutive panels at once (`panels` holds all `G`), column by
/// column: every output still adds its products in column order, so the bits are the same.
#[inline(always)]
fn group_sums_wide<S: Simd, const N: usize, const G: usize>(
    simd: S,
    panels: &[f32],
    cols: usize,
    interleaved: &[f32],
    result: &mut [f32],
) {
    let zero = simd.splat_f32s(-0.0);
    let mut acc = [[[zero; 2]; N]; G];
    let (vectors, _) = S::as_simd_f32s(panels);
    let columns: [&[[S::f32s; 2]]; G] =
        std::array::from_fn(|g| vectors.get(g * 2 * cols..(g + 1) * 2 * cols).unwrap_or(&[]).as_chunks::<2>().0);
    let (inputs, _) = interleaved.as_chunks::<SAMPLES>();
    for (j, x) in inputs.iter().enumerate().take(cols) {
        for (sums, column) in acc.iter_mut().zip(&columns) {
            if let Some([w0, w1]) = column.get(j) {
                for ([a0, a1], xj) in sums.iter_mut().zip(x) {
                    let xv = simd.splat_f32s(*xj);
                    *a0 = simd.add_f32s(*a0, simd.mul_f32s(*w0, xv));
                    *a1 = simd.add_f32s(*a1, simd.mul_f32s(*w1, xv));
                }
            }
        }
    }
    for (sums, results) in acc.iter().zip(result.chunks_exact_mut(PANEL * N)) {
        for (pair, y) in sums.iter().zip(results.chunks_exact_mut(PANEL)) {
            let (ys, _) = S::as_mut_simd_f32s(y);
            for (yv, s) in ys.iter_mut().zip(pair) {
                *yv = *s;
            }
        }
    }
}

/// One panel against `N` inputs: the `N × PANEL` running sums stay in registers.
#[inline(always)]
fn panel_sums<const N: usize>(panel: &[f32], interleaved: &[f32], result: &mut [f32]) {
    let mut acc = [[-0.0_f32; PANEL]; N];
    // Arrays, not slices: constant trip counts let the compiler keep `acc` in vector registers.
    let (columns, _) = panel.as_chunks::<PANEL>();
    let (inputs, _) = interleaved.as_chunks::<SAMPLES>();
    for (w, x) in columns.iter().zip(inputs) {
        for (sums, xj) in acc.iter_mut().zip(x) {
            for (s, wr) in sums.iter_mut().zip(w) {
                *s += wr * xj;
            }
        }
    }
    for (sums, y) in acc.iter().zip(result.chunks_exact_mut(PANEL)) {
        y.copy_from_slice(sums);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::super::io::{mac, Direction};
    use super::*;

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|f| f.to_bits()).collect()
    }

    /// The packed product gives the bits of the row-wise sum, signed zeros included, with the
    /// dispatched (AVX2) and the scalar build alike, for every count of inputs.
    #[test]
    fn packed_product_is_bit_identical_on_every_instruction_set() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for (rows, cols) in [(1, 1), (3, 7), (37, 64), (64, 33), (300, 1000)] {
            let mut w: Vec<f32> = (0..rows * cols).map(|_| rng.gen_range(-1.0..1.0)).collect();
            // A row of negative zeros and one of mixed zeros: the sign of a zero sum must agree.
            w.iter_mut().take(cols).for_each(|v| *v = -0.0);
            if rows > 1 {
                w.iter_mut()
                    .skip(cols)
                    .take(cols)
                    .enumerate()
                    .for_each(|(k, v)| *v = if k % 2 == 0 { 0.0 } else { -0.0 });
            }
            let mut packed = Vec::new();
            pack(&w, rows, cols, &mut packed);
            for n in 1..=6 {
                let xs: Vec<Vec<f32>> = (0..n).map(|_| (0..cols).map(|_| rng.gen_range(-1.0..1.0)).collect()).collect();
                let x_refs: Vec<&[f32]> = xs.iter().map(Vec::as_slice).collect();
                for arch in [Arch::new(), Arch::Scalar] {
                    let mut ys = vec![vec![7.0_f32; rows]; n];
                    let mut y_refs: Vec<&mut [f32]> = ys.iter_mut().map(Vec::as_mut_slice).collect();
                    mac_packed(arch, &packed, &x_refs, &mut y_refs);
                    for (x, y) in xs.iter().zip(&ys) {
                        let mut expected = vec![0.0_f32; rows];
                        mac(&w, cols, Direction::Forward, x, &mut expected);
                        assert_eq!(bits(&expected), bits(y), "{rows}x{cols}, {n} inputs, {arch:?}");
                    }
                }
            }
        }
    }
}
