//! The optimizers of `jax.example_libraries.optimizers`, formula for formula, in float32 as
//! Rockpool runs them.
//!
//! Every optimizer but SM3 is elementwise, so one step is a [`Kernel`] applied to each parameter
//! with its own state (`s1`, `s2`). SM3 keeps, for a 2-D parameter, one accumulator per row and
//! one per column: an element's prior is `min(row, col)`, and the new row/column accumulators are
//! the maxima of the elements' new ones. The training loop fuses these kernels into its passes;
//! [`Optimizer::update`] applies one step to a whole 2-D leaf (what jax's `update_fun` does).

use pulp::Simd;

use super::problem::{range, Interval, Problem, ProblemKind};
use super::schedule::Schedule;

/// An optimizer with its hyper-parameters (jax's names and defaults).
#[derive(Debug, Clone, PartialEq)]
pub enum Optimizer {
    Sgd,
    Momentum { mass: f64 },
    Nesterov { mass: f64 },
    Adagrad { momentum: f64 },
    Rmsprop { gamma: f64, eps: f64 },
    RmspropMomentum { gamma: f64, eps: f64, momentum: f64 },
    Adam { b1: f64, b2: f64, eps: f64 },
    Adamax { b1: f64, b2: f64, eps: f64 },
    Sm3 { momentum: f64 },
}

/// The names accepted in `.dyn` files, as jax spells them.
pub const NAMES: &[&str] =
    &["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "rmsprop_momentum", "adam", "adamax", "sm3"];

/// One `opt_params` entry: jax's default (`None`: the user must give it) and the values for which
/// jax's update neither divides by zero nor grows without bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    pub name: &'static str,
    pub default: Option<f64>,
    pub allowed: Interval,
    /// Why the range: the formula it protects, for the help line.
    pub why: &'static str,
}

const fn param(name: &'static str, default: Option<f64>, allowed: Interval, why: &'static str) -> Param {
    Param { name, default, allowed, why }
}

const MASS: Param = param(
    "mass",
    None,
    Interval::FRACTION,
    "jax updates `velocity = mass * velocity + g`: from 1 up the velocity never forgets a gradient and grows \
     without bound, below 0 it flips sign every step; e.g. `mass = 0.9`",
);
const AVERAGE_MOMENTUM: Param = param(
    "momentum",
    Some(0.9),
    Interval::FRACTION,
    "jax averages `m = (1 - momentum) * step + momentum * m`: at 1 the update is always zero, outside [0, 1) \
     it is no average and grows without bound; e.g. `momentum = 0.9`",
);
const GAMMA: Param = param(
    "gamma",
    Some(0.9),
    Interval::FRACTION,
    "jax averages `avg = gamma * avg + (1 - gamma) * g^2`: at 1 the average stays 0 and every step divides by \
     sqrt(eps), outside [0, 1) it is no average; e.g. `gamma = 0.9`",
);
const RMS_EPS: Param = param(
    "eps",
    Some(1e-8),
    Interval::POSITIVE,
    "jax divides by `sqrt(avg + eps)`: with `eps = 0` an element whose gradient is zero gets 0/0 = NaN; \
     e.g. `eps = 1e-8`",
);
const HEAVY_BALL: Param = param(
    "momentum",
    Some(0.9),
    Interval::FRACTION,
    "jax accumulates `mom = momentum * mom + step`: from 1 up the steps add up without bound; \
     e.g. `momentum = 0.9`",
);
const B1: Param = param(
    "b1",
    Some(0.9),
    Interval::FRACTION,
    "jax divides by the bias correction `1 - b1^(i + 1)`, which is 0 at `b1 = 1`; `b1` is a moving-average \
     coefficient in [0, 1), e.g. `b1 = 0.9`",
);
const ADAM_B2: Param = param(
    "b2",
    Some(0.999),
    Interval::FRACTION,
    "jax divides by `sqrt(1 - b2^(i + 1))`, which is 0 at `b2 = 1`; `b2` is a moving-average coefficient in \
     [0, 1), e.g. `b2 = 0.999`",
);
const ADAMAX_B2: Param = param(
    "b2",
    Some(0.999),
    Interval::UNIT,
    "jax keeps `u = max(b2 * u, |g|)`: above 1 `u` grows without bound and the steps vanish, below 0 it is \
     no norm; e.g. `b2 = 0.999`",
);
const ADAM_EPS: Param = param(
    "eps",
    Some(1e-8),
    Interval::POSITIVE,
    "jax divides by `sqrt(v) + eps` (adamax: `u + eps`): with `eps = 0` an element whose gradient is zero \
     gets 0/0 = NaN; e.g. `eps = 1e-8`",
);

