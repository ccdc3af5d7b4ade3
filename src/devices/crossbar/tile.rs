//! An analog tile: a compound of device arrays behind the forward/backward pipelines (§6.8).
//! Reads run per sample (in parallel, each sample with its own stream); vector updates run in
//! sample order, each with streams derived from (seed, update index), so results never depend on
//! the number of threads.

use pulp::Arch;
use rayon::prelude::*;

use super::compounds::chopped::Chopped;
use super::compounds::mixed_precision::MixedPrecision;
use super::compounds::single::Single;
use super::compounds::transfer::Transfer;
use super::compounds::{Algorithm, Env};
use super::config::TileConfig;
use super::device::array::DeviceArray;
use super::io::{Direction, Matrix, NoiseManagement, Pipeline};
use super::product::{mac_packed, pack};
use super::rng::{stream, Purpose};

/// Samples per pass over the matrix in a batched forward read.
const GROUP: usize = 4;

/// One sample of a batched forward read.
struct Lane<'a> {
    x: &'a [f32],
    y: &'a mut [f32],
    rng: rand_chacha::ChaCha8Rng,
    pass: Option<super::io::Pass>,
    v: Vec<f32>,
}

#[derive(Debug, Clone)]
pub enum Compound {
    Single(Single),
    Transfer(Transfer),
    Chopped(Chopped),
    Mixed(MixedPrecision),
}

#[derive(Debug, Clone)]
pub struct Tile {
    /// Outputs (d side) and inputs (x side).
    pub rows: usize,
    pub cols: usize,
    pub config: TileConfig,
    pub compound: Compound,
    forward: Pipeline,
    backward: Pipeline,
    transfer_read: Pipeline,
    /// The visible weights in float32, as reads see them.
    weights32: Vec<f32>,
    /// Their packed copy for the forward product, rebuilt on the first read after a change.
    packed: Vec<f32>,
    packed_fresh: bool,
    /// The instruction set of the forward product (the best the CPU has; tests pin scalar).
    pub(crate) arch: Arch,
    seed: u64,
    /// Vector updates so far.
    pub counter: u64,
    reads: u64,
    /// Pulses applied so far (all devices).
    pub pulses: u64,
}

impl Tile {
    /// Builds the compound; all sub-devices draw from one construction stream, in order (§2.3).
    pub fn new(config: &TileConfig, rows: usize, cols: usize, unit: u64) -> Tile {
        let mut construction = stream(config.construction_seed, unit, Purpose::Construction);
        let mut array = || DeviceArray::new(config.device.clone(), rows, cols, &mut construction);
        let compound = match config.algorithm {
            Algorithm::Sgd => {
                Compound::Single(Single { devices: (0..config.n_devices.max(1)).map(|_| array()).collect() })
            }
            Algorithm::Tt => {
                let (fast, slow) = (array(), array());
                Compound::Transfer(Transfer { fast, slow, params: config.compound.clone(), i_slice: 0 })
            }
            Algorithm::Ttv2 | Algorithm::CTtv2 | Algorithm::Agad => {
                let (fast, slow) = (array(), array());
                Compound::Chopped(Chopped::new(
                    fast,
                    slow,
                    config.compound.clone(),
                    config.algorithm == Algorithm::Agad,
                ))
            }
            Algorithm::Mp => Compound::Mixed(MixedPrecision {
                device: array(),
                params: config.compound.clone(),
                chi: vec![0.0; rows * cols],
                next_row: 0,
            }),
        };
        let mut periphery = stream(config.construction_seed, unit, Purpose::Read);
        let forward = Pipeline::new(config.forward.clone(), rows, &mut periphery);
        let backward = Pipeline::new(config.backward.clone(), cols, &mut periphery);
        let transfer_read = Pipeline::new(config.transfer_forward.for_transfer(), rows, &mut periphery);
        let seed = config.seed ^ unit.wrapping_mul(0xA24B_AED4_963E_E407);
        let mut tile = Tile {
            rows,
            cols,
            config: config.clone(),
            compound,
            forward,
            backward,
            transfer_read,
            weights32: vec![0.0; rows * cols],
            packed: Vec::new(),
            packed_fresh: false,
            arch: Arch::new(),
            seed,
            counter: 0,
            reads: 0,
            pulses: 0,
        };
        tile.refresh();
        tile
    }

