//! The last stage of `dyn run`: everything a run writes to `DIR/<experiment>/`, atomically.
//!
//! A run opens one [`OutputStage`] per experiment, writes every file through it (`.npy` arrays
//! via [`npy`], JSON via [`json`], SVG pictures rendered by [`svg`] as strings) and calls
//! [`OutputStage::commit`] only when the experiment succeeded; dropping the stage instead
//! removes everything it staged. [`progress`] draws the progress bars of long passes on stderr.
//! [`npy::read_npy`] is the other direction: the front end's `load("x.npy")`.

pub mod json;
pub mod npy;
pub mod progress;
pub mod staging;
pub mod svg;

pub use json::JsonError;
pub use npy::{NpyArray, NpyDtype, NpyError};
pub use progress::{Progress, ProgressPolicy};
pub use staging::{OutputStage, StageError};
pub use svg::SvgError;

/// Any failure while writing an experiment's outputs.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Staging or committing a file.
    #[error(transparent)]
    Stage(#[from] StageError),
    /// Encoding or reading an array.
    #[error(transparent)]
    Npy(#[from] NpyError),
    /// Encoding JSON.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// Drawing a picture.
    #[error(transparent)]
    Svg(#[from] SvgError),
}

/// `A.B.ext` names: `record X(pop)` -> `X.pop.npy`, calibration -> `achieved.leak.npy`;
/// `dotted_file("Imem", "h1", "npy")` is `Imem.h1.npy`,
/// `dotted_file("spikes", "out", "svg")` is `spikes.out.svg`.
pub fn dotted_file(signal: &str, population: &str, extension: &str) -> String {
    format!("{signal}.{population}.{extension}")
}

/// Fixed names of the files a run writes in `DIR/<experiment>/`.
pub mod names {
    /// What ran, pass times, warnings, figures.
    pub const SUMMARY: &str = "summary.json";
    /// Written by `quantize`.
    pub const QUANTIZATION: &str = "quantization.json";
    /// Written by `calibrate`.
    pub const CALIBRATION: &str = "calibration.json";
    /// Spike raster of every recorded `spikes(pop)`.
    pub const RASTER_SVG: &str = "raster.svg";
    /// Before/after histograms of each calibration target.
    pub const CALIBRATION_SVG: &str = "calibration.svg";
    /// Loss and accuracy per epoch of `train`.
    pub const LOSS_SVG: &str = "loss.svg";
    /// `quantize`'s integer codes and deployed weights, input and recurrent.
    pub const QUANTIZED_CODES_IN: &str = "quantized.codes_in.npy";
    pub const QUANTIZED_CODES_REC: &str = "quantized.codes_rec.npy";
    pub const QUANTIZED_W_IN: &str = "quantized.w_in.npy";
    pub const QUANTIZED_W_REC: &str = "quantized.w_rec.npy";
    /// `calibrate`'s per-neuron success flags.
    pub const SUCCESS: &str = "success.npy";
    /// `calibrate`'s per-target and per-parameter arrays, `<kind>.<name>.npy`.
    pub const CALIBRATION_ARRAYS: [&str; 5] = ["target", "before", "achieved", "residual", "codes"];
}
