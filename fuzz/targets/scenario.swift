// libFuzzer entry point for the 'scenario' target; the body is FuzzTarget.scenario (fuzz/Harness).
import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(.scenario, data, size)
}
