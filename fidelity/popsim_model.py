"""What the fidelity scripts share with popsim: quantities, traces, the browser's rules, the audit CSV.

The browser side is written from the Fetch standard and Chromium's classification (SEMANTICS.md
§1), independently of popsim's Swift code, so that the differential test compares two
implementations rather than one with itself. The kind table mirrors popsim's `ResourceKind`
(which `Tests/HTTPModelTests/BrowserMatrixTests.swift` checks against a real Chromium).
"""

import csv
import json
import os
import re
from decimal import Decimal, InvalidOperation

# ---------------------------------------------------------------------------------------------
# Quantities, as scenario files write them.

_DURATION_UNITS = {"us": 1, "µs": 1, "ms": 1_000, "s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000, "d": 86_400_000_000}
_SIZE_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
               "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def _split(text):
    m = re.match(r"^([0-9]+(?:\.[0-9]+)?)(.*)$", text)
    if not m:
        raise ValueError(f"{text!r} does not start with a number")
    return Decimal(m.group(1)), m.group(2)


def duration_us(text):
    """`250ms`, `1.5s`, `10m`, `1h`, `1d`, `500us` → microseconds (int)."""
    number, unit = _split(text)
    if unit not in _DURATION_UNITS:
        raise ValueError(f"{text!r}: unknown duration unit {unit!r}")
    return int(number * _DURATION_UNITS[unit])


def size_bytes(text):
    number, unit = _split(str(text))
    if unit.lower() not in _SIZE_UNITS:
        raise ValueError(f"{text!r}: unknown size unit {unit!r}")
    return int(number * _SIZE_UNITS[unit.lower()])


def seconds_us(text):
    """A trace's `t` (decimal seconds) → exact microseconds."""
    try:
        return int(Decimal(text) * 1_000_000)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a time in seconds")


def seconds_exact(us):
    """Microseconds → `12.000400`, as popsim's audit writes `t`."""
    return f"{us // 1_000_000}.{us % 1_000_000:06d}"


# ---------------------------------------------------------------------------------------------
# Scenarios and traces.

def load_scenario(path):
    with open(path, encoding="utf-8") as f:
        scenario = json.load(f)
    scenario["_path"] = os.path.abspath(path)
    workload = scenario["workload"]
    trace = workload.get("trace")
    if trace is None or workload.get("format", "csv") != "csv" or not trace.endswith(".csv"):
        scenario["_trace"] = None  # a generator, a binary trace or a log: not replayable as CSV
    else:
        scenario["_trace"] = trace if trace.startswith("/") else os.path.join(os.path.dirname(os.path.abspath(path)), trace)
    return scenario


def read_trace(path):
    """The trace's requests as dicts (t_us, t, pop, url, origin, kind, method, credentials), in order."""
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        for seq, row in enumerate(r for r in reader if any((v or "").strip() for v in r.values())):
            rows.append({
                "seq": seq,
                "t_us": seconds_us(row["t"]),
                "pop": row["pop"],
                "url": row["url"],
                "origin": row.get("origin") or "",
                "kind": row["kind"],
                "method": (row.get("method") or "GET"),
                "credentials": (row.get("credentials") or ""),
            })
    return rows


def split_url(url, scenario):
    """(scheme, host, path-and-query) for a trace URL: absolute, or a path on the scenario's one domain."""
    m = re.match(r"^(https?)://([^/]+)(/.*)?$", url)
    if m:
        return m.group(1), m.group(2).lower(), m.group(3) or "/"
    domains = scenario["domains"]
    if len(domains) != 1:
        raise ValueError(f"{url}: a path needs a scenario with exactly one domain")
    return domains[0].get("scheme", "https"), domains[0]["host"].lower(), url


# ---------------------------------------------------------------------------------------------
# The browser: which kinds are CORS requests, with which credentials mode (HTML "create a
# potential-CORS request", CORS settings attributes, CSS Fonts, Fetch Request defaults).

NO_CORS, CORS = "no-cors", "cors"
KINDS = {
    # kind:                 (mode,    default credentials)
    "font":                 (CORS,    "same-origin"),   # @font-face: always CORS, Anonymous
    "img":                  (NO_CORS, "include"),       # <img>
    "img-cors":             (CORS,    "same-origin"),   # <img crossorigin>
    "img-cors-credentials": (CORS,    "include"),       # <img crossorigin=use-credentials>
    "video":                (NO_CORS, "include"),       # <video>
    "video-cors":           (CORS,    "same-origin"),   # <video crossorigin>
    "script":               (NO_CORS, "include"),       # classic <script>
    "script-cors":          (CORS,    "same-origin"),   # <script crossorigin>
    "module-script":        (CORS,    "same-origin"),   # <script type=module>
    "stylesheet":           (NO_CORS, "include"),       # <link rel=stylesheet>
    "stylesheet-cors":      (CORS,    "same-origin"),   # <link rel=stylesheet crossorigin>
    "fetch":                (CORS,    "same-origin"),   # fetch(url)
    "fetch-credentials":    (CORS,    "include"),       # fetch(url, {credentials: 'include'})
    "fetch-no-cors":        (NO_CORS, "same-origin"),   # fetch(url, {mode: 'no-cors'})
    "xhr":                  (CORS,    "same-origin"),   # XMLHttpRequest
    "xhr-credentials":      (CORS,    "include"),       # XMLHttpRequest withCredentials
    "other":                (NO_CORS, "include"),       # any other no-cors element load
}

SAFELISTED_METHODS = {"GET", "HEAD", "POST"}
_NORMALIZED = {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}


def normalize_method(method):
    """Fetch "normalize a method": these six are upper-cased, others stay as written."""
    return method.upper() if method.upper() in _NORMALIZED else method


class BrowserRequest:
    """How the browser sends one trace request (Fetch §3.2, §4.1)."""

    def __init__(self, row):
        mode, default_credentials = KINDS[row["kind"]]
        self.page_origin = row["origin"] or None
        self.mode = mode
        self.credentials = row.get("credentials") or default_credentials
        self.method = normalize_method(row.get("method") or "GET")

    @property
    def cors_checked(self):
        """Mode cors from a cross-origin page (a same-origin request has no page origin in a trace)."""
        return self.mode == CORS and self.page_origin is not None

    @property
    def sends_origin(self):
        """Fetch "append a request Origin header": tainting cors, or a method other than GET/HEAD."""
        if self.page_origin is None:
            return False
        return self.cors_checked or self.method not in ("GET", "HEAD")

    @property
    def needs_preflight(self):
        """No author headers in traces: only a non-safelisted method asks for a preflight."""
        return self.cors_checked and self.method not in SAFELISTED_METHODS


def _combined(lines):
    """Fetch "get": every line's value, OWS-trimmed, joined with ", "; None when absent."""
    return None if not lines else ", ".join(v.strip(" \t") for v in lines)


def _valid_url(value):
    # Enough of the URL parser for Chromium's "not a valid URL" branch: scheme ":" then something.
    return re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:.+", value) is not None


def cors_check(acao_lines, acac_lines, origin, credentials):
    """The Fetch CORS check in Chromium's order (cors.cc CheckAccess): None or a reason code."""
    value = _combined(acao_lines)
    if value is None:
        return "missing_acao"
    if value == "*":
        return "wildcard_with_credentials" if credentials == "include" else None
    if value != origin:
        if " " in value or "," in value:
            return "multiple_acao_values"
        if value == "null":
            return "acao_mismatch"
        if not _valid_url(value):
            return "invalid_acao_value"
        return "acao_mismatch"
    if credentials == "include" and _combined(acac_lines) != "true":
        return "missing_or_invalid_acac"
    return None


_PREFLIGHT = {"missing_acao": "preflight_missing_acao", "acao_mismatch": "preflight_acao_mismatch",
              "multiple_acao_values": "preflight_multiple_acao_values",
              "invalid_acao_value": "preflight_invalid_acao_value",
              "wildcard_with_credentials": "preflight_wildcard_with_credentials",
              "missing_or_invalid_acac": "preflight_missing_or_invalid_acac"}
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def preflight_check(status, headers, request):
    """Fetch CORS-preflight fetch step 7 for a request without author headers: None or a reason."""
    lines = lambda name: [v for n, v in headers if n.lower() == name]
    reason = cors_check(lines("access-control-allow-origin"), lines("access-control-allow-credentials"),
                        request.page_origin, request.credentials)
    if reason:
        return _PREFLIGHT[reason]
    if not 200 <= status <= 299:
        return "preflight_invalid_status"
    methods = []
    for line in lines("access-control-allow-methods"):
        for item in line.split(","):
            item = item.strip(" \t")
            if not item:
                continue
            if not _TOKEN.match(item):
                return "invalid_allow_methods"
            methods.append(item)
    for line in lines("access-control-allow-headers"):
        for item in line.split(","):
            item = item.strip(" \t")
            if item and not _TOKEN.match(item):
                return "invalid_allow_headers"
    m = request.method
    if m not in methods and m not in SAFELISTED_METHODS and (request.credentials == "include" or "*" not in methods):
        return "method_not_allowed"
    return None


# ---------------------------------------------------------------------------------------------
# The audit CSV, as `popsim run --requests-out` writes it.

AUDIT_HEADER = "seq,t,variant,pop,url,origin,kind,cache,acao,verdict,reason"
AUDIT_FIELDS = AUDIT_HEADER.split(",")


def csv_escape(field):
    if any(c in field for c in ',"\n\r'):
        return '"' + field.replace('"', '""') + '"'
    return field


def audit_line(fields):
    return ",".join(csv_escape(str(fields[k])) for k in AUDIT_FIELDS)


def read_audit(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
