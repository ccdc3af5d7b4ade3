//! DynapSim: the Dynap-SE2 neuron, synapse and AHP dynamics as Rockpool 3.1.0 computes them.
