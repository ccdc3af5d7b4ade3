//! The calibration context: the plant, the seeded search streams, and what the searches found
//! (boundary hits per CapMem row, warnings, measurements per step).

use std::collections::BTreeMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::search::{Outcome, Search, SearchError};
use crate::devices::bss2::plant::config::Row;
use crate::devices::bss2::plant::Plant;
use crate::devices::bss2::rng::{stream, Purpose};

/// Why a calibration cannot complete (calix's CalibNotSuccessful, ValueError, ...).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalibError {
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Refractory(#[from] super::refractory::RefractoryError),
    /// calix's CalibNotSuccessful: what failed, and what to change.
    #[error("{0}")]
    NotSuccessful(String, &'static str),
    #[error("{0}")]
    Invalid(String),
}

impl CalibError {
    /// What the user can change.
    pub fn help(&self) -> &'static str {
        match self {
            CalibError::NotSuccessful(_, help) => help,
            CalibError::Search(_) => "a search range is too narrow for the noisy search; this is a bug in dyn",
            CalibError::Refractory(_) => "shorten `refractory_time` / `holdoff_time` (at most about 66.8 ms)",
            CalibError::Invalid(_) => "change the target or option the message names",
        }
    }
}

/// A measurement during a search: reads the plant as the search left it.
pub type Measure<'m, 'a> = &'m mut dyn FnMut(&mut Calibrator<'a>) -> Vec<f64>;

pub struct Calibrator<'a> {
    pub plant: &'a mut Plant,
    seed: u64,
    searches: u64,
    /// Per CapMem row (or `synapse_dac_bias`): neurons whose last search ended at a range end.
    pub boundary: BTreeMap<&'static str, Vec<bool>>,
    pub warnings: Vec<String>,
    /// (step, measurements it took), in order.
    pub steps: Vec<(String, u64)>,
    step_start: u64,
}

impl<'a> Calibrator<'a> {
    pub fn new(plant: &'a mut Plant, seed: u64) -> Calibrator<'a> {
        let step_start = plant.measurements();
        Calibrator {
            plant,
            seed,
            searches: 0,
            boundary: BTreeMap::new(),
            warnings: Vec::new(),
            steps: Vec::new(),
            step_start,
        }
    }

    /// Marks the end of a named step (for the report).
    pub fn step_done(&mut self, name: &str) {
        let now = self.plant.measurements();
        self.steps.push((name.to_string(), now - self.step_start));
        self.step_start = now;
    }

    /// The next search stream, in program order (never inside parallel code).
    pub fn rng(&mut self) -> ChaCha8Rng {
        self.searches += 1;
        stream(self.seed, Purpose::Search, self.searches, 0)
    }

    /// Writes `value` to a whole row with +-5 noise per neuron (calix does this for every
    /// non-zero scalar row write, against same-code crosstalk); zero is written exactly.
    pub fn fill(&mut self, row: Row, value: i32) {
        let mut rng = self.rng();
        let codes: Vec<i32> = (0..self.plant.neurons())
            .map(|_| if value == 0 { 0 } else { (value + rng.gen_range(-5..=5)).clamp(0, 1022) })
            .collect();
        self.plant.set_row(row, &codes);
    }

    /// Searches `row` for every neuron towards `targets`, leaves the best codes written.
    pub fn search(
        &mut self,
        row: Row,
        search: Search,
        targets: &[f64],
        measure: Measure<'_, 'a>,
    ) -> Result<Outcome, CalibError> {
        let mut rng = self.rng();
        let outcome = search.run(targets, &mut rng, |codes| {
            self.plant.set_row(row, codes);
            measure(self)
        })?;
        self.plant.set_row(row, &outcome.codes);
        self.boundary.insert(row.name(), outcome.at_boundary.clone());
        Ok(outcome)
    }
}
