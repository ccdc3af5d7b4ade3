//! dyn: a declarative experiment language for neuromorphic and analog-AI hardware.
//!
//! The pipeline is a chain of types, one module per stage:
//! `syntax` (pest -> AST with spans) -> `check` (names, units, shapes, hardware limits)
//! -> `lower` (a plan of passes) -> `passes` (map, quantize, configure, simulate, calibrate,
//! train) -> `output` (npy, json, svg, written atomically).
//! Device physics lives in `devices`, one folder per device family.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    unsafe_code
)]

pub mod devices;
pub mod output;
