// What a libFuzzer entry point calls: the input as bytes, a scratch folder of its own.
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public enum FuzzEntry {
    /// The process's scratch folder: `$POPSIM_FUZZ_SCRATCH`, else `/dev/shm` (memory, so the
    /// input file costs no disk I/O) or `/tmp`, with the process id in the name.
    nonisolated(unsafe) static var scratch: String? = nil

    /// Runs `target` on libFuzzer's input; always returns 0 (libFuzzer's "keep going").
    public static func run(_ target: FuzzTarget, _ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        _ = target.run(bytes, scratch: scratchFolder())
        return 0
    }

    static func scratchFolder() -> String {
        if let s = scratch { return s }
        var base = "/tmp"
        if let env = getenv("POPSIM_FUZZ_SCRATCH") {
            base = String(cString: env)
        } else if access("/dev/shm", W_OK) == 0 {
            base = "/dev/shm"
        }
        let s = base + "/popsim-fuzz-\(getpid())"
        mkdir(s, 0o700)
        scratch = s
        // libFuzzer ends with exit(): remove the folder and what the targets wrote in it then.
        atexit {
            guard let s = FuzzEntry.scratch, let dir = opendir(s) else { return }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { unlink(s + "/" + name) }
            }
            closedir(dir)
            rmdir(s)
        }
        return s
    }
}
