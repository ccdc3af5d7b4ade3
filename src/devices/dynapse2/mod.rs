//! SynSense Dynap-SE2: the DynapSim dynamics (`simulation`) and the deployment path
//! (`deploy`: mapper, autoencoder quantization, bias generator, CAM/SRAM configuration).

pub mod deploy;
pub mod simulation;
