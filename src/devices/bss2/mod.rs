//! BrainScaleS-2: a mismatched behavioural neuron plant and calix's calibration algorithms.
