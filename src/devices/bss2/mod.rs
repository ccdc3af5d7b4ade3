//! BrainScaleS-2: a mismatched behavioural neuron plant (reference/calix.md §4–5) and calix's
//! calibration algorithms (§3). Nothing here parses `.dyn` text: the `calibrate` pass hands these
//! modules plain, already-checked numbers.

pub mod calibrate;
pub mod plant;
pub mod rng;
