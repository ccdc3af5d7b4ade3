//! Full-batch training of one cluster's autoencoder, fused into two passes per epoch.
//!
//! The flat weights are cut into blocks of at most [`BLOCK`] elements (a multiple of 8; the last
//! block padded with weights that cannot move: `x = 0`, decoder logit -1e30). Each block owns its
//! slice of every parameter and optimizer state, so a pass is a parallel map over blocks whose
//! partial sums are added in block order: the block layout depends only on M, so results are the
//! same at any thread count.
//!
//! Per epoch (step index `i`), starting from `c`, `p = sigmoid(W_dec)` and `r = x_hat - x`:
//! 1. the loss of this epoch is recorded (Rockpool records it before the update);
//! 2. encoder pass: `g = x_m * dL/dc_k`, optimizer step, partial sums of the new codes;
//! 3. decoder pass: `g = (2/M) c_k r_m p^2 (1 - p)` with the old codes, optimizer step, new `p`,
//!    new masks, `x_hat` with the new codes, new residuals and the partial sums of the next
//!    epoch's loss and code gradient.
//!
//! Parameters and states are float32 like Rockpool's; reductions are added in float64.

use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

use super::encoder::{Factored, Moments};
use super::model::{penalty_negative, penalty_slope, sigmoid_f32, sigmoid_lanes};
use super::optimizers::{Kernel, Optimizer, Visit};
use super::schedule::Schedule;

/// Elements per block.
pub const BLOCK: usize = 2048;
/// Decoder logit of a padding element: sigmoid 0, so its mask bit is never set.
const PAD_LOGIT: f32 = -1e30;
const LANES: usize = 8;

/// One block of the flat weights with everything the two passes touch.
struct Block {
    len: usize,
    x: Vec<f32>,
    r: Vec<f32>,
    x_hat: Vec<f32>,
    /// `B = step(p)` as 0.0 / 1.0, code-major.
    mask: Vec<f32>,
    /// Code-major: element (k, j) at `k * len + j`.
    en: Param,
    dec: Param,
    /// `sigmoid(W_dec)`, code-major.
    p: Vec<f32>,
}

/// One parameter's block with its optimizer state.
struct Param {
    w: Vec<f32>,
    s1: Vec<f32>,
    s2: Vec<f32>,
    /// SM3's per-weight accumulator (one per flat weight, shared by the n codes).
    acc_m: Vec<f32>,
}

impl Param {
    fn new(w: Vec<f32>, len: usize) -> Param {
        let size = w.len();
        Param { w, s1: vec![0.0; size], s2: vec![0.0; size], acc_m: vec![0.0; len] }
    }
}

/// Block sums returned by a pass.
#[derive(Clone)]
struct Partial {
    /// Per code: encoder pass: sum x_m W_en; decoder pass: sum r_m B_km.
    per_code: Vec<f64>,
    /// Decoder pass: sum r_m^2.
    sq: f64,
    /// SM3: per code, the max of this block's new accumulators.
    acc_k: Vec<f32>,
}

/// The trainer's whole state.
pub struct Trainer {
    n: usize,
    m: usize,
    blocks: Vec<Block>,
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
                        if let (Some(slot), Some(v)) = (dec.get_mut(k * block + j), w_dec.get(k * m + g)) {
                            *slot = *v;
                        }
                    }
                }
                let p = dec.iter().map(|w| sigmoid_f32(*w)).collect();
                Block {
                    len: block,
                    x: bx,
                    r: vec![0.0; block],
                    x_hat: vec![0.0; block],
                    mask: vec![0.0; n * block],
                    en: Param::new(en, block),
                    dec: Param::new(dec, block),
                    p,
                }
            })
            .collect();
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
        };
        trainer.code = trainer.sum_blocks(&CodeSums(n)).per_code;
        if trainer.factored.is_some() {
            // only the codes are needed from here on
            trainer.blocks.iter_mut().for_each(|b| b.en = Param::new(Vec::new(), 0));
        }
        let code: Vec<f32> = trainer.code.iter().map(|c| *c as f32).collect();
        let partial = trainer.sum_blocks(&Forward(&code));
        trainer.finish_forward(&partial);
        trainer
    }

    /// Runs a closure on every block (in parallel when there are several) and adds the partial
    /// sums in block order.
    fn sum_blocks<P: BlockPass>(&mut self, pass: &P) -> Partial {
        let arch = self.arch;
        let run = |block: &mut Block| arch.dispatch(OnBlock(pass, block));
        let parts: Vec<Partial> = if self.blocks.len() > 1 {
            self.blocks.par_iter_mut().map(run).collect()
        } else {
            self.blocks.iter_mut().map(run).collect()
        };
        let n = self.n;
        let mut total = Partial { per_code: vec![0.0; n], sq: 0.0, acc_k: vec![0.0; n] };
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
        for block in &self.blocks {
            for (k, row) in bits.iter_mut().enumerate() {
                let p = block.p.get(k * block.len..(k + 1) * block.len).unwrap_or(&[]);
                row.extend(p.iter().map(|p| mask_bit(*p) > 0.0));
            }
        }
        for row in &mut bits {
            row.truncate(self.m);
        }
        (self.code.clone(), bits)
    }
}

