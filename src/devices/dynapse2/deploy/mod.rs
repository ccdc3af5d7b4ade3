//! Dynap-SE2 deployment: clustering onto cores, weight quantization, hardware configuration.
pub mod autoencoder;
