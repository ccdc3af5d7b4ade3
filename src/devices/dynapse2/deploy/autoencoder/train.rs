//! Full-batch training of one cluster's autoencoder, fused into two passes per epoch.
//!
//! The flat weights are cut into blocks of at most [`BLOCK`] elements (a multiple of 8; the last
//! block padded with weights that cannot move: `x = 0`, decoder logit -1e30). Each block owns its
//! slice of every parameter and optimizer state, so a pass is a parallel map over blocks whose
//! partial sums are added in block order: the block layout depends only on M, so results are the
//! same at any thread count.
//!
//! Per epoch (step index `i`), starting from `c` and `r = x_hat - x`:
//! 1. the loss of this epoch is recorded (Rockpool records it before the update);
//! 2. encoder pass: `g = x_m * dL/dc_k`, optimizer step, partial sums of the new codes (or the
//!    factored update of `encoder`, with no pass at all);
//! 3. decoder pass, span by span: `p = sigmoid(W_dec)`, `g = (2/M) c_k r_m p^2 (1 - p)` with the
//!    old codes, optimizer step, new masks (a threshold on the new logits, so `p` is never
//!    stored), `x_hat` with the new codes, new residuals and the partial sums of the next epoch's
//!    loss and code gradient.
//!
//! Parameters and states are float32 like Rockpool's; reductions are added in float64.

use std::sync::Arc;

use pulp::{Arch, Simd, WithSimd};

use super::encoder::{Factored, Moments};
use super::model::{bit_threshold, gradient_shape, gradient_shape_lanes, penalty_negative, penalty_slope, sigmoid_f32};
use super::optimizers::{Kernel, Optimizer, Visit};
use super::schedule::Schedule;
use super::staggered::Staggered;
use super::team::Team;
use super::MAX_BITS;

/// Elements per block.
pub const BLOCK: usize = 2048;
/// Decoder logit of a padding element: sigmoid 0, so its mask bit is never set.
const PAD_LOGIT: f32 = -1e30;
const LANES: usize = 8;

/// One block of the flat weights with everything the two passes touch.
struct Block {
    len: usize,
    x: Staggered,
    /// `r = x_hat - x` of the last forward pass (the next decoder step's gradient needs it).
    r: Staggered,
    /// Code-major: element (k, j) at `k * len + j`.
    en: Param,
    dec: Param,
}

/// One parameter's block with its optimizer state, each array in its own slot modulo 4 KiB (see
/// `staggered`).
struct Param {
    w: Staggered,
    s1: Staggered,
    s2: Staggered,
    /// SM3's per-weight accumulator (one per flat weight, shared by the n codes).
    acc_m: Vec<f32>,
}

impl Param {
    /// `slot`: the first of the three slots of `w`, `s1` and `s2`.
    fn new(w: &[f32], len: usize, slot: usize) -> Param {
        let size = w.len();
        let (w, s1, s2) = (Staggered::new(w, slot), Staggered::zeros(size, slot + 1), Staggered::zeros(size, slot + 2));
        Param { w, s1, s2, acc_m: vec![0.0; len] }
    }
}

/// Block sums returned by a pass.
#[derive(Clone)]
struct Partial {
    /// Per code: encoder pass: sum x_m W_en; decoder pass: sum r_m B_km.
    per_code: [f64; MAX_BITS],
    /// Decoder pass: sum r_m^2.
    sq: f64,
    /// SM3: per code, the max of this block's new accumulators.
    acc_k: [f32; MAX_BITS],
}

impl Partial {
    const ZERO: Partial = Partial { per_code: [0.0; MAX_BITS], sq: 0.0, acc_k: [0.0; MAX_BITS] };
}

/// The first `n` of an array, as a vector.
fn leading<T: Copy>(values: &[T; MAX_BITS], n: usize) -> Vec<T> {
    values.iter().take(n).copied().collect()
}

/// The trainer's whole state.
pub struct Trainer {
    n: usize,
    m: usize,
    /// The blocks, shared with the helper threads of [`Trainer::helper`].
    blocks: Arc<Team<Block, Partial>>,
    code: Vec<f64>,
    grad_code: Vec<f64>,
    loss: f64,
    /// SM3's per-code accumulators of the encoder and decoder.
    acc_k_en: Vec<f32>,
    acc_k_dec: Vec<f32>,
    /// The factored encoder update (see `encoder`), or `None` for the dense one.
    factored: Option<Factored>,
    moments: Moments,
    /// The instruction set the block passes run with (the best the CPU has; tests pin scalar).
    pub(super) arch: Arch,
    /// Mask bit k of weight m is set iff `W_dec[k][m] >= threshold` (see [`bit_threshold`]).
    threshold: f32,
}

/// What a training run produced.
pub struct Trained {
    pub code: Vec<f64>,
    /// `bits[k][m]`: mask bit k of flat weight m.
    pub bits: Vec<Vec<bool>>,
    /// The loss recorded at the last step (before its update), Rockpool's `quantization_loss`.
    pub last_loss: f64,
    pub losses: Vec<f32>,
    pub epochs: u64,
}

