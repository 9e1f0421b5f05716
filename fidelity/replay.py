#!/usr/bin/env python3
"""Replay a popsim trace against a running POP stack and write popsim's audit CSV.

Each request of the trace (`t,pop,url,origin,kind[,method,credentials,...]`) goes, in trace
order, to the nginx instance of its POP, with the `Host` of its domain and the request headers a
browser would send for its kind: `Origin` only for CORS requests (and for non-GET/HEAD methods),
never for a no-cors `<img>`/`<video>`/... GET. A CORS request with a non-safelisted method is
preceded by its preflight (`OPTIONS` with `Access-Control-Request-Method`); when the preflight
fails, the actual request is not sent, as in a browser and in popsim.

Every response's `Access-Control-Allow-Origin` lines are recorded (all of them, duplicates
kept, in order), with nginx's `$upstream_cache_status` (header `X-Popsim-Cache`; empty, i.e. the
cache was not consulted, is written `BYPASS`), and the browser's CORS check is applied
(popsim_model). The output has popsim's columns: `seq,t,variant,pop,url,origin,kind,cache,acao,
verdict,reason`.

The scenario's events run between requests at their time at each POP (popsim's order: events
due at or before a request's time first): a purge deletes the cache files whose key matches, a
config change rewrites the POP's nginx config and reloads it, a prefetch sends a GET without
`Origin`. No real-time sleeps: time only orders things, so the comparison is meant for traces
whose requests are spaced beyond fetch latency and end before any TTL (differential.py checks).

Usage: replay.py --stack STATE_DIR --out AUDIT.csv [--trace TRACE.csv] [--headers-out FILE.jsonl]
"""

import argparse
import http.client
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import nginx_conf  # noqa: E402
from popsim_model import (AUDIT_HEADER, BrowserRequest, audit_line, cors_check, duration_us,  # noqa: E402
                          preflight_check, read_trace, seconds_exact, split_url)
from stack import Stack  # noqa: E402


