// Workload module