impl Trainer {
    /// `x`: scaled flat weights; `w_en` as Rockpool's `(M, n)` row-major, `w_dec` as `(n, M)`.
    /// `optimizer` decides whether the encoder update can be factored.
    pub fn new(x: &[f32], w_en: &[f32], w_dec: &[f32], n: usize, optimizer: &Optimizer) -> Trainer {
        let m = x.len();
        let block = BLOCK.min(m.div_ceil(LANES).max(1) * LANES);
        let blocks = (0..m.div_ceil(block))
            .map(|b| {
                let start = b * block;
                let real = block.min(m - start);
                let mut bx = vec![0.0f32; block];
                let mut en = vec![0.0f32; n * block];
                let mut dec = vec![PAD_LOGIT; n * block];
                for j in 0..real {
                    let g = start + j;
                    if let (Some(slot), Some(v)) = (bx.get_mut(j), x.get(g)) {
                        *slot = *v;
                    }
                    for k in 0..n {
                        if let (Some(slot), Some(v)) = (en.get_mut(k * block + j), w_en.get(g * n + k)) {
                            *slot = *v;
                        }
                        let at = span_major(j, k, n, block);
                        if let (Some(slot), Some(v)) = (dec.get_mut(at), w_dec.get(k * m + g)) {
                            *slot = *v;
                        }
                    }
                }
                Block {
                    len: block,
                    x: Staggered::new(&bx, 0),
                    r: Staggered::zeros(block, 1),
                    dec: Param::new(&dec, block, 2),
                    en: Param::new(&en, block, 5),
                }
            })
            .collect();
        let blocks = Arc::new(Team::new(blocks));
        let mut trainer = Trainer {
            n,
            m,
            blocks,
            code: vec![0.0; n],
            grad_code: vec![0.0; n],
            loss: 0.0,
            acc_k_en: vec![0.0; n],
            acc_k_dec: vec![0.0; n],
            factored: Factored::new(optimizer, n),
            moments: Moments::new(x),
            arch: Arch::new(),
            threshold: bit_threshold(),
        };
        trainer.code = leading(&trainer.sum_blocks(CodeSums(n)).per_code, n);
        if trainer.factored.is_some() {
            // only the codes are needed from here on
            for i in 0..trainer.blocks.len() {
                if let Some(mut block) = trainer.blocks.item(i) {
                    block.en = Param::new(&[], 0, 5);
                }
            }
        }
        let code: Vec<f32> = trainer.code.iter().map(|c| *c as f32).collect();
        let partial = trainer.sum_blocks(Forward(code, trainer.threshold));
        trainer.finish_forward(&partial);
        trainer
    }

    /// How many blocks each pass shares out.
    pub fn blocks(&self) -> usize {
        self.blocks.len()
    }

    /// A helper for the training run: a closure that joins every pass (epoch) this trainer runs
    /// and returns when the trainer is dropped; run it on another thread (e.g. a rayon scope's
    /// spawn). Without helpers the trainer runs every pass on its own thread.
    pub fn helper(&self) -> impl FnOnce() + Send + 'static {
        let team = Arc::clone(&self.blocks);
        move || team.help()
    }

    /// Runs a pass on every block (shared with the helpers) and adds the partial sums in block
    /// order.
    fn sum_blocks<P: BlockPass + 'static>(&mut self, pass: P) -> Partial {
        let arch = self.arch;
        let parts = self.blocks.map(Arc::new(move |block: &mut Block| {
            SCRATCH.with(|cell| match cell.try_borrow_mut() {
                Ok(mut scratch) => arch.dispatch(OnBlock(&pass, block, scratch.get_or_insert_with(Scratch::new))),
                // never taken (a pass makes no nested call), but a fresh one is as good
                Err(_) => arch.dispatch(OnBlock(&pass, block, &mut Scratch::new())),
            })
        }));
        let mut total = Partial::ZERO;
        for part in parts {
            for (t, v) in total.per_code.iter_mut().zip(&part.per_code) {
                *t += v;
            }
            for (t, v) in total.acc_k.iter_mut().zip(&part.acc_k) {
                *t = t.max(*v);
            }
            total.sq += part.sq;
        }
        total
    }

    /// The loss and code gradient from a decoder pass's (or the initial forward's) sums.
    fn finish_forward(&mut self, partial: &Partial) {
        let m = self.m.max(1) as f64;
        self.loss = partial.sq / m + super::model::PENALTY * penalty_negative(&self.code);
        self.grad_code =
            self.code.iter().zip(&partial.per_code).map(|(c, fit)| 2.0 / m * fit + penalty_slope(*c)).collect();
    }

    /// The loss at the current parameters.
    pub fn loss(&self) -> f64 {
        self.loss
    }

    /// One optimizer step (index `i` as the optimizer and schedule see it); returns the loss
    /// before the step.
    pub fn step(&mut self, optimizer: &Optimizer, schedule: &Schedule, i: u64) -> f64 {
        let loss = self.loss;
        let new_code = match self.factored.as_mut() {
            Some(f) => {
                let delta = f.step(optimizer, schedule, i, &self.grad_code, &self.moments);
                Some(self.code.iter().zip(delta).map(|(c, d)| c + d).collect())
            }
            None => None,
        };
        optimizer.with_kernel(i, schedule, EpochPass { trainer: self, new_code });
        loss
    }

    /// The current codes and masks.
    pub fn result(&self) -> (Vec<f64>, Vec<Vec<bool>>) {
        let mut bits = vec![Vec::with_capacity(self.m); self.n];
        for block in (0..self.blocks.len()).filter_map(|i| self.blocks.item(i)) {
            for (k, row) in bits.iter_mut().enumerate() {
                let w = |j| block.dec.w.get(span_major(j, k, self.n, block.len)).copied().unwrap_or(PAD_LOGIT);
                row.extend((0..block.len).map(|j| mask_bit(w(j), self.threshold) > 0.0));
            }
        }
        for row in &mut bits {
            row.truncate(self.m);
        }
        (self.code.clone(), bits)
    }
}

