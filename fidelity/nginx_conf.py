#!/usr/bin/env python3
"""nginx configurations for a popsim scenario variant: one nginx instance per POP.

What each popsim setting becomes (README "Fidelity"):

- cache key: `proxy_cache_key "<scheme>://$host$request_uri"` (URL = host + path + query);
  `cacheKey.query: false` uses `$uri`; `cacheKey.origin: true` appends ` origin=$http_origin`.
- `vary: ignore` → `proxy_ignore_headers Vary` (one copy per URL whatever Vary says);
  `vary: honour` → nginx's own Vary handling (since 1.7.7: one copy per Origin value);
  `vary: bypass` → `proxy_no_cache` when the response's Vary lists Origin (or `*`).
- CDN rules (Alibaba "Modify Outgoing Response Header"), composed top to bottom per header:
  Add with Allow Duplicates = No → `proxy_hide_header H` + `add_header H V always`;
  Add with Allow Duplicates = Yes → `add_header H V always` only (the origin's line stays);
  Add ACAO with CORS validation → `proxy_hide_header` + `add_header ACAO $echo always` where
  `map $http_origin $echo` echoes the request's Origin when it matches an entry (byte-exact
  regexes; a wildcard domain `scheme://*.domain` matches one label) and is empty otherwise
  (nginx drops an `add_header` whose value is empty: no header); a validated `*` is `*`;
  Delete → `proxy_hide_header H`.
  `add_header` runs on every response, cached or not: popsim's `ruleBinding: serve`.
- `X-Popsim-Cache: $upstream_cache_status` on every response, for the replay driver.

Anything else (a parent tier, the Lua matcher, `validationMiss: keep`, Modify/Replace, values
nginx cannot carry) raises `NotExpressible` with the reason.

Usage: nginx_conf.py SCENARIO VARIANT POP [--port N] [--origin-port ID=N]... [--prefix DIR]
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from popsim_model import duration_us, load_scenario, size_bytes  # noqa: E402

ACAO = "access-control-allow-origin"
GENERATION_PATH = "/__popsim/generation"


class NotExpressible(Exception):
    """The scenario or variant uses something the nginx stack cannot reproduce."""


# ---------------------------------------------------------------------------------------------
# Policies: the rules in force for one domain, as popsim's CDNHeaderPolicy.

def make_policy(rules, matcher=None, validation_miss=None):
    return {"rules": list(rules or []), "matcher": matcher or "documented", "validationMiss": validation_miss or "remove"}


def variant_policies(scenario, variant_name):
    """The variant's policy per domain (index = domain index), as popsim's ScenarioFile decodes it."""
    variant = scenario["variants"][variant_name]
    base = make_policy(variant.get("responseHeaders"), variant.get("matcher"), variant.get("validationMiss"))
    policies = []
    per_domain = variant.get("domains", {}) or {}
    for d in scenario["domains"]:
        p = dict(base)
        if d["host"] in per_domain:
            p["rules"] = list(per_domain[d["host"]].get("responseHeaders", []))
        policies.append(p)
    return policies


def event_policy(event):
    change = event["configChange"]
    return make_policy(change.get("responseHeaders"), change.get("matcher"), change.get("validationMiss"))


def _rule(r):
    return {"operation": r.get("operation", "add"), "header": r["header"], "value": r["value"],
            "allowDuplicates": bool(r.get("allowDuplicates", False)), "corsValidation": bool(r.get("corsValidation", False))}


def validates_origin(r):
    return r["corsValidation"] and r["operation"] == "add" and not r["allowDuplicates"] and r["header"].lower() == ACAO


def _config_value(v):
    """A header value as an nginx string; refused when nginx would read it differently."""
    if v == "":
        raise NotExpressible("an empty header value: nginx's add_header drops a header whose value is empty")
    if any(c in v for c in '"\\$;{}\n\r'):
        raise NotExpressible(f"header value {v!r} needs nginx escaping the stack does not do")
    return '"' + v + '"'


def _regex_literal(text):
    """`text` as a PCRE literal inside an nginx double-quoted string."""
    if any(c in text for c in '"\\$;{}\n\r'):
        raise NotExpressible(f"configured origin {text!r} cannot be written into an nginx map")
    return re.sub(r"([.^$*+?()\[\]{}|/\-])", r"\\\1", text)


def wildcard_domain(entry):
    """(scheme, suffix) for `scheme://*.domain[:port]` with a single `*`, as popsim's WildcardDomain; else None."""
    if entry.count("*") != 1 or "://" not in entry:
        return None
    scheme, rest = entry.split("://", 1)
    if not scheme or not rest.startswith("*."):
        return None
    suffix = rest[2:]
    if not suffix or suffix.startswith(".") or "/" in suffix:
        return None
    return scheme, suffix


