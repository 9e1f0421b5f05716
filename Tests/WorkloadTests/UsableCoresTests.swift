import Foundation
import Testing
@testable import Workload

/// The default thread count is the cores a process may use: a container's CPU quota caps it
/// (the kernel's cgroup documentation: v2 `cpu.max` is "$MAX $PERIOD", "max" for none; v1
/// `cpu.cfs_quota_us` is -1 for none), rounded up so that 1.5 CPUs give two threads.
@Suite("usable cores")
struct UsableCoresTests {
    @Test("cgroup v2 cpu.max: the quota in whole CPUs, rounded up; none for max or text that is not a quota", arguments: [
        ("max 100000\n", nil), ("200000 100000\n", 2), ("150000 100000", 2), ("50000 100000\n", 1), ("100000 100000", 1),
        ("6400000 100000\n", 64), ("0 100000", nil), ("-1 100000", nil), ("", nil), ("200000", nil), ("2e5 100000", nil),
        ("200000 0", nil),
    ] as [(String, Int?)])
    func cgroup2(_ text: String, _ cpus: Int?) {
        #expect(cpuQuota(cgroup2CPUMax: text) == cpus, "\(text.debugDescription)")
    }

    @Test("cgroup v1 cfs quota over period: the same; -1 is no quota", arguments: [
        ("-1\n", "100000\n", nil), ("200000\n", "100000\n", 2), ("250000", "100000", 3), ("10000\n", "100000\n", 1),
        ("x", "100000", nil), ("200000", "", nil),
    ] as [(String, String, Int?)])
    func cgroup1(_ quota: String, _ period: String, _ cpus: Int?) {
        #expect(cpuQuota(cgroup1Quota: quota, period: period) == cpus)
    }

    /// `proc(5)`: "Cpus_allowed: Hexadecimal mask of CPUs on which this process may run",
    /// in comma-separated 32-bit words (`taskset -c 0` gives 1, `-c 0,5` 21).
    @Test("the affinity mask's CPUs from /proc/self/status", arguments: [
        ("Name:\tpopsim\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n", 2),
        ("Cpus_allowed:\t1\n", 1), ("Cpus_allowed:\t21\n", 2),
        ("Cpus_allowed:\tffffffff,ffffffff\n", 64), ("Cpus_allowed:\t00000000,000000F0\n", 4),
        ("Cpus_allowed_list:\t0-1\n", nil), ("Cpus_allowed:\t0\n", nil), ("Cpus_allowed:\t3g\n", nil), ("", nil),
    ] as [(String, Int?)])
    func affinity(_ text: String, _ cpus: Int?) {
        #expect(allowedCPUCount(procStatus: text) == cpus, "\(text.debugDescription)")
    }

    @Test("at least one core, and no more than the machine has online")
    func bounds() {
        let cores = usableCores()
        #expect(cores >= 1)
        #expect(cores <= sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}
