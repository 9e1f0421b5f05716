// libFuzzer entry point for the 'cloudfront' target; the body is FuzzTarget.cloudfront (fuzz/Harness).
import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(.cloudfront, data, size)
}