def echo_regexes(value):
    """Regexes on `$http_origin` for the documented matcher (CDNOriginValidation.documentedMatch)."""
    out = []
    for entry in value.split(","):
        entry = entry.strip(" \t")
        if not entry:
            continue
        entry = entry.replace("%-", "-")
        if entry == "*":
            out.append("~^.+$")
            continue
        wd = wildcard_domain(entry)
        if wd:
            scheme, suffix = wd
            out.append("~^" + _regex_literal(scheme + "://") + "[^./:*@]+" + _regex_literal("." + suffix) + "$")
        else:
            out.append("~^" + _regex_literal(entry) + "$")
    return out


def compose(policy, tag):
    """(map blocks, location directives) for one domain's policy. `tag` names its map variables."""
    if policy["matcher"] != "documented":
        raise NotExpressible(f"matcher {policy['matcher']!r}: the Lua-pattern reading is popsim's guess at Alibaba's "
                             "internals; nginx can only be configured with it, not tested against it")
    rules = [_rule(r) for r in policy["rules"]]
    headers = {}  # lower name -> {"name", "hide", "adds": [value expr]}
    maps = []
    for i, r in enumerate(rules):
        h = headers.setdefault(r["header"].lower(), {"name": r["header"], "hide": False, "adds": []})
        if r["operation"] == "add":
            if validates_origin(r):
                if policy["validationMiss"] != "remove":
                    raise NotExpressible("validationMiss 'keep': nginx cannot keep the origin's ACAO only when no entry matches")
                h["hide"] = True
                if r["value"].strip(" \t") == "*":
                    h["adds"] = ['"*"']
                else:
                    var = f"$popsim_echo_{tag}_{i}"
                    lines = [f"map $http_origin {var} {{", '    default "";']
                    lines += [f'    "{rx}" $http_origin;' for rx in echo_regexes(r["value"])]
                    lines.append("}")
                    maps.append("\n".join(lines))
                    h["adds"] = [var]
            elif r["allowDuplicates"]:
                h["adds"].append(_config_value(r["value"]))
            else:
                h["hide"] = True
                h["adds"] = [_config_value(r["value"])]
        elif r["operation"] == "delete":
            h["hide"] = True
            h["adds"] = []
        else:
            raise NotExpressible(f"operation {r['operation']!r}: changes a header only when the origin sent it; "
                                 "plain nginx has no conditional rewrite of an upstream header")
    directives = []
    for h in headers.values():
        if h["hide"]:
            directives.append(f"proxy_hide_header {h['name']};")
        for v in h["adds"]:
            directives.append(f"add_header {h['name']} {v} always;")
    return maps, directives


# ---------------------------------------------------------------------------------------------
# What the stack can reproduce.

def scenario_problems(scenario):
    """Why the scenario as a whole cannot run on the stack (empty list: it can)."""
    problems = []
    for p in scenario["pops"]:
        if p.get("parent"):
            problems.append(f"POP {p['id']} has a parent tier (the stack has no tier-2 POPs)")
    for o in scenario["origins"]:
        for path in o.get("paths", []) or []:
            if path.get("dynamic"):
                problems.append(f"origin {o['id']}: dynamic paths (static-file scope) are not configured on the stack")
    for d in scenario["domains"]:
        for rule in d.get("cacheRules", []) or []:
            if duration_us(rule["ttl"]) == 0:
                problems.append(f"domain {d['host']}: a cache rule with TTL 0 is not configured on the stack")
    return problems


def variant_problems(scenario, variant_name):
    """Why this variant cannot run on the stack (empty list: it can)."""
    problems = []
    variant = scenario["variants"][variant_name]
    policies = variant_policies(scenario, variant_name)
    for event in scenario.get("events", []) or []:
        if event.get("variants") is not None and variant_name not in event["variants"]:
            continue
        if "configChange" in event:
            policies = policies + [event_policy(event)]
    for p in policies:
        try:
            compose(p, "check")
        except NotExpressible as e:
            problems.append(str(e))
    if variant.get("scope") == "all" and any(p.get("dynamic") for o in scenario["origins"] for p in o.get("paths", []) or []):
        problems.append("scope 'all' with dynamic paths")
    return sorted(set(problems))


# ---------------------------------------------------------------------------------------------
# Rendering.

