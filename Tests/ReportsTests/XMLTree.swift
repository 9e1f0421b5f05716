import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An XML element parsed with Foundation's `XMLParser`: enough to read charts and reports back.
final class XMLElement {
    let name: String
    let attributes: [String: String]
    var children: [XMLElement] = []
    var text = ""
    weak var parent: XMLElement?

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    /// Every element below this one (depth first, document order), this one included.
    var all: [XMLElement] { [self] + children.flatMap(\.all) }

    /// All text inside, concatenated.
    var allText: String { text + children.map(\.allText).joined() }

    /// The nearest ancestor (or self) with `attribute`.
    func inherited(_ attribute: String) -> String? { attributes[attribute] ?? parent?.inherited(attribute) }

    func double(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
}

/// Why a document did not parse: the parser's message and position.
struct XMLError: Error, CustomStringConvertible {
    var description: String
}

/// Parses `text` as XML; throws with the line and column of the first error.
func parseXML(_ text: String) throws -> XMLElement {
    let delegate = TreeBuilder()
    let parser = XMLParser(data: Data(text.utf8))
    parser.delegate = delegate
    guard parser.parse(), let root = delegate.root else {
        throw XMLError(description: "line \(parser.lineNumber), column \(parser.columnNumber): \(parser.parserError.map { "\($0)" } ?? "no root element")")
    }
    return root
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
    var root: XMLElement?
    var stack: [XMLElement] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        let e = XMLElement(name: name, attributes: attributes)
        if let top = stack.last {
            e.parent = top
            top.children.append(e)
        } else {
            root = e
        }
        stack.append(e)
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }
}
