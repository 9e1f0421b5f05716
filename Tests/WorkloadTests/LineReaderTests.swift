import Testing
@testable import Workload

@Suite("Line reader")
struct LineReaderTests {
    static let cases: [(String, [String])] = [
        ("a\nb\n", ["a", "b"]), ("a\r\nb\r\n", ["a", "b"]), ("a\nb", ["a", "b"]), ("a\r\nb", ["a", "b"]),
        ("", []), ("\n", [""]), ("\n\n", ["", ""]), ("a\r", ["a"]), ("a\rb\n", ["a\rb"]),
        ("x\n\ny\n", ["x", "", "y"]), ("é,😀\n", ["é,😀"]),
    ]

    @Test("line endings: LF, CRLF, no final newline, empty file", arguments: cases)
    func lines(_ text: String, _ expected: [String]) throws {
        let dir = TemporaryDirectory()
        let reader = try LineReader(path: dir.file("f.txt", text))
        var got: [String] = []
        var numbers: [Int] = []
        while let line = try reader.nextLine() {
            got.append(String(decoding: line, as: UTF8.self))
            numbers.append(reader.lineNumber)
        }
        #expect(got == expected)
        #expect(numbers == Array(0..<expected.count).map { $0 + 1 })
        #expect(try reader.nextLine() == nil)
    }

    @Test("lines longer than the block grow the buffer; lines across blocks are joined", arguments: [7, 16, 64, 1 << 20])
    func smallBlocks(_ blockSize: Int) throws {
        let dir = TemporaryDirectory()
        let expected = (0..<200).map { i in String(repeating: Character(Unicode.Scalar(UInt8(97 + i % 26))), count: (i * 37) % 101) }
        let text = expected.enumerated().map { $0.element + ($0.offset % 3 == 0 ? "\r\n" : "\n") }.joined()
        let reader = try LineReader(path: dir.file("big.txt", text), blockSize: blockSize)
        var got: [String] = []
        let bytes = Array(text.utf8)
        var consumed = 0
        while true {
            // The unread bytes are what follows the lines returned, as far as the reader has read.
            let unread = reader.withUnreadBytes { Array($0) }
            #expect(bytes[consumed...].starts(with: unread))
            guard let line = try reader.nextLine() else { break }
            got.append(String(decoding: line, as: UTF8.self))
            consumed += line.count + (got.count % 3 == 1 ? 2 : 1)
        }
        #expect(consumed == bytes.count)
        #expect(got == expected)
        #expect(reader.lineNumber == 200)
    }

    @Test("a directory is refused, naming it")
    func directory() {
        let dir = TemporaryDirectory()
        #expect(throws: FileReadError(path: dir.path, message: "is a directory, not a file")) {
            try LineReader(path: dir.path)
        }
    }

    @Test("a missing file is refused, naming it")
    func missing() {
        let dir = TemporaryDirectory()
        let path = dir.path + "/nope.csv"
        do {
            _ = try LineReader(path: path)
            Issue.record("opened a missing file")
        } catch {
            #expect(error.path == path)
            #expect(error.description == "\(path): no such file or directory")
        }
    }

    @Test("a line given back is read again, with its number; a line's place is the unread bytes' start while the generation holds, which each refill changes",
          arguments: [7, 16, 64, 1 << 20])
    func unreadAndPlaces(_ blockSize: Int) throws {
        let dir = TemporaryDirectory()
        let expected = (0..<120).map { "line \($0)" + String(repeating: "x", count: $0 % 23) }
        let text = expected.enumerated().map { $0.element + ($0.offset % 4 == 0 ? "\r\n" : "\n") }.joined()
        let reader = try LineReader(path: dir.file("f.txt", text), blockSize: blockSize)
        var got: [String] = []
        var generations = Set<Int>()
        while true {
            let (place, generation) = (reader.unreadStart, reader.generation)
            guard let line = try reader.nextLine() else { break }
            generations.insert(reader.generation)
            // Unless a refill came in between, the line starts where the unread bytes did.
            if reader.generation == generation { #expect(line.startIndex == place) }
            let number = reader.lineNumber
            if number % 5 == 0 {
                reader.unreadLastLine()
                #expect(reader.lineNumber == number - 1)
                let again = try #require(try reader.nextLine())
                #expect(Array(again) == Array(line) && again.startIndex == line.startIndex && reader.lineNumber == number)
            }
            got.append(String(decoding: line, as: UTF8.self))
        }
        #expect(got == expected)
        // Small blocks refill many times, each a new generation.
        if blockSize < 64 { #expect(generations.count > 10) }
    }
}