def send(port, method, target, host, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        hdrs = {"Host": host, "Accept": "*/*", "Accept-Encoding": "identity"}
        hdrs.update(headers)
        body = b"" if method in ("PUT", "POST", "PATCH", "DELETE") else None
        conn.request(method, target, body=body, headers=hdrs)
        resp = conn.getresponse()
        resp.read()
        return resp.status, resp.getheaders()
    finally:
        conn.close()


def lines(headers, name):
    return [v for n, v in headers if n.lower() == name]


def scheduled_events(scenario, variant):
    """(time µs, order, pop id, event) for every event reaching a POP in this variant, in popsim's order."""
    pops = [p["id"] for p in scenario["pops"]]
    out = []
    order = 0
    for event in scenario.get("events", []) or []:
        if event.get("variants") is not None and variant not in event["variants"]:
            continue
        uniform = duration_us(event["delay"]) if event.get("delay") else 0
        rollout = event.get("rollout", {}) or {}
        for pop in event.get("pops") or pops:
            delay = duration_us(rollout[pop]) if pop in rollout else uniform
            out.append((duration_us(event["at"]) + delay, order, pop, event))
            order += 1
    out.sort(key=lambda e: (e[0], e[1]))
    return out


def key_parts(key):
    """(scheme, host, path, pathAndQuery) of a stack cache key `scheme://host/path?q[ origin=...]`."""
    url = key.split(" origin=", 1)[0]
    scheme, rest = url.split("://", 1)
    slash = rest.find("/")
    host, pq = (rest, "/") if slash < 0 else (rest[:slash], rest[slash:])
    return scheme, host, pq.split("?", 1)[0], pq


def purge_matcher(purge, domain_host, trace_text_by_canonical):
    """popsim's purgeMatches on a cache key."""
    def matches(key):
        scheme, host, path, pq = key_parts(key)
        if domain_host is not None and host != domain_host:
            return False
        canonical = f"{scheme}://{host}{pq}"
        texts = {canonical} | trace_text_by_canonical.get(canonical, set())
        if purge.get("all"):
            return True
        if "url" in purge:
            u = purge["url"]
            return (pq == u or path == u) if u.startswith("/") else u in texts
        p = purge["prefix"]
        return path.startswith(p) if p.startswith("/") else any(t.startswith(p) for t in texts)
    return matches


class Replayer:
    def __init__(self, stack):
        self.stack = stack
        self.scenario = stack.scenario
        self.variant = stack.state["variant"]
        base = nginx_conf.variant_policies(self.scenario, self.variant)
        self.policies = {p: list(base) for p in stack.state["pops"]}
        self.hosts = [d["host"].lower() for d in self.scenario["domains"]]

    def run_event(self, pop, event, texts):
        if "purge" in event:
            host = event.get("domain", "").lower() or None
            self.stack.purge(pop, purge_matcher(event["purge"], host, texts))
        elif "configChange" in event:
            policy = nginx_conf.event_policy(event)
            host = event.get("domain", "").lower() or None
            self.policies[pop] = [policy if host is None or h == host else old
                                  for h, old in zip(self.hosts, self.policies[pop])]
            self.stack.reload(pop, self.policies[pop])
        elif "prefetch" in event:
            _, host, pq = split_url(event["prefetch"]["url"], self.scenario)
            send(self.stack.state["pops"][pop]["port"], "GET", pq, host, {})

    def replay(self, rows, out, headers_out=None):
        events = scheduled_events(self.scenario, self.variant)
        texts = {}
        for row in rows:
            scheme, host, pq = split_url(row["url"], self.scenario)
            texts.setdefault(f"{scheme}://{host}{pq}", set()).add(row["url"])
        out.write(AUDIT_HEADER + "\n")
        e = 0
        for row in rows:
            while e < len(events) and events[e][0] <= row["t_us"]:
                self.run_event(events[e][2], events[e][3], texts)
                e += 1
            out.write(audit_line(self.one(row, headers_out)) + "\n")

    def one(self, row, headers_out):
        req = BrowserRequest(row)
        _, host, pq = split_url(row["url"], self.scenario)
        port = self.stack.state["pops"][row["pop"]]["port"]
        fields = {"seq": row["seq"], "t": seconds_exact(row["t_us"]), "variant": self.variant, "pop": row["pop"],
                  "url": row["url"], "origin": row["origin"], "kind": row["kind"]}
        record = {"seq": row["seq"]}
        if req.needs_preflight:
            status, headers = send(port, "OPTIONS", pq, host, {"Origin": req.page_origin,
                                                                "Access-Control-Request-Method": req.method})
            record["preflight"] = {"status": status, "headers": headers}
            reason = preflight_check(status, headers, req)
            if reason:
                # Blocked at the preflight: the actual request never goes out (popsim: BYPASS, nothing served).
                fields.update(cache="BYPASS", acao="", verdict="fail", reason=reason)
                self._log(headers_out, record)
                return fields
        status, headers = send(port, req.method, pq, host, {"Origin": req.page_origin} if req.sends_origin else {})
        record["response"] = {"status": status, "headers": headers}
        acao = lines(headers, "access-control-allow-origin")
        cache = (lines(headers, "x-popsim-cache") or [""])[0].strip() or "BYPASS"
        if req.cors_checked:
            reason = cors_check(acao, lines(headers, "access-control-allow-credentials"), req.page_origin, req.credentials)
            verdict = "fail" if reason else "pass"
        else:
            reason, verdict = None, "unchecked"
        fields.update(cache=cache, acao=" | ".join(acao), verdict=verdict, reason=reason or "")
        self._log(headers_out, record)
        return fields

    @staticmethod
    def _log(headers_out, record):
        if headers_out is not None:
            headers_out.write(json.dumps(record) + "\n")


def main():
    ap = argparse.ArgumentParser(description="Replay a popsim trace against a running stack (stack.py start).")
    ap.add_argument("--stack", required=True, help="the STATE_DIR given to stack.py start")
    ap.add_argument("--out", required=True, help="audit CSV to write")
    ap.add_argument("--trace", help="trace CSV (default: the scenario's)")
    ap.add_argument("--headers-out", help="also write every response's status and headers as JSON lines")
    args = ap.parse_args()
    stack = Stack(args.stack)
    rows = read_trace(args.trace or stack.scenario["_trace"])
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as out:
        hout = open(args.headers_out, "w", encoding="utf-8") if args.headers_out else None
        try:
            Replayer(stack).replay(rows, out, hout)
        finally:
            if hout:
                hout.close()
    os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