/// The extra parameters each optimizer takes (`opt_params { ... }`), in [`NAMES`] order.
pub const PARAMS: &[(&str, &[Param])] = &[
    ("sgd", &[]),
    ("momentum", &[MASS]),
    ("nesterov", &[MASS]),
    ("adagrad", &[AVERAGE_MOMENTUM]),
    ("rmsprop", &[GAMMA, RMS_EPS]),
    ("rmsprop_momentum", &[GAMMA, RMS_EPS, HEAVY_BALL]),
    ("adam", &[B1, ADAM_B2, ADAM_EPS]),
    ("adamax", &[B1, ADAMAX_B2, ADAM_EPS]),
    ("sm3", &[AVERAGE_MOMENTUM]),
];

/// The parameters optimizer `name` takes, if it exists.
pub fn params_of(name: &str) -> Option<&'static [Param]> {
    PARAMS.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
}

impl Optimizer {
    /// Builds an optimizer from its name and `opt_params` (missing ones take jax's defaults);
    /// `None` for an unknown name, a missing `mass` or a parameter out of range.
    pub fn from_name(name: &str, param: impl Fn(&str) -> Option<f64>) -> Option<Optimizer> {
        Optimizer::build(name, param).ok()
    }

    /// Builds an optimizer from its name and `opt_params`, or says everything that is wrong with
    /// them: an unknown name, a missing required parameter, values out of range. Parameters the
    /// optimizer does not take are ignored here (the checker reports them as unknown fields).
    pub fn build(name: &str, param: impl Fn(&str) -> Option<f64>) -> Result<Optimizer, Vec<Problem>> {
        let Some(specs) = params_of(name) else {
            return Err(vec![Problem {
                kind: ProblemKind::Unknown,
                argument: "optimizer",
                message: format!("there is no optimizer `{name}`"),
                label: "unknown optimizer".into(),
                help: format!("optimizers: {}", NAMES.join(", ")),
            }]);
        };
        let value = |p: &Param| param(p.name).or(p.default);
        let mut problems = Vec::new();
        for p in specs {
            match value(p) {
                None => problems.push(Problem {
                    kind: ProblemKind::Arguments,
                    argument: p.name,
                    message: format!("optimizer `{name}` needs `{}`", p.name),
                    label: format!("`{name}` has no default `{}`", p.name),
                    help: format!("add e.g. `opt_params {{ {} = 0.9 }}`: jax's `{name}` has no default for it", p.name),
                }),
                Some(v) => problems.extend(range(p.name, p.name, v, p.allowed, p.why)),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        // Every value exists now (given or defaulted); 0.0 is never used.
        let or = |n: &str| specs.iter().find(|p| p.name == n).and_then(value).unwrap_or(0.0);
        Ok(match name {
            "momentum" => Optimizer::Momentum { mass: or("mass") },
            "nesterov" => Optimizer::Nesterov { mass: or("mass") },
            "adagrad" => Optimizer::Adagrad { momentum: or("momentum") },
            "rmsprop" => Optimizer::Rmsprop { gamma: or("gamma"), eps: or("eps") },
            "rmsprop_momentum" => {
                Optimizer::RmspropMomentum { gamma: or("gamma"), eps: or("eps"), momentum: or("momentum") }
            }
            "adam" => Optimizer::Adam { b1: or("b1"), b2: or("b2"), eps: or("eps") },
            "adamax" => Optimizer::Adamax { b1: or("b1"), b2: or("b2"), eps: or("eps") },
            "sm3" => Optimizer::Sm3 { momentum: or("momentum") },
            _ => Optimizer::Sgd,
        })
    }

    /// Everything wrong with this optimizer's values (for library users who build it by hand).
    pub fn problems(&self) -> Vec<Problem> {
        Optimizer::build(self.name(), |p| self.param(p)).err().unwrap_or_default()
    }

    /// jax's name of the optimizer.
    pub fn name(&self) -> &'static str {
        match self {
            Optimizer::Sgd => "sgd",
            Optimizer::Momentum { .. } => "momentum",
            Optimizer::Nesterov { .. } => "nesterov",
            Optimizer::Adagrad { .. } => "adagrad",
            Optimizer::Rmsprop { .. } => "rmsprop",
            Optimizer::RmspropMomentum { .. } => "rmsprop_momentum",
            Optimizer::Adam { .. } => "adam",
            Optimizer::Adamax { .. } => "adamax",
            Optimizer::Sm3 { .. } => "sm3",
        }
    }

    /// A hyper-parameter by jax's name.
    pub fn param(&self, name: &str) -> Option<f64> {
        match (self, name) {
            (Optimizer::Momentum { mass } | Optimizer::Nesterov { mass }, "mass") => Some(*mass),
            (
                Optimizer::Adagrad { momentum }
                | Optimizer::Sm3 { momentum }
                | Optimizer::RmspropMomentum { momentum, .. },
                "momentum",
            ) => Some(*momentum),
            (Optimizer::Rmsprop { gamma, .. } | Optimizer::RmspropMomentum { gamma, .. }, "gamma") => Some(*gamma),
            (
                Optimizer::Rmsprop { eps, .. }
                | Optimizer::RmspropMomentum { eps, .. }
                | Optimizer::Adam { eps, .. }
                | Optimizer::Adamax { eps, .. },
                "eps",
            ) => Some(*eps),
            (Optimizer::Adam { b1, .. } | Optimizer::Adamax { b1, .. }, "b1") => Some(*b1),
            (Optimizer::Adam { b2, .. } | Optimizer::Adamax { b2, .. }, "b2") => Some(*b2),
            _ => None,
        }
    }

    /// Jax's default: `adam(1e-4)` is what Rockpool uses unless told otherwise.
    pub fn adam() -> Optimizer {
        Optimizer::Adam { b1: 0.9, b2: 0.999, eps: 1e-8 }
    }

    /// Calls `visit` with this optimizer's kernel for step `i` (0-based) and rate `schedule(i)`,
    /// so the caller's loop is compiled once per optimizer.
    pub(crate) fn with_kernel<V: Visit>(&self, i: u64, schedule: &Schedule, visit: V) -> V::Out {
        let lr = schedule.at(i) as f32;
        // (i + 1) as the exponent, as jax writes `b1 ** (i + 1)`; saturating: huge i -> power 0.
        let t = i32::try_from(i.saturating_add(1)).unwrap_or(i32::MAX);
        match *self {
            Optimizer::Sgd => visit.visit(Sgd { lr }),
            Optimizer::Momentum { mass } => visit.visit(Momentum { lr, mass: mass as f32 }),
            Optimizer::Nesterov { mass } => visit.visit(Nesterov { lr, mass: mass as f32 }),
            Optimizer::Adagrad { momentum } => visit.visit(Adagrad { lr, momentum: momentum as f32 }),
            Optimizer::Rmsprop { gamma, eps } => visit.visit(Rmsprop { lr, gamma: gamma as f32, eps: eps as f32 }),
            Optimizer::RmspropMomentum { gamma, eps, momentum } => {
                visit.visit(RmspropMomentum { lr, gamma: gamma as f32, eps: eps as f32, momentum: momentum as f32 })
            }
            Optimizer::Adam { b1, b2, eps } => {
                // the bias corrections in float32 as jax has them, the rest folded into two factors
                let (b1, b2) = (b1 as f32, b2 as f32);
                let (c1, c2) = (f64::from(1.0 - b1.powi(t)), f64::from(1.0 - b2.powi(t)));
                let spread = ((1.0 - f64::from(b2)) / c2).sqrt();
                visit.visit(Adam {
                    b1,
                    b2,
                    step: (f64::from(lr) * (1.0 - f64::from(b1)) / (c1 * spread)) as f32,
                    eps: (eps / spread) as f32,
                })
            }
            Optimizer::Adamax { b1, b2, eps } => {
                let b1 = b1 as f32;
                visit.visit(Adamax { lr_c: lr / (1.0 - b1.powi(t)), b1, b2: b2 as f32, eps: eps as f32 })
            }
            Optimizer::Sm3 { momentum } => visit.visit(Sm3 { lr, momentum: momentum as f32 }),
        }
    }

    /// jax's `update_fun(i, g, state)` for one 2-D leaf of `rows x cols` (row-major), in place.
    pub fn update(&self, i: u64, schedule: &Schedule, grad: &[f32], leaf: &mut Leaf) {
        self.with_kernel(i, schedule, DenseUpdate { grad, leaf })
    }
}

/// A 2-D parameter with its optimizer state.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    pub rows: usize,
    pub cols: usize,
    pub x: Vec<f32>,
    /// Per-element states (momentum/velocity, squared-gradient sums, ...; zeros when unused).
    pub s1: Vec<f32>,
    pub s2: Vec<f32>,
    /// SM3's accumulators, one per row and one per column.
    pub acc_rows: Vec<f32>,
    pub acc_cols: Vec<f32>,
}

