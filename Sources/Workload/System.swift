// The few POSIX calls the readers and writers need, without Foundation.
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's text for an `errno` value, in lower case to sit inside a sentence.
func errnoText(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    guard let first = text.first else { return "error \(code)" }
    return first.lowercased() + text.dropFirst()
}

/// Whether `path` names an existing directory.
func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

/// The compressor (its command's name) that made a file starting with `head` — zstd or gzip —
/// or nil: popsim reads its inputs uncompressed (logs excepted, through `gzip -dc`).
package func compressor(ofFileStartingWith head: some Collection<UInt8>) -> String? {
    if head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return "zstd" }
    if head.starts(with: [0x1F, 0x8B]) { return "gzip" }
    return nil
}

/// What to tell of an input compressed with `tool` (`compressor(ofFileStartingWith:)`).
package func decompressionAdvice(_ tool: String) -> String {
    "compressed with \(tool); decompress it first (\(tool) -d FILE), or give it through a pipe, <(\(tool) -dc FILE)"
}

/// The directory part of a path (`a/b/c.csv` ⇒ `a/b`, `c.csv` ⇒ `.`, `/c` ⇒ `/`).
package func parentDirectory(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}

/// The last component of a path.
package func lastComponent(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}

/// Opens `path` read-only and returns its descriptor and, for a regular file, its size.
/// - Throws: `FileReadError` naming the path when it is missing, a directory or unreadable.
func openForReading(_ path: String) throws(FileReadError) -> (fd: Int32, size: Int64?) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw FileReadError(path: path, message: errnoText(errno)) }
    var st = stat()
    if fstat(fd, &st) != 0 {
        let code = errno
        _ = close(fd)
        throw FileReadError(path: path, message: errnoText(code))
    }
    if (st.st_mode & S_IFMT) == S_IFDIR {
        _ = close(fd)
        throw FileReadError(path: path, message: "is a directory, not a file")
    }
    return (fd, (st.st_mode & S_IFMT) == S_IFREG ? Int64(st.st_size) : nil)
}

/// Whether `path` names a regular file, by `stat` — without opening it: opening a named pipe
/// waits for its writer, and reading from it takes bytes its one reader needs (a trace given as
/// `<(zstd -dc day.pstrace.zst)`). Peeks at a trace (its magic, its request count, its size) are
/// made only where this is true.
public func isRegularFile(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
}

/// Whether `path` names something read once, as a stream — a pipe, a socket, a character
/// device such as a terminal — rather than a file or a folder (by `stat`, without opening it).
public func isStream(_ path: String) -> Bool {
    var st = stat()
    guard stat(path, &st) == 0 else { return false }
    let kind = st.st_mode & S_IFMT
    return kind == S_IFIFO || kind == S_IFSOCK || kind == S_IFCHR
}

/// Reads up to `count` bytes into `p`, retrying after signals and short reads; fewer only at
/// the end of the file. Returns the number read, or -errno.
func readFully(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ count: Int) -> Int {
    var done = 0
    while done < count {
        let n = read(fd, p + done, count - done)
        if n < 0 {
            if errno == EINTR { continue }
            return -Int(errno)
        }
        if n == 0 { break }
        done += n
    }
    return done
}

/// The first `count` bytes of a file (fewer when it is shorter), or nil when it cannot be read.
func filePrefix(_ path: String, count: Int) -> [UInt8]? {
    guard isRegularFile(path), let (fd, _) = try? openForReading(path) else { return nil }
    defer { _ = close(fd) }
    var bytes = [UInt8](repeating: 0, count: count)
    let n = bytes.withUnsafeMutableBytes { readFully(fd, $0.baseAddress!, count) }
    guard n >= 0 else { return nil }
    return Array(bytes[..<n])
}

/// What a command-line run leaves for the process's exit to reclaim.
///
/// Freeing a run's tables — a million URL strings in the reader's interner and the catalog,
/// the simulation's per-URL arrays — one object at a time took about 2 % of a 10M-request run
/// on 2 threads (50 ms of `free` on the reading thread, after the simulation threads had
/// finished); the operating system takes back the whole address space at once. Off unless the
/// command-line tool turns it on: a library user, or a test process that runs thousands of
/// simulations, must get its memory back.
public final class ExitReclaims: @unchecked Sendable {
    /// The process's instance, which `popsim` turns on first thing (the main thread only).
    public static let process = ExitReclaims()

    private var isOn = false
    private var kept: [Any] = []

    package init() {}

    public func turnOn() { isOn = true }

    /// Keeps `value` (a reference, or a value holding references) until the process exits, when on.
    public func keep(_ value: Any) {
        if isOn { kept.append(value) }
    }

