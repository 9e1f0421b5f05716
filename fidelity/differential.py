#!/usr/bin/env python3
"""Differential test: popsim against a real nginx POP stack, request by request.

For every scenario (default: the shipped `scenarios/*.json` and `fidelity/scenarios/*.json`) and
every variant nginx can express, it
1. derives a scenario with the model settings that match nginx: `"ruleBinding": "serve"` (nginx
   applies `add_header` to every response, cached or not); the variant's `vary` setting is kept and
   nginx is configured to follow it (`ignore` → `proxy_ignore_headers Vary`, `honour` → nginx's
   default, `bypass` → `proxy_no_cache`);
2. runs `popsim run DERIVED --requests-out` on it;
3. starts the stack (stack.py: origin server + one nginx per POP), replays the trace (replay.py),
   stops the stack;
4. compares each request: cache status class (HIT or not), the ACAO values (every line, in
   order), the verdict and its reason.

A scenario is compared only where the comparison means something: no parent tier, requests to
one POP and URL spaced beyond that POP's origin RTT (no request collapsing), a trace shorter than
every TTL (no expiry), objects that fit the POP (no eviction). What is left out is reported
with the reason.

Then, for every compared variant whose shipped settings differ from the ones nginx needed, it
runs popsim with the shipped settings too and counts the requests whose outcome differs from
nginx's: that is where nginx behaves unlike the seed's Alibaba CDN, attributed to the setting.

Exit status: 0 when every compared request agrees (or its mismatch is listed in EXPLAINED), 1
otherwise, 2 on bad usage.

Usage: differential.py [--popsim BIN] [--report FILE] [--work DIR] [SCENARIO.json ...]
"""

import argparse
import copy
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import nginx_conf  # noqa: E402
import stack as stack_mod  # noqa: E402
from popsim_model import duration_us, load_scenario, read_audit, read_trace, size_bytes, split_url  # noqa: E402
from replay import Replayer  # noqa: E402

# Mismatches that are understood: (scenario name, variant, seq) → explanation. Keep it empty
# unless a difference is real, understood and not worth a model setting.
EXPLAINED = {}

SETTING_NOTES = {
    "ruleBinding": "nginx applies add_header to every response, cached or not (serve); the seed's FAQ says a new rule "
                   "reaches cached objects only after a purge (fill)",
    "vary": "nginx honours Vary: Origin by default (one copy per Origin value); the seed's FAQ implies Alibaba "
            "keeps one copy per URL (ignore)",
}


def rel(path):
    return os.path.relpath(path, ROOT)


# ---------------------------------------------------------------------------------------------
# What can be compared.

def ttl_from_cache_control(cc):
    """popsim's TTLPolicy.ttl(cacheControl:) in µs, or None when it says nothing about time."""
    max_age = s_max_age = None
    for d in cc.split(","):
        name, _, value = d.strip().partition("=")
        name = name.strip().lower()
        if name in ("no-store", "no-cache", "private"):
            return 0
        try:
            v = int(value.strip().strip('"')) if value else None
        except ValueError:
            v = None
        if name == "max-age":
            max_age = v
        elif name == "s-maxage":
            s_max_age = v
    chosen = s_max_age if s_max_age is not None else max_age
    return None if chosen is None else max(0, chosen) * 1_000_000


def trace_problems(scenario, rows):
    problems = []
    rtt = {p["id"]: duration_us(p.get("originRTT", "50ms")) for p in scenario["pops"]}
    last = {}
    for r in rows:
        _, host, pq = split_url(r["url"], scenario)
        key = (r["pop"], host, pq)
        if key in last and r["t_us"] - last[key] <= rtt[r["pop"]]:
            problems.append(f"requests {last[key]/1e6:g}s and {r['t_us']/1e6:g}s for {r['url']} at {r['pop']} are closer "
                            f"than its origin RTT: popsim would collapse them, the sequential replay cannot")
            break
        last[key] = r["t_us"]
    span = rows[-1]["t_us"] - rows[0]["t_us"] if rows else 0
    ttls = []
    for d in scenario["domains"]:
        if any(o["id"] == d["origin"] and any(p.get("cacheControl") for p in o.get("paths", []) or [])
               for o in scenario["origins"]) and d.get("cacheRules"):
            problems.append(f"domain {d['host']}: cache rules and origin Cache-Control together (nginx gives the "
                            "origin's header precedence, popsim the rule's)")
        ttls.append(duration_us(d.get("ttl", "1d")))
        ttls += [duration_us(c["ttl"]) for c in d.get("cacheRules", []) or []]
    for o in scenario["origins"]:
        for p in o.get("paths", []) or []:
            if p.get("cacheControl"):
                t = ttl_from_cache_control(p["cacheControl"])
                if t:
                    ttls.append(t)
    if ttls and span >= min(ttls):
        problems.append(f"the trace spans {span/1e6:g}s, not shorter than the shortest TTL ({min(ttls)/1e6:g}s): "
                        "expiry would matter and the replay does not wait")
    sizes = {o["id"]: size_bytes(o.get("objectSize", "100KB")) for o in scenario["origins"]}
    biggest = max(sizes.values()) if sizes else 0
    per_pop = {}
    for r in rows:
        per_pop.setdefault(r["pop"], set()).add((r["url"], r["origin"]))
    for p in scenario["pops"]:
        if len(per_pop.get(p["id"], ())) * biggest > size_bytes(p.get("capacity", "1GB")):
            problems.append(f"POP {p['id']} could evict (objects × Origin values exceed its capacity)")
    return problems


