//! The floating-point type a run computes in: `f32` reproduces Rockpool (which computes
//! DynapSim in float32, DESIGN.md §2 "Arithmetic"), `f64` gives the model without float32
//! artefacts. The dynamics are written once, generic over this trait.

use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// The arithmetic the DynapSim step needs, implemented for `f32` and `f64`.
pub trait Real:
    Copy
    + Debug
    + Send
    + Sync
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + 'static
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// Rounds an f64 to this type (to nearest, as numpy's float32 cast).
    fn from_f64(x: f64) -> Self;
    /// Widens to f64 (exact).
    fn to_f64(self) -> f64;
    /// Converts a spike count (exact below 2^24).
    fn from_count(n: u32) -> Self;
    /// e^x.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Smallest integer >= x.
    fn ceil(self) -> Self;
    /// Neither NaN nor infinite.
    fn is_finite(self) -> bool;
}

impl Real for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn from_count(n: u32) -> Self {
        n as f32
    }
    fn exp(self) -> Self {
        f32::exp(self)
    }
    fn ln(self) -> Self {
        f32::ln(self)
    }
    fn ceil(self) -> Self {
        f32::ceil(self)
    }
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
}

impl Real for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    fn from_f64(x: f64) -> Self {
        x
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn from_count(n: u32) -> Self {
        f64::from(n)
    }
    fn exp(self) -> Self {
        f64::exp(self)
    }
    fn ln(self) -> Self {
        f64::ln(self)
    }
    fn ceil(self) -> Self {
        f64::ceil(self)
    }
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
}

/// `jnp.clip(x, lo)`: `max(x, lo)`, but a NaN `x` stays NaN (so it is detected, not hidden).
#[inline(always)]
pub fn clip_lo<T: Real>(x: T, lo: T) -> T {
    if x < lo {
        lo
    } else {
        x
    }
}
