// libFuzzer entry point for the 'pstrace' target; the body is FuzzTarget.pstrace (fuzz/Harness).
import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(.pstrace, data, size)
}
