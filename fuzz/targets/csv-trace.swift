// libFuzzer entry point for the 'csv-trace' target; the body is FuzzTarget.csvTrace (fuzz/Harness).
import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(.csvTrace, data, size)
}
