//! Dynap-SE2 deployment: clustering onto cores, weight quantization, hardware configuration.

pub mod spec;

pub use spec::{Cluster, Deployment, Geometry, InputChannel, Placement, Quantized, QuantizedCluster};
