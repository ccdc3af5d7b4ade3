//! The network: layers in order, each fed by analog tiles from earlier populations, with a
//! digital, analog or no bias and an activation.

use super::super::config::TileConfig;
use super::super::tile::Tile;
use super::{Data, Loss};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Sigmoid,
    Relu,
    Tanh,
    None,
}

impl Activation {
    fn apply(self, v: f64) -> f64 {
        match self {
            Activation::Sigmoid => 1.0 / (1.0 + (-v).exp()),
            Activation::Relu => v.max(0.0),
            Activation::Tanh => v.tanh(),
            Activation::None => v,
        }
    }

    /// Derivative, from the activation's output `y`.
    fn slope(self, y: f64) -> f64 {
        match self {
            Activation::Sigmoid => y * (1.0 - y),
            Activation::Relu => f64::from(u8::from(y > 0.0)),
            Activation::Tanh => 1.0 - y * y,
            Activation::None => 1.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bias {
    /// A floating-point bias trained with plain SGD (aihwkit's default mapping).
    Digital,
    /// An extra tile column driven by a constant 1.
    Analog,
    None,
}

/// One layer: its size, activation, bias, and the populations feeding it.
#[derive(Debug, Clone)]
pub struct LayerSpec {
    pub size: usize,
    pub activation: Activation,
    pub bias: Bias,
}

/// A projection: an analog tile from population `from` into layer population `to`.
#[derive(Debug, Clone)]
pub struct Projection {
    pub from: usize,
    pub to: usize,
    pub tile: Tile,
}

/// Populations are indexed 0..; inputs carry no layer. Layers run in index order.
#[derive(Debug, Clone)]
pub struct Network {
    pub sizes: Vec<usize>,
    pub layers: Vec<Option<LayerSpec>>,
    pub inputs: Vec<usize>,
    pub output: usize,
    pub projections: Vec<Projection>,
    pub biases: Vec<Vec<f64>>,
}

impl Network {
    /// Builds tiles for `edges` (from, to, initial weights `to × from` row-major; an analog bias
    /// becomes the last column, initialised from `biases`).
    pub fn new(
        sizes: Vec<usize>,
        layers: Vec<Option<LayerSpec>>,
        edges: &[(usize, usize, Vec<f64>)],
        biases: Vec<Vec<f64>>,
        output: usize,
        config: &TileConfig,
    ) -> Network {
        let inputs = layers.iter().enumerate().filter(|(_, l)| l.is_none()).map(|(i, _)| i).collect();
        let mut first_into = vec![true; sizes.len()];
        let projections = edges
            .iter()
            .enumerate()
            .map(|(unit, (from, to, w))| {
                let rows = sizes.get(*to).copied().unwrap_or(0);
                let cols = sizes.get(*from).copied().unwrap_or(0);
                let analog_bias = first_into.get(*to).copied().unwrap_or(false)
                    && layers.get(*to).and_then(Option::as_ref).is_some_and(|l| l.bias == Bias::Analog);
                if let Some(f) = first_into.get_mut(*to) {
                    *f = false;
                }
                let extra = usize::from(analog_bias);
                let mut tile = Tile::new(config, rows, cols + extra, unit as u64);
                let bias = biases.get(*to).cloned().unwrap_or_default();
                let init: Vec<f64> = w
                    .chunks(cols.max(1))
                    .zip(bias.iter().chain(std::iter::repeat(&0.0)))
                    .flat_map(|(row, b)| row.iter().copied().chain(analog_bias.then_some(*b)))
                    .collect();
                tile.set_weights(&init);
                Projection { from: *from, to: *to, tile }
            })
            .collect();
        Network { sizes, layers, inputs, output, projections, biases }
    }

    /// Analog forward of a batch; returns every population's activations (batch × size).
    fn forward(&mut self, data: &Data, batch: &[usize]) -> Vec<Vec<f64>> {
        let b = batch.len();
        let mut acts: Vec<Vec<f64>> = self.sizes.iter().map(|s| vec![0.0; b * s]).collect();
        let in_size = data.x.len() / data.n.max(1);
        // The data feed the first input population.
        if let Some(slot) = self.inputs.first().and_then(|i| acts.get_mut(*i)) {
            for (dst, &s) in slot.chunks_mut(in_size.max(1)).zip(batch) {
                if let Some(src) = data.x.get(s * in_size..(s + 1) * in_size) {
                    dst.copy_from_slice(src);
                }
            }
        }
        for (pop, layer) in self.layers.clone().iter().enumerate() {
            let Some(layer) = layer else { continue };
            let mut pre = vec![0.0_f64; b * layer.size];
            for p in self.projections.iter_mut().filter(|p| p.to == pop) {
                let x = tile_input(acts.get(p.from).map_or(&[][..], Vec::as_slice), p.tile.cols, b);
                #[allow(clippy::cast_possible_truncation)]
                let x32: Vec<f32> = x.iter().map(|v| *v as f32).collect();
                for (acc, y) in pre.iter_mut().zip(p.tile.forward(&x32)) {
                    *acc += f64::from(y);
                }
            }
            if layer.bias == Bias::Digital {
                let bias = self.biases.get(pop).map_or(&[][..], Vec::as_slice);
                for row in pre.chunks_mut(layer.size.max(1)) {
                    for (v, bb) in row.iter_mut().zip(bias) {
                        *v += bb;
                    }
                }
            }
            if let Some(a) = acts.get_mut(pop) {
                *a = pre.iter().map(|v| layer.activation.apply(*v)).collect();
            }
        }
        acts
    }

    fn targets(&self, data: &Data, s: usize, loss: Loss) -> Vec<f64> {
        match loss {
            Loss::CrossEntropy => vec![data.labels.get(s).copied().unwrap_or(0.0)],
            Loss::Mse => {
                let k = self.sizes.get(self.output).copied().unwrap_or(0);
                data.labels.get(s * k..(s + 1) * k).map(<[f64]>::to_vec).unwrap_or_default()
            }
        }
    }

    /// One mini-batch: forward, loss, backward through the tiles, pulsed updates. Returns the
    /// mean loss of the batch.
    pub fn train_batch(&mut self, data: &Data, batch: &[usize], lr: f64, loss: Loss) -> f64 {
        let b = batch.len();
        #[allow(clippy::cast_precision_loss)]
        let bf = b.max(1) as f64;
        let acts = self.forward(data, batch);
        let out_size = self.sizes.get(self.output).copied().unwrap_or(0);
        let mut grads: Vec<Vec<f64>> = self.sizes.iter().map(|s| vec![0.0; b * s]).collect();
        let mut total = 0.0;
        if let (Some(y), Some(g)) = (acts.get(self.output), grads.get_mut(self.output)) {
            for ((row, grow), &s) in y.chunks(out_size.max(1)).zip(g.chunks_mut(out_size.max(1))).zip(batch) {
                let (l, d) = loss.sample(row, &self.targets(data, s, loss));
                total += l;
                for (gv, dv) in grow.iter_mut().zip(d) {
                    *gv = dv / bf;
                }
            }
        }
        // Backward in reverse layer order: through the activation, then the tiles.
        let mut deltas: Vec<Vec<f64>> = vec![Vec::new(); self.sizes.len()];
        for pop in (0..self.sizes.len()).rev() {
            let Some(Some(layer)) = self.layers.get(pop).cloned() else { continue };
            let (Some(a), Some(g)) = (acts.get(pop), grads.get(pop)) else { continue };
            let delta: Vec<f64> = a.iter().zip(g).map(|(y, gv)| gv * layer.activation.slope(*y)).collect();
            #[allow(clippy::cast_possible_truncation)]
            let d32: Vec<f32> = delta.iter().map(|v| *v as f32).collect();
            for p in self.projections.iter_mut().filter(|p| p.to == pop) {
                if self.layers.get(p.from).is_some_and(Option::is_some) {
                    let z = p.tile.backward(&d32);
                    let n_from = self.sizes.get(p.from).copied().unwrap_or(0);
                    if let Some(gf) = grads.get_mut(p.from) {
                        for (row, zr) in gf.chunks_mut(n_from.max(1)).zip(z.chunks(p.tile.cols.max(1))) {
                            for (gv, zv) in row.iter_mut().zip(zr) {
                                *gv += f64::from(*zv);
                            }
                        }
                    }
                }
            }
            if let Some(slot) = deltas.get_mut(pop) {
                *slot = delta;
            }
        }
        for p in &mut self.projections {
            let x = tile_input(acts.get(p.from).map_or(&[][..], Vec::as_slice), p.tile.cols, b);
            let d = deltas.get(p.to).map_or(&[][..], Vec::as_slice);
            p.tile.update(&x, d, lr);
        }
        for (pop, layer) in self.layers.iter().enumerate() {
            if layer.as_ref().is_some_and(|l| l.bias == Bias::Digital) {
                let size = self.sizes.get(pop).copied().unwrap_or(0);
                let d = deltas.get(pop).map_or(&[][..], Vec::as_slice);
                if let Some(bias) = self.biases.get_mut(pop) {
                    for row in d.chunks(size.max(1)) {
                        for (bv, dv) in bias.iter_mut().zip(row) {
                            *bv -= lr * dv;
                        }
                    }
                }
            }
        }
        total / bf
    }

    /// Mean loss and accuracy over a whole set (noisy analog forward, as aihwkit evaluates).
    pub fn evaluate(&mut self, data: &Data, loss: Loss, batch_size: usize) -> (f64, Option<f64>) {
        let order: Vec<usize> = (0..data.n).collect();
        let out_size = self.sizes.get(self.output).copied().unwrap_or(0);
        let (mut total, mut correct) = (0.0, 0usize);
        for batch in order.chunks(batch_size.max(1)) {
            let acts = self.forward(data, batch);
            if let Some(y) = acts.get(self.output) {
                for (row, &s) in y.chunks(out_size.max(1)).zip(batch) {
                    let t = self.targets(data, s, loss);
                    total += loss.sample(row, &t).0;
                    correct += usize::from(loss.correct(row, &t));
                }
            }
        }
        #[allow(clippy::cast_precision_loss)]
        let n = data.n.max(1) as f64;
        #[allow(clippy::cast_precision_loss)]
        (total / n, Some(correct as f64 / n))
    }

    /// The trained bias of every layer that has one, as (population, one value per neuron): a
    /// digital bias as trained, an analog one read from the last column of its tile.
    pub fn trained_biases(&self) -> Vec<(usize, Vec<f64>)> {
        let mut out = Vec::new();
        for (pop, layer) in self.layers.iter().enumerate() {
            let Some(layer) = layer else { continue };
            match layer.bias {
                Bias::None => {}
                Bias::Digital => out.push((pop, self.biases.get(pop).cloned().unwrap_or_default())),
                Bias::Analog => {
                    // Network::new puts the bias column on the first projection into the layer
                    let Some(p) = self.projections.iter().find(|p| p.to == pop) else { continue };
                    let (w, stride) = (p.tile.weights(), p.tile.cols.max(1));
                    let bias = (0..p.tile.rows).map(|i| w.get(i * stride + stride - 1).copied().unwrap_or(0.0));
                    out.push((pop, bias.collect()));
                }
            }
        }
        out
    }

    /// The trained weights of each projection as (from, to, `from × to` row-major), analog bias
    /// columns left out (see [`Network::trained_biases`]).
    pub fn weights(&self) -> Vec<(usize, usize, Vec<f64>)> {
        self.projections
            .iter()
            .map(|p| {
                let (rows, cols) = (p.tile.rows, self.sizes.get(p.from).copied().unwrap_or(0));
                let w = p.tile.weights();
                let stride = p.tile.cols.max(1);
                let t: Vec<f64> = (0..cols)
                    .flat_map(|j| (0..rows).map(move |i| (i, j)))
                    .map(|(i, j)| w.get(i * stride + j).copied().unwrap_or(0.0))
                    .collect();
                (p.from, p.to, t)
            })
            .collect()
    }
}

/// The tile's input rows for a batch: the source activations, plus a constant 1 for an analog bias.
fn tile_input(src: &[f64], cols: usize, b: usize) -> Vec<f64> {
    let n = src.len() / b.max(1);
    src.chunks(n.max(1))
        .take(b)
        .flat_map(|row| row.iter().copied().chain(std::iter::repeat_n(1.0, cols.saturating_sub(n))))
        .collect()
}
