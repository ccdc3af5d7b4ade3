//! Resistive crossbar tiles as aihwkit models them: devices, IO pipeline, pulsed update, compounds.