impl Drop for Trainer {
    /// Sends the helpers home: a scope waiting for them can end (also when the run unwinds).
    fn drop(&mut self) {
        self.blocks.stop();
    }
}

/// Rockpool's forward step `floor(sigmoid(w) + 0.5) >= 1` in float32, as 0.0 or 1.0, from the
/// logit and [`bit_threshold`].
#[inline(always)]
fn mask_bit(w: f32, threshold: f32) -> f32 {
    if w >= threshold {
        1.0
    } else {
        0.0
    }
}

/// One pass over a block. `run` is `#[inline(always)]` in every implementation so that it is
/// compiled inside [`OnBlock`]'s dispatch, for the instruction set chosen there.
trait BlockPass: Send + Sync {
    fn run<S: Simd>(&self, simd: S, block: &mut Block, scratch: &mut Scratch) -> Partial;
}

/// A block pass compiled for the best instruction set the CPU has (AVX2 + FMA, else SSE2), chosen
/// at run time: the scalar loops below vectorize 8 lanes wide under AVX2. The results are the same
/// either way: the lanes do the same IEEE operations in the same order (Rust never fuses
/// `a * b + c` into an FMA on its own).
struct OnBlock<'a, P>(&'a P, &'a mut Block, &'a mut Scratch);

impl<P: BlockPass> WithSimd for OnBlock<'_, P> {
    type Output = Partial;
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> Partial {
        self.0.run(simd, self.1, self.2)
    }
}

thread_local! {
    /// Each thread's span scratch, reused for every block it runs: one set of arrays that stays
    /// in the L1 cache instead of one per block that is cold whenever its block comes round.
    static SCRATCH: std::cell::RefCell<Option<Scratch>> = const { std::cell::RefCell::new(None) };
}

struct CodeSums(usize);
impl BlockPass for CodeSums {
    #[inline(always)]
    fn run<S: Simd>(&self, simd: S, block: &mut Block, _: &mut Scratch) -> Partial {
        block.code_sums(simd, self.0)
    }
}

struct Forward(Vec<f32>, f32);
impl BlockPass for Forward {
    #[inline(always)]
    fn run<S: Simd>(&self, simd: S, block: &mut Block, scratch: &mut Scratch) -> Partial {
        block.forward(simd, &self.0, self.1, scratch)
    }
}

struct Encode<K> {
    kernel: K,
    grad_code: Vec<f32>,
    acc_k: Vec<f32>,
}
impl<K: Kernel> BlockPass for Encode<K> {
    #[inline(always)]
    fn run<S: Simd>(&self, simd: S, block: &mut Block, _: &mut Scratch) -> Partial {
        block.encoder(simd, self.kernel, &self.grad_code, &self.acc_k)
    }
}

struct Decode<K> {
    kernel: K,
    scale: Vec<f32>,
    new_code: Vec<f32>,
    acc_k: Vec<f32>,
    threshold: f32,
}
impl<K: Kernel> BlockPass for Decode<K> {
    #[inline(always)]
    fn run<S: Simd>(&self, simd: S, block: &mut Block, scratch: &mut Scratch) -> Partial {
        block.decoder(simd, self, scratch)
    }
}

/// Sums of one block in 8 float32 lanes (added in float64 at the end): `r . B_k` per code and
/// `r . r`. Each lane adds every 8th element in order, so the result depends only on the block.
struct LaneSums {
    per_code: [[f32; LANES]; MAX_BITS],
    sq: [f32; LANES],
}

impl LaneSums {
    fn new() -> LaneSums {
        LaneSums { per_code: [[0.0; LANES]; MAX_BITS], sq: [0.0; LANES] }
    }

    fn finish(&self) -> Partial {
        let total = |acc: &[f32; LANES]| acc.iter().map(|v| f64::from(*v)).sum();
        // the sums of codes past `n` stay zero: `finish_span` adds to the first `n` only
        Partial { per_code: self.per_code.each_ref().map(total), sq: total(&self.sq), acc_k: [0.0; MAX_BITS] }
    }
}