/// Rockpool's forward step: `floor(p + 0.5) >= 1`, as 0.0 or 1.0.
#[inline(always)]
fn mask_bit(p: f32) -> f32 {
    if p + 0.5 >= 1.0 {
        1.0
    } else {
        0.0
    }
}

/// One pass over a block. `run` is `#[inline(always)]` in every implementation so that it is
/// compiled inside [`OnBlock`]'s dispatch, for the instruction set chosen there.
trait BlockPass: Sync {
    fn run(&self, block: &mut Block) -> Partial;
}

/// A block pass compiled for the best instruction set the CPU has (AVX2 + FMA, else SSE2), chosen
/// at run time: the scalar loops below vectorize 8 lanes wide under AVX2. The results are the same
/// either way: the lanes do the same IEEE operations in the same order (Rust never fuses
/// `a * b + c` into an FMA on its own).
struct OnBlock<'a, P>(&'a P, &'a mut Block);

impl<P: BlockPass> WithSimd for OnBlock<'_, P> {
    type Output = Partial;
    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> Partial {
        self.0.run(self.1)
    }
}

struct CodeSums(usize);
impl BlockPass for CodeSums {
    #[inline(always)]
    fn run(&self, block: &mut Block) -> Partial {
        block.code_sums(self.0)
    }
}

struct Forward<'a>(&'a [f32]);
impl BlockPass for Forward<'_> {
    #[inline(always)]
    fn run(&self, block: &mut Block) -> Partial {
        block.forward(self.0)
    }
}

struct Encode<'a, K> {
    kernel: K,
    grad_code: &'a [f32],
    acc_k: &'a [f32],
}
impl<K: Kernel> BlockPass for Encode<'_, K> {
    #[inline(always)]
    fn run(&self, block: &mut Block) -> Partial {
        block.encoder(self.kernel, self.grad_code, self.acc_k)
    }
}

struct Decode<'a, K> {
    kernel: K,
    scale: &'a [f32],
    new_code: &'a [f32],
    acc_k: &'a [f32],
}
impl<K: Kernel> BlockPass for Decode<'_, K> {
    #[inline(always)]
    fn run(&self, block: &mut Block) -> Partial {
        block.decoder(self.kernel, self.scale, self.new_code, self.acc_k)
    }
}

/// A dot product in 8 float32 lanes, added in float64.
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f64 {
    let mut acc = [0.0f32; LANES];
    for (ca, cb) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
        for ((s, x), y) in acc.iter_mut().zip(ca).zip(cb) {
            *s += x * y;
        }
    }
    acc.iter().map(|v| f64::from(*v)).sum()
}

impl Block {
    #[inline(always)]
    fn code_sums(&mut self, n: usize) -> Partial {
        let per_code =
            (0..n).map(|k| self.en.w.get(k * self.len..(k + 1) * self.len).map_or(0.0, |w| dot(w, &self.x))).collect();
        Partial { per_code, sq: 0.0, acc_k: vec![0.0; n] }
    }

    /// Masks, x_hat, r, sum r^2 and sum r B from the current `p` and `code`.
    #[inline(always)]
    fn forward(&mut self, code: &[f32]) -> Partial {
        self.x_hat.iter_mut().for_each(|v| *v = 0.0);
        let rows = self.p.chunks(self.len).zip(self.mask.chunks_mut(self.len));
        for ((p, mask), c) in rows.zip(code) {
            for ((b, p), h) in mask.iter_mut().zip(p).zip(self.x_hat.iter_mut()) {
                *b = mask_bit(*p);
                *h += c * *b;
            }
        }
        self.residuals()
    }

