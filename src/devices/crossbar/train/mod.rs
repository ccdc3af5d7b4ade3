//! Training a feed-forward rate network whose projections are analog tiles (aihwkit's
//! AnalogSequential of AnalogLinear layers + AnalogSGD, §6.8): per mini-batch, an analog forward
//! through every tile, an analog backward of the loss gradient, then each tile's pulsed update
//! (one vector update per sample) and plain SGD on digital biases.

pub mod layers;
pub mod loss;

pub use layers::{Activation, Bias, LayerSpec, Network};
pub use loss::Loss;

use rand::seq::SliceRandom;

use super::rng::{stream, Purpose};

/// One epoch's figures (DESIGN.md §4: train_loss is the mean mini-batch loss during the epoch;
/// the others are one pass over the set after it).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Epoch {
    pub train_loss: f64,
    pub train_accuracy: Option<f64>,
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
}

/// A data set: `n × inputs` row-major samples with their targets (class indices, or `n × outputs`
/// target vectors for mse).
pub struct Data<'a> {
    pub x: &'a [f64],
    pub labels: &'a [f64],
    pub n: usize,
}

pub struct Settings {
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    pub loss: Loss,
    pub seed: u64,
}

/// Trains `net` for `settings.epochs`, calling `progress` after each epoch.
pub fn train(
    net: &mut Network,
    train_set: &Data,
    test_set: Option<&Data>,
    settings: &Settings,
    progress: &mut dyn FnMut(usize),
) -> Vec<Epoch> {
    let mut order: Vec<usize> = (0..train_set.n).collect();
    let mut epochs = Vec::with_capacity(settings.epochs);
    for epoch in 0..settings.epochs {
        order.shuffle(&mut stream(settings.seed, epoch as u64 + 1, Purpose::Train));
        let mut losses = Vec::new();
        for batch in order.chunks(settings.batch_size.max(1)) {
            losses.push(net.train_batch(train_set, batch, settings.lr, settings.loss));
        }
        #[allow(clippy::cast_precision_loss)]
        let train_loss = losses.iter().sum::<f64>() / losses.len().max(1) as f64;
        let (_, train_accuracy) = net.evaluate(train_set, settings.loss, settings.batch_size);
        let test = test_set.map(|t| net.evaluate(t, settings.loss, settings.batch_size));
        epochs.push(Epoch {
            train_loss,
            train_accuracy,
            test_loss: test.map(|(l, _)| l),
            test_accuracy: test.and_then(|(_, a)| a),
        });
        progress(epoch + 1);
    }
    epochs
}
