import Foundation
import Testing
import TestSupport

// The bad-input catalogue (issue 7): malformed inputs for every reader popsim has, each run
// through the CLI. Each must end in one clear error naming the file, the line, record or key,
// and the reason; exit status 2; and no output created or changed: every case runs in a folder
// that already holds outputs with known contents (`out.csv`, `audit.csv`, `bundle/summary.json`),
// and afterwards they are byte for byte as they were, with nothing else beside them.

/// One malformed input: the files to write, the command line (run in their folder), and what
/// the error must say.
struct BadInput: Sendable, CustomTestStringConvertible {
    var name: String
    var files: [String: [UInt8]]
    var args: [String]
    var mentions: [String]
    var testDescription: String { name }
}

/// Outputs that exist before each case runs, and must be exactly the same after it.
let protectedOutputs: [String: String] = [
    "out.csv": "t,pop,url,origin,kind\n0,precious,/out.csv,,font\n",
    "audit.csv": "precious audit\n",
    "bundle/summary.json": "{\"precious\": true}\n",
]

// MARK: - builders

/// A scenario with one POP (`hangzhou`) and one domain, replaying `trace.csv`.
let catalogueScenario = """
{
  "version": 1,
  "name": "catalogue",
  "pops": [{"id": "hangzhou", "capacity": "1GB"}],
  "origins": [{"id": "bucket", "type": "oss"}],
  "domains": [{"host": "cdn.example.com", "origin": "bucket"}],
  "variants": {"pass-through": {}},
  "workload": {"trace": "trace.csv"}
}
"""

/// `popsim run` writing a bundle and an audit log.
let runArgs = ["run", "scenario.json", "--out", "bundle", "--requests-out", "audit.csv", "--quiet"]

/// A string's UTF-8 bytes.
func u8(_ s: String) -> [UInt8] { Array(s.utf8) }

/// A CSV trace replayed by `popsim run`.
func badTrace(_ name: String, _ trace: [UInt8], _ mentions: [String]) -> BadInput {
    BadInput(name: "trace: " + name, files: ["scenario.json": u8(catalogueScenario), "trace.csv": trace], args: runArgs, mentions: mentions)
}

func badTrace(_ name: String, _ trace: String, _ mentions: [String]) -> BadInput { badTrace(name, u8(trace), mentions) }

/// A scenario (run with `popsim run`); `edit` rewrites the good one.
func badScenario(_ name: String, _ edit: (String) -> String, _ mentions: [String], trace: String = "t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,font\n") -> BadInput {
    BadInput(name: "scenario: " + name, files: ["scenario.json": u8(edit(catalogueScenario)), "trace.csv": u8(trace)],
             args: runArgs, mentions: mentions)
}

/// A scenario file's whole bytes.
func badScenarioBytes(_ name: String, _ scenario: [UInt8], _ mentions: [String]) -> BadInput {
    BadInput(name: "scenario: " + name, files: ["scenario.json": scenario], args: runArgs, mentions: mentions)
}

/// A binary (or any) trace converted to `out.csv` with `popsim trace convert`.
func badConvert(_ name: String, file: String, _ content: [UInt8], _ mentions: [String], extra: [String] = []) -> BadInput {
    BadInput(name: "convert: " + name, files: [file: content], args: ["trace", "convert", file, "out.csv"] + extra, mentions: mentions)
}

/// An access log imported to `out.csv` with `popsim trace import`.
func badLog(_ name: String, format: String, file: String = "access.log", _ content: [UInt8], _ mentions: [String],
            extra: [String] = [], more: [String: [UInt8]] = [:]) -> BadInput {
    var files = more
    files[file] = content
    return BadInput(name: "import \(format): " + name, files: files,
                    args: ["trace", "import", "--format", format, file, "--out", "out.csv"] + extra, mentions: mentions)
}

func badLog(_ name: String, format: String, _ content: String, _ mentions: [String], extra: [String] = [],
            more: [String: [UInt8]] = [:]) -> BadInput {
    badLog(name, format: format, u8(content), mentions, extra: extra, more: more)
}

// MARK: - binary traces

/// A popsim binary trace: the header, then `body`.
func pstrace(_ body: [UInt8], version: UInt8 = 1) -> [UInt8] { u8("PSTRACE\0") + [version, 0, 0, 0] + body }

/// Defines for one POP `a`, URL `/x`, method `GET` and kind `font`.
let pstraceDefines: [UInt8] = {
    var out: [UInt8] = [1, 0, 1] + u8("a")
    out += [1, 1, 2] + u8("/x")
    out += [1, 3, 3] + u8("GET")
    out += [1, 4, 4] + u8("font")
    return out
}()
/// One request using them all (tag: POP, kind and method present).
let pstraceRequest: [UInt8] = [0x9A, 0, 0, 0, 0]

/// oracleGeneral records (time s, id, size, next access).
func oracleGeneral(_ records: [(UInt32, UInt64, UInt32, Int64)]) -> [UInt8] {
    var out: [UInt8] = []
    for (t, id, size, next) in records {
        withUnsafeBytes(of: t.littleEndian) { out += $0 }
        withUnsafeBytes(of: id.littleEndian) { out += $0 }
        withUnsafeBytes(of: size.littleEndian) { out += $0 }
        withUnsafeBytes(of: next.littleEndian) { out += $0 }
    }
    return out
}

// MARK: - logs

