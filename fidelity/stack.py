#!/usr/bin/env python3
"""Start and stop a real POP stack on loopback for one popsim scenario variant.

`start` writes, under a state folder, one origin server (origin_server.py) per scenario origin and
one nginx instance per POP, each on a free 127.0.0.1 port with its own prefix folder (config,
cache, temp files, logs), and `stack.json` describing them. `stop` stops exactly those processes
(by the pids it recorded) and removes the folder. `reload` rewrites one POP's config with other
CDN rules and waits until nginx serves it; `purge` removes cached entries by deleting their cache
files (the file name is the MD5 of the cache key; the stack reads the `KEY:` line each file
carries instead, so Vary's secondary entries go too).

Usage:
  stack.py start SCENARIO VARIANT [STATE_DIR]   (default: a new temporary folder, printed)
  stack.py stop STATE_DIR
"""

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import nginx_conf  # noqa: E402
from popsim_model import load_scenario  # noqa: E402

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}")


def http_get(port, path, host="popsim.invalid", timeout=2):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read().decode("utf-8", "replace")


def accepting(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _nginx(prefix, conf, *extra):
    return subprocess.run([NGINX, "-p", prefix, "-c", conf, "-e", os.path.join(prefix, "error.log"), *extra],
                          capture_output=True, text=True, timeout=30)


class Stack:
    def __init__(self, state_dir):
        self.state_dir = os.path.abspath(state_dir)
        with open(os.path.join(self.state_dir, "stack.json"), encoding="utf-8") as f:
            self.state = json.load(f)
        self.scenario = load_scenario(self.state["scenario"])

    # -- config changes --------------------------------------------------------------------------

    def reload(self, pop_id, policies):
        """Serve `policies` (one per domain) at `pop_id` from now on; returns once nginx does."""
        pop = self.state["pops"][pop_id]
        pop["generation"] += 1
        text = nginx_conf.render(self.scenario, self.state["variant"], pop_id, pop["port"], self.state["originPorts"],
                                 pop["prefix"], policies=policies, generation=pop["generation"])
        with open(pop["conf"], "w", encoding="utf-8") as f:
            f.write(text)
        old_workers = children(pop["pid"])
        r = _nginx(pop["prefix"], pop["conf"], "-s", "reload")
        if r.returncode != 0:
            raise RuntimeError(f"nginx reload failed for POP {pop_id}: {r.stderr.strip()}")
        want = str(pop["generation"])
        wait_until(lambda: generation(pop["port"]) == want, 15, f"POP {pop_id} to serve generation {want}")
        # The old worker finishes gracefully; wait until it is gone so that it answers nothing more.
        wait_until(lambda: not (set(old_workers) & set(children(pop["pid"]))), 15, f"POP {pop_id}'s old workers to exit")
        self._save()

    # -- purges ----------------------------------------------------------------------------------

    def purge(self, pop_id, matches):
        """Deletes every cache file at `pop_id` whose key satisfies `matches(key)`; returns how many."""
        removed = 0
        for root, _, files in os.walk(os.path.join(self.state["pops"][pop_id]["prefix"], "cache")):
            for name in files:
                path = os.path.join(root, name)
                key = cache_file_key(path)
                if key is not None and matches(key):
                    os.unlink(path)
                    removed += 1
        return removed

    def _save(self):
        with open(os.path.join(self.state_dir, "stack.json"), "w", encoding="utf-8") as f:
            json.dump(self.state, f, indent=2)


def generation(port):
    """The config generation an nginx POP serves (None when it does not answer)."""
    try:
        return http_get(port, nginx_conf.GENERATION_PATH)[1]
    except OSError:
        return None


def children(pid):
    """The pids whose parent is `pid` (an nginx master's workers and cache processes)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(") ", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(name))
    return out


def cache_file_key(path):
    """The `KEY: ...` line nginx writes into each cache file's header."""
    try:
        with open(path, "rb") as f:
            head = f.read(8192)
    except OSError:
        return None
    i = head.find(b"\nKEY: ")
    if i < 0:
        return None
    j = head.find(b"\n", i + 6)
    return head[i + 6:j].decode("utf-8", "replace")


def cache_file_name(key):
    """Where nginx keeps the primary entry for `key` (levels=1:2): .../<last char>/<2 before>/<md5>."""
    md5 = hashlib.md5(key.encode("utf-8")).hexdigest()
    return os.path.join(md5[-1], md5[-3:-1], md5)


def start(scenario_path, variant, state_dir):
    scenario = load_scenario(scenario_path)
    if variant not in scenario["variants"]:
        raise SystemExit(f"no variant {variant!r} in {scenario_path}")
    problems = nginx_conf.scenario_problems(scenario) + nginx_conf.variant_problems(scenario, variant)
    if problems:
        raise nginx_conf.NotExpressible("; ".join(problems))
    state_dir = os.path.abspath(state_dir)
    os.makedirs(state_dir, exist_ok=True)
    state = {"scenario": scenario["_path"], "variant": variant, "origins": {}, "originPorts": {}, "pops": {}}
    path = os.path.join(state_dir, "stack.json")
    try:
        for o in scenario["origins"]:
            odir = os.path.join(state_dir, "origin-" + o["id"])
            os.makedirs(odir, exist_ok=True)
            conf = os.path.join(odir, "origin.json")
            with open(conf, "w", encoding="utf-8") as f:
                json.dump(o, f, indent=2)
            port = free_port()
            log = open(os.path.join(odir, "stderr.log"), "w")
            proc = subprocess.Popen([sys.executable, os.path.join(HERE, "origin_server.py"), "--config", conf,
                                     "--port", str(port), "--log", os.path.join(odir, "requests.jsonl")],
                                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
            log.close()
            state["origins"][o["id"]] = {"port": port, "pid": proc.pid, "dir": odir}
            state["originPorts"][o["id"]] = port
            with open(path, "w", encoding="utf-8") as f:
                json.dump(state, f, indent=2)
        for o in state["origins"].values():
            wait_until(lambda: accepting(o["port"]), 10, f"origin server on port {o['port']}")
        for p in scenario["pops"]:
            prefix = os.path.join(state_dir, "pop-" + p["id"])
            for sub in ("cache", "tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
                os.makedirs(os.path.join(prefix, sub), exist_ok=True)
            port = free_port()
            conf = os.path.join(prefix, "nginx.conf")
            with open(conf, "w", encoding="utf-8") as f:
                f.write(nginx_conf.render(scenario, variant, p["id"], port, state["originPorts"], prefix))
            r = _nginx(prefix, conf)
            if r.returncode != 0:
                raise RuntimeError(f"nginx failed to start for POP {p['id']}: {r.stderr.strip()}")
            pidfile = os.path.join(prefix, "nginx.pid")
            wait_until(lambda: os.path.exists(pidfile), 10, f"nginx pid file for POP {p['id']}")
            with open(pidfile) as f:
                pid = int(f.read().strip())
            state["pops"][p["id"]] = {"port": port, "prefix": prefix, "conf": conf, "pid": pid, "generation": 0}
            with open(path, "w", encoding="utf-8") as f:
                json.dump(state, f, indent=2)
            wait_until(lambda: generation(port) == "0", 10, f"nginx for POP {p['id']} to answer")
    except BaseException:
        stop(state_dir, remove=False)
        raise
    return state


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _terminate(pid, first_signal, what, expect):
    """Signals `pid` only if it is still the process that was started (its command line contains `expect`)."""
    if not pid_alive(pid) or expect not in _cmdline(pid):
        return
    os.kill(pid, first_signal)
    try:
        wait_until(lambda: not pid_alive(pid) or _zombie(pid), 10, f"{what} (pid {pid}) to exit")
    except RuntimeError:
        os.kill(pid, signal.SIGKILL)
    _reap(pid)


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1].startswith("Z")
    except OSError:
        return False


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def stop(state_dir, remove=True):
    """Stops the processes `start` recorded in STATE_DIR/stack.json (only those), then removes the folder."""
    path = os.path.join(state_dir, "stack.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            state = json.load(f)
        for pop_id, pop in state.get("pops", {}).items():
            # QUIT: the master stops its workers gracefully and exits.
            _terminate(pop["pid"], signal.SIGQUIT, f"nginx master of POP {pop_id}", pop["conf"])
        for oid, o in state.get("origins", {}).items():
            _terminate(o["pid"], signal.SIGTERM, f"origin server {oid}", "origin_server.py")
    if remove:
        shutil.rmtree(state_dir, ignore_errors=True)


def main(argv):
    if len(argv) >= 2 and argv[1] == "start" and len(argv) in (4, 5):
        state_dir = argv[4] if len(argv) == 5 else tempfile.mkdtemp(prefix="popsim-stack-")
        state = start(argv[2], argv[3], state_dir)
        print(f"state: {state_dir} (stop with: fidelity/stack.sh stop {state_dir})")
        for pid, pop in state["pops"].items():
            print(f"POP {pid}: http://127.0.0.1:{pop['port']} (prefix {pop['prefix']})")
        for oid, o in state["origins"].items():
            print(f"origin {oid}: http://127.0.0.1:{o['port']}")
        return 0
    if len(argv) == 3 and argv[1] == "stop":
        stop(argv[2])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except nginx_conf.NotExpressible as e:
        print(f"not expressible on nginx: {e}", file=sys.stderr)
        sys.exit(3)
