import Foundation
import Testing
@testable import Workload

@Suite("Atomic file writes")
struct AtomicFileTests {
    static func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("writes create parent directories, replace the old file and leave no temporary", arguments: ["a.json", "sub/dir/a.json"])
    func write(_ name: String) throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/" + name
        try writeFileAtomically(path, contents: "first\n")
        #expect(Self.contents(path) == "first\n")
        try writeFileAtomically(path, contents: Array("second".utf8))
        #expect(Self.contents(path) == "second")
        let folder = String(name.dropLast("a.json".count))
        #expect(dir.listing(folder) == ["a.json"])
    }

    @Test("the streaming writer buffers, commits in one rename, and can sync")
    func streaming() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/audit.csv"
        let writer = try AtomicFileWriter(path: path, sync: true)
        #expect(writer.temporaryPath == dir.path + "/.audit.csv.tmp-\(getpid())")
        var expected = ""
        for i in 0..<50_000 {
            let line = "\(i),hangzhou,https://cdn.example.com/f/\(i).woff2,font\n"
            try writer.write(line)
            expected += line
            if i == 10 { #expect(!FileManager.default.fileExists(atPath: path)) }
        }
        #expect(dir.listing() == [".audit.csv.tmp-\(getpid())"])
        try writer.commit()
        #expect(Self.contents(path) == expected)
        #expect(dir.listing() == ["audit.csv"])
        #expect(throws: FileWriteError(path: path, message: "writer already committed or aborted")) {
            try writer.write("late")
        }
    }

    @Test("abort, or dropping an uncommitted writer, leaves the old file and no temporary")
    func abort() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/out.csv"
        try writeFileAtomically(path, contents: "old")
        let writer = try AtomicFileWriter(path: path)
        try writer.write(String(repeating: "x", count: 300_000))
        writer.abort()
        writer.abort()
        #expect(Self.contents(path) == "old")
        #expect(dir.listing() == ["out.csv"])
        do {
            let dropped = try AtomicFileWriter(path: dir.path + "/new.csv")
            try dropped.write("never")
        }
        #expect(dir.listing() == ["out.csv"])
    }

    @Test("a file where a directory should be is named in the error")
    func fileInTheWay() throws {
        let dir = TemporaryDirectory()
        let blocker = dir.file("blocker", "x")
        let path = blocker + "/sub/out.csv"
        #expect(throws: FileWriteError(path: path, message: "cannot create directory \(blocker): a file is in the way")) {
            try writeFileAtomically(path, contents: "x")
        }
        #expect(throws: FileWriteError(path: dir.path, message: "is a directory")) {
            try writeFileAtomically(dir.path, contents: "x")
        }
    }

    @Test("an unwritable directory is named in the error", .enabled(if: getuid() != 0, "root can write anywhere"))
    func unwritable() throws {
        let dir = TemporaryDirectory()
        let locked = dir.path + "/locked"
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
        chmod(locked, 0o555)
        defer { chmod(locked, 0o755) }
        #expect(throws: FileWriteError(path: locked + "/x.csv", message: "directory \(locked) is not writable (permission denied)")) {
            try writeFileAtomically(locked + "/x.csv", contents: "x")
        }
        #expect(throws: FileWriteError(path: locked + "/a/x.csv", message: "directory \(locked) is not writable (permission denied)")) {
            try writeFileAtomically(locked + "/a/x.csv", contents: "x")
        }
        #expect(FileWriteError(path: "o/x.csv", message: "directory o is not writable (permission denied)").description
                == "cannot write o/x.csv: directory o is not writable (permission denied)")
    }

    @Test("a device is written in place, never renamed over: /dev/full gives ENOSPC naming it and stays a device")
    func deviceTarget() throws {
        #expect(throws: FileWriteError(path: "/dev/full", message: "write failed: no space left on device")) {
            try writeFileAtomically("/dev/full", contents: "x")
        }
        var st = stat()
        #expect(stat("/dev/full", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR)
        try writeFileAtomically("/dev/null", contents: "discarded")
    }

    /// Renamed over a link, the temporary replaced the link itself: `--out /dev/stdout` with
    /// stdout redirected to a file made /dev/stdout a regular file (QA pass, stop 33).
    @Test("a symbolic link is followed: the file it names is replaced and the link stays; /proc/self/fd/N writes the open file; a link to nothing is refused")
    func symbolicLinks() throws {
        let dir = TemporaryDirectory()
        try writeFileAtomically(dir.path + "/real.csv", contents: "old\n")
        #expect(symlink("real.csv", dir.path + "/link.csv") == 0)
        try writeFileAtomically(dir.path + "/link.csv", contents: "new\n")
        var st = stat()
        #expect(lstat(dir.path + "/link.csv", &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK, "the link is still a link")
        #expect(Self.contents(dir.path + "/real.csv") == "new\n")
        #expect(dir.listing("") == ["link.csv", "real.csv"], "no temporary left")

        // As /dev/stdout is, when the shell has redirected it to a file: a link to /proc/self/fd/N.
        let redirected = dir.path + "/redirected.og"
        let fd = open(redirected, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(symlink("/proc/self/fd/\(fd)", dir.path + "/stdout") == 0)
        try writeFileAtomically(dir.path + "/stdout", contents: "trace\n")
        #expect(lstat(dir.path + "/stdout", &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK)
        #expect(Self.contents(redirected) == "trace\n")

        // As /dev/stdout is when it is a pipe: /proc/self/fd/N names "pipe:[…]", no path; written in place.
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        #expect(symlink("/proc/self/fd/\(ends[1])", dir.path + "/piped") == 0)
        try writeFileAtomically(dir.path + "/piped", contents: "through\n")
        close(ends[1])
        var got = [UInt8](repeating: 0, count: 64)
        let n = read(ends[0], &got, 64)
        #expect(n == 8 && String(decoding: got.prefix(8), as: UTF8.self) == "through\n")

        // A replaced file keeps its permissions (a private file became world-readable: QA pass, stop 33).
        try writeFileAtomically(dir.path + "/private.csv", contents: "secret\n")
        #expect(chmod(dir.path + "/private.csv", 0o600) == 0)
        try writeFileAtomically(dir.path + "/private.csv", contents: "still secret\n")
        #expect(stat(dir.path + "/private.csv", &st) == 0 && st.st_mode & 0o777 == 0o600)

        #expect(symlink("nowhere/x.csv", dir.path + "/dangling.csv") == 0)
        #expect {
            try writeFileAtomically(dir.path + "/dangling.csv", contents: "x")
        } throws: { "\($0)".contains("cannot write \(dir.path)/dangling.csv: it is a symbolic link to nothing that can be written") }
    }

    @Test("several files: a write error in any leaves all of them as they were")
    func allOrNothing() throws {
        let dir = TemporaryDirectory()
        let a = dir.path + "/a.txt", b = dir.path + "/sub/b.txt"
        try writeFileAtomically(a, contents: "old a")
        #expect(throws: FileWriteError.self) {
            try writeFilesAtomically([(path: a, contents: Array("new a".utf8)), (path: b, contents: Array("new b".utf8)),
                                      (path: "/dev/full", contents: Array("x".utf8))])
        }
        #expect(Self.contents(a) == "old a")
        #expect(Self.contents(b) == nil)
        #expect(dir.listing() == ["a.txt", "sub"])
        #expect(dir.listing("sub") == [])
        try writeFilesAtomically([(path: a, contents: Array("new a".utf8)), (path: b, contents: Array("new b".utf8))])
        #expect(Self.contents(a) == "new a" && Self.contents(b) == "new b")
    }
}
