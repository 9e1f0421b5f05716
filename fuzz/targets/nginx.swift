// libFuzzer entry point for the 'nginx' target; the body is FuzzTarget.nginx (fuzz/Harness).
import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(.nginx, data, size)
}
