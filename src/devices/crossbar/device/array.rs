//! An array of devices of one spec: hidden parameters, persistent weights and, with write noise,
//! the visible weights read by forward and backward (§2.5).

use rand_chacha::ChaCha8Rng;

use super::super::rng::normal;
use super::variation::populate;
use super::{clip, pulse, DeviceSpec, Hidden, Model};

#[derive(Debug, Clone)]
pub struct DeviceArray {
    pub spec: DeviceSpec,
    pub rows: usize,
    pub cols: usize,
    pub hidden: Vec<Hidden>,
    /// Persistent weights the pulse rules act on, row-major.
    persistent: Vec<f64>,
    /// Visible weights (equal to `persistent` without write noise).
    visible: Vec<f64>,
}

impl DeviceArray {
    /// Draws the hidden parameters from `construction` and starts every weight at 0.
    pub fn new(spec: DeviceSpec, rows: usize, cols: usize, construction: &mut ChaCha8Rng) -> DeviceArray {
        let hidden = populate(&spec, rows, cols, construction);
        DeviceArray { spec, rows, cols, hidden, persistent: vec![0.0; rows * cols], visible: vec![0.0; rows * cols] }
    }

    /// The weights forward and backward read.
    pub fn weights(&self) -> &[f64] {
        &self.visible
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
        for ((p, h), v) in self.persistent.iter_mut().zip(&self.hidden).zip(values) {
            *p = set_value(&self.spec, h, *v);
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
        let (Some(p), Some(h), Some(v)) = (self.persistent.get_mut(k), self.hidden.get(k), self.visible.get_mut(k))
        else {
            return;
        };
        *p = pulse(&self.spec, h, *p, up, rng);
        *v = if noise > 0.0 { *p + noise * normal(rng) } else { *p };
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
        self.hidden
            .chunks(cols)
            .zip(self.persistent.chunks_mut(cols))
            .zip(self.visible.chunks_mut(cols))
            .map(|((hidden, persistent), visible)| RowMut { spec, hidden, persistent, visible, noise })
            .collect()
    }

    /// A floating-point change of element `k` (pulse type NONE; `clip` for NONE_WITH_DEVICE).
    pub fn add_float(&mut self, k: usize, dw: f64, clip_to_device: bool) {
        let (Some(p), Some(h), Some(v)) = (self.persistent.get_mut(k), self.hidden.get(k), self.visible.get_mut(k))
        else {
            return;
        };
        *p += dw;
        if clip_to_device {
            *p = clip(h, *p);
        }
        *v = *p;
    }

    /// Once per mini-batch: lifetime decay towards the reset target and diffusion (§2.5).
    pub fn post_update(&mut self, rng: &mut ChaCha8Rng) {
        let c = &self.spec.common;
        if c.lifetime <= 0.0 && c.diffusion <= 0.0 {
            return;
        }
        for (p, h) in self.persistent.iter_mut().zip(&self.hidden) {
            let mut w = *p;
            if c.lifetime > 0.0 {
                w = (w - h.reset_bias) * h.decay + h.reset_bias;
            }
            if c.diffusion > 0.0 {
                w += h.diffusion * normal(rng);
            }
            *p = clip(h, w);
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
    hidden: &'a [Hidden],
    persistent: &'a mut [f64],
    visible: &'a mut [f64],
    noise: f64,
}

impl RowMut<'_> {
    /// One pulse on column `j`.
    pub fn pulse(&mut self, j: usize, up: bool, rng: &mut ChaCha8Rng) {
        let (Some(p), Some(h), Some(v)) = (self.persistent.get_mut(j), self.hidden.get(j), self.visible.get_mut(j))
        else {
            return;
        };
        *p = pulse(self.spec, h, *p, up, rng);
        *v = if self.noise > 0.0 { *p + self.noise * normal(rng) } else { *p };
    }
}