    /// The IO parameters transfer reads actually use (noise and bound management off, §10.12).
    pub fn transfer_read_io(&self) -> &super::io::IoParams {
        &self.transfer_read.io
    }

    /// The visible weights (row-major, rows = outputs).
    pub fn weights(&self) -> Vec<f64> {
        match &self.compound {
            Compound::Single(c) => c.visible(),
            Compound::Transfer(c) => c.visible(),
            Compound::Chopped(c) => c.visible(),
            Compound::Mixed(c) => c.device.weights().to_vec(),
        }
    }

    #[allow(clippy::cast_possible_truncation)]
    fn refresh(&mut self) {
        self.packed_fresh = false;
        if let Compound::Single(Single { devices }) = &self.compound {
            if let [device] = devices.as_slice() {
                // One device: the visible weight is 0 + 1·w (as Single::visible computes it).
                let source = device.weights();
                self.weights32.resize(source.len(), 0.0);
                // Element-wise, so splitting it over threads cannot change a bit.
                let convert = |(out, w): (&mut [f32], &[f64])| {
                    out.iter_mut().zip(w).for_each(|(o, w)| *o = (0.0 + 1.0 * w) as f32);
                };
                if source.len() >= 1 << 18 {
                    self.weights32.par_chunks_mut(1 << 16).zip(source.par_chunks(1 << 16)).for_each(convert);
                } else {
                    convert((&mut self.weights32, source));
                }
                return;
            }
        }
        self.weights32 = self.weights().iter().map(|w| *w as f32).collect();
    }

    /// Programs the visible weights (each device clips to its own bounds).
    pub fn set_weights(&mut self, w: &[f64]) {
        let mut rng = stream(self.seed, u64::MAX, Purpose::Pulse);
        match &mut self.compound {
            Compound::Single(c) => c.set_weights(w, &mut rng),
            Compound::Transfer(c) => c.set_weights(w, &mut rng),
            Compound::Chopped(c) => c.set_weights(w, &mut rng),
            Compound::Mixed(c) => c.device.set_weights(w, &mut rng),
        }
        self.refresh();
    }

    /// `y = W x` for each of `batch` inputs (`batch × cols`, row-major) through the forward pipeline.
    pub fn forward(&mut self, xs: &[f32]) -> Vec<f32> {
        self.read(xs, Direction::Forward)
    }

    /// `z = Wᵀ d` for each of `batch` errors (`batch × rows`) through the backward pipeline.
    pub fn backward(&mut self, ds: &[f32]) -> Vec<f32> {
        self.read(ds, Direction::Backward)
    }

