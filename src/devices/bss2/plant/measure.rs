//! The measurements calix makes (calix.md §5.8), as closed forms or short integrations on the
//! plant: CADC reads at rest, during reset and below threshold, MADC fits of time constants,
//! PSP amplitudes, synaptic-line drops and spike counts. Each returns one value per neuron (or
//! per quadrant) and charges an estimate of the hardware time it would take.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::params::{quadrant, RAIL_HIGH, RAIL_LOW, TAU_MEM_FIT, TAU_SYN_FIT};
use super::physics::View;
use super::readout::{lsb_volts, read};
use super::Plant;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample(StandardNormal)
}

fn cadc(view: &View<'_>, volts: f64, rng: &mut ChaCha8Rng) -> f64 {
    read(volts, view.p.vlsb, &view.m.channel, view.p.readout_noise, rng)
}

/// An MADC exponential fit: the true value with relative fit noise, bounded like calix's fit;
/// infinite for a floating node.
fn fit(tau: f64, bounds: (f64, f64), noise: f64, rng: &mut ChaCha8Rng) -> f64 {
    if !tau.is_finite() || tau > bounds.1 {
        return f64::INFINITY;
    }
    (tau * (1.0 + noise * normal(rng))).clamp(bounds.0, bounds.1)
}

/// Median of the finite values.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v.get(mid).copied().unwrap_or(f64::NAN)
    } else {
        0.5 * (v.get(mid - 1).copied().unwrap_or(0.0) + v.get(mid).copied().unwrap_or(0.0))
    }
}

impl Plant {
    /// CADC read of the free membrane (calix's leak measurement: one read of all neurons).
    pub fn rest_read(&mut self) -> Vec<f64> {
        self.measure(2e-4, |v, rng| {
            let volts = v.rest() + v.sigma_v() * normal(rng);
            cadc(v, volts, rng)
        })
    }

    /// CADC read while every neuron is held in reset (long refractory clamp).
    pub fn reset_read(&mut self) -> Vec<f64> {
        self.measure(2e-3, |v, rng| {
            let volts = v.reset_clamp() + super::params::V_NOISE_FLOOR * normal(rng);
            cadc(v, volts, rng)
        })
    }

    /// calix's threshold measurement: the maximum of 3 x 1000 back-to-back CADC reads (1 us
    /// apart) of a membrane ramping from reset up to threshold under a constant current. Only
    /// the samples within a few noise widths of the top can be the maximum, so only those are
    /// drawn: per ramp a random sampling phase, then the samples below the top.
    pub fn threshold_maxread(&mut self) -> Vec<f64> {
        self.measure(3e-3, |v, rng| {
            let start = v.reset_clamp();
            let v_t = v.v_threshold();
            let top = v.rest(); // where the membrane would settle without a threshold
            let lsb = lsb_volts(v.p.vlsb);
            let window = 6.0 * (v.p.readout_noise.max(0.3) * lsb);
            let constant = |level: f64, rng: &mut ChaCha8Rng| {
                (0..32).map(|_| cadc(v, level, rng)).fold(f64::NEG_INFINITY, f64::max)
            };
            if v_t <= start {
                return constant(start, rng);
            }
            if v_t >= top || v_t >= RAIL_HIGH {
                return constant(top.min(RAIL_HIGH), rng);
            }
            // Slope just below threshold and ramp duration.
            let c = v.capacitance();
            let (g, i) = (v.g_leak(), v.i_constant());
            let slope = ((i - g * (v_t - v.e_leak())) / c).max(1e-3);
            let rise = if g <= 1e-15 {
                (v_t - start) * c / i.max(1e-15)
            } else {
                v.tau_mem() * ((top - start) / (top - v_t)).ln()
            };
            let period = rise + v.c.refractory;
            let dt = 1e-6;
            let mut best = f64::NEG_INFINITY;
            let mut samples = 0usize;
            for _batch in 0..3 {
                let ramps = ((1e-3 / period).ceil() as usize).clamp(1, 3000); // at most one sample each
                for _ in 0..ramps {
                    let phase: f64 = rng.gen::<f64>() * dt;
                    let mut t = phase;
                    while t <= rise && slope * t <= window && samples < 3000 {
                        best = best.max(cadc(v, (v_t - slope * t).max(RAIL_LOW), rng));
                        samples += 1;
                        t += dt;
                    }
                }
            }
            if best.is_finite() {
                best
            } else {
                constant(start, rng)
            }
        })
    }

    /// MADC fit of the membrane time constant (one neuron after another on a real chip).
    pub fn tau_mem_fit(&mut self) -> Vec<f64> {
        self.measure(512.0 * 1.7e-3, |v, rng| fit(v.tau_mem(), TAU_MEM_FIT, v.p.fit_noise, rng))
    }