def derive(scenario, specs, out_path):
    """A copy of `scenario` whose variants are `specs` [(name, shipped variant, setting overrides)], trace path absolute."""
    d = {k: copy.deepcopy(v) for k, v in scenario.items() if not k.startswith("_")}
    d["variants"] = {}
    for name, source, overrides in specs:
        v = copy.deepcopy(scenario["variants"][source])
        v.update(overrides)
        d["variants"][name] = v
    d["workload"] = dict(d["workload"], trace=scenario["_trace"])
    events = []
    for e in d.get("events", []) or []:
        if e.get("variants") is not None:
            e["variants"] = [name for name, source, _ in specs if source in e["variants"]]
            if not e["variants"]:
                continue
        events.append(e)
    if "events" in d:
        d["events"] = events
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(d, f, indent=2)
    return out_path


def run_popsim(binary, scenario_path, audit_path, variants=None):
    cmd = [binary, "run", scenario_path, "--no-out", "--requests-out", audit_path]
    for v in variants or []:
        cmd += ["--variant", v]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    rows = {}
    for row in read_audit(audit_path):
        rows.setdefault(row["variant"], {})[int(row["seq"])] = row
    return rows


def run_stack(scenario_path, variant, work, keep=False):
    state_dir = os.path.join(work, "stack")
    stack_mod.start(scenario_path, variant, state_dir)
    try:
        st = stack_mod.Stack(state_dir)
        out_path = os.path.join(work, "nginx-audit.csv")
        with open(out_path, "w", encoding="utf-8", newline="") as out, \
                open(os.path.join(work, "nginx-headers.jsonl"), "w", encoding="utf-8") as hout:
            Replayer(st).replay(read_trace(st.scenario["_trace"]), out, hout)
        origin_requests = 0
        for o in st.state["origins"].values():
            log = os.path.join(o["dir"], "requests.jsonl")
            if os.path.exists(log):
                with open(log, encoding="utf-8") as f:
                    origin_requests += sum(1 for _ in f)
    finally:
        stack_mod.stop(state_dir, remove=not keep)
    return {int(r["seq"]): r for r in read_audit(out_path)}, origin_requests


# ---------------------------------------------------------------------------------------------
# Comparing.

def outcome(row):
    acao = [v.strip(" \t") for v in row["acao"].split(" | ")] if row["acao"] != "" else []
    return {"cache": "HIT" if row["cache"] == "HIT" else "non-HIT", "acao": acao,
            "verdict": row["verdict"], "reason": row["reason"]}


def compare(model, real):
    """[(seq, {field: (popsim, nginx)}, model row, real row)] for every request that differs."""
    diffs = []
    for seq in sorted(set(model) | set(real)):
        m, r = model.get(seq), real.get(seq)
        if m is None or r is None:
            diffs.append((seq, {"row": ("present" if m else "missing", "present" if r else "missing")}, m, r))
            continue
        fields = {}
        for k in ("t", "pop", "url", "origin", "kind"):
            if m[k] != r[k]:
                fields[k] = (m[k], r[k])
        mo, ro = outcome(m), outcome(r)
        for k in ("cache", "acao", "verdict", "reason"):
            if mo[k] != ro[k]:
                fields[k] = (mo[k], ro[k])
        if fields:
            diffs.append((seq, fields, m, r))
    return diffs


def fmt_row(row):
    if row is None:
        return "(none)"
    return f"{row['t']}s {row['pop']} {row['url']} origin={row['origin'] or '-'} {row['kind']}: " \
           f"{row['cache']} ACAO=[{row['acao']}] {row['verdict']} {row['reason']}".rstrip()


def nginx_version():
    try:
        r = subprocess.run([stack_mod.NGINX, "-v"], capture_output=True, text=True, timeout=10)
        return (r.stderr or r.stdout).strip().replace("nginx version: ", "")
    except OSError:
        return "nginx (version unknown)"