    fn read(&mut self, inputs: &[f32], dir: Direction) -> Vec<f32> {
        let (n_in, n_out) = if dir == Direction::Forward { (self.cols, self.rows) } else { (self.rows, self.cols) };
        self.reads += 1;
        let seed = self.seed ^ self.reads.rotate_left(17);
        if dir == Direction::Forward && !self.packed_fresh {
            pack(&self.weights32, self.rows, self.cols, &mut self.packed);
            self.packed_fresh = true;
        }
        let pipeline = if dir == Direction::Forward { &mut self.forward } else { &mut self.backward };
        let mut out = vec![0.0_f32; inputs.len() / n_in.max(1) * n_out];
        let packed = (dir == Direction::Forward).then_some(self.packed.as_slice());
        let matrix = Matrix { weights: &self.weights32, cols: self.cols, packed, arch: self.arch };
        if pipeline.io.noise_management == NoiseManagement::AverageAbsMax {
            // A running statistic: samples must go in order.
            let mut rng = stream(seed, 0, Purpose::Read);
            for (x, y) in inputs.chunks_exact(n_in.max(1)).zip(out.chunks_exact_mut(n_out.max(1))) {
                pipeline.apply_with(matrix, dir, x, y, &mut rng);
            }
        } else if let (Direction::Forward, Some(packed)) = (dir, packed) {
            // Groups of samples share each pass over the matrix; every sample keeps its own
            // stream and its own bound-management loop, so the results are the per-sample ones.
            let shared: &Pipeline = pipeline;
            let (n_in, n_out) = (n_in.max(1), n_out.max(1));
            inputs.par_chunks(GROUP * n_in).zip(out.par_chunks_mut(GROUP * n_out)).enumerate().for_each(
                |(g, (xs, ys))| {
                    let mut p = shared.clone();
                    let mut lanes: Vec<Lane<'_>> = xs
                        .chunks_exact(n_in)
                        .zip(ys.chunks_exact_mut(n_out))
                        .enumerate()
                        .map(|(k, (x, y))| {
                            let pass = p.begin(&matrix, dir, x, y);
                            let rng = stream(seed, (g * GROUP + k) as u64, Purpose::Read);
                            Lane { x, y, rng, pass, v: Vec::new() }
                        })
                        .collect();
                    loop {
                        let mut active: Vec<&mut Lane<'_>> = lanes.iter_mut().filter(|l| l.pass.is_some()).collect();
                        if active.is_empty() {
                            break;
                        }
                        for lane in &mut active {
                            if let Some(pass) = &lane.pass {
                                lane.v = p.prepare(pass, lane.x, &mut lane.rng);
                            }
                        }
                        let (vs, mut outs): (Vec<&[f32]>, Vec<&mut [f32]>) =
                            active.iter_mut().map(|l| (l.v.as_slice(), &mut *l.y)).unzip();
                        mac_packed(matrix.arch, packed, &vs, &mut outs);
                        for lane in &mut active {
                            let Lane { x, y, rng, pass, v } = &mut **lane;
                            if let Some(state) = pass {
                                if p.finish(state, &matrix, dir, x, v, y, rng) {
                                    *pass = None;
                                }
                            }
                        }
                    }
                },
            );
        } else {
            let shared: &Pipeline = pipeline;
            inputs.par_chunks_exact(n_in.max(1)).zip(out.par_chunks_exact_mut(n_out.max(1))).enumerate().for_each(
                |(s, (x, y))| {
                    let mut rng = stream(seed, s as u64, Purpose::Read);
                    shared.clone().apply_with(matrix, dir, x, y, &mut rng);
                },
            );
        }
        out
    }

    /// One mini-batch of vector updates (`xs`: batch × cols, `ds`: batch × rows), in sample order.
    pub fn update(&mut self, xs: &[f64], ds: &[f64], lr: f64) {
        let m_batch = xs.len() / self.cols.max(1);
        for (x, d) in xs.chunks_exact(self.cols.max(1)).zip(ds.chunks_exact(self.rows.max(1))) {
            self.counter += 1;
            let mut env = Env {
                update: &self.config.update,
                transfer_update: &self.config.transfer_update,
                transfer_read: &mut self.transfer_read,
                seed: self.seed,
                counter: self.counter,
                m_batch,
            };
            self.pulses += match &mut self.compound {
                Compound::Single(c) => c.update(x, d, lr, &mut env),
                Compound::Transfer(c) => c.update(x, d, lr, &mut env),
                Compound::Chopped(c) => c.update(x, d, lr, &mut env),
                Compound::Mixed(c) => c.update(x, d, lr, &mut env),
            };
        }
        self.post_batch();
        self.refresh();
    }

    /// After a mini-batch: lifetime decay and diffusion on every device (§2.5).
    fn post_batch(&mut self) {
        let mut rng = stream(self.seed ^ self.counter, 0, Purpose::Pulse);
        let arrays: Vec<&mut DeviceArray> = match &mut self.compound {
            Compound::Single(c) => c.devices.iter_mut().collect(),
            Compound::Transfer(c) => vec![&mut c.fast, &mut c.slow],
            Compound::Chopped(c) => vec![&mut c.fast, &mut c.slow],
            Compound::Mixed(c) => vec![&mut c.device],
        };
        for a in arrays {
            a.post_update(&mut rng);
        }
    }
}
