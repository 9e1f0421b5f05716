#!/usr/bin/env python3
"""Measure what headless Chromium does with CORS, per resource kind and response header situation.

Two loopback servers: a page origin (http://127.0.0.1:P) and a "CDN" (http://127.0.0.1:C, same
site, another origin) whose response headers are chosen per request from the URL. One page loads
every (kind, situation) cell once, each from its own URL with `Cache-Control: no-store`, the way
popsim's kinds describe the loads (`@font-face`, `<img crossorigin>`, `fetch(..., {credentials:
'include'})`, ...), and reports which loaded and which were blocked. The CDN server records what
each request carried (`Origin`, `Sec-Fetch-Mode`, the page's cookie, a preflight), and the Chrome
DevTools Protocol (a minimal WebSocket client, standard library only) gives Chromium's own reason
for each blocked load (`corsErrorStatus.corsError`).

Output: `fidelity/browser-matrix.json` (or --out), which
`Tests/HTTPModelTests/BrowserMatrixTests.swift` checks popsim's kind → mode → verdict table
against. The page origin is written `<page>` in it (the ports change from run to run).

Usage: browser_matrix.py [--out FILE] [--chromium BIN] [--timeout SECONDS]
"""

import argparse
import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import testfiles  # noqa: E402

OTHER = "https://other.example"
ACAO, ACAC = "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"

# Header situations: the CDN response's CORS headers. `<page>` is the page's origin.
SITUATIONS = [
    ("none", []),
    ("star", [(ACAO, "*")]),
    ("page", [(ACAO, "<page>")]),
    ("page_vary", [(ACAO, "<page>"), ("Vary", "Origin")]),
    ("page_slash", [(ACAO, "<page>/")]),
    ("other", [(ACAO, OTHER)]),
    ("list", [(ACAO, "<page>, " + OTHER)]),
    ("dup_same", [(ACAO, "<page>"), (ACAO, "<page>")]),
    ("dup_star_page", [(ACAO, "*"), (ACAO, "<page>")]),
    ("null", [(ACAO, "null")]),
    ("no_scheme", [(ACAO, "127.0.0.1")]),
    ("star_acac", [(ACAO, "*"), (ACAC, "true")]),
    ("page_acac", [(ACAO, "<page>"), (ACAC, "true")]),
    ("page_acac_upper", [(ACAO, "<page>"), (ACAC, "TRUE")]),
]

# Rows: popsim's resource kinds (every one), and two preflighted fetches. `how` says what the page does.
ROWS = [
    {"kind": "font", "method": "GET", "how": "CSS @font-face (TrueType), used via document.fonts.load"},
    {"kind": "img", "method": "GET", "how": "<img>"},
    {"kind": "img-cors", "method": "GET", "how": "<img crossorigin>"},
    {"kind": "img-cors-credentials", "method": "GET", "how": "<img crossorigin=use-credentials>"},
    {"kind": "video", "method": "GET", "how": "<video> (WAV audio), loadedmetadata"},
    {"kind": "video-cors", "method": "GET", "how": "<video crossorigin> (WAV audio), loadedmetadata"},
    {"kind": "script", "method": "GET", "how": "<script>"},
    {"kind": "script-cors", "method": "GET", "how": "<script crossorigin>"},
    {"kind": "module-script", "method": "GET", "how": "<script type=module>"},
    {"kind": "stylesheet", "method": "GET", "how": "<link rel=stylesheet>"},
    {"kind": "stylesheet-cors", "method": "GET", "how": "<link rel=stylesheet crossorigin>"},
    {"kind": "fetch", "method": "GET", "how": "fetch(url)"},
    {"kind": "fetch-credentials", "method": "GET", "how": "fetch(url, {credentials: 'include'})"},
    {"kind": "fetch-no-cors", "method": "GET", "how": "fetch(url, {mode: 'no-cors'})"},
    {"kind": "xhr", "method": "GET", "how": "XMLHttpRequest"},
    {"kind": "xhr-credentials", "method": "GET", "how": "XMLHttpRequest, withCredentials = true"},
    {"kind": "other", "method": "GET", "how": "<link rel=preload as=font> without crossorigin"},
    {"kind": "fetch", "method": "PUT", "how": "fetch(url, {method: 'PUT'}); the OPTIONS response carries the "
                                              "situation's headers and Access-Control-Allow-Methods: PUT"},
    {"kind": "fetch-credentials", "method": "PUT", "how": "fetch(url, {method: 'PUT', credentials: 'include'}); "
                                                          "OPTIONS as above"},
]