impl Leaf {
    /// jax's `init_fun(x0)`: every state starts at zero.
    pub fn new(rows: usize, cols: usize, x: Vec<f32>) -> Leaf {
        let n = x.len();
        Leaf { rows, cols, x, s1: vec![0.0; n], s2: vec![0.0; n], acc_rows: vec![0.0; rows], acc_cols: vec![0.0; cols] }
    }
}

/// Something run with a concrete kernel type.
pub(crate) trait Visit {
    type Out;
    fn visit<K: Kernel>(self, kernel: K) -> Self::Out;
}

/// One optimizer step for one element.
pub(crate) trait Kernel: Copy + Send + Sync + 'static {
    /// SM3: the step needs `prior = min(row, col)` and returns the element's new accumulator.
    const SM3: bool = false;
    /// Whether [`Kernel::moments_lanes`] and [`Kernel::apply_lanes`] are written out (else callers
    /// loop over [`Kernel::step`]).
    const LANES: bool = false;
    /// Updates parameter `x` and its states from gradient `g`; returns SM3's accumulator (else 0).
    fn step(self, g: f32, x: &mut f32, s1: &mut f32, s2: &mut f32, prior: f32) -> f32;
    /// The first half of [`Kernel::step`] on a whole SIMD vector: the states from gradient `g`;
    /// returns what [`Kernel::apply_lanes`] needs besides them (adam: the step's denominator). The
    /// same operations lane by lane as `step`, so the same results; only called when
    /// [`Kernel::LANES`] is set.
    #[inline(always)]
    fn moments_lanes<S: Simd>(self, simd: S, _g: S::f32s, _s1: &mut S::f32s, _s2: &mut S::f32s) -> S::f32s {
        simd.splat_f32s(0.0)
    }
    /// The second half: the parameter step from the new first state and `moments_lanes`' result.
    #[inline(always)]
    fn apply_lanes<S: Simd>(self, _simd: S, _x: &mut S::f32s, _s1: S::f32s, _partial: S::f32s) {}
}

