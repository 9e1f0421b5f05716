// What a logged request loaded, from the response's content type and the URL's extension.
import HTTPModel

/// The kind a response's `Content-Type` names, or nil when the type says nothing useful
/// (missing, `application/octet-stream`, `text/plain`, `text/html`, `application/json`, …).
///
/// Parameters (`; charset=utf-8`) and case are ignored. Fonts: `font/*` and any subtype that
/// names a font (`application/font-woff`, `application/x-font-ttf`,
/// `application/vnd.ms-fontobject`). Media: `video/*`, `audio/*` (media elements load the same
/// way), HLS and DASH manifests. Images: `image/*`. Scripts: the JavaScript types. Stylesheets: `text/css`.
/// Logs cannot tell a `crossorigin` attribute, a module script or a `fetch()`, so the element
/// kinds are the no-cors ones (`img`, `video`, `script`, `stylesheet`).
func kind(forContentType raw: some Collection<UInt8>) -> ResourceKind? {
    var type: [UInt8] = []
    type.reserveCapacity(raw.count)
    for c in raw {
        if c == UInt8(ascii: ";") { break }
        type.append(c.asciiLowercased)
    }
    while type.last == 0x20 || type.last == 0x09 { type.removeLast() }
    while type.first == 0x20 || type.first == 0x09 { type.removeFirst() }
    guard let slash = type.firstIndex(of: UInt8(ascii: "/")) else { return nil }
    let top = String(decoding: type[..<slash], as: UTF8.self)
    let sub = String(decoding: type[(slash + 1)...], as: UTF8.self)
    switch top {
    case "font": return .font
    case "image": return .img
    case "video", "audio": return .video
    default: break
    }
    if sub.contains("font") { return .font }
    switch (top, sub) {
    case ("application", "vnd.apple.mpegurl"), ("application", "x-mpegurl"), ("audio", "mpegurl"),
         ("application", "dash+xml"):
        return .video
    case ("text", "javascript"), ("application", "javascript"), ("application", "x-javascript"),
         ("application", "ecmascript"), ("text", "ecmascript"):
        return .script
    case ("text", "css"):
        return .stylesheet
    default:
        return nil
    }
}

/// The kind a URL's file extension suggests, or nil for an unknown or missing extension.
///
/// Looks at the last path segment only (the query is ignored), case-insensitively:
/// `.woff2 .woff .ttf .otf .eot` font; `.mp4 .webm .m3u8 .ts .m4s .mpd` video (`.ts` is an
/// MPEG transport-stream segment on a CDN, not TypeScript); `.png .jpg .jpeg .gif .webp .avif
/// .svg .ico .bmp` img; `.js` script; `.mjs` module-script (module scripts are always CORS);
/// `.css` stylesheet.
func kind(forPath url: some Collection<UInt8>) -> ResourceKind? {
    // The path ends at '?' or '#'; the extension follows the last '.' of its last segment.
    var ext: [UInt8] = []
    var sawDot = false
    for c in url {
        if c == UInt8(ascii: "?") || c == UInt8(ascii: "#") { break }
        if c == UInt8(ascii: "/") {
            ext.removeAll(keepingCapacity: true)
            sawDot = false
        } else if c == UInt8(ascii: ".") {
            ext.removeAll(keepingCapacity: true)
            sawDot = true
        } else if sawDot, ext.count <= 8 {
            ext.append(c.asciiLowercased)
        }
    }
    guard sawDot else { return nil }
    switch String(decoding: ext, as: UTF8.self) {
    case "woff2", "woff", "ttf", "otf", "eot": return .font
    case "mp4", "webm", "m3u8", "ts", "m4s", "mpd": return .video
    case "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "bmp": return .img
    case "js": return .script
    case "mjs": return .moduleScript
    case "css": return .stylesheet
    default: return nil
    }
}

/// The kind of a logged request: the content type's when it names one, else the extension's,
/// else `other` — except that a font by either is a font (a font served as `text/plain` or
/// `application/octet-stream` is still loaded by `@font-face`, in CORS mode).
func inferKind(contentType: ResourceKind?, extension ext: ResourceKind?) -> ResourceKind {
    if contentType == .font || ext == .font { return .font }
    return contentType ?? ext ?? .other
}
