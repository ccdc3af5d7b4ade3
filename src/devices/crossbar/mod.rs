//! Resistive crossbar tiles as aihwkit models them (shared/reference/aihwkit.md): device models
//! with device-to-device and cycle-to-cycle variation, the analog matrix-vector pipeline with its
//! non-idealities, the stochastic pulsed update, and the compound training algorithms that
//! build_config assembles. Everything is f64 and seeded; nothing here reads `.dyn` text.

pub mod compounds;
pub mod config;
pub mod device;
pub mod io;
pub mod product;
pub mod rng;
pub mod round;
pub mod tile;
pub mod train;
pub mod update;