/// The `where(a > 0, 1 / sqrt(a), 0)` of adagrad and sm3.
#[inline(always)]
fn inv_sqrt_or_zero(a: f32) -> f32 {
    if a > 0.0 {
        1.0 / a.sqrt()
    } else {
        0.0
    }
}

#[derive(Clone, Copy)]
struct Sgd {
    lr: f32,
}
impl Kernel for Sgd {
    #[inline(always)]
    fn step(self, g: f32, x: &mut f32, _: &mut f32, _: &mut f32, _: f32) -> f32 {
        *x -= self.lr * g;
        0.0
    }
}

#[derive(Clone, Copy)]
struct Momentum {
    lr: f32,
    mass: f32,
}
impl Kernel for Momentum {
    #[inline(always)]
    fn step(self, g: f32, x: &mut f32, velocity: &mut f32, _: &mut f32, _: f32) -> f32 {
        *velocity = self.mass * *velocity + g;
        *x -= self.lr * *velocity;
        0.0
    }
}

#[derive(Clone, Copy)]
struct Nesterov {
    lr: f32,
    mass: f32,
}
impl Kernel for Nesterov {
    #[inline(always)]
    fn step(self, g: f32, x: &mut f32, velocity: &mut f32, _: &mut f32, _: f32) -> f32 {
        *velocity = self.mass * *velocity + g;
        *x -= self.lr * (self.mass * *velocity + g);
        0.0
    }
}