    /// How many values are kept.
    package var count: Int { kept.count }
}

// MARK: - Cores

/// The cores this process may use: the CPUs its affinity mask allows (`taskset`, a container's
/// cpuset), capped by its cgroup's CPU quota rounded up (a Kubernetes `limits.cpu`, `docker
/// --cpus`) — the default thread count. The machine's core count alone would start, in a pod
/// limited to 2 CPUs on a 64-core node, 64 threads that the quota then throttles.
public func usableCores() -> Int {
    var cores = affinityCoreCount() ?? sysconf(Int32(_SC_NPROCESSORS_ONLN))
    if let quota = cgroupCPUQuota() { cores = min(cores, quota) }
    return max(1, cores)
}

/// How many CPUs the affinity mask allows (Linux: `Cpus_allowed` in /proc/self/status, as
/// `sched_getaffinity` gives it, which Swift's Glibc module does not declare), or nil.
private func affinityCoreCount() -> Int? {
    guard let bytes = filePrefix("/proc/self/status", count: 1 << 16) else { return nil }
    return allowedCPUCount(procStatus: String(decoding: bytes, as: UTF8.self))
}

/// The CPUs in the `Cpus_allowed:` line of a /proc/PID/status text (a hexadecimal mask in
/// comma-separated 32-bit groups, `proc(5)`), or nil when there is no such line or it is not a mask.
package func allowedCPUCount(procStatus text: String) -> Int? {
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return nil }
    var count = 0
    for c in line.dropFirst("Cpus_allowed:".count).utf8 where c != 0x2C && c != 0x20 && c != 0x09 {
        guard let digit = hexDigitValue(c) else { return nil }
        count += digit.nonzeroBitCount
    }
    return count > 0 ? count : nil
}

/// The value of an ASCII hexadecimal digit (either case), or nil.
func hexDigitValue(_ c: UInt8) -> Int? {
    switch c {
    case 0x30...0x39: return Int(c - 0x30)
    case 0x61...0x66: return Int(c - 0x61 + 10)
    case 0x41...0x46: return Int(c - 0x41 + 10)
    default: return nil
    }
}

/// The smallest CPU quota, in whole CPUs rounded up, of this process's cgroup and those above it
/// (cgroup v2's `cpu.max`; v1's `cpu.cfs_quota_us` over `cpu.cfs_period_us`), or nil: none set.
private func cgroupCPUQuota() -> Int? {
    #if os(Linux)
    func read(_ path: String) -> String? {
        guard let bytes = filePrefix(path, count: 4096) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
    var quotas: [Int] = []
    let membership = read("/proc/self/cgroup") ?? ""
    // v2: the line "0::/path"; each cgroup from it up to the root may set a quota.
    if let line = membership.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) {
        var path = String(line.dropFirst(3))
        while true {
            if let text = read("/sys/fs/cgroup" + (path == "/" ? "" : path) + "/cpu.max"), let q = cpuQuota(cgroup2CPUMax: text) { quotas.append(q) }
            if path == "/" || path.isEmpty { break }
            path = parentDirectory(path)
        }
    }
    // v1: the cpu controller's files as mounted in a container (its own cgroup at the root).
    for dir in ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"] {
        if let quota = read(dir + "/cpu.cfs_quota_us"), let period = read(dir + "/cpu.cfs_period_us"),
           let q = cpuQuota(cgroup1Quota: quota, period: period) { quotas.append(q) }
    }
    return quotas.min()
    #else
    return nil
    #endif
}

/// Whole CPUs (rounded up, at least 1) that a cgroup v2 `cpu.max` ("QUOTA PERIOD", in µs)
/// allows, or nil for "max" (no quota) or text that is not a quota.
package func cpuQuota(cgroup2CPUMax text: String) -> Int? {
    let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
    guard fields.count == 2, fields[0] != "max", let quota = Int(fields[0]), let period = Int(fields[1]) else { return nil }
    return wholeCPUs(quota: quota, period: period)
}

/// The same from cgroup v1's `cpu.cfs_quota_us` (-1: none) and `cpu.cfs_period_us`.
package func cpuQuota(cgroup1Quota quota: String, period: String) -> Int? {
    func number(_ s: String) -> Int? {
        let fields = s.split(whereSeparator: { $0 == " " || $0 == "\n" })
        return fields.count == 1 ? Int(fields[0]) : nil
    }
    guard let q = number(quota), let p = number(period) else { return nil }
    return wholeCPUs(quota: q, period: p)
}

private func wholeCPUs(quota: Int, period: Int) -> Int? {
    guard quota > 0, period > 0 else { return nil }
    return max(1, (quota + period - 1) / period)
}