def main():
    ap = argparse.ArgumentParser(description="popsim vs a real nginx POP stack, request by request.")
    ap.add_argument("scenarios", nargs="*", help="scenario files (default: scenarios/*.json fidelity/scenarios/*.json)")
    ap.add_argument("--popsim", default=os.path.join(ROOT, ".build", "debug", "popsim"))
    ap.add_argument("--report", help="write the report (Markdown) here")
    ap.add_argument("--work", help="keep intermediate files (derived scenarios, audits, stack logs) here")
    args = ap.parse_args()
    if not os.access(args.popsim, os.X_OK):
        print(f"differential.py: no popsim binary at {args.popsim} (swift build first, or --popsim)", file=sys.stderr)
        return 2
    if not os.access(stack_mod.NGINX, os.X_OK):
        print("differential.py: nginx is not installed (fidelity/install-deps.sh nginx)", file=sys.stderr)
        return 2
    paths = args.scenarios or sorted(glob.glob(os.path.join(ROOT, "scenarios", "*.json"))) + \
        sorted(glob.glob(os.path.join(HERE, "scenarios", "*.json")))
    work = args.work or tempfile.mkdtemp(prefix="popsim-differential-")
    os.makedirs(work, exist_ok=True)
    started = time.monotonic()

    table, skipped, mismatches, seed_diffs = [], [], [], []
    compared = 0
    for path in paths:
        scenario = load_scenario(path)
        name = scenario.get("name") or os.path.basename(path)
        if scenario["_trace"] is None:
            skipped.append((rel(path), "(all)", "workload is not a CSV trace (synthetic or another format): the replay reads CSV"))
            continue
        rows = read_trace(scenario["_trace"])
        problems = nginx_conf.scenario_problems(scenario) + trace_problems(scenario, rows)
        if problems:
            skipped.append((rel(path), "(all)", "; ".join(problems)))
            continue
        variants = []
        for v in scenario["variants"]:
            vp = nginx_conf.variant_problems(scenario, v)
            if vp:
                skipped.append((rel(path), v, "; ".join(vp)))
            else:
                variants.append(v)
        if not variants:
            continue
        sdir = os.path.join(work, name)
        os.makedirs(sdir, exist_ok=True)
        # A: the shipped variant with the settings nginx needs. B: where the bucket sends Vary and the
        # variant leaves `vary` at its default, also nginx's own default (Vary honoured).
        specs, nginx_default = [], {}
        origin_varies = any((o.get("cors") or {}).get("responseVary") for o in scenario["origins"])
        for v in variants:
            specs.append((v, v, {"ruleBinding": "serve"}))
            nginx_default[v] = (v, {"ruleBinding": "serve"})
            if origin_varies and "vary" not in scenario["variants"][v]:
                alt = f"{v}.nginx-default-vary"
                specs.append((alt, v, {"ruleBinding": "serve", "vary": "honour"}))
                nginx_default[v] = (alt, {"ruleBinding": "serve", "vary": "honour"})
        derived = derive(scenario, specs, os.path.join(sdir, "derived.json"))
        model = run_popsim(args.popsim, derived, os.path.join(sdir, "popsim-audit.csv"))
        real_by_name = {}
        for name_v, source, overrides in specs:
            vdir = os.path.join(sdir, name_v)
            os.makedirs(vdir, exist_ok=True)
            real, origin_requests = run_stack(derived, name_v, vdir, keep=bool(args.work))
            real_by_name[name_v] = real
            diffs = compare(model.get(name_v, {}), real)
            compared += len(real)
            mismatches += [(rel(path), name_v, d, EXPLAINED.get((name, name_v, d[0]))) for d in diffs]
            hits = sum(1 for r in real.values() if r["cache"] == "HIT")
            checked = sum(1 for r in real.values() if r["verdict"] != "unchecked")
            failed = sum(1 for r in real.values() if r["verdict"] == "fail")
            mv = model.get(name_v, {})
            identical = sum(1 for seq, r in real.items() if mv.get(seq) == r)
            table.append((rel(path), name_v, overrides.get("vary", scenario["variants"][source].get("vary", "ignore")),
                          len(real), hits, checked, failed, origin_requests, identical, len(diffs)))
        # The shipped (seed) settings against nginx with its own defaults.
        shipped_specs = [(v, v, {}) for v in variants]
        shipped = run_popsim(args.popsim, derive(scenario, shipped_specs, os.path.join(sdir, "shipped.json")),
                             os.path.join(sdir, "popsim-shipped-audit.csv"))
        for v in variants:
            alt, overrides = nginx_default[v]
            settings = [(k, scenario["variants"][v].get(k, {"ruleBinding": "fill", "vary": "ignore"}[k]), val)
                        for k, val in overrides.items()
                        if scenario["variants"][v].get(k, {"ruleBinding": "fill", "vary": "ignore"}[k]) != val]
            if settings:
                real = real_by_name[alt]
                seed_diffs.append((rel(path), v, alt, settings, len(real), compare(shipped.get(v, {}), real)))

    elapsed = time.monotonic() - started
    unexplained = [m for m in mismatches if m[3] is None]
    report = render_report(table, skipped, mismatches, seed_diffs, compared)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            f.write(report)
    else:
        sys.stdout.write(report)
    print(f"differential: {compared} requests compared, {len(mismatches)} mismatches "
          f"({len(mismatches) - len(unexplained)} explained, {len(unexplained)} unexplained) in {elapsed:.1f}s",
          file=sys.stderr)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if unexplained else 0


