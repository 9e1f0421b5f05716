// libFuzzer entry point for the 'oracle-general' target; the body is FuzzTarget.oracleGeneral (fuzz/Harness).
import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(.oracleGeneral, data, size)
}
