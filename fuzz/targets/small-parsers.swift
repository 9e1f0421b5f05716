// libFuzzer entry point for the 'small-parsers' target; the body is FuzzTarget.smallParsers (fuzz/Harness).
import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(.smallParsers, data, size)
}