/// `acc += a * b` lane by lane over whole groups of [`LANES`], one group after the other
/// (explicit 8-wide vectors where the CPU has them, the same additions otherwise).
#[inline(always)]
fn add_products<S: Simd>(simd: S, acc: &mut [f32; LANES], a: &[f32], b: &[f32]) {
    if S::F32_LANES == LANES {
        let ((av, _), (bv, _)) = (S::as_simd_f32s(a), S::as_simd_f32s(b));
        if let Some(acc) = S::as_mut_simd_f32s(acc).0.first_mut() {
            let mut sum = *acc;
            for (x, y) in av.iter().zip(bv) {
                sum = simd.add_f32s(sum, simd.mul_f32s(*x, *y));
            }
            *acc = sum;
        }
        return;
    }
    for (ca, cb) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
        for ((s, x), y) in acc.iter_mut().zip(ca).zip(cb) {
            *s += x * y;
        }
    }
}

/// A dot product in [`LANES`] float32 lanes, added in float64.
#[inline(always)]
fn dot<S: Simd>(simd: S, a: &[f32], b: &[f32]) -> f64 {
    let mut acc = [0.0f32; LANES];
    add_products(simd, &mut acc, a, b);
    acc.iter().map(|v| f64::from(*v)).sum()
}

/// Elements per span: a block is processed span by span, every code of a span before the next
/// span, so its masks and reconstruction stay in cache (24 KiB of scratch); within a code the stages of
/// [`decode_span`] each run over the whole span, so the CPU overlaps independent elements
/// instead of waiting on one element's long chain (optimizer step, exp, division). 1024
/// float32 are 4 KiB: the span-major decoder rows (see [`span_major`]) then lie a whole number
/// of pages apart, so every code row of every span sits at its array's offset modulo 4 KiB and
/// the scratch offsets below keep clear of all of them (256-element spans measured ~7% slower on
/// 2 threads, same results).
const SPAN: usize = 1024;

/// Span-local scratch (one per thread, see `SCRATCH`; nothing in it outlives a span): the masks
/// of every code, the reconstruction, and one code row's gradient shapes and gradient. Each array
/// starts at its own offset modulo 4 KiB, chosen so that no loop stores to one array while
/// loading from another within 512 bytes of it modulo 4 KiB (see `staggered`): the block's `x`,
/// `r`, `W_dec`, `s1`, `s2` start at 0, 512, 1024, 1536 and 2048 (and so does every span and
/// code row of them: spans are 4 KiB); `p` (stored while `W_dec` is loaded) at 2560, `g` (stored while `r` and `p` are
/// loaded; loaded beside the optimizer state) at 3584, `h` (beside `W_dec` and the masks) at
/// 3072, and the masks (stored beside `W_dec` and `h`, loaded while `r` is stored) at 0, 1536,
/// 2048 and 2560.
struct Scratch {
    masks: [Staggered; MAX_BITS],
    h: Staggered,
    p: Staggered,
    g: Staggered,
}

impl Scratch {
    fn new() -> Scratch {
        let zeros = [0.0f32; SPAN];
        let at = |offset| Staggered::at(&zeros, offset);
        Scratch { masks: [0, 1536, 2048, 2560].map(at), h: at(3072), p: at(2560), g: at(3584) }
    }
}

/// The end of a span: `r = x_hat - x` and its sums with the masks, all in one loop so that
/// the sums' independent chains overlap.
#[inline(always)]
fn finish_span<S: Simd>(simd: S, n: usize, x: &[f32], r: &mut [f32], scratch: &Scratch, sums: &mut LaneSums) {
    let len = r.len();
    let h = scratch.h.get(..len).unwrap_or(&[]);
    for ((r, h), x) in r.iter_mut().zip(h).zip(x) {
        *r = h - x;
    }
    if S::F32_LANES != LANES {
        for (acc, b) in sums.per_code.iter_mut().zip(&scratch.masks).take(n) {
            add_products(simd, acc, r, b.get(..len).unwrap_or(&[]));
        }
        add_products(simd, &mut sums.sq, r, r);
        return;
    }
    let masks = scratch.masks.each_ref().map(|b| S::as_simd_f32s(b.get(..len).unwrap_or(&[])).0);
    let first = |acc: &[f32; LANES]| S::as_simd_f32s(acc).0.first().copied().unwrap_or(simd.splat_f32s(0.0));
    let mut per_code = sums.per_code.each_ref().map(first);
    let mut sq = first(&sums.sq);
    for (i, r) in S::as_simd_f32s(r).0.iter().enumerate() {
        sq = simd.add_f32s(sq, simd.mul_f32s(*r, *r));
        for (acc, b) in per_code.iter_mut().zip(&masks).take(n) {
            if let Some(b) = b.get(i) {
                *acc = simd.add_f32s(*acc, simd.mul_f32s(*r, *b));
            }
        }
    }
    for (acc, v) in sums.per_code.iter_mut().zip(per_code) {
        if let Some(slot) = S::as_mut_simd_f32s(acc).0.first_mut() {
            *slot = v;
        }
    }
    if let Some(slot) = S::as_mut_simd_f32s(&mut sums.sq).0.first_mut() {
        *slot = sq;
    }
}

