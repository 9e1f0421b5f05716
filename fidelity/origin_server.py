#!/usr/bin/env python3
"""An OSS bucket's CORS behaviour as an HTTP server on loopback (Python standard library only).

It is configured from one element of a scenario's `origins[]` array (the same JSON shape popsim
reads), and answers the way popsim's `OSSCORSConfiguration.respond` says OSS answers
(SEMANTICS.md §2, OSS PutBucketCors and Options):

- rules are tried in order and the first match wins: the request's `Origin` matches one
  AllowedOrigin (at most one `*`, case-sensitive), the method (or, for a preflight,
  `Access-Control-Request-Method`) is an AllowedMethod, and every name in
  `Access-Control-Request-Headers` matches an AllowedHeader (case-insensitive);
- a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) that matches gets 200
  with ACAO (the request's Origin; `*` for a bare `*` entry when `starRuleEchoesOrigin` is false),
  ACAM (the requested method), ACAH (the requested names, when any), ACEH and ACMA; one that does
  not match, or a bucket without rules, gets 403 and no CORS headers;
- anything else is served (200, with the path's `Cache-Control`) and carries ACAO, ACAM (the
  rule's methods), ACEH and ACMA only when `Origin` is present and a rule matches;
- `responseVary: true` adds `Vary: Origin` to every response, 403s included.

A `"type": "plain"` origin sends its fixed `headers` (`["Name: value", ...]`) on every response.

Every request is appended to `--log` as one JSON line (method, path, Origin), so callers can
count origin fetches. The server binds 127.0.0.1 only.

Usage: origin_server.py --config ORIGIN.json --port N [--log FILE] [--ready-file FILE]
"""

import argparse
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = b"popsim fidelity object\n"


def glob_regex(pattern, case_insensitive=False):
    """OSS `*` wildcard: each `*` stands for any run of characters, everything else for itself."""
    parts = [re.escape(p) for p in pattern.split("*")]
    return re.compile("".join(["^", ".*".join(parts), "$"]), re.DOTALL | (re.IGNORECASE if case_insensitive else 0))


def glob_matches(text, pattern, case_insensitive=False):
    return glob_regex(pattern, case_insensitive).match(text) is not None


def header_list(value):
    """`Access-Control-Request-Headers` split into names: commas separate, blanks are dropped."""
    if value is None:
        return []
    return [p.strip(" \t") for p in value.split(",") if p.strip(" \t")]


class Bucket:
    def __init__(self, spec):
        self.spec = spec
        self.type = spec.get("type", "oss")
        cors = spec.get("cors", {}) or {}
        self.rules = cors.get("rules", []) or []
        self.response_vary = bool(cors.get("responseVary", False))
        self.star_echoes = bool(cors.get("starRuleEchoesOrigin", True))
        self.fixed = []
        for line in spec.get("headers", []) or []:
            name, _, value = line.partition(":")
            self.fixed.append((name.strip(), value.strip(" \t")))
        self.paths = spec.get("paths", []) or []

    def first_match(self, origin, method, headers):
        for rule in self.rules:
            entry = next((e for e in rule.get("allowedOrigins", []) if glob_matches(origin, e)), None)
            if entry is None:
                continue
            if method not in rule.get("allowedMethods", []):
                continue
            allowed = rule.get("allowedHeaders", []) or []
            if not all(any(glob_matches(h, a, True) for a in allowed) for h in headers):
                continue
            return rule, entry
        return None

    def allow_origin(self, origin, entry):
        return "*" if entry == "*" and not self.star_echoes else origin

    @staticmethod
    def expose_and_max_age(rule, out):
        if rule.get("exposeHeaders"):
            out.append(("Access-Control-Expose-Headers", ", ".join(rule["exposeHeaders"])))
        if rule.get("maxAgeSeconds") is not None:
            out.append(("Access-Control-Max-Age", str(rule["maxAgeSeconds"])))

    def base_headers(self, path):
        """The object's own headers: the longest matching path rule's Cache-Control."""
        best = None
        for rule in self.paths:
            if path.startswith(rule.get("prefix", "")) and (best is None or len(rule["prefix"]) > len(best["prefix"])):
                best = rule
        out = []
        if best is not None and best.get("cacheControl"):
            out.append(("Cache-Control", best["cacheControl"]))
        return out

    def respond(self, method, path, headers):
        """(status, [(name, value)], has_body) for one request; `headers` is an email.message.Message."""
        if self.type == "plain":
            return 200, self.base_headers(path) + list(self.fixed), method != "HEAD"
        origin = headers.get("Origin")
        requested_method = headers.get("Access-Control-Request-Method")
        requested_headers = header_list(headers.get("Access-Control-Request-Headers"))
        if method == "OPTIONS" and origin is not None and requested_method is not None:
            match = self.first_match(origin, requested_method, requested_headers)
            if match is None:
                status, out, body = 403, [], True
            else:
                rule, entry = match
                out = [("Access-Control-Allow-Origin", self.allow_origin(origin, entry)),
                       ("Access-Control-Allow-Methods", requested_method)]
                if requested_headers:
                    out.append(("Access-Control-Allow-Headers", ", ".join(requested_headers)))
                self.expose_and_max_age(rule, out)
                status, body = 200, False
        else:
            out = self.base_headers(path)
            if origin is not None:
                match = self.first_match(origin, method, requested_headers)
                if match is not None:
                    rule, entry = match
                    out.append(("Access-Control-Allow-Origin", self.allow_origin(origin, entry)))
                    out.append(("Access-Control-Allow-Methods", ", ".join(rule.get("allowedMethods", []))))
                    self.expose_and_max_age(rule, out)
            status, body = 200, method != "HEAD"
        if self.response_vary and not any(
                n.lower() == "vary" and any(t.strip(" \t").lower() == "origin" for t in v.split(",")) for n, v in out):
            out.append(("Vary", "Origin"))
        return status, out, body


def make_handler(bucket, log_path):
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "popsim-oss"

        def log_message(self, fmt, *args):  # the JSON log below replaces the stderr log
            pass

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            path = self.path.split("?", 1)[0]
            status, out, has_body = bucket.respond(self.command, path, self.headers)
            if log_path:
                with lock, open(log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps({"method": self.command, "path": self.path, "host": self.headers.get("Host"),
                                        "origin": self.headers.get("Origin"), "status": status}) + "\n")
            body = BODY if has_body else b""
            self.send_response(status)
            for name, value in out:
                self.send_header(name, value)
            self.send_header("Content-Type", "application/octet-stream" if status == 200 else "text/plain")
            self.send_header("Content-Length", str(len(BODY) if self.command == "HEAD" and status == 200 else len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = do_OPTIONS = do_PUT = do_POST = do_DELETE = do_PATCH = handle_any

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True, help="JSON file: one element of a scenario's origins[]")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", help="append one JSON line per request here")
    ap.add_argument("--ready-file", help="write the port here once listening")
    args = ap.parse_args()
    with open(args.config, encoding="utf-8") as f:
        bucket = Bucket(json.load(f))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(bucket, args.log))
    server.daemon_threads = True
    if args.ready_file:
        with open(args.ready_file, "w", encoding="utf-8") as f:
            f.write(str(server.server_address[1]))
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