def render_report(table, skipped, mismatches, seed_diffs, compared):
    out = []
    w = out.append
    unexplained = sum(1 for m in mismatches if m[3] is None)
    w("# Differential test: popsim against nginx\n")
    w(f"Real stack: {nginx_version()} with `proxy_cache` as POPs, `fidelity/origin_server.py` as the OSS bucket; "
      "popsim with `\"ruleBinding\": \"serve\"` and each variant's `vary` (nginx configured to match). "
      "Produced by `fidelity/differential.py`.\n")
    w(f"**{compared} requests compared in {len(table)} scenario variants: {len(mismatches)} mismatches "
      f"({len(mismatches) - unexplained} explained, {unexplained} unexplained).** "
      "Compared per request: cache status class (HIT or not), every ACAO line, verdict and reason.\n")
    w("## Compared\n")
    w("| scenario | variant | vary | requests | nginx HITs | CORS-checked | failed | origin requests | audit lines identical | mismatches |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for s, v, vary, n, hits, checked, failed, origin_requests, same, m in table:
        w(f"| {s} | {v} | {vary} | {n} | {hits} | {checked} | {failed} | {origin_requests} | {same} | {m} |")
    w("")
    w(f"{sum(t[8] for t in table)} of the {compared} audit lines are, field for field, the ones `popsim run --requests-out` "
      "writes (cache status names included: MISS, HIT, BYPASS for a request the cache does not take).\n")
    w("## Mismatches\n")
    if not mismatches:
        w("None: for every compared request, popsim and nginx agree on the cache status class, the ACAO lines, "
          "the verdict and the reason.\n")
    for s, v, (seq, fields, m, r), why in mismatches:
        w(f"- {s} `{v}` seq {seq}: " + ", ".join(f"{k}: popsim {a!r} vs nginx {b!r}" for k, (a, b) in fields.items()))
        w(f"  - popsim: {fmt_row(m)}")
        w(f"  - nginx:  {fmt_row(r)}")
        w(f"  - {'explained: ' + why if why else '**unexplained**'}")
    if mismatches:
        w("")
    w("## Not compared\n")
    if not skipped:
        w("Nothing: every scenario and variant was compared.\n")
    else:
        w("| scenario | variant | why |")
        w("|---|---|---|")
        for s, v, why in skipped:
            w(f"| {s} | {v} | {why} |")
        w("")
    w("## Where nginx differs from the seed's Alibaba CDN\n")
    w("Each compared variant was also run in popsim with its shipped settings (the seed's reading: rules bound at "
      "fill time, Vary ignored unless the variant says otherwise) and set against nginx with nginx's own behaviour "
      "(add_header at serve time; Vary honoured unless the variant configures otherwise). The requests whose outcome "
      "differs are the ones the named settings decide; with the settings switched (above) they agree.\n")
    differing = [x for x in seed_diffs if x[5]]
    w("| scenario | variant | settings (shipped → nginx) | requests | differing | in |")
    w("|---|---|---|---|---|---|")
    for s, v, alt, settings, n, sd in differing:
        kinds = sorted({k for _, f, _, _ in sd for k in f})
        names = ", ".join(f"`{k}` {a} → {b}" for k, a, b in settings)
        w(f"| {s} | {v} | {names} | {n} | {len(sd)} (seq {', '.join(str(x[0]) for x in sd)}) | {', '.join(kinds)} |")
    same = [x for x in seed_diffs if not x[5]]
    w("")
    w(f"In the other {len(same)} compared variants the shipped settings give nginx's outcome for every request "
      "(no rule changes during the trace, and no Vary from the bucket or a variant that sets `vary` itself).\n")
    for s, v, alt, settings, n, sd in differing:
        seq, fields, m, r = sd[0]
        w(f"- {s} `{v}`, first difference (seq {seq}): popsim (shipped) {fmt_row(m)} — nginx {fmt_row(r)}")
    w("")
    w("Setting notes: " + "; ".join(f"`{k}`: {t}" for k, t in SETTING_NOTES.items()) + ".\n")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