/// Where element `j` of code row `k` sits in a block's decoder arrays (`n` codes, `len` elements):
/// span-major, every code row of a span together (`[span][code][element]`), so that the decoder
/// pass, which runs span by span, reads and writes each array front to back in one stream.
fn span_major(j: usize, k: usize, n: usize, len: usize) -> usize {
    let start = j / SPAN * SPAN;
    let span_len = SPAN.min(len - start);
    start * n + k * span_len + (j - start)
}

/// The spans of a span-major array (see [`span_major`]) in order, each cut into its code rows.
struct CodeSpans<'a> {
    spans: std::slice::ChunksMut<'a, f32>,
    n: usize,
}

impl<'a> CodeSpans<'a> {
    fn new(array: &'a mut [f32], n: usize) -> CodeSpans<'a> {
        CodeSpans { spans: array.chunks_mut((n * SPAN).max(1)), n }
    }

    /// The next span's code rows (empty past the `n` codes or the end).
    fn next(&mut self) -> [&'a mut [f32]; MAX_BITS] {
        let span = self.spans.next().unwrap_or_default();
        let row_len = span.len() / self.n.max(1);
        let mut rows = span.chunks_mut(row_len.max(1));
        std::array::from_fn(|_| rows.next().unwrap_or_default())
    }
}

impl Block {
    #[inline(always)]
    fn code_sums<S: Simd>(&mut self, simd: S, n: usize) -> Partial {
        let per_code = std::array::from_fn(|k| {
            let row = if k < n { self.en.w.get(k * self.len..(k + 1) * self.len) } else { None };
            row.map_or(0.0, |w| dot(simd, w, &self.x))
        });
        Partial { per_code, ..Partial::ZERO }
    }

    /// Masks, r, sum r^2 and sum r B from the current decoder logits and `code`.
    #[inline(always)]
    fn forward<S: Simd>(&mut self, simd: S, code: &[f32], threshold: f32, scratch: &mut Scratch) -> Partial {
        let n = code.len();
        let mut sums = LaneSums::new();
        let mut w_spans = CodeSpans::new(&mut self.dec.w, n);
        for (x, r) in self.x.chunks(SPAN).zip(self.r.chunks_mut(SPAN)) {
            scratch.h.iter_mut().for_each(|h| *h = 0.0);
            for ((c, w), b) in code.iter().zip(w_spans.next()).zip(scratch.masks.iter_mut()) {
                for ((b, w), h) in b.iter_mut().zip(w.iter()).zip(scratch.h.iter_mut()) {
                    *b = mask_bit(*w, threshold);
                    *h += c * *b;
                }
            }
            finish_span(simd, n, x, r, scratch, &mut sums);
        }
        sums.finish()
    }

    /// Encoder step: g = x_m * grad_code_k; returns the new codes' partial sums.
    #[inline(always)]
    fn encoder<S: Simd, K: Kernel>(&mut self, simd: S, kernel: K, grad_code: &[f32], acc_k: &[f32]) -> Partial {
        let len = self.len;
        let mut per_code = [0.0; MAX_BITS];
        let mut new_acc_k = [0.0f32; MAX_BITS];
        let mut new_acc_m = vec![0.0f32; if K::SM3 { len } else { 0 }];
        let en = &mut self.en;
        let rows = en.w.chunks_mut(len).zip(en.s1.chunks_mut(len)).zip(en.s2.chunks_mut(len));
        for (k, ((w, s1), s2)) in rows.enumerate() {
            let gk = grad_code.get(k).copied().unwrap_or(0.0);
            if K::SM3 {
                let ak = acc_k.get(k).copied().unwrap_or(0.0);
                let mut row_max = 0.0f32;
                let items = w.iter_mut().zip(s1.iter_mut()).zip(s2.iter_mut()).zip(self.x.iter());
                for ((((w, s1), s2), x), (am, nm)) in items.zip(en.acc_m.iter().zip(new_acc_m.iter_mut())) {
                    let a = kernel.step(x * gk, w, s1, s2, ak.min(*am));
                    row_max = row_max.max(a);
                    *nm = nm.max(a);
                }
                if let Some(slot) = new_acc_k.get_mut(k) {
                    *slot = row_max;
                }
                if let Some(slot) = per_code.get_mut(k) {
                    *slot = dot(simd, w, &self.x);
                }
                continue;
            }
            // one flat elementwise loop (vectorizes), then the new code's partial sum
            for (((w, s1), s2), x) in w.iter_mut().zip(s1.iter_mut()).zip(s2.iter_mut()).zip(self.x.iter()) {
                kernel.step(x * gk, w, s1, s2, 0.0);
            }
            if let Some(slot) = per_code.get_mut(k) {
                *slot = dot(simd, w, &self.x);
            }
        }
        if K::SM3 {
            en.acc_m = new_acc_m;
        }
        Partial { per_code, sq: 0.0, acc_k: new_acc_k }
    }

