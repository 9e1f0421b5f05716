// libFuzzer entry point for the 'alibaba-cdn' target; the body is FuzzTarget.alibabaCDN (fuzz/Harness).
import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(.alibabaCDN, data, size)
}
