// libFuzzer entry point for the 'cdn-rules' target; the body is FuzzTarget.cdnRules (fuzz/Harness).
import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(.cdnRules, data, size)
}
