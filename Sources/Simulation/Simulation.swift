// Simulation module