    /// Decoder step with the old codes' gradient scale `a_k = 2 c_k / M`, then the forward pass
    /// with the new codes, span by span.
    #[inline(always)]
    fn decoder<S: Simd, K: Kernel>(&mut self, simd: S, pass: &Decode<K>, scratch: &mut Scratch) -> Partial {
        let Decode { kernel, ref scale, ref new_code, ref acc_k, threshold } = *pass;
        let n = scale.len();
        let len = self.len;
        let mut sums = LaneSums::new();
        let mut row_max = [0.0f32; MAX_BITS];
        let mut new_acc_m = vec![0.0f32; if K::SM3 { len } else { 0 }];
        let dec = &mut self.dec;
        let (mut w_spans, mut s1_spans, mut s2_spans) =
            (CodeSpans::new(&mut dec.w, n), CodeSpans::new(&mut dec.s1, n), CodeSpans::new(&mut dec.s2, n));
        let sm3_spans = dec.acc_m.chunks(SPAN).zip(new_acc_m.chunks_mut(SPAN));
        let mut sm3_spans = sm3_spans.map(Some).chain(std::iter::repeat_with(|| None));
        for (x, r) in self.x.chunks(SPAN).zip(self.r.chunks_mut(SPAN)) {
            let mut sm3 = sm3_spans.next().flatten();
            let (w, s1, s2) = (w_spans.next(), s1_spans.next(), s2_spans.next());
            if !K::SM3 {
                let step = Coefficients { scale, code: new_code, threshold };
                decode_span(simd, kernel, &step, SpanRows { w, s1, s2 }, r, scratch);
            } else if let Some((acc_m, new_acc_m)) = sm3.as_mut() {
                scratch.h.iter_mut().for_each(|h| *h = 0.0);
                let rows = w.into_iter().zip(s1).zip(s2).zip(scratch.masks.iter_mut()).zip(row_max.iter_mut());
                for (k, ((((w, s1), s2), b), row_max)) in rows.enumerate().take(n) {
                    let ak = scale.get(k).copied().unwrap_or(0.0);
                    let ck = new_code.get(k).copied().unwrap_or(0.0);
                    let prior = acc_k.get(k).copied().unwrap_or(0.0);
                    let span = Span { w, s1, s2, b, r: &*r, h: &mut scratch.h };
                    let acc = Sm3Span { prior, acc_m, new_acc_m, row_max };
                    decode_span_sm3(kernel, [ak, ck, threshold], span, acc);
                }
            }
            finish_span(simd, n, x, r, scratch, &mut sums);
        }
        if K::SM3 {
            dec.acc_m = new_acc_m;
        }
        let mut partial = sums.finish();
        partial.acc_k = row_max;
        partial
    }
}

/// One span of one code's decoder row, with the span's residuals and the span-local mask row
/// and reconstruction.
struct Span<'a> {
    w: &'a mut [f32],
    s1: &'a mut [f32],
    s2: &'a mut [f32],
    b: &'a mut [f32],
    r: &'a [f32],
    h: &'a mut [f32],
}

/// The per-code numbers of a decoder step.
struct Coefficients<'a> {
    /// `a_k = 2 c_k / M` with the old codes: the gradient's scale.
    scale: &'a [f32],
    /// The new codes, for the reconstruction.
    code: &'a [f32],
    threshold: f32,
}

