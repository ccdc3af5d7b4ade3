//! Dynap-SE2 deployment: clustering onto cores (`mapper`), the specification it produces
//! (`spec`), weight quantization (`autoencoder`), the bias generator (`biasgen`) and the
//! hardware configuration (`config`).

pub mod autoencoder;
pub mod biasgen;
pub mod config;
pub mod mapper;
pub mod spec;

pub use spec::{Cluster, Deployment, Geometry, InputChannel, Placement, Quantized, QuantizedCluster};