let nginxLine = #"203.0.113.9 - - [10/Mar/2024:13:55:36 +0800] "GET /a.woff2 HTTP/1.1" 200 10 "https://www.example.com/" "UA""#
let alibabaLine = #"[9/Mar/2024:23:59:58 +0800] 203.0.113.7 - 12 "https://www.example.com/" "GET https://static.example-cdn.com/fonts/brand.woff2" 200 312 48213 MISS "UA" "font/woff2""#
let cloudFrontHeader = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer)\n"

// MARK: - the catalogue

let catalogue: [BadInput] = [
    // CSV traces, replayed by `popsim run`.
    badTrace("truncated last line", "t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,font\n0,hangzhou", ["trace.csv:3: expected 5 fields (t,pop,url,origin,kind), found 2"]),
    badTrace("a column too many", "t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,font,x\n", ["trace.csv:2: expected 5 fields", "found 6"]),
    badTrace("a column too few", "t,pop,url,origin,kind\n0,hangzhou,/a.woff2,font\n", ["trace.csv:2: expected 5 fields", "found 4"]),
    badTrace("non-UTF-8 bytes in a URL", u8("t,pop,url,origin,kind\n0,hangzhou,/a") + [0xFF, 0xFE] + u8(".woff2,,font\n"),
             ["trace.csv:2: column 'url': not valid UTF-8 (byte 0xFF at byte 3 of the field)"]),
    badTrace("a NUL byte in a POP", u8("t,pop,url,origin,kind\n0,hang") + [0] + u8("zhou,/a.woff2,,font\n"),
             ["trace.csv:2: column 'pop':", "contains control character U+0000 at byte 5"]),
    badTrace("a NUL byte in the header", u8("t,pop,url,origin,ki") + [0] + u8("nd\n0,hangzhou,/a.woff2,,font\n"),
             ["trace.csv:1: header: control character U+0000 at byte 20", "is this a binary trace?"]),
    badTrace("negative size", "t,pop,url,origin,kind,bytes\n0,hangzhou,/a.woff2,,font,-5\n", ["trace.csv:2: column 'bytes': \"-5\" is negative"]),
    badTrace("size over 1 TiB", "t,pop,url,origin,kind,bytes\n0,hangzhou,/a.woff2,,font,9223372036854775807\n",
             ["trace.csv:2: column 'bytes': 9223372036854775807 is larger than 1099511627776 bytes (1 TiB)"]),
    badTrace("negative time", "t,pop,url,origin,kind\n-1,hangzhou,/a.woff2,,font\n", ["trace.csv:2: column 't': \"-1\" is negative"]),
    badTrace("time going backwards", "t,pop,url,origin,kind\n5,hangzhou,/a.woff2,,font\n4.5,hangzhou,/a.woff2,,font\n",
             ["trace.csv:3: column 't': \"4.5\" is earlier than 5 on line 2 (a trace must be in time order)"]),
    badTrace("time not a number", "t,pop,url,origin,kind\nnan,hangzhou,/a.woff2,,font\n", ["trace.csv:2: column 't': \"nan\" is not a time"]),
    badTrace("time finer than a microsecond", "t,pop,url,origin,kind\n0.0000001,hangzhou,/a.woff2,,font\n",
             ["trace.csv:2: column 't': \"0.0000001\" is finer than a microsecond"]),
    badTrace("time past 285 years", "t,pop,url,origin,kind\n9999999999,hangzhou,/a.woff2,,font\n",
             ["trace.csv:2: column 't': 9999999999.000s is past 9007199254.740992s (about 285 years)"]),
    badTrace("empty file", "", ["trace.csv: empty file (expected a header row such as t,pop,url,origin,kind)"]),
    badTrace("blank lines only", "\n  \n\t\n", ["trace.csv: empty file"]),
    badTrace("a header and no requests", "t,pop,url,origin,kind\n", ["trace.csv: no requests in the workload; nothing to simulate"]),
    badTrace("required column missing", "t,pop,url,origin\n0,hangzhou,/a.woff2,\n",
             ["trace.csv:1: column 'kind': required column missing from the header"]),
    badTrace("duplicate column", "t,pop,url,origin,kind,t\n", ["trace.csv:1: column 't': column appears twice in the header (fields 1 and 6)"]),
    badTrace("unknown column", "t,pop,url,origin,kind,colour\n", ["trace.csv:1: column 'colour': unknown column in the header"]),
    badTrace("unterminated quote", "t,pop,url,origin,kind\n0,hangzhou,\"/a.woff2,,font\n", ["trace.csv:2: column 'url': unterminated quote"]),
    badTrace("unknown POP", "t,pop,url,origin,kind\n0,tokyo,/a.woff2,,font\n", ["trace.csv:2: column 'pop': unknown POP \"tokyo\" (POPs: hangzhou)"]),
    badTrace("unknown kind", "t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,woff\n", ["trace.csv:2: column 'kind':", "woff"]),
    badTrace("origin that is not one", "t,pop,url,origin,kind\n0,hangzhou,/a.woff2,htp//a.com,font\n", ["trace.csv:2: column 'origin':", "htp//a.com"]),
    badTrace("method with a space", "t,pop,url,origin,kind,method\n0,hangzhou,/a.woff2,,font,G ET\n",
             ["trace.csv:2: column 'method': \"G ET\" is not an HTTP method"]),
    badTrace("wrong credentials mode", "t,pop,url,origin,kind,credentials\n0,hangzhou,/a.woff2,,font,maybe\n",
             ["trace.csv:2: column 'credentials': \"maybe\" is not a credentials mode"]),
    badTrace("URL with a space", "t,pop,url,origin,kind\n0,hangzhou,/a b.woff2,,font\n", ["trace.csv:2: column 'url':", "contains a space at byte 3"]),
    badTrace("URL on a host the scenario lacks", "t,pop,url,origin,kind\n0,hangzhou,https://other.example.com/a.woff2,,font\n",
             ["trace.csv:2: column 'url':", "other.example.com"]),
    badTrace("URL with an invalid port", "t,pop,url,origin,kind\n0,hangzhou,https://cdn.example.com:99999/a,,font\n",
             ["trace.csv:2: column 'url':", "invalid port"]),
    badTrace("a line longer than 64 MiB", u8("t,pop,url,origin,kind\n0,hangzhou,/") + [UInt8](repeating: 0x61, count: 65 << 20) + u8(",,font\n"),
             ["trace.csv:", "line 2 is longer than 64 MiB"]),
    badTrace("more time windows than a run keeps", "t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,font\n86400000,hangzhou,/a.woff2,,font\n",
             ["trace.csv:3: column 't':", "a run spans at most 1000000 windows"]),
    BadInput(name: "trace: a directory where the trace should be", files: ["scenario.json": u8(catalogueScenario), "trace.csv/keep": []],
             args: runArgs, mentions: ["trace.csv: is a directory, not a file"]),
    BadInput(name: "trace: missing file", files: ["scenario.json": u8(catalogueScenario)], args: runArgs,
             mentions: ["trace.csv: no such file or directory"]),

    // popsim binary traces, converted with `popsim trace convert`.
    badConvert("pstrace cut inside a record", file: "t.pstrace", pstrace(pstraceDefines + [0x9A, 0]),
               ["t.pstrace:1: record 1 (byte offset 34): truncated: the file ends 2 byte(s) into the record"]),
    badConvert("pstrace cut inside the header", file: "t.pstrace", Array(u8("PSTRACE\0")),
               ["t.pstrace: truncated header: the file ends at byte offset 8 (the header is 12 bytes)"]),
    badConvert("pstrace with the wrong magic", file: "t.pstrace", u8("PSTRACX\0") + [1, 0, 0, 0], ["t.pstrace: not a popsim binary trace (wrong magic"]),
    badConvert("pstrace from a newer popsim", file: "t.pstrace", pstrace([], version: 2), ["t.pstrace: unsupported version 2 (this popsim reads version 1"]),
    badConvert("empty pstrace", file: "t.pstrace", [], ["t.pstrace: not a popsim binary trace (empty file"]),
    badConvert("pstrace with an unknown record tag", file: "t.pstrace", pstrace([0x05]), ["t.pstrace:1:", "unknown record tag 0x05"]),
    badConvert("pstrace time going backwards", file: "t.pstrace", pstrace([2, 10, 2, 5]), ["t.pstrace:", "time going backwards"]),
    badConvert("pstrace naming an undefined URL", file: "t.pstrace", pstrace(pstraceDefines + [0x9A, 0, 7, 0, 0] + [0, 1]), ["t.pstrace:1:", "url id 7"]),
    badConvert("pstrace string that is not UTF-8", file: "t.pstrace", pstrace([1, 0, 2, 0xC3, 0x28]), ["t.pstrace:", "UTF-8"]),
    badConvert("pstrace end record with the wrong count", file: "t.pstrace", pstrace(pstraceDefines + pstraceRequest + [0, 2]),
               ["t.pstrace:", "the end record counts 2 requests but the file holds 1"]),
    badConvert("pstrace bytes after the end record", file: "t.pstrace", pstrace(pstraceDefines + pstraceRequest + [0, 1, 0x78]),
               ["t.pstrace:", "byte(s) after the end record"]),
    badConvert("pstrace without an end record", file: "t.pstrace", pstrace(pstraceDefines + pstraceRequest),
               ["t.pstrace:", "the file ends without an end record (truncated?)"]),

    // oracleGeneral traces.
    badConvert("oracleGeneral cut inside a record", file: "t.oracleGeneral", Array(oracleGeneral([(1, 1, 10, -1), (2, 2, 10, -1)]).prefix(30)),
               ["t.oracleGeneral:2: record 2 is truncated: the file ends 6 byte(s) into it"]),
    badConvert("oracleGeneral that is text", file: "t.oracleGeneral", u8("t,pop,url,origin,kind\n"), ["t.oracleGeneral:", "starts with text"]),
    badConvert("oracleGeneral time going backwards", file: "t.oracleGeneral", oracleGeneral([(5, 1, 10, -1), (4, 2, 10, -1)]),
               ["t.oracleGeneral:2: record 2: time 4 s is earlier than 5 s in record 1"]),
    badConvert("oracleGeneral compressed with zstd", file: "t.oracleGeneral.zst", [0x28, 0xB5, 0x2F, 0xFD] + [UInt8](repeating: 0, count: 44),
               ["t.oracleGeneral.zst:", "compressed with zstd; decompress it first"]),
    badConvert("empty oracleGeneral", file: "t.oracleGeneral", [], ["t.oracleGeneral: no requests in the trace; nothing written"]),
    badConvert("oracleGeneral that is a popsim trace", file: "t.oracleGeneral", pstrace(pstraceDefines + pstraceRequest + [0, 1]),
               ["t.oracleGeneral:", "a popsim binary trace (magic PSTRACE), not oracleGeneral"]),
    badConvert("object map naming an id twice", file: "t.oracleGeneral", oracleGeneral([(1, 1, 10, -1)]),
               ["objects.csv:3: column 'id': object 1 is mapped twice"], extra: ["--object-map", "objects.csv"])
        .adding("objects.csv", "id,url\n1,/a\n1,/b\n"),
    badConvert("object map with an unknown kind", file: "t.oracleGeneral", oracleGeneral([(1, 1, 10, -1)]),
               ["objects.csv:2: column 'kind':", "woff"], extra: ["--object-map", "objects.csv"])
        .adding("objects.csv", "id,kind\n1,woff\n"),
    // Found by a QA pass (stop 32): the writer made a .pstrace its reader refuses (a string past 16 MiB).
    badConvert("a URL longer than a .pstrace holds", file: "t.csv", u8("t,pop,url,origin,kind\n0,p,/a,,font\n1,p,/" + String(repeating: "x", count: 1 << 24) + ",,font\n"),
               ["cannot write out.pstrace: record 2 (t.csv:3): its url is 16777217 bytes; a popsim trace holds strings of at most 16777216 bytes"])
        .replacingArgs(["trace", "convert", "t.csv", "out.pstrace"]),
    badConvert("the input is the output", file: "t.csv", [], ["IN and OUT are the same file (out.csv)"])
        .replacingArgs(["trace", "convert", "out.csv", "./out.csv"]),
    badConvert("a directory to convert", file: "dir.csv/keep", [], ["dir.csv: is a directory, not a file"])
        .replacingArgs(["trace", "convert", "dir.csv", "out.csv"]),

    // Access logs, imported with `popsim trace import`.
    badLog("empty log", format: "nginx-combined", "", ["no requests found in access.log as nginx-combined logs; nothing written"]),
    badLog("no line in the format", format: "nginx-combined", "garbage\nmore garbage\n",
           ["access.log:1: column '$remote_addr'", "no requests found in access.log"]),
    badLog("--strict stops at the first bad line", format: "nginx-combined", nginxLine + "\ngarbage\n",
           ["access.log:2: column '$remote_addr': no ' - ' after it"], extra: ["--strict"]),
    badLog("time going back further than --max-backwards", format: "nginx-combined",
           nginxLine + "\n" + nginxLine.replacingOccurrences(of: "13:55:36", with: "13:55:30") + "\n",
           ["access.log:2: column '$time_local': 6.000s earlier than line 1; a log may go back by at most 1.000s"]),
    badLog("a time that is not one, --strict", format: "nginx-combined", nginxLine.replacingOccurrences(of: "13:55:36", with: "25:00:00") + "\n",
           ["access.log:1: column '$time_local': \"10/Mar/2024:25:00:00 +0800\" is not a time"], extra: ["--strict"]),
    badLog("non-UTF-8 bytes in the method, --strict", format: "nginx-combined",
           u8(#"203.0.113.9 - - [10/Mar/2024:13:55:36 +0800] "G"#) + [0xFF] + u8(#"T /a.woff2 HTTP/1.1" 200 10 "-" "UA""# + "\n"),
           ["access.log:1: column '$request': method", "byte 0xFF, which an HTTP method cannot contain"], extra: ["--strict"]),
    badLog("log_format without a time", format: "nginx-combined", nginxLine + "\n", ["log_format: the format has no time variable"],
           extra: ["--log-format", "$remote_addr \"$request\""]),
    badLog("log_format without variables", format: "nginx-combined", nginxLine + "\n", ["log_format: \"hello\" names no variables"],
           extra: ["--log-format", "hello"]),
    badLog("a directory where the log should be", format: "nginx-combined", file: "logs/keep", [],
           ["logs: is a directory, not a file"]).replacingArgs(["trace", "import", "--format", "nginx-combined", "logs", "--out", "out.csv"]),
    badLog("missing log", format: "alibaba-cdn", "", ["nope.log: no such file or directory"])
        .replacingArgs(["trace", "import", "--format", "alibaba-cdn", "nope.log", "--out", "out.csv"]),
    badLog("NUL bytes, --strict", format: "alibaba-cdn", [0, 0, 0, 0x0A], ["access.log:1: the line does not start with '['"], extra: ["--strict"]),
    badLog("truncated line, --strict", format: "alibaba-cdn", String(alibabaLine.prefix(60)) + "\n", ["access.log:1:"], extra: ["--strict"]),
    badLog("negative size, --strict", format: "alibaba-cdn", alibabaLine.replacingOccurrences(of: " 48213 ", with: " -5 ") + "\n",
           ["access.log:1:", "-5"], extra: ["--strict"]),
    badLog("not valid gzip", format: "alibaba-cdn", [0x1F, 0x8B, 0x08, 0x00] + u8("garbage"),
           ["access.log: 'gzip -dc' stopped with status 1 after line 0: the file is truncated or not valid gzip"]),
    badLog("#Fields without a URL field", format: "cloudfront", "#Version: 1.0\n#Fields: date time\n2024-03-10\t13:55:36\n",
           ["access.log:3: the #Fields line has no cs-uri-stem field, so no line can be read"]),
    badLog("a column short, --strict", format: "cloudfront",
           cloudFrontHeader + "2024-03-10\t01:00:00\tIAD89-C3\t48650\t203.0.113.7\tGET\td1.cloudfront.net\t/fonts/brand.woff2\t200\n",
           ["access.log:3: 9 tab-separated field(s), expected 10 (as #Fields names them)"], extra: ["--strict"]),
    badLog("a date that is not one, --strict", format: "cloudfront",
           cloudFrontHeader + "2024-13-10\t01:00:00\tIAD89-C3\t48650\t203.0.113.7\tGET\td1.cloudfront.net\t/fonts/brand.woff2\t200\t-\n",
           ["access.log:3: column 'date':", "2024-13-10"], extra: ["--strict"]),
    badLog("POP map with a bad prefix", format: "nginx-combined", nginxLine + "\n",
           ["map.csv:2: column 'client_prefix': \"203.0.113.0/33\" is not an IP address or prefix"],
           extra: ["--pop-map", "map.csv"], more: ["map.csv": u8("client_prefix,pop\n203.0.113.0/33,x\n")]),
    badLog("POP map with an unknown header", format: "nginx-combined", nginxLine + "\n",
           ["map.csv:1: header is \"foo,pop\" (expected 'client_prefix,pop' or 'edge,pop')"],
           extra: ["--pop-map", "map.csv"], more: ["map.csv": u8("foo,pop\n")]),
    badLog("--site that is not an http(s) origin", format: "nginx-combined", nginxLine + "\n",
           ["--site: \"ftp://x\" is not an http(s) origin"], extra: ["--site", "ftp://x"]),
    badLog("--max-backwards that is negative", format: "nginx-combined", nginxLine + "\n",
           ["--max-backwards: \"-1s\" is not a duration: negative"], extra: ["--max-backwards", "-1s"]),

    // Scenarios, run with `popsim run`.
    badScenario("unknown key", { $0.replacingOccurrences(of: "\"name\"", with: "\"nmae\": 1, \"name\"") },
                ["scenario.json:3: nmae: unknown key \"nmae\" (did you mean \"name\"?)"]),
    badScenario("duplicate key", { $0.replacingOccurrences(of: "\"name\": \"catalogue\"", with: "\"name\": \"a\", \"name\": \"b\"") },
                ["scenario.json:3:", "duplicate key \"name\""]),
    badScenario("wrong type", { $0.replacingOccurrences(of: "\"1GB\"", with: "1024") }, ["scenario.json:4: pops[0].capacity: expected a string, found a number"]),
    badScenario("unknown POP in a rollout", {
        $0.replacingOccurrences(of: "\"workload\"", with: "\"events\": [{\"at\": \"1s\", \"purge\": {\"url\": \"/a.woff2\"}, \"rollout\": {\"tokyo\": \"1s\"}}],\n  \"workload\"")
    }, ["scenario.json:", "events[0].rollout", "tokyo"]),
    badScenario("newer version", { $0.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2") }, ["scenario.json:2: version:", "version 2 is not supported"]),
    badScenario("a duration past 285 years", {
        $0.replacingOccurrences(of: "\"workload\"", with: "\"events\": [{\"at\": \"200000d\", \"purge\": {\"url\": \"/a.woff2\"}}],\n  \"workload\"")
    }, ["scenario.json:", "events[0].at: \"200000d\" is not a duration: too large"]),
    badScenario("an object size over 1 TiB", { $0.replacingOccurrences(of: "\"type\": \"oss\"", with: "\"type\": \"oss\", \"objectSize\": \"2TiB\"") },
                ["scenario.json:5: origins[0].objectSize: at most 1099511627776 bytes (1 TiB)"]),
    badScenario("a rule the console refuses", {
        $0.replacingOccurrences(of: "\"pass-through\": {}", with: "\"cdn\": {\"responseHeaders\": [{\"header\": \"Access-Control-Allow-Origin\", \"value\": \"https://*.a.com,https://*.b.com\", \"corsValidation\": true}]}")
    }, ["scenario.json: the console would refuse 1 rule(s)", "variants.cdn.responseHeaders[0].value", "multiple_wildcard_domains_not_supported"]),
    badScenario("synthetic workload without objects", {
        $0.replacingOccurrences(of: "{\"trace\": \"trace.csv\"}", with: "{\"synthetic\": {\"objects\": 0, \"alpha\": 1, \"rate\": 1, \"requests\": 5, \"origins\": {\"https://a.com\": 1}, \"kinds\": {\"font\": 1}, \"pops\": {\"hangzhou\": 1}}}")
    }, ["scenario.json:", "workload.synthetic.objects: must be at least 1 (found 0)"]),
    badScenario("negative seed", { $0.replacingOccurrences(of: "\"version\": 1,", with: "\"version\": 1, \"seed\": -1,") },
                ["scenario.json:2: seed: seed must be a non-negative integer"]),
    badScenarioBytes("empty file", [], ["scenario.json:1: invalid JSON: empty document (expected a JSON value)"]),
    badScenarioBytes("not UTF-8", [0xFF, 0xFE] + u8("{}"), ["scenario.json:1: invalid JSON: unexpected byte 0xFF"]),
    badScenarioBytes("a NUL byte", u8("{\"name\": ") + [0] + u8("}"), ["scenario.json:1: invalid JSON: unexpected character U+0000"]),
    badScenarioBytes("truncated", Array(u8(catalogueScenario).prefix(80)), ["scenario.json:", "invalid JSON"]),
    badScenarioBytes("nested 100,000 deep", [UInt8](repeating: UInt8(ascii: "["), count: 100_000), ["scenario.json:1: invalid JSON: nesting deeper than 512 levels"]),
    BadInput(name: "scenario: a directory", files: ["scenario.json/keep": []], args: runArgs, mentions: ["popsim: error: scenario.json: is a directory, not a file"]),
    BadInput(name: "scenario: missing file", files: [:], args: runArgs, mentions: ["popsim: error: scenario.json: no such file"]),
    badScenarioBytes("larger than 64 MiB (a trace given as the scenario)", [UInt8](repeating: 0x20, count: 65 << 20),
                     ["popsim: error: scenario.json: is 65 MiB; a scenario or rules file is at most 64 MiB"]),

    // Outputs that cannot be written: the disk is full, a folder is read-only, a file is in the way.
    BadInput(name: "output: audit log on a full disk (/dev/full)", files: ["scenario.json": u8(catalogueScenario), "trace.csv": u8("t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,font\n")],
             args: ["run", "scenario.json", "--out", "bundle", "--requests-out", "/dev/full", "--quiet"],
             mentions: ["cannot write /dev/full: write failed: no space left on device"]),
    BadInput(name: "output: converted trace on a full disk (/dev/full)", files: ["t.csv": u8("t,pop,url,origin,kind\n0,a,/x,,font\n")],
             args: ["trace", "convert", "t.csv", "/dev/full", "--to", "popsim"], mentions: ["cannot write /dev/full: write failed: no space left on device"]),
    BadInput(name: "output: generated trace on a full disk (/dev/full)", files: [:],
             args: ["trace", "gen", "--objects", "10", "--alpha", "1", "--rate", "1", "--requests", "10", "--out", "/dev/full"],
             mentions: ["cannot write /dev/full: write failed: no space left on device"]),
    BadInput(name: "output: generated .pstrace on a full disk (/dev/full, --to popsim)", files: [:],
             args: ["trace", "gen", "--objects", "10", "--alpha", "1", "--rate", "1", "--requests", "10", "--out", "/dev/full", "--to", "popsim"],
             mentions: ["cannot write /dev/full: write failed: no space left on device"]),
    BadInput(name: "output: a shard's part on a full disk (/dev/full; the part is written as it is encoded)",
             files: ["scenario.json": u8(catalogueScenario), "trace.csv": u8("t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,font\n")],
             args: ["run", "scenario.json", "--shard", "0/2", "--out", "/dev/full", "--quiet"],
             mentions: ["cannot write /dev/full: write failed: no space left on device"]),
    BadInput(name: "output: a folder where a shard's part should go", files: ["scenario.json": u8(catalogueScenario), "trace.csv": u8("t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,font\n")],
             args: ["run", "scenario.json", "--shard", "0/2", "--out", "bundle", "--quiet"],
             mentions: ["cannot write bundle: is a directory"]),
    BadInput(name: "output: bundle in a folder that cannot be created (/sys)", files: ["scenario.json": u8(catalogueScenario), "trace.csv": u8("t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,font\n")],
             args: ["run", "scenario.json", "--out", "/sys/popsim-catalogue", "--requests-out", "audit.csv", "--quiet"],
             mentions: ["--out /sys/popsim-catalogue: cannot create anything in /sys ("]),
    BadInput(name: "output: a file in the way of the bundle folder", files: ["scenario.json": u8(catalogueScenario), "trace.csv": u8("t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,font\n")],
             args: ["run", "scenario.json", "--out", "out.csv/bundle", "--requests-out", "audit.csv", "--quiet"],
             mentions: ["--out out.csv/bundle: out.csv is a file, not a folder"]),
    // Found by a QA pass (stop 32): checked before the replay (it was after a whole run, which was lost), and
    // outputs that name an input (renamed over it, the input was replaced with exit 0).
    BadInput(name: "output: sweep with a file in the way of its folder, refused before the replay", files: ["scenario.json": u8(catalogueScenario), "trace.csv": u8("t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,font\n")],
             args: ["sweep", "scenario.json", "--capacity", "1MB", "--out", "out.csv/sweep", "--quiet"],
             mentions: ["--out out.csv/sweep: out.csv is a file, not a folder"]),
    BadInput(name: "output: a file in the way of a shard's part, refused before the replay", files: ["scenario.json": u8(catalogueScenario), "trace.csv": u8("t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,font\n")],
             args: ["run", "scenario.json", "--shard", "0/2", "--out", "out.csv/p0.json", "--quiet"],
             mentions: ["--out out.csv/p0.json: out.csv is a file, not a folder"]),
    // Found by a QA pass (stop 33): the bundle was written, then the audit's rename failed.
    BadInput(name: "output: --requests-out names one of the bundle's files", files: ["scenario.json": u8(catalogueScenario), "trace.csv": u8("t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,font\n")],
             args: ["run", "scenario.json", "--out", "bundle", "--requests-out", "./bundle/../bundle/summary.json", "--quiet"],
             mentions: ["--requests-out ./bundle/../bundle/summary.json is the bundle's summary.json in --out bundle: give another path"]),
    BadInput(name: "output: --requests-out in the bundle's charts folder", files: ["scenario.json": u8(catalogueScenario), "trace.csv": u8("t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,font\n")],
             args: ["compare", "scenario.json", "--out", "bundle", "--requests-out", "bundle/charts/audit.csv", "--quiet"],
             mentions: ["--requests-out bundle/charts/audit.csv is in the bundle's charts folder in --out bundle: give another path"]),
    BadInput(name: "output: a file in the way of the merge's folder, refused before the parts are read", files: [:],
             args: ["merge", "p0.json", "p1.json", "--out", "out.csv/merged"],
             mentions: ["--out out.csv/merged: out.csv is a file, not a folder"]),
    BadInput(name: "output: trace gen over its own scenario", files: ["s.json": u8(catalogueScenario)],
             args: ["trace", "gen", "--scenario", "./out.csv", "--out", "out.csv"],
             mentions: ["--out out.csv is the --scenario file (./out.csv), which this command reads"]),
    BadInput(name: "output: trace import over its POP map", files: ["access.log": u8("")],
             args: ["trace", "import", "--format", "cloudfront", "access.log", "--pop-map", "out.csv", "--out", "out.csv"],
             mentions: ["--out out.csv is the --pop-map file (out.csv), which this command reads"]),
    BadInput(name: "output: trace convert over its object map", files: ["t.oracleGeneral": oracleGeneral([(1, 1, 10, -1)])],
             args: ["trace", "convert", "t.oracleGeneral", "out.csv", "--object-map", "out.csv"],
             mentions: ["OUT out.csv is the --object-map file (out.csv), which this command reads"]),
    BadInput(name: "output: the audit log over the scenario's trace", files: ["scenario.json": u8(catalogueScenario), "trace.csv": u8("t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,font\n")],
             args: ["run", "scenario.json", "--out", "bundle", "--requests-out", "./trace.csv", "--quiet"],
             mentions: ["--requests-out ./trace.csv is the scenario's trace (", "which this command reads"]),
    BadInput(name: "output: a folder where the trace should go", files: ["t.csv": u8("t,pop,url,origin,kind\n0,a,/x,,font\n")],
             args: ["trace", "convert", "t.csv", "bundle"], mentions: ["cannot write bundle: is a directory"])
        .replacingArgs(["trace", "convert", "t.csv", "bundle", "--to", "csv"]),

    // Cache-only replays (`cachesim`, `mrc`): nothing to replay is an error, not a miss ratio of 0 / 0.
    BadInput(name: "cachesim: an empty oracleGeneral trace", files: ["t.oracleGeneral": []],
             args: ["cachesim", "t.oracleGeneral", "--cache-size", "100"], mentions: ["t.oracleGeneral: nothing to replay: it holds no requests"]),
    BadInput(name: "cachesim: a CSV trace with a header only", files: ["t.csv": u8("t,pop,url,origin,kind\n")],
             args: ["cachesim", "t.csv", "--cache-size", "100"], mentions: ["t.csv: nothing to replay: it holds no requests"]),
    BadInput(name: "cachesim: every request of size 0", files: ["t.oracleGeneral": oracleGeneral([(0, 1, 0, -1), (1, 2, 0, -1)])],
             args: ["cachesim", "t.oracleGeneral", "--cache-size", "100"],
             mentions: ["t.oracleGeneral: nothing to replay: all 2 of its requests have size 0"]),
    BadInput(name: "cachesim: one request, of no size, given size 0", files: ["t.csv": u8("t,pop,url,origin,kind\n0,p,/a,,font\n")],
             args: ["cachesim", "t.csv", "--cache-size", "100", "--unknown-size", "0"],
             mentions: ["t.csv: nothing to replay: its one request has size 0",
                        "--unknown-size 0 gives the requests without a size the size 0"]),
    BadInput(name: "trace: a NUL byte in the header after a byte order mark", files: ["scenario.json": u8(catalogueScenario),
                                                                                      "trace.csv": [0xEF, 0xBB, 0xBF] + u8("t,p") + [0] + u8("op\n")],
             args: runArgs, mentions: ["trace.csv:1: header: control character U+0000 at byte 7"]),
    BadInput(name: "cachesim: a binary trace read as CSV (no extension)", files: ["day": oracleGeneral([(0, 1, 10, -1)])],
             args: ["cachesim", "day", "--cache-size", "100"], mentions: ["day:1: header: control character U+0000 at byte 1", "is this a binary trace?"]),
    // Found by a QA pass (stop 32): an option that was ignored without a word, and a log read as CSV with no hint.
    BadInput(name: "cachesim: --unknown-size with an oracleGeneral trace (every record has a size)", files: ["t.oracleGeneral": oracleGeneral([(0, 1, 10, -1)])],
             args: ["cachesim", "t.oracleGeneral", "--cache-size", "100", "--unknown-size", "5"],
             mentions: ["--unknown-size applies to CSV, popsim and log traces", "every oracleGeneral record has one"]),
    BadInput(name: "mrc: an --unknown-size that is not a byte size", files: ["t.csv": u8("t,pop,url,origin,kind\n0,p,/a,,font\n")],
             args: ["mrc", "t.csv", "--unknown-size", "12XB"], mentions: ["--unknown-size: '12XB' is not a size in bytes: unknown unit \"XB\""]),
    BadInput(name: "trace convert: an --unknown-size past oracleGeneral's 32 bits", files: ["t.csv": u8("t,pop,url,origin,kind\n0,p,/a,,font\n")],
             args: ["trace", "convert", "t.csv", "t.oracleGeneral", "--unknown-size", "4GiB"],
             mentions: ["--unknown-size: '4GiB' is more than 4294967295 bytes, the most an oracleGeneral record holds"]),
    BadInput(name: "cachesim: an access log without --format", files: ["access.log": u8("203.0.113.7 - - [10/Oct/2026:13:55:36 +0000] \"GET /a.woff2 HTTP/1.1\" 200 10 \"-\" \"-\"\n")],
             args: ["cachesim", "access.log", "--cache-size", "100"],
             mentions: ["access.log:1: header: ", "an access log? popsim trace import reads it, and cachesim and mrc with --format nginx-combined"]),
    BadInput(name: "cachesim: a gzip-compressed CSV trace", files: ["t.csv.gz": [0x1F, 0x8B, 0x08, 0x00, 0x0A, 0x00]],
             args: ["cachesim", "t.csv.gz", "--cache-size", "100", "--format", "csv"],
             mentions: ["t.csv.gz: compressed with gzip; decompress it first", "<(gzip -dc FILE) --format csv — popsim reads CSV traces uncompressed"]),
    BadInput(name: "cachesim: a gzip-compressed oracleGeneral trace", files: ["t.oracleGeneral.gz": [0x1F, 0x8B, 0x08, 0x00] + [UInt8](repeating: 0, count: 44)],
             args: ["cachesim", "t.oracleGeneral.gz", "--cache-size", "100", "--format", "oracleGeneral"],
             mentions: ["t.oracleGeneral.gz", "compressed with gzip; decompress it first (gzip -d FILE)", "popsim reads oracleGeneral uncompressed"]),
    BadInput(name: "mrc: an empty oracleGeneral trace", files: ["t.oracleGeneral": []],
             args: ["mrc", "t.oracleGeneral", "--out", "bundle"], mentions: ["t.oracleGeneral: nothing to replay: it holds no requests"]),
    BadInput(name: "mrc: a file in the way of the output folder", files: ["t.oracleGeneral": oracleGeneral([(0, 1, 10, -1)])],
             args: ["mrc", "t.oracleGeneral", "--out", "out.csv/mrc"],
             mentions: ["--out out.csv/mrc: out.csv is a file, not a folder"]),
    BadInput(name: "mrc: an output folder with a folder where mrc.svg goes", files: ["t.oracleGeneral": oracleGeneral([(0, 1, 10, -1)]), "bundle/mrc.svg/keep": []],
             args: ["mrc", "t.oracleGeneral", "--out", "bundle"], mentions: ["cannot write bundle/mrc.svg: is a directory"]),

    // Other inputs the CLI reads.
    BadInput(name: "lint: a directory", files: ["rules.json/keep": []], args: ["lint", "rules.json"], mentions: ["rules.json: is a directory, not a file"]),
    BadInput(name: "probe: OSS rules that are not JSON", files: ["oss.json": u8("{\"rules\": [")], args: ["probe", "--oss-cors", "oss.json", "--origin", "https://a.com"],
             mentions: ["oss.json:1:", "invalid JSON"]),
    BadInput(name: "export: a folder without a manifest", files: ["bundle/scenario.json": u8(catalogueScenario)], args: ["export", "notebook", "bundle"],
             mentions: ["bundle/manifest.json: no such file", "is not a results bundle"]),
    BadInput(name: "gen: a kind that does not exist", files: [:],
             args: ["trace", "gen", "--objects", "10", "--alpha", "1", "--rate", "1", "--requests", "10", "--kinds", "woff=1", "--out", "out.csv"],
             mentions: ["the value 'woff' is invalid for '--kinds'"]),
]

extension BadInput {
    /// The case with one more input file.
    func adding(_ name: String, _ text: String) -> BadInput {
        var c = self
        c.files[name] = u8(text)
        return c
    }

    /// The case with more bytes at the end of one of its files.
    func appendingToFile(_ name: String, _ extra: [UInt8]) -> BadInput {
        var c = self
        c.files[name, default: []] += extra
        return c
    }

    /// The case with another command line.
    func replacingArgs(_ args: [String]) -> BadInput {
        var c = self
        c.args = args
        return c
    }
}

@Suite("Bad-input catalogue: every reader, through the CLI")
struct BadInputCatalogueTests {
    @Test("the catalogue has at least 60 cases, each named once")
    func size() {
        #expect(catalogue.count >= 60)
        #expect(Set(catalogue.map(\.name)).count == catalogue.count)
    }

    @Test("a located error, exit 2, outputs untouched", arguments: catalogue)
    func badInput(_ c: BadInput) throws {
        let dir = try makeTemporaryDirectory("popsim-catalogue")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, contents) in protectedOutputs { try write(dir, name, u8(contents)) }
        for (name, contents) in c.files where !name.hasSuffix("/keep") { try write(dir, name, contents) }
        for name in c.files.keys where name.hasSuffix("/keep") {
            try FileManager.default.createDirectory(atPath: dir + "/" + name.dropLast(5), withIntermediateDirectories: true)
        }
        let before = tree(dir)

        let r = try runPopsim(c.args, in: dir)
        #expect(r.status == 2, "exit \(r.status); stderr: \(r.stderr)")
        #expect(r.stderr.contains("popsim: error: "), "stderr: \(r.stderr)")
        for m in c.mentions { #expect(r.stderr.contains(m), "missing \(m.debugDescription) in stderr: \(r.stderr)") }
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("crashed"), "stderr: \(r.stderr)")
        for (name, contents) in protectedOutputs {
            #expect(FileManager.default.contents(atPath: dir + "/" + name) == Data(contents.utf8), "\(name) changed")
        }
        #expect(tree(dir) == before, "files appeared or vanished: \(tree(dir)) (was \(before))")
    }

    func write(_ dir: String, _ name: String, _ contents: [UInt8]) throws {
        let path = dir + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(contents).write(to: URL(fileURLWithPath: path))
    }

    /// Every path under `dir`, hidden temporaries included.
    func tree(_ dir: String) -> [String] {
        (FileManager.default.subpaths(atPath: dir) ?? []).sorted()
    }
}