/// One span of every code row of the decoder's parameter and optimizer states.
struct SpanRows<'a> {
    w: [&'a mut [f32]; MAX_BITS],
    s1: [&'a mut [f32]; MAX_BITS],
    s2: [&'a mut [f32]; MAX_BITS],
}

/// The decoder step of one span (every optimizer but SM3), code by code and stage by stage: the
/// gradient shapes from the logits before the step, the gradient, the optimizer step, the masks and
/// the reconstruction. Each stage runs over the whole span before the next starts, so the CPU
/// overlaps independent elements instead of waiting on one element's long chain (exp, division,
/// square root): the sigmoid in the same loop as the rest measured slower. Kernels with a vector
/// step run everything after the sigmoid in explicit SIMD vectors ([`step_span_lanes`]).
#[inline(always)]
fn decode_span<S: Simd, K: Kernel>(
    simd: S,
    kernel: K,
    c: &Coefficients<'_>,
    rows: SpanRows<'_>,
    r: &[f32],
    scratch: &mut Scratch,
) {
    let SpanRows { w, s1, s2 } = rows;
    let coefficients = c.scale.iter().zip(c.code);
    let rows = w.into_iter().zip(s1).zip(s2).zip(scratch.masks.iter_mut()).zip(coefficients);
    for (k, ((((w, s1), s2), b), (ak, ck))) in rows.enumerate() {
        // the first code row sets the reconstruction, the others add to it
        let first = k == 0;
        shape_span(&mut scratch.p, w);
        if K::LANES && S::F32_LANES == LANES {
            let span = Span { w, s1, s2, b, r, h: &mut scratch.h };
            step_span_lanes(simd, kernel, [*ak, *ck, c.threshold], span, &mut scratch.p, first);
            continue;
        }
        gradient(*ak, r, &scratch.p, &mut scratch.g);
        for (((g, w), s1), s2) in scratch.g.iter().zip(w.iter_mut()).zip(s1.iter_mut()).zip(s2.iter_mut()) {
            kernel.step(*g, w, s1, s2, 0.0);
        }
        for ((b, w), h) in b.iter_mut().zip(w.iter()).zip(scratch.h.iter_mut()) {
            *b = mask_bit(*w, c.threshold);
            *h = if first { 0.0 } else { *h } + ck * *b;
        }
    }
}

/// The rest of [`decode_span`] for one code row in explicit SIMD vectors, for kernels with
/// [`Kernel::LANES`], the same operations as the scalar loops (so the same results). Two loops:
/// the gradient from the shapes `p` and the new states, with the step's denominator stored in
/// place of `p` (bound by the square root), then the division, the masks and the reconstruction
/// (bound by the division). One loop for both measured ~5% slower on 2 threads: its longer chain
/// per element left fewer elements in flight.
#[inline(always)]
fn step_span_lanes<S: Simd, K: Kernel>(
    simd: S,
    kernel: K,
    [a, ck, threshold]: [f32; 3],
    span: Span<'_>,
    p: &mut [f32],
    first: bool,
) {
    let Span { w, s1, s2, b, r, h } = span;
    let len = w.len();
    let (p, r) = (p.get_mut(..len).unwrap_or_default(), r.get(..len).unwrap_or_default());
    let (b, h) = (b.get_mut(..len).unwrap_or_default(), h.get_mut(..len).unwrap_or_default());
    let av = simd.splat_f32s(a);
    let ((wv, w), (s1v, s1), (s2v, s2)) = (S::as_mut_simd_f32s(w), S::as_mut_simd_f32s(s1), S::as_mut_simd_f32s(s2));
    let ((pv, p), (rv, r)) = (S::as_mut_simd_f32s(p), S::as_simd_f32s(r));
    let ((bv, b), (hv, h)) = (S::as_mut_simd_f32s(b), S::as_mut_simd_f32s(h));
    for (((p, r), s1), s2) in pv.iter_mut().zip(rv.iter()).zip(s1v.iter_mut()).zip(s2v.iter_mut()) {
        *p = kernel.moments_lanes(simd, simd.mul_f32s(simd.mul_f32s(av, *r), *p), s1, s2);
    }
    let rows = VectorRows { w: wv, m: s1v, den: pv, b: bv, h: hv };
    // the first row sets `h` (no load of it, and no zeroing beforehand), the others add to it
    if first {
        apply_span(simd, kernel, [ck, threshold], rows, |_| simd.splat_f32s(0.0));
    } else {
        apply_span(simd, kernel, [ck, threshold], rows, |h| *h);
    }
    // whole vectors cover a span (blocks are a multiple of 8 long); this is for form's sake
    let params = w.iter_mut().zip(s1.iter_mut()).zip(s2.iter_mut());
    for (((w, s1), s2), (((p, r), b), h)) in params.zip(p.iter().zip(r).zip(b.iter_mut()).zip(h.iter_mut())) {
        kernel.step(a * r * p, w, s1, s2, 0.0);
        *b = mask_bit(*w, threshold);
        *h = if first { 0.0 } else { *h } + ck * *b;
    }
}

/// One code row of a span as SIMD vectors, after [`Kernel::moments_lanes`]: the logits, the first
/// state, the step's denominators, the masks and the reconstruction.
struct VectorRows<'a, V> {
    w: &'a mut [V],
    m: &'a [V],
    den: &'a [V],
    b: &'a mut [V],
    h: &'a mut [V],
}

/// The second loop of [`step_span_lanes`]: the parameter step, the mask and `h = base(h) + c_k b`.
/// Selecting c_k or +0.0 adds what `c_k * b` adds: c_k * 1.0 = c_k, and c_k * 0.0 is a zero,
/// which leaves h alone (h starts at +0.0, and a sum that starts there is never -0.0).
#[inline(always)]
fn apply_span<S: Simd, K: Kernel>(
    simd: S,
    kernel: K,
    [ck, threshold]: [f32; 2],
    rows: VectorRows<'_, S::f32s>,
    base: impl Fn(&S::f32s) -> S::f32s,
) {
    let (one, zero, ckv, thresholdv) =
        (simd.splat_f32s(1.0), simd.splat_f32s(0.0), simd.splat_f32s(ck), simd.splat_f32s(threshold));
    let VectorRows { w, m, den, b, h } = rows;
    let rest = m.iter().zip(den).zip(b.iter_mut()).zip(h.iter_mut());
    for (w, (((m, den), b), h)) in w.iter_mut().zip(rest) {
        kernel.apply_lanes(simd, w, *m, *den);
        let set = simd.greater_than_or_equal_f32s(*w, thresholdv);
        *b = simd.select_f32s(set, one, zero);
        *h = simd.add_f32s(base(h), simd.select_f32s(set, ckv, zero));
    }
}

/// `g = a * r * shape` with `shape = p^2 (1 - p)` from [`shape_span`]: the decoder gradient of one
/// span of one code row.
#[inline(always)]
fn gradient(a: f32, r: &[f32], shape: &[f32], g: &mut [f32]) {
    for ((g, r), shape) in g.iter_mut().zip(r).zip(shape) {
        *g = a * r * *shape;
    }
}

/// SM3's accumulators for one span of one code row.
struct Sm3Span<'a> {
    /// The row's accumulator before the step.
    prior: f32,
    /// Per element, before the step and (the maximum over the codes so far) after it.
    acc_m: &'a [f32],
    new_acc_m: &'a mut [f32],
    /// The maximum of the row's new accumulators so far.
    row_max: &'a mut f32,
}

