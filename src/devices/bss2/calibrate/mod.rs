//! calix's neuron calibration (calix.md §3) run against the behavioural plant.

pub mod search;
