//! Dynap-SE2 deployment: clustering onto cores (`mapper`), the specification it produces
//! (`spec`), the bias generator (`biasgen`) and the hardware configuration (`config`).

pub mod biasgen;
pub mod config;
pub mod mapper;
pub mod spec;

pub use spec::{Cluster, Deployment, Geometry, InputChannel, Placement, Quantized, QuantizedCluster};