    /// r = x_hat - x and the sums of the next loss and code gradient.
    #[inline(always)]
    fn residuals(&mut self) -> Partial {
        for ((r, h), x) in self.r.iter_mut().zip(&self.x_hat).zip(&self.x) {
            *r = h - x;
        }
        // a plain loop, not a closure: the dots stay inside the dispatched pass
        let mut per_code = Vec::with_capacity(self.mask.len() / self.len.max(1));
        for b in self.mask.chunks(self.len) {
            per_code.push(dot(&self.r, b));
        }
        Partial { per_code, sq: dot(&self.r, &self.r), acc_k: Vec::new() }
    }

    /// Encoder step: g = x_m * grad_code_k; returns the new codes' partial sums.
    #[inline(always)]
    fn encoder<K: Kernel>(&mut self, kernel: K, grad_code: &[f32], acc_k: &[f32]) -> Partial {
        let n = grad_code.len();
        let len = self.len;
        let mut per_code = vec![0.0; n];
        let mut new_acc_k = vec![0.0f32; n];
        let mut new_acc_m = vec![0.0f32; if K::SM3 { len } else { 0 }];
        let en = &mut self.en;
        let rows = en.w.chunks_mut(len).zip(en.s1.chunks_mut(len)).zip(en.s2.chunks_mut(len));
        for (k, ((w, s1), s2)) in rows.enumerate() {
            let gk = grad_code.get(k).copied().unwrap_or(0.0);
            if K::SM3 {
                let ak = acc_k.get(k).copied().unwrap_or(0.0);
                let mut row_max = 0.0f32;
                let items = w.iter_mut().zip(s1.iter_mut()).zip(s2.iter_mut()).zip(&self.x);
                for ((((w, s1), s2), x), (am, nm)) in items.zip(en.acc_m.iter().zip(new_acc_m.iter_mut())) {
                    let a = kernel.step(x * gk, w, s1, s2, ak.min(*am));
                    row_max = row_max.max(a);
                    *nm = nm.max(a);
                }
                if let Some(slot) = new_acc_k.get_mut(k) {
                    *slot = row_max;
                }
                if let Some(slot) = per_code.get_mut(k) {
                    *slot = dot(w, &self.x);
                }
                continue;
            }
            // one flat elementwise loop (vectorizes), then the new code's partial sum
            for (((w, s1), s2), x) in w.iter_mut().zip(s1.iter_mut()).zip(s2.iter_mut()).zip(&self.x) {
                kernel.step(x * gk, w, s1, s2, 0.0);
            }
            if let Some(slot) = per_code.get_mut(k) {
                *slot = dot(w, &self.x);
            }
        }
        if K::SM3 {
            en.acc_m = new_acc_m;
        }
        Partial { per_code, sq: 0.0, acc_k: new_acc_k }
    }

    /// Decoder step with the old codes' gradient scale `a_k = 2 c_k / M`, then the forward pass
    /// with the new codes.
    #[inline(always)]
    fn decoder<K: Kernel>(&mut self, kernel: K, scale: &[f32], new_code: &[f32], acc_k: &[f32]) -> Partial {
        let n = scale.len();
        let len = self.len;
        let mut new_acc_k = vec![0.0f32; n];
        let mut new_acc_m = vec![0.0f32; if K::SM3 { len } else { 0 }];
        self.x_hat.iter_mut().for_each(|v| *v = 0.0);
        let dec = &mut self.dec;
        let rows = dec.w.chunks_mut(len).zip(dec.s1.chunks_mut(len)).zip(dec.s2.chunks_mut(len));
        let rows = rows.zip(self.p.chunks_mut(len)).zip(self.mask.chunks_mut(len));
        for (k, ((((w, s1), s2), p), mask)) in rows.enumerate() {
            let ak = scale.get(k).copied().unwrap_or(0.0);
            let ck = new_code.get(k).copied().unwrap_or(0.0);
            if K::SM3 {
                let prior_k = acc_k.get(k).copied().unwrap_or(0.0);
                let mut row_max = 0.0f32;
                let items = w.iter_mut().zip(s1.iter_mut()).zip(s2.iter_mut()).zip(p.iter_mut());
                let items = items.zip(mask.iter_mut());
                let more = self.r.iter().zip(self.x_hat.iter_mut()).zip(dec.acc_m.iter().zip(new_acc_m.iter_mut()));
                for (((((w, s1), s2), p), b), ((r, h), (am, nm))) in items.zip(more) {
                    let g = ak * r * (*p * *p * (1.0 - *p));
                    let a = kernel.step(g, w, s1, s2, prior_k.min(*am));
                    row_max = row_max.max(a);
                    *nm = nm.max(a);
                    *p = sigmoid_f32(*w);
                    *b = mask_bit(*p);
                    *h += ck * *b;
                }
                if let Some(slot) = new_acc_k.get_mut(k) {
                    *slot = row_max;
                }
                continue;
            }
            let spans = w.chunks_mut(SPAN).zip(s1.chunks_mut(SPAN)).zip(s2.chunks_mut(SPAN));
            let spans = spans.zip(p.chunks_mut(SPAN)).zip(mask.chunks_mut(SPAN));
            let more = self.r.chunks(SPAN).zip(self.x_hat.chunks_mut(SPAN));
            for (((((w, s1), s2), p), b), (r, h)) in spans.zip(more) {
                decode_span(kernel, ak, ck, Span { w, s1, s2, p, b, r, h });
            }
        }
        if K::SM3 {
            dec.acc_m = new_acc_m;
        }
        let mut partial = self.residuals();
        partial.acc_k = new_acc_k;
        partial
    }
}