#[derive(Clone, Copy)]
struct Adagrad {
    lr: f32,
    momentum: f32,
}
impl Kernel for Adagrad {
    #[inline(always)]
    fn step(self, g: f32, x: &mut f32, g_sq: &mut f32, m: &mut f32, _: f32) -> f32 {
        *g_sq += g * g;
        *m = (1.0 - self.momentum) * (g * inv_sqrt_or_zero(*g_sq)) + self.momentum * *m;
        *x -= self.lr * *m;
        0.0
    }
}

#[derive(Clone, Copy)]
struct Rmsprop {
    lr: f32,
    gamma: f32,
    eps: f32,
}
impl Kernel for Rmsprop {
    #[inline(always)]
    fn step(self, g: f32, x: &mut f32, avg_sq: &mut f32, _: &mut f32, _: f32) -> f32 {
        *avg_sq = *avg_sq * self.gamma + g * g * (1.0 - self.gamma);
        *x -= self.lr * g / (*avg_sq + self.eps).sqrt();
        0.0
    }
}

#[derive(Clone, Copy)]
struct RmspropMomentum {
    lr: f32,
    gamma: f32,
    eps: f32,
    momentum: f32,
}
impl Kernel for RmspropMomentum {
    #[inline(always)]
    fn step(self, g: f32, x: &mut f32, avg_sq: &mut f32, mom: &mut f32, _: f32) -> f32 {
        *avg_sq = *avg_sq * self.gamma + g * g * (1.0 - self.gamma);
        *mom = self.momentum * *mom + self.lr * g / (*avg_sq + self.eps).sqrt();
        *x -= *mom;
        0.0
    }
}

/// jax's adam with its moments kept divided by `1 - b1` and `1 - b2`: `m' = b1 m' + g`,
/// `v' = b2 v' + g^2`, `x -= step m' / (sqrt(v') + eps')`, the same update as
/// `lr mhat / (sqrt(vhat) + eps)` with every constant factor folded into `step` and `eps'`: four
/// operations per element fewer in the decoder's hottest loop.
#[derive(Clone, Copy)]
struct Adam {
    b1: f32,
    b2: f32,
    /// `lr (1 - b1) / ((1 - b1^(i+1)) s)` with `s = sqrt((1 - b2) / (1 - b2^(i+1)))`.
    step: f32,
    /// `eps / s`.
    eps: f32,
}
impl Kernel for Adam {
    const LANES: bool = true;
    #[inline(always)]
    fn step(self, g: f32, x: &mut f32, m: &mut f32, v: &mut f32, _: f32) -> f32 {
        // fused multiply-adds: exactly rounded, the same on every CPU, fewer operations
        *m = self.b1.mul_add(*m, g);
        *v = self.b2.mul_add(*v, g * g);
        *x -= self.step * *m / (v.sqrt() + self.eps);
        0.0
    }
    #[inline(always)]
    fn moments_lanes<S: Simd>(self, simd: S, g: S::f32s, m: &mut S::f32s, v: &mut S::f32s) -> S::f32s {
        let splat = |c: f32| simd.splat_f32s(c);
        let (m_new, v_new) =
            (simd.mul_add_f32s(splat(self.b1), *m, g), simd.mul_add_f32s(splat(self.b2), *v, simd.mul_f32s(g, g)));
        (*m, *v) = (m_new, v_new);
        simd.add_f32s(simd.sqrt_f32s(v_new), splat(self.eps))
    }
    #[inline(always)]
    fn apply_lanes<S: Simd>(self, simd: S, x: &mut S::f32s, m: S::f32s, den: S::f32s) {
        *x = simd.sub_f32s(*x, simd.div_f32s(simd.mul_f32s(simd.splat_f32s(self.step), m), den));
    }
}

