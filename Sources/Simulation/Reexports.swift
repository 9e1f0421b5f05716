// The seeded generator and its deterministic logarithm live in Workload (the synthetic trace
// generator needs them, and Workload sits below Simulation). Re-exported here so that code
// which draws random numbers inside the simulation keeps saying `import Simulation`.
@_exported import struct Workload.SplitMix64
@_exported import func Workload.deterministicLog
