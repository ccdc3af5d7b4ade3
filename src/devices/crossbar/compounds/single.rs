//! Plain SGD: one device per cross-point, or a VectorUnitCell of `n_devices` with the
//! SINGLE_RANDOM policy (§6.1): the visible weight is the mean of the devices and each vector
//! update pulses one random device, so the effective learning rate is η/n (§10.14, kept).

use rand::Rng;

use super::super::device::array::DeviceArray;
use super::super::rng::{stream, Purpose};
use super::super::update::{apply, VectorUpdate};
use super::Env;

#[derive(Debug, Clone)]
pub struct Single {
    pub devices: Vec<DeviceArray>,
}

impl Single {
    pub fn visible(&self) -> Vec<f64> {
        let n = self.devices.len().max(1);
        #[allow(clippy::cast_precision_loss)]
        let gamma = 1.0 / n as f64;
        let mut w = vec![0.0; self.devices.first().map_or(0, |d| d.weights().len())];
        for d in &self.devices {
            for (acc, v) in w.iter_mut().zip(d.weights()) {
                *acc += gamma * v;
            }
        }
        w
    }

    pub fn set_weights(&mut self, w: &[f64], rng: &mut rand_chacha::ChaCha8Rng) {
        for d in &mut self.devices {
            d.set_weights(w, rng);
        }
    }

    pub fn granularity(&self) -> f64 {
        let n = self.devices.len().max(1);
        #[allow(clippy::cast_precision_loss)]
        let mean = self.devices.iter().map(|d| d.spec.granularity()).sum::<f64>() / n as f64;
        mean
    }

    pub fn update(&mut self, x: &[f64], d: &[f64], lr: f64, env: &mut Env) -> u64 {
        let eps = self.granularity();
        let pick = if self.devices.len() > 1 {
            stream(env.seed, env.counter, Purpose::Compound).gen_range(0..self.devices.len())
        } else {
            0
        };
        let Some(device) = self.devices.get_mut(pick) else {
            return 0;
        };
        let u = VectorUpdate {
            params: env.update,
            x,
            d,
            lr,
            x_flip: None,
            d_flip: None,
            seed: env.seed,
            counter: env.counter,
        };
        apply(device, &u, eps)
    }
}