#[derive(Clone, Copy)]
struct Adamax {
    /// step_size(i) / (1 - b1^(i+1))
    lr_c: f32,
    b1: f32,
    b2: f32,
    eps: f32,
}
impl Kernel for Adamax {
    #[inline(always)]
    fn step(self, g: f32, x: &mut f32, m: &mut f32, u: &mut f32, _: f32) -> f32 {
        *m = (1.0 - self.b1) * g + self.b1 * *m;
        *u = (self.b2 * *u).max(g.abs());
        *x -= self.lr_c * *m / (*u + self.eps);
        0.0
    }
}

#[derive(Clone, Copy)]
struct Sm3 {
    lr: f32,
    momentum: f32,
}
impl Kernel for Sm3 {
    const SM3: bool = true;
    #[inline(always)]
    fn step(self, g: f32, x: &mut f32, m: &mut f32, _: &mut f32, prior: f32) -> f32 {
        let accum = prior + g * g;
        *m = (1.0 - self.momentum) * (g * inv_sqrt_or_zero(accum)) + self.momentum * *m;
        *x -= self.lr * *m;
        accum
    }
}

/// One step over a whole leaf.
struct DenseUpdate<'a> {
    grad: &'a [f32],
    leaf: &'a mut Leaf,
}

impl Visit for DenseUpdate<'_> {
    type Out = ();
    fn visit<K: Kernel>(self, kernel: K) {
        let leaf = self.leaf;
        let cols = leaf.cols.max(1);
        let mut new_rows = vec![0.0f32; leaf.rows];
        let mut new_cols = vec![0.0f32; leaf.cols];
        let elements = leaf.x.iter_mut().zip(leaf.s1.iter_mut()).zip(leaf.s2.iter_mut()).zip(self.grad);
        for (index, (((x, s1), s2), g)) in elements.enumerate() {
            let (r, c) = (index / cols, index % cols);
            let prior = if K::SM3 {
                let row = leaf.acc_rows.get(r).copied().unwrap_or(0.0);
                let col = leaf.acc_cols.get(c).copied().unwrap_or(0.0);
                row.min(col)
            } else {
                0.0
            };
            let accum = kernel.step(*g, x, s1, s2, prior);
            if K::SM3 {
                if let Some(a) = new_rows.get_mut(r) {
                    *a = a.max(accum);
                }
                if let Some(a) = new_cols.get_mut(c) {
                    *a = a.max(accum);
                }
            }
        }
        if K::SM3 {
            leaf.acc_rows = new_rows;
            leaf.acc_cols = new_cols;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const LR: Schedule = Schedule::Constant(0.1);

    /// One scalar parameter x0 = 1 driven by gradients g0, g1 for two steps (i = 0, 1).
    fn two_steps(opt: Optimizer) -> (f32, f32) {
        let mut leaf = Leaf::new(1, 1, vec![1.0]);
        opt.update(0, &LR, &[0.5], &mut leaf);
        let first = leaf.x[0];
        opt.update(1, &LR, &[-0.25], &mut leaf);
        (first, leaf.x[0])
    }

    fn close(got: f32, want: f64) {
        assert!((f64::from(got) - want).abs() < 1e-6, "{got} != {want}");
    }

    #[test]
    fn sgd_by_hand() {
        let (a, b) = two_steps(Optimizer::Sgd);
        close(a, 1.0 - 0.05);
        close(b, 0.95 + 0.025);
    }

    #[test]
    fn momentum_and_nesterov_by_hand() {
        // v1 = 0.5, x1 = 1 - 0.05; v2 = 0.9*0.5 - 0.25 = 0.2, x2 = 0.95 - 0.02
        let (a, b) = two_steps(Optimizer::Momentum { mass: 0.9 });
        close(a, 0.95);
        close(b, 0.93);
        // nesterov: x1 = 1 - 0.1*(0.9*0.5 + 0.5) = 0.905; x2 = 0.905 - 0.1*(0.9*0.2 - 0.25) = 0.912
        let (a, b) = two_steps(Optimizer::Nesterov { mass: 0.9 });
        close(a, 0.905);
        close(b, 0.912);
    }

    #[test]
    fn adagrad_by_hand() {
        // g_sq1 = 0.25, m1 = 0.1 * 0.5/0.5 = 0.1, x1 = 1 - 0.01 = 0.99
        // g_sq2 = 0.3125, m2 = 0.1 * (-0.25/sqrt(0.3125)) + 0.9*0.1, x2 = 0.99 - 0.1*m2
        let (a, b) = two_steps(Optimizer::Adagrad { momentum: 0.9 });
        close(a, 0.99);
        let m2 = 0.1 * (-0.25 / 0.3125f64.sqrt()) + 0.09;
        close(b, 0.99 - 0.1 * m2);
    }

    #[test]
    fn rmsprop_by_hand() {
        // avg1 = 0.1*0.25 = 0.025, x1 = 1 - 0.1*0.5/sqrt(0.025 + 1e-8)
        let (a, b) = two_steps(Optimizer::Rmsprop { gamma: 0.9, eps: 1e-8 });
        let x1 = 1.0 - 0.05 / (0.025f64 + 1e-8).sqrt();
        close(a, x1);
        let avg2: f64 = 0.025 * 0.9 + 0.0625 * 0.1;
        close(b, x1 + 0.025 / (avg2 + 1e-8).sqrt());
        // with momentum: mom1 = 0.1*0.5/sqrt(avg1+eps), mom2 = 0.9*mom1 - 0.1*0.25/sqrt(avg2+eps)
        let (a, b) = two_steps(Optimizer::RmspropMomentum { gamma: 0.9, eps: 1e-8, momentum: 0.9 });
        let mom1 = 0.05 / (0.025f64 + 1e-8).sqrt();
        close(a, 1.0 - mom1);
        let mom2 = 0.9 * mom1 - 0.025 / (avg2 + 1e-8).sqrt();
        close(b, 1.0 - mom1 - mom2);
    }

    #[test]
    fn adam_by_hand() {
        // step 0: m = 0.05, v = 0.00025, mhat = 0.5, vhat = 0.25 -> x1 = 1 - 0.1*0.5/(0.5 + 1e-8)
        let (a, b) = two_steps(Optimizer::adam());
        let x1 = 1.0 - 0.1 * 0.5 / (0.5 + 1e-8);
        close(a, x1);
        let m2 = 0.1 * -0.25 + 0.9 * 0.05;
        let v2 = 0.001 * 0.0625 + 0.999 * 0.00025;
        let (mhat, vhat) = (m2 / (1.0 - 0.81), v2 / (1.0 - 0.999f64.powi(2)));
        close(b, x1 - 0.1 * mhat / (vhat.sqrt() + 1e-8));
    }

    #[test]
    fn adamax_by_hand() {
        // m1 = 0.05, u1 = 0.5: x1 = 1 - (0.1/0.1) * 0.05/0.5 = 0.9
        // m2 = -0.025 + 0.045 = 0.02, u2 = max(0.4995, 0.25): x2 = 0.9 - (0.1/0.19) * 0.02/0.4995
        let (a, b) = two_steps(Optimizer::Adamax { b1: 0.9, b2: 0.999, eps: 1e-8 });
        close(a, 1.0 - 0.05 / (0.5 + 1e-8));
        close(b, f64::from(a) - (0.1 / 0.19) * 0.02 / (0.4995 + 1e-8));
    }

    #[test]
    fn sm3_by_hand_on_a_matrix() {
        // 2x2 leaf, x = 0, g = [[1, 2], [3, 4]], momentum 0.9, lr 0.1.
        // Step 0: priors 0, accum = g^2, m = 0.1 * g/|g| = 0.1, x = -0.01 everywhere;
        // rows = [4, 16], cols = [9, 16].
        let opt = Optimizer::Sm3 { momentum: 0.9 };
        let mut leaf = Leaf::new(2, 2, vec![0.0; 4]);
        opt.update(0, &LR, &[1.0, 2.0, 3.0, 4.0], &mut leaf);
        for x in &leaf.x {
            close(*x, -0.01);
        }
        assert_eq!(leaf.acc_rows, vec![4.0, 16.0]);
        assert_eq!(leaf.acc_cols, vec![9.0, 16.0]);
        // Step 1 with g = 1 everywhere: prior[0][0] = min(4, 9) = 4 -> accum 5,
        // m = 0.1/sqrt(5) + 0.09, x = -0.01 - 0.1*m; prior[1][1] = 16 -> 17.
        opt.update(1, &LR, &[1.0; 4], &mut leaf);
        close(leaf.x[0], -0.01 - 0.1 * (0.1 / 5f64.sqrt() + 0.09));
        close(leaf.x[3], -0.01 - 0.1 * (0.1 / 17f64.sqrt() + 0.09));
        // rows: max(min(4,9)+1, min(4,16)+1) = 5, max(min(16,9)+1, min(16,16)+1) = 17
        assert_eq!(leaf.acc_rows, vec![5.0, 17.0]);
        assert_eq!(leaf.acc_cols, vec![10.0, 17.0]);
    }

    #[test]
    fn adagrad_zero_gradient_stays_put() {
        let mut leaf = Leaf::new(1, 1, vec![2.0]);
        Optimizer::Adagrad { momentum: 0.9 }.update(0, &LR, &[0.0], &mut leaf);
        assert_eq!(leaf.x, vec![2.0]);
    }

    #[test]
    fn names_build() {
        for name in NAMES {
            let opt = Optimizer::from_name(name, |p| (p == "mass").then_some(0.9));
            assert!(opt.is_some(), "{name}");
        }
        assert!(Optimizer::from_name("momentum", |_| None).is_none());
        assert!(Optimizer::from_name("adamw", |_| None).is_none());
    }

    #[test]
    fn defaults_are_jax_and_valid() {
        assert_eq!(Optimizer::from_name("adam", |_| None), Some(Optimizer::adam()));
        assert_eq!(
            Optimizer::from_name("rmsprop_momentum", |_| None),
            Some(Optimizer::RmspropMomentum { gamma: 0.9, eps: 1e-8, momentum: 0.9 })
        );
        for (name, _) in PARAMS {
            let opt = Optimizer::from_name(name, |p| (p == "mass").then_some(0.5)).unwrap();
            assert_eq!(opt.name(), *name);
            assert!(opt.problems().is_empty(), "{name}");
        }
    }

    #[test]
    fn ranges_follow_the_formulas() {
        let bad = |name: &str, p: &str, v: f64| {
            let problems = Optimizer::build(name, |q| if q == p { Some(v) } else { Some(0.5) }).unwrap_err();
            assert_eq!(problems.len(), 1, "{name}.{p} = {v}: {problems:?}");
            assert_eq!(problems[0].argument, p);
        };
        bad("adam", "b1", 1.0);
        bad("adam", "b2", 1.0);
        bad("adam", "eps", 0.0);
        bad("adamax", "b2", 1.5);
        bad("momentum", "mass", 1.0);
        bad("rmsprop", "gamma", -0.1);
        bad("sm3", "momentum", f64::NAN);
        // adamax's infinity norm without decay is well defined
        assert!(Optimizer::build("adamax", |p| (p == "b2").then_some(1.0)).is_ok());
        let both = Optimizer::build("adam", |p| (p != "eps").then_some(2.0)).unwrap_err();
        assert_eq!(both.len(), 2);
        assert!(Optimizer::Adam { b1: 1.0, b2: 0.999, eps: 1e-8 }.problems().len() == 1);
    }
}