CONTENT = {
    "font": ("font/ttf", testfiles.truetype_font()),
    "img": ("image/png", testfiles.png_image()),
    "video": ("audio/wav", testfiles.wav_sound()),
    "script": ("text/javascript", b"window.__popsim = (window.__popsim || 0) + 1;\n"),
    "stylesheet": ("text/css", b".popsim { color: green }\n"),
    "data": ("application/json", b"{\"ok\": true}\n"),
}


def content_for(kind):
    if kind in ("font", "other"):
        return CONTENT["font"]
    for prefix in ("img", "video", "stylesheet"):
        if kind.startswith(prefix):
            return CONTENT[prefix]
    if "script" in kind:
        return CONTENT["script"]
    return CONTENT["data"]


PAGE = r"""<!doctype html>
<html><head><meta charset="utf-8"><title>popsim browser matrix</title></head>
<body>
<script>
const CELLS = __CELLS__;
document.cookie = "popsimcookie=1; path=/";
const done = (outcome, detail) => ({outcome, detail: String(detail || "")});
function element(make, attach) {
  return new Promise(resolve => {
    const el = make();
    el.onload = () => resolve(done("loaded", "load"));
    el.onerror = () => resolve(done("blocked", "error"));
    attach(el);
  });
}
const loaders = {
  "font": (url, id) => new Promise(resolve => {
    const family = "popsim" + id;
    const style = document.createElement("style");
    style.textContent = `@font-face { font-family: ${family}; src: url("${url}") format("truetype"); }`;
    document.head.appendChild(style);
    document.fonts.load(`16px ${family}`).catch(() => {}).finally(() => {
      let status = "missing";
      document.fonts.forEach(f => { if (f.family.replace(/"/g, "") === family) status = f.status; });
      resolve(done(status === "loaded" ? "loaded" : "blocked", status));
    });
  }),
  "img": url => image(url, null),
  "img-cors": url => image(url, "anonymous"),
  "img-cors-credentials": url => image(url, "use-credentials"),
  "video": url => media(url, null),
  "video-cors": url => media(url, "anonymous"),
  "script": url => script(url, null, false),
  "script-cors": url => script(url, "anonymous", false),
  "module-script": url => script(url, null, true),
  "stylesheet": url => sheet(url, null),
  "stylesheet-cors": url => sheet(url, "anonymous"),
  "fetch": (url, id, method) => fetchIt(url, {method}),
  "fetch-credentials": (url, id, method) => fetchIt(url, {method, credentials: "include"}),
  "fetch-no-cors": (url, id, method) => fetchIt(url, {method, mode: "no-cors"}),
  "xhr": url => xhr(url, false),
  "xhr-credentials": url => xhr(url, true),
  "other": url => element(() => { const l = document.createElement("link"); l.rel = "preload"; l.as = "font";
                                  l.type = "font/ttf"; l.href = url; return l; }, l => document.head.appendChild(l)),
};
function image(url, co) {
  return element(() => { const i = new Image(); if (co) i.crossOrigin = co; i.src = url; return i; }, i => {});
}
function media(url, co) {
  return new Promise(resolve => {
    const v = document.createElement("video");
    v.preload = "auto"; v.muted = true;
    if (co) v.crossOrigin = co;
    v.onloadedmetadata = () => resolve(done("loaded", "loadedmetadata"));
    v.onerror = () => resolve(done("blocked", "error " + (v.error ? v.error.code : "")));
    v.src = url;
    document.body.appendChild(v);
  });
}
function script(url, co, module) {
  return element(() => { const s = document.createElement("script"); if (module) s.type = "module";
                         if (co) s.crossOrigin = co; s.src = url; return s; }, s => document.head.appendChild(s));
}
function sheet(url, co) {
  return element(() => { const l = document.createElement("link"); l.rel = "stylesheet";
                         if (co) l.crossOrigin = co; l.href = url; return l; }, l => document.head.appendChild(l));
}
function fetchIt(url, init) {
  return fetch(url, init).then(r => r.arrayBuffer().then(() => done("loaded", r.type)), e => done("blocked", e));
}
function xhr(url, credentials) {
  return new Promise(resolve => {
    const x = new XMLHttpRequest();
    x.open("GET", url);
    x.withCredentials = credentials;
    x.onload = () => resolve(done("loaded", x.status));
    x.onerror = () => resolve(done("blocked", "error"));
    x.send();
  });
}
async function run() {
  const results = {};
  let next = 0;
  async function worker() {
    while (next < CELLS.length) {
      const c = CELLS[next++];
      const timeout = new Promise(r => setTimeout(() => r(done("timeout", "")), 15000));
      results[c.id] = await Promise.race([loaders[c.kind](c.url, c.id, c.method), timeout]);
    }
  }
  await Promise.all([0, 1, 2, 3, 4, 5].map(worker));
  await fetch("/report", {method: "POST", body: JSON.stringify(results)});
}
run();
</script>
</body></html>
"""


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = {}      # cell id -> [request records]
        self.results = None
        self.reported = threading.Event()
        self.page_origin = None
        self.cells = []