/// [`decode_span`] for SM3, element by element: its step needs `min(row, column)` accumulators
/// and yields the new ones.
#[inline(always)]
fn decode_span_sm3<K: Kernel>(kernel: K, [ak, ck, threshold]: [f32; 3], s: Span<'_>, acc: Sm3Span<'_>) {
    let Span { w, s1, s2, b, r, h } = s;
    let Sm3Span { prior, acc_m, new_acc_m, row_max } = acc;
    let items = w.iter_mut().zip(s1.iter_mut()).zip(s2.iter_mut()).zip(b.iter_mut());
    let more = r.iter().zip(h.iter_mut()).zip(acc_m.iter().zip(new_acc_m.iter_mut()));
    for ((((w, s1), s2), b), ((r, h), (am, nm))) in items.zip(more) {
        let g = ak * r * gradient_shape(sigmoid_f32(*w));
        let a = kernel.step(g, w, s1, s2, prior.min(*am));
        *row_max = row_max.max(a);
        *nm = nm.max(a);
        *b = mask_bit(*w, threshold);
        *h += ck * *b;
    }
}

/// The gradient shapes `p^2 (1 - p)` of `p = sigmoid(w)`, [`SIGMOID_LANES`] values at a time
/// through [`gradient_shape_lanes`] (`p` may be longer than `w`). Operation by operation over
/// several vectors' worth of lanes measured faster than the same operations written vector by
/// vector with explicit SIMD.
#[inline(always)]
fn shape_span(p: &mut [f32], w: &[f32]) {
    let p = p.get_mut(..w.len()).unwrap_or_default();
    let mut ps = p.chunks_exact_mut(SIGMOID_LANES);
    let mut ws = w.chunks_exact(SIGMOID_LANES);
    for (p, w) in ps.by_ref().zip(ws.by_ref()) {
        if let Ok(w) = <&[f32; SIGMOID_LANES]>::try_from(w) {
            p.copy_from_slice(&gradient_shape_lanes(w));
        }
    }
    for (p, w) in ps.into_remainder().iter_mut().zip(ws.remainder()) {
        *p = gradient_shape(sigmoid_f32(*w));
    }
}

/// Lanes per [`gradient_shape_lanes`] call: eight AVX2 vectors, eight independent chains in flight
/// (on 2 threads ~4% faster than four, median of 24 adjacent pairs; 16 or 24 lanes ~30% slower).
const SIGMOID_LANES: usize = 64;

/// One epoch with a concrete kernel.
struct EpochPass<'a> {
    trainer: &'a mut Trainer,
    /// The codes after this step when the encoder update is factored.
    new_code: Option<Vec<f64>>,
}

impl Visit for EpochPass<'_> {
    type Out = ();
    fn visit<K: Kernel>(self, kernel: K) {
        let t = self.trainer;
        let m = t.m.max(1) as f64;
        let scale: Vec<f32> = t.code.iter().map(|c| (2.0 / m * c) as f32).collect();
        if let Some(code) = self.new_code {
            t.code = code;
        } else {
            let grad_code: Vec<f32> = t.grad_code.iter().map(|g| *g as f32).collect();
            let enc = t.sum_blocks(Encode { kernel, grad_code, acc_k: t.acc_k_en.clone() });
            t.code = leading(&enc.per_code, t.n);
            if K::SM3 {
                t.acc_k_en = leading(&enc.acc_k, t.n);
            }
        }
        let new_code: Vec<f32> = t.code.iter().map(|c| *c as f32).collect();
        let dec = t.sum_blocks(Decode { kernel, scale, new_code, acc_k: t.acc_k_dec.clone(), threshold: t.threshold });
        if K::SM3 {
            t.acc_k_dec = leading(&dec.acc_k, t.n);
        }
        t.finish_forward(&dec);
    }
}
