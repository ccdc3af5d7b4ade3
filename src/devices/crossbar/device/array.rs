//! An array of devices of one spec: hidden parameters, persistent weights and, with write noise,
//! the visible weights read by forward and backward (§2.5).

use rand_chacha::ChaCha8Rng;

use super::super::rng::normal;
use super::variation::populate;
use super::{clip, pulse, DeviceSpec, Hidden, Model};

/// The hidden parameters of one device, split by how often pulses read them: the step and
/// bounds on every pulse, the slopes and reference only in the models that have them, decay,
/// diffusion and reset once per mini-batch. Pulses stream through large arrays, so the bytes
/// they touch per device decide the update's speed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Hot {
    max_bound: f64,
    min_bound: f64,
    dw_up: f64,
    dw_down: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Shape {
    slope_up: f64,
    slope_down: f64,
    reference: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Cold {
    decay: f64,
    diffusion: f64,
    reset_bias: f64,
}

fn join(hot: &Hot, shape: Option<&Shape>, cold: Option<&Cold>) -> Hidden {
    let shape = shape.copied().unwrap_or_default();
    let cold = cold.copied().unwrap_or_default();
    Hidden {
        max_bound: hot.max_bound,
        min_bound: hot.min_bound,
        dw_up: hot.dw_up,
        dw_down: hot.dw_down,
        slope_up: shape.slope_up,
        slope_down: shape.slope_down,
        reference: shape.reference,
        decay: cold.decay,
        diffusion: cold.diffusion,
        reset_bias: cold.reset_bias,
    }
}

#[derive(Debug, Clone)]
pub struct DeviceArray {
    pub spec: DeviceSpec,
    pub rows: usize,
    pub cols: usize,
    hot: Vec<Hot>,
    shape: Vec<Shape>,
    cold: Vec<Cold>,
    /// Persistent weights the pulse rules act on, row-major.
    persistent: Vec<f64>,
    /// Visible weights with write noise; empty without (the persistent weights are read).
    visible: Vec<f64>,
}

impl DeviceArray {
    /// Draws the hidden parameters from `construction` and starts every weight at 0.
    pub fn new(spec: DeviceSpec, rows: usize, cols: usize, construction: &mut ChaCha8Rng) -> DeviceArray {
        let hidden = populate(&spec, rows, cols, construction);
        let hot = hidden
            .iter()
            .map(|h| Hot { max_bound: h.max_bound, min_bound: h.min_bound, dw_up: h.dw_up, dw_down: h.dw_down })
            .collect();
        let shape = hidden
            .iter()
            .map(|h| Shape { slope_up: h.slope_up, slope_down: h.slope_down, reference: h.reference })
            .collect();
        let cold =
            hidden.iter().map(|h| Cold { decay: h.decay, diffusion: h.diffusion, reset_bias: h.reset_bias }).collect();
        let mut array =
            DeviceArray { spec, rows, cols, hot, shape, cold, persistent: vec![0.0; rows * cols], visible: Vec::new() };
        if array.write_noise() > 0.0 {
            array.visible = vec![0.0; rows * cols];
        }
        array
    }

    /// Every device's hidden parameters (row-major).
    pub fn hidden(&self) -> Vec<Hidden> {
        self.hot.iter().zip(&self.shape).zip(&self.cold).map(|((h, s), c)| join(h, Some(s), Some(c))).collect()
    }

    /// The weights forward and backward read.
    pub fn weights(&self) -> &[f64] {
        if self.visible.is_empty() {
            &self.persistent
        } else {
            &self.visible
        }
    }

    /// The hidden persistent weights.
    pub fn persistent(&self) -> &[f64] {
        &self.persistent
    }

    fn write_noise(&self) -> f64 {
        match self.spec.model {
            Model::ConstantStep => 0.0,
            _ => self.spec.common.write_noise_std * self.spec.common.dw_min,
        }
    }

    /// Sets every weight (clipped to each device's bounds), then redraws write noise.
    pub fn set_weights(&mut self, values: &[f64], rng: &mut ChaCha8Rng) {
        for (((p, h), s), v) in self.persistent.iter_mut().zip(&self.hot).zip(&self.shape).zip(values) {
            *p = set_value(&self.spec, &join(h, Some(s), None), *v);
        }
        let noise = if self.spec.common.apply_write_noise_on_set { self.write_noise() } else { 0.0 };
        self.refresh_visible(noise, rng);
    }

    fn refresh_visible(&mut self, noise: f64, rng: &mut ChaCha8Rng) {
        for (v, p) in self.visible.iter_mut().zip(&self.persistent) {
            *v = if noise > 0.0 { p + noise * normal(rng) } else { *p };
        }
    }

    /// One pulse on element `k` (row-major), `up` or down.
    pub fn pulse(&mut self, k: usize, up: bool, rng: &mut ChaCha8Rng) {
        let noise = self.write_noise();
        let (Some(p), Some(h)) = (self.persistent.get_mut(k), self.hot.get(k)) else {
            return;
        };
        *p = pulse(&self.spec, &join(h, self.shape.get(k), None), *p, up, rng);
        if let Some(v) = self.visible.get_mut(k) {
            *v = if noise > 0.0 { *p + noise * normal(rng) } else { *p };
        }
    }

    /// `n` pulses on element `k` in one direction.
    pub fn pulses(&mut self, k: usize, up: bool, n: u32, rng: &mut ChaCha8Rng) {
        for _ in 0..n {
            self.pulse(k, up, rng);
        }
    }

    /// Mutable views of every row, for row-parallel updates.
    pub fn rows_mut(&mut self) -> Vec<RowMut<'_>> {
        let noise = self.write_noise();
        let cols = self.cols.max(1);
        let spec = &self.spec;
        // Only the models whose rules read slopes or a reference stream the shape array.
        let shaped = matches!(
            spec.model,
            Model::LinearStep(_) | Model::SoftBounds(_) | Model::SoftBoundsReference(_) | Model::PowStep(_)
        );
        let mut visible = self.visible.chunks_mut(cols);
        self.hot
            .chunks(cols)
            .zip(self.shape.chunks(cols))
            .zip(self.persistent.chunks_mut(cols))
            .map(|((hot, shape), persistent)| RowMut {
                spec,
                hot,
                shape: if shaped { shape } else { &[] },
                persistent,
                visible: visible.next().unwrap_or_default(),
                noise,
            })
            .collect()
    }

    /// A floating-point change of element `k` (pulse type NONE; `clip` for NONE_WITH_DEVICE).
    pub fn add_float(&mut self, k: usize, dw: f64, clip_to_device: bool) {
        let (Some(p), Some(h)) = (self.persistent.get_mut(k), self.hot.get(k)) else {
            return;
        };
        *p += dw;
        if clip_to_device {
            *p = clip(&join(h, None, None), *p);
        }
        if let Some(v) = self.visible.get_mut(k) {
            *v = *p;
        }
    }

    /// Once per mini-batch: lifetime decay towards the reset target and diffusion (§2.5).
    pub fn post_update(&mut self, rng: &mut ChaCha8Rng) {
        let c = &self.spec.common;
        if c.lifetime <= 0.0 && c.diffusion <= 0.0 {
            return;
        }
        for ((p, h), cold) in self.persistent.iter_mut().zip(&self.hot).zip(&self.cold) {
            let mut w = *p;
            if c.lifetime > 0.0 {
                w = (w - cold.reset_bias) * cold.decay + cold.reset_bias;
            }
            if c.diffusion > 0.0 {
                w += cold.diffusion * normal(rng);
            }
            *p = clip(&join(h, None, None), w);
        }
        let noise = self.write_noise();
        self.refresh_visible(noise, rng);
    }
}

/// A set value, clipped as the model clips (the reference model clips the conductance).
fn set_value(spec: &DeviceSpec, h: &Hidden, v: f64) -> f64 {
    match spec.model {
        Model::SoftBoundsReference(_) => (v + h.reference).min(h.max_bound).max(h.min_bound) - h.reference,
        _ => clip(h, v),
    }
}

/// One row of a device array, for updates that run rows in parallel.
pub struct RowMut<'a> {
    spec: &'a DeviceSpec,
    hot: &'a [Hot],
    /// Empty for models that read no slopes or reference.
    shape: &'a [Shape],
    persistent: &'a mut [f64],
    /// Empty without write noise.
    visible: &'a mut [f64],
    noise: f64,
}

impl RowMut<'_> {
    /// One pulse on column `j`.
    pub fn pulse(&mut self, j: usize, up: bool, rng: &mut ChaCha8Rng) {
        let (Some(p), Some(h)) = (self.persistent.get_mut(j), self.hot.get(j)) else {
            return;
        };
        *p = pulse(self.spec, &join(h, self.shape.get(j), None), *p, up, rng);
        if let Some(v) = self.visible.get_mut(j) {
            *v = if self.noise > 0.0 { *p + self.noise * normal(rng) } else { *p };
        }
    }
}