    /// MADC fit of the decay of synaptic line `s` after five events.
    pub fn tau_syn_fit(&mut self, s: usize) -> Vec<f64> {
        self.measure(512.0 * 0.8e-3, |v, rng| fit(v.tau_syn(s), TAU_SYN_FIT, v.p.fit_noise, rng))
    }

    /// MADC fit of the inter-compartment time constant.
    pub fn tau_icc_fit(&mut self) -> Vec<f64> {
        self.measure(512.0 * 1.7e-3, |v, rng| fit(v.tau_icc(), TAU_MEM_FIT, v.p.fit_noise, rng))
    }

    /// CADC read `wait` after releasing a reset (calix's CADC method for tau_mem).
    pub fn decay_read(&mut self, wait: f64) -> Vec<f64> {
        self.measure(2e-3, |v, rng| {
            let (rest, start) = (v.rest(), v.reset_clamp());
            let volts = rest + (start - rest) * (-wait / v.tau_mem()).exp() + v.sigma_v() * normal(rng);
            cadc(v, volts, rng)
        })
    }

    /// PSP amplitude of input `s` (CADC LSB, positive for the input's own direction): baseline,
    /// `n_events` events 1 us apart on 8 rows of weight 10, read two intervals after the last
    /// event; five repetitions averaged. The OTA saturates (tanh), the line and the membrane
    /// relax with tau_syn and tau_mem.
    pub fn psp_amplitude(&mut self, s: usize, n_events: usize) -> Vec<f64> {
        let duration = 5.0 * (1e-3 + n_events as f64 * 1e-6);
        self.measure(duration, move |v, rng| {
            let dt = 0.2e-6; // midpoint rule: error ~ (dt / tau_syn)^2 / 24, under 0.1 % at 1.5 us
            let per_event = 5usize;
            let steps = (n_events + 1) * per_event;
            let (tau_s, c, g) = (v.tau_syn(s), v.capacitance(), v.g_leak());
            let i_gm = v.i_gm(s);
            let du = v.du_event(8.0, 10.0);
            let decay_s = (-dt / tau_s).exp();
            let half_s = (-0.5 * dt / tau_s).exp();
            let (decay_m, gain_m) = if g > 1e-15 {
                let tau_m = c / g;
                let d = (-dt / tau_m).exp();
                (d, tau_m * (1.0 - d) / c)
            } else {
                (1.0, dt / c)
            };
            let base = v.rest();
            let sign = if s == 0 { 1.0 } else { -1.0 };
            // COBA factor 1 - sign slope (V - E_ref), hoisted out of the loop.
            let coba = v.c.coba_enable.get(s).copied().unwrap_or(false);
            let (slope, e_ref) = if coba { (v.coba_slope(s), v.coba_reference(s)) } else { (0.0, 0.0) };
            let (mut u, mut x) = (0.0f64, 0.0f64);
            for step in 0..steps {
                if step % per_event == 0 && step / per_event < n_events {
                    u += du;
                }
                let factor = if coba { (1.0 - sign * slope * (base + sign * x - e_ref)).max(0.0) } else { 1.0 };
                let i = i_gm * (u * half_s / super::params::V_LIN).tanh() * factor;
                x = x * decay_m + i * gain_m;
                u *= decay_s;
            }
            let after = (base + sign * x).clamp(RAIL_LOW, RAIL_HIGH);
            let mut sum = 0.0;
            for _ in 0..5 {
                let b = cadc(v, base + v.sigma_v() * normal(rng), rng);
                let a = cadc(v, after + v.sigma_v() * normal(rng), rng);
                sum += sign * (a - b);
            }
            sum / 5.0
        })
    }

    /// Drop of the excitatory synaptic line after one event on `rows` rows at `weight`, read
    /// by the CADC with the line floating; the median per quadrant.
    pub fn synline_drop(&mut self, rows: f64, weight: f64) -> [f64; 4] {
        let drops = self.measure(1e-3, |v, rng| {
            let before = 0.6;
            let after = (before - v.du_event(rows, weight)).max(RAIL_LOW);
            cadc(v, before, rng) - cadc(v, after, rng)
        });
        let mut out = [f64::NAN; 4];
        for (q, o) in out.iter_mut().enumerate() {
            let members: Vec<f64> =
                drops.iter().enumerate().filter(|(i, _)| quadrant(*i) == q).map(|(_, d)| *d).collect();
            *o = median(&members);
        }
        out
    }

    /// Spike counter after `window` seconds without input; an overflowing 8-bit counter
    /// reads 65025, as calix's measurement reports it.
    pub fn spike_counts(&mut self, window: f64) -> Vec<f64> {
        self.measure(2.0 * window, move |v, rng| {
            let count = (v.rate() * window + rng.gen::<f64>()).floor();
            if count > 255.0 {
                65025.0
            } else {
                count
            }
        })
    }
}