/// Elements per decoder span: each stage of [`decode_span`] runs over the whole span before the
/// next starts, so the CPU overlaps the independent elements of a stage instead of waiting on
/// one element's long chain (optimizer step, exp, division).
const SPAN: usize = 256;

/// One span of one code's decoder row and the shared per-element arrays (all the same length).
struct Span<'a> {
    w: &'a mut [f32],
    s1: &'a mut [f32],
    s2: &'a mut [f32],
    p: &'a mut [f32],
    b: &'a mut [f32],
    r: &'a [f32],
    h: &'a mut [f32],
}

/// The decoder step of one span, stage by stage: gradient and optimizer step, new
/// probabilities, masks and the reconstruction.
#[inline(always)]
fn decode_span<K: Kernel>(kernel: K, ak: f32, ck: f32, s: Span<'_>) {
    let Span { w, s1, s2, p, b, r, h } = s;
    let mut g = [0.0f32; SPAN];
    for ((g, r), p) in g.iter_mut().zip(r).zip(p.iter()) {
        *g = ak * r * (*p * *p * (1.0 - *p));
    }
    for (((g, w), s1), s2) in g.iter().zip(w.iter_mut()).zip(s1.iter_mut()).zip(s2.iter_mut()) {
        kernel.step(*g, w, s1, s2, 0.0);
    }
    sigmoid_span(p, w);
    for (((b, p), h), _) in b.iter_mut().zip(p.iter()).zip(h.iter_mut()).zip(r) {
        *b = mask_bit(*p);
        *h += ck * *b;
    }
}

/// `p = sigmoid(w)`, [`SIGMOID_LANES`] values at a time through [`sigmoid_lanes`].
#[inline(always)]
fn sigmoid_span(p: &mut [f32], w: &[f32]) {
    let mut ps = p.chunks_exact_mut(SIGMOID_LANES);
    let mut ws = w.chunks_exact(SIGMOID_LANES);
    for (p, w) in ps.by_ref().zip(ws.by_ref()) {
        if let Ok(w) = <&[f32; SIGMOID_LANES]>::try_from(w) {
            p.copy_from_slice(&sigmoid_lanes(w));
        }
    }
    for (p, w) in ps.into_remainder().iter_mut().zip(ws.remainder()) {
        *p = sigmoid_f32(*w);
    }
}

/// Lanes per [`sigmoid_lanes`] call: four AVX2 vectors.
const SIGMOID_LANES: usize = 32;

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
            let acc_en = t.acc_k_en.clone();
            let enc = t.sum_blocks(&Encode { kernel, grad_code: &grad_code, acc_k: &acc_en });
            t.code = enc.per_code;
            if K::SM3 {
                t.acc_k_en = enc.acc_k;
            }
        }
        let new_code: Vec<f32> = t.code.iter().map(|c| *c as f32).collect();
        let acc_dec = t.acc_k_dec.clone();
        let dec = t.sum_blocks(&Decode { kernel, scale: &scale, new_code: &new_code, acc_k: &acc_dec });
        if K::SM3 {
            t.acc_k_dec = dec.acc_k.clone();
        }
        t.finish_forward(&dec);
    }
}