def make_cdn_handler(state):
    class CDN(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def respond(self):
            parts = urlsplit(self.path)
            m = re.match(r"^/r/([a-z-]+)/([a-z_]+)$", parts.path)
            cid = parse_qs(parts.query).get("id", [""])[0]
            if not m or not cid:
                self.send_error(404)
                return
            kind, situation = m.group(1), m.group(2)
            with state.lock:
                state.requests.setdefault(cid, []).append({
                    "method": self.command, "origin": self.headers.get("Origin"),
                    "secFetchMode": self.headers.get("Sec-Fetch-Mode"),
                    "cookie": "popsimcookie=1" in (self.headers.get("Cookie") or "")})
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            ctype, body = content_for(kind)
            self.send_response(200 if self.command != "OPTIONS" else 204)
            for name, value in dict(SITUATIONS)[situation]:
                self.send_header(name, value.replace("<page>", state.page_origin))
            if self.command == "OPTIONS":
                self.send_header("Access-Control-Allow-Methods", "PUT")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_header("Content-Type", ctype)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_OPTIONS = respond

    return CDN


def make_page_handler(state):
    class Page(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            if self.path != "/":
                self.send_error(404)
                return
            body = PAGE.replace("__CELLS__", json.dumps(state.cells)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.results = json.loads(data)
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            state.reported.set()

    return Page


# ---------------------------------------------------------------------------------------------
# A minimal WebSocket client (RFC 6455), enough for the DevTools protocol.

class WebSocket:
    def __init__(self, url):
        m = re.match(r"^ws://([^/:]+):(\d+)(/.*)$", url)
        self.sock = socket.create_connection((m.group(1), int(m.group(2))), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {m.group(3)} HTTP/1.1\r\nHost: {m.group(1)}:{m.group(2)}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("WebSocket handshake: connection closed")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError("WebSocket handshake refused: " + head.split(b"\r\n")[0].decode())

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("WebSocket closed")
            buf += chunk
        return buf

    def _frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def send(self, obj):
        self._frame(0x1, json.dumps(obj).encode())

    def recv(self):
        """The next text message as an object; None on timeout."""
        message = b""
        while True:
            try:
                b0, b1 = self._exact(2)
            except socket.timeout:
                return None
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._exact(8))[0]
            mask = self._exact(4) if b1 & 0x80 else None
            payload = self._exact(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("WebSocket closed by the browser")
            message += payload
            if b0 & 0x80:
                return json.loads(message)

    def close(self):
        try:
            self._frame(0x8, b"")
        except OSError:
            pass
        self.sock.close()


# ---------------------------------------------------------------------------------------------

def find_chromium(explicit):
    for c in [explicit, "chromium", "chromium-browser", "google-chrome"]:
        if c and shutil.which(c):
            return shutil.which(c)
    return None


def chromium_version(binary):
    r = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    return r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "unknown"


def serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return server


def measure(chromium, timeout):
    state = State()
    cdn = serve(make_cdn_handler(state))
    page = serve(make_page_handler(state))
    cdn_origin = f"http://127.0.0.1:{cdn.server_address[1]}"
    state.page_origin = f"http://127.0.0.1:{page.server_address[1]}"
    n = 0
    for row in ROWS:
        for situation, _ in SITUATIONS:
            n += 1
            cid = f"c{n}"
            state.cells.append({"id": cid, "kind": row["kind"], "method": row["method"], "situation": situation,
                                "url": f"{cdn_origin}/r/{row['kind']}/{situation}?id={cid}"})
    profile = tempfile.mkdtemp(prefix="popsim-chromium-")
    log = open(os.path.join(profile, "chromium.log"), "w")
    proc = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--no-default-browser-check", "--disable-background-networking", "--disable-sync",
                             "--disable-component-update", "--disable-extensions", "--mute-audio",
                             "--autoplay-policy=no-user-gesture-required", f"--user-data-dir={profile}",
                             "--remote-debugging-port=0", "about:blank"],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    errors = {}
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Chromium did not open its DevTools port; see " + log.name)
            time.sleep(0.05)
        port = int(open(port_file).read().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            target = next(t for t in json.load(r) if t["type"] == "page")
        ws = WebSocket(target["webSocketDebuggerUrl"])
        ws.sock.settimeout(0.5)
        ws.send({"id": 1, "method": "Network.enable"})
        ws.send({"id": 2, "method": "Network.setCacheDisabled", "params": {"cacheDisabled": True}})
        ws.send({"id": 3, "method": "Page.navigate", "params": {"url": state.page_origin + "/"}})
        urls = {}
        deadline = time.monotonic() + timeout
        quiet_until = None
        while time.monotonic() < deadline:
            msg = ws.recv()
            if msg is not None:
                method, params = msg.get("method"), msg.get("params", {})
                if method == "Network.requestWillBeSent":
                    urls[params["requestId"]] = params["request"]["url"]
                elif method == "Network.loadingFailed":
                    url = urls.get(params["requestId"], "")
                    cid = parse_qs(urlsplit(url).query).get("id", [""])[0]
                    status = params.get("corsErrorStatus")
                    if cid and status:
                        errors.setdefault(cid, status["corsError"])
            if state.reported.is_set():
                # Let trailing loadingFailed events arrive.
                quiet_until = quiet_until or time.monotonic() + 1.0
                if time.monotonic() > quiet_until:
                    break
        ws.close()
        if not state.reported.is_set():
            raise RuntimeError(f"the page did not report within {timeout}s; see {log.name}")
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        cdn.shutdown()
        page.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    return state, errors


def summarise(state, errors, browser):
    rows = []
    problems = []
    for row in ROWS:
        cells = [c for c in state.cells if c["kind"] == row["kind"] and c["method"] == row["method"]]
        results, seen = {}, []
        for c in cells:
            got = state.results.get(c["id"], {"outcome": "missing"})
            entry = {"outcome": got["outcome"]}
            if c["id"] in errors:
                entry["corsError"] = errors[c["id"]]
            results[c["situation"]] = entry
            reqs = state.requests.get(c["id"], [])
            actual = [r for r in reqs if r["method"] != "OPTIONS"]
            first = actual[0] if actual else None
            seen.append({"origin": None if first is None else first["origin"] is not None,
                         "secFetchMode": None if first is None else first["secFetchMode"],
                         "cookie": None if first is None else first["cookie"],
                         "preflight": any(r["method"] == "OPTIONS" for r in reqs)})
        # What the request carried, when it went out (a failed preflight stops the actual request).
        sent = [s for s in seen if s["secFetchMode"] is not None]
        observed = {}
        for key in ("secFetchMode", "origin", "cookie", "preflight"):
            values = sorted({json.dumps(s[key]) for s in (sent if key != "preflight" else seen)})
            if len(values) != 1:
                problems.append(f"{row['kind']} {row['method']}: {key} differs between cells: {values}")
            observed[key] = json.loads(values[0]) if values else None
        rows.append({"kind": row["kind"], "method": row["method"], "how": row["how"], "observed": observed,
                     "results": results})
    return {
        "generatedBy": "fidelity/browser_matrix.py",
        "browser": browser,
        "pageOrigin": "<page> = http://127.0.0.1:PORT; the resources come from http://127.0.0.1:OTHERPORT (same site, "
                      "another origin); every cell has its own URL and Cache-Control: no-store",
        "otherOrigin": OTHER,
        "situations": [{"name": n, "headers": [[h, v] for h, v in hs]} for n, hs in SITUATIONS],
        "rows": rows,
    }, problems


def format_matrix(matrix):
    """JSON with one line per situation and per measured cell, so a re-measurement diffs readably."""
    d = json.dumps
    out = ["{"]
    for key in ("generatedBy", "browser", "pageOrigin", "otherOrigin"):
        out.append(f" {d(key)}: {d(matrix[key])},")
    out.append(' "situations": [')
    out += [f"  {d(s)}," for s in matrix["situations"]]
    out[-1] = out[-1].rstrip(",")
    out.append(" ],")
    out.append(' "rows": [')
    for i, row in enumerate(matrix["rows"]):
        head = {k: row[k] for k in ("kind", "method", "how", "observed")}
        out.append("  " + d(head)[:-1] + ', "results": {')
        items = list(row["results"].items())
        for j, (name, cell) in enumerate(items):
            out.append(f"   {d(name)}: {d(cell)}" + ("," if j < len(items) - 1 else ""))
        out.append("  }}" + ("," if i < len(matrix["rows"]) - 1 else ""))
    out.append(" ]")
    out.append("}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description="Measure headless Chromium's CORS decisions per kind and header situation.")
    ap.add_argument("--out", default=os.path.join(HERE, "browser-matrix.json"))
    ap.add_argument("--chromium")
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()
    chromium = find_chromium(args.chromium)
    if not chromium:
        print("browser_matrix.py: chromium is not installed (fidelity/install-deps.sh chromium)", file=sys.stderr)
        return 2
    started = time.monotonic()
    state, errors = measure(chromium, args.timeout)
    matrix, problems = summarise(state, errors, chromium_version(chromium))
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(format_matrix(matrix))
    os.replace(tmp, args.out)
    cells = sum(len(r["results"]) for r in matrix["rows"])
    blocked = sum(1 for r in matrix["rows"] for v in r["results"].values() if v["outcome"] == "blocked")
    odd = sum(1 for r in matrix["rows"] for v in r["results"].values() if v["outcome"] not in ("loaded", "blocked"))
    out = os.path.abspath(args.out)
    shown = os.path.relpath(out) if out.startswith(os.path.dirname(HERE) + os.sep) else out
    print(f"browser matrix: {cells} loads, {blocked} blocked, {odd} neither loaded nor blocked, "
          f"in {time.monotonic() - started:.1f}s → {shown}", file=sys.stderr)
    for p in problems:
        print("  inconsistent: " + p, file=sys.stderr)
    return 1 if problems or odd else 0


if __name__ == "__main__":
    sys.exit(main())