def render(scenario, variant_name, pop_id, port, origin_ports, prefix, policies=None, generation=0, run_as_root=None):
    """The nginx.conf text for POP `pop_id` of `variant_name`, serving on 127.0.0.1:`port`."""
    problems = scenario_problems(scenario)
    if problems:
        raise NotExpressible("; ".join(problems))
    variant = scenario["variants"][variant_name]
    policies = policies if policies is not None else variant_policies(scenario, variant_name)
    pop = next(p for p in scenario["pops"] if p["id"] == pop_id)
    capacity = size_bytes(pop.get("capacity", "1GB"))
    key_opts = variant.get("cacheKey", {}) or {}
    vary = variant.get("vary", "ignore")
    if run_as_root is None:
        run_as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    p = lambda *parts: os.path.join(prefix, *parts)

    maps = []
    servers = []
    for di, d in enumerate(scenario["domains"]):
        origin_index = next(i for i, o in enumerate(scenario["origins"]) if o["id"] == d["origin"])
        dmaps, rules = compose(policies[di], f"d{di}")
        maps += dmaps
        scheme = d.get("scheme", "https")
        uri = "$request_uri" if key_opts.get("query", True) else "$uri"
        key = f"{scheme}://$host{uri}" + (" origin=$http_origin" if key_opts.get("origin", False) else "")
        ttl_s = max(1, duration_us(d.get("ttl", "1d")) // 1_000_000)
        lines = [
            "server {",
            f"    listen 127.0.0.1:{port};",
            f"    server_name {d['host']};",
            "    location / {",
            f"        proxy_pass http://127.0.0.1:{origin_ports[scenario['origins'][origin_index]['id']]};",
            "        proxy_set_header Host $host;",
            "        proxy_cache popsim;",
            f'        proxy_cache_key "{key}";',
            f"        proxy_cache_valid any {ttl_s}s;",
        ]
        if vary == "ignore":
            lines.append("        proxy_ignore_headers Vary;")
        elif vary == "bypass":
            lines.append("        proxy_no_cache $popsim_varies_on_origin;")
        lines.append("        add_header X-Popsim-Cache $upstream_cache_status always;")
        lines += ["        " + r for r in rules]
        lines += ["    }", "}"]
        servers.append("\n".join(lines))

    head = [
        f"# popsim fidelity stack: scenario {scenario.get('name')}, variant {variant_name}, POP {pop_id}, generation {generation}",
        "user root root;" if run_as_root else "",
        "worker_processes 1;",
        f"pid {p('nginx.pid')};",
        f"error_log {p('error.log')} warn;",
        "events { worker_connections 64; }",
        "http {",
        "    log_format popsim '$request_method $host$request_uri origin=\"$http_origin\" $status cache=$upstream_cache_status';",
        f"    access_log {p('access.log')} popsim;",
        f"    client_body_temp_path {p('tmp', 'body')};",
        f"    proxy_temp_path {p('tmp', 'proxy')};",
        f"    fastcgi_temp_path {p('tmp', 'fastcgi')};",
        f"    uwsgi_temp_path {p('tmp', 'uwsgi')};",
        f"    scgi_temp_path {p('tmp', 'scgi')};",
        f"    proxy_cache_path {p('cache')} levels=1:2 keys_zone=popsim:1m max_size={capacity} inactive=7d use_temp_path=off;",
        "    map $upstream_http_vary $popsim_varies_on_origin {",
        '        default "";',
        '        "~*(^|,)[ \\t]*(origin|\\*)[ \\t]*(,|$)" 1;',
        "    }",
    ]
    default_server = "\n".join([
        "server {",
        f"    listen 127.0.0.1:{port} default_server;",
        "    server_name _;",
        f'    location = {GENERATION_PATH} {{ return 200 "{generation}"; }}',
        "    location / { return 421; }",
        "}",
    ])
    body = maps + [default_server] + servers
    text = "\n".join(line for line in head if line != "") + "\n"
    text += "\n".join("    " + line for block in body for line in block.split("\n")) + "\n}\n"
    return text


def main():
    ap = argparse.ArgumentParser(description="Print the nginx.conf for one POP of a scenario variant.")
    ap.add_argument("scenario")
    ap.add_argument("variant")
    ap.add_argument("pop")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--origin-port", action="append", default=[], metavar="ID=PORT")
    ap.add_argument("--prefix", default="/tmp/popsim-pop")
    args = ap.parse_args()
    scenario = load_scenario(args.scenario)
    ports = {o["id"]: 9000 + i for i, o in enumerate(scenario["origins"])}
    for item in args.origin_port:
        k, _, v = item.partition("=")
        ports[k] = int(v)
    problems = scenario_problems(scenario) + variant_problems(scenario, args.variant)
    if problems:
        print("not expressible on nginx: " + "; ".join(problems), file=sys.stderr)
        return 1
    sys.stdout.write(render(scenario, args.variant, args.pop, args.port, ports, args.prefix))
    return 0


if __name__ == "__main__":
    sys.exit(main())
