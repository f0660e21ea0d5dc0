#!/usr/bin/env python3
"""The JIT (`etlc run --jit`) against the interpreter and against peers, in one run (issue 5).

Issue 5's targets: at least 2x faster than the interpreter on expression-bound work
(in-memory `generate` input, several derives and a filter), and compile time under 50 ms
per step for typical pipelines. Three parts (docs/dev/benchmarks.md, "JIT"):

1. Expression-bound pipelines, bench/tasks/jit_{derive,filter}.etl (and the baseline
   jit_source.etl: the same source, no expressions) on `--rows` generated events: etlc
   `--jit=off` and `--jit=on` (warm object cache), and DuckDB 1 thread on the same
   expressions over range(N) (bench/jit_duckdb.py: `exact` = etlc's generated values,
   whose output must agree with etlc's; `hash` = DuckDB's own random values, its native
   speed). All tools of a task run in turn, `--runs` rounds, rotating the order. Each etlc
   run logs JSON events: the steps' busy time and, with the JIT, `jit_compiled` (which must
   come from the cache) and `jit_fallback` (a FAIL). Outputs: interpreter and JIT
   byte-identical in every run; DuckDB `exact` equal within 1e-9 (floats).
2. Compile time: each pipeline (the jit_* ones and the CSV tasks T1, T2) runs
   `--compile-runs` times with `--jit=on` in a fresh state directory (cold: LLVM compiles)
   and once more in the same one (the object cache loads); `jit_compiled` gives ms per step.
3. Peers on ../shared/bench/TASKS.md T1, T2 (CSV, 1m): the shared harness, as
   bench/run.sh runs it, with etlc-w1/w2 (`--jit=off`) and etlc-jit-w1/w2 (`--jit=on`).

usage: bench_jit.py --etlc PATH [--rows N] [--runs N] [--workers 1,2] [--tasks jit_derive,jit_filter]
                    [--compile-runs N] [--peers T1,T2|none] [--peer-tools ...] [--peer-runs N]
                    [--max-load L] [--quiet-wait S] [--priority NICE] [--label L]
                    [--write-results bench/RESULTS.md]
"""
import argparse
import hashlib
import importlib.util
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TASKS_DIR = os.path.join(HERE, "tasks")
sys.path.insert(0, HERE)
import jit_duckdb  # noqa: E402
import results_md  # noqa: E402

SECTION = "## JIT (issue 5)"
TARGET_SPEEDUP = 2.0
TARGET_COMPILE_MS = 50.0
# Steps whose expressions are step kernels (step ids are <op>@<line>): their busy time is the
# expression work (plus, for aggregate, the hash table and the accumulators).
EXPR_STEPS = ("derive", "filter", "select", "route", "validate", "aggregate")
GEN_TASKS = {
    "jit_derive": "generate -> 4 derives (int overflow/div checks, float, if, ??, timestamp) -> filter (8% kept) "
                  "-> aggregate -> 1-line CSV",
    "jit_filter": "generate -> derive -> compound filter (0.1% kept) -> select -> CSV",
}
BASELINE = "jit_source"
DEFAULT_PEER_TOOLS = ["etlc-w1", "etlc-jit-w1", "etlc-w2", "etlc-jit-w2", "miller", "duckdb-native-t1",
                      "duckdb-native-t2", "polars-node"]


def load_by_path(name, path):
    if not os.path.exists(path):
        sys.exit("bench_jit: %s not found" % path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sha256(path):
    if not os.path.exists(path):
        return None
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_events(path):
    events = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    events.append(json.loads(line))
                except ValueError:
                    pass  # a text warning line
    return events


def event_summary(events):
    """The run's numbers from its JSON events: expression steps' busy ms, errors, JIT reports."""
    out = {"expr_busy_ms": 0, "busy_ms": {}, "errors": None, "jit": [], "fallback": []}
    for e in events:
        kind, step = e.get("event"), e.get("step") or ""
        if kind == "step_finished":
            out["busy_ms"][step] = e.get("busy_ms", 0)
            if step.split("@")[0] in EXPR_STEPS:
                out["expr_busy_ms"] += e.get("busy_ms", 0)
        elif kind == "run_finished":
            out["errors"] = e.get("errors")
        elif kind == "jit_compiled":
            out["jit"].append({k: e.get(k) for k in ("step", "ms", "cached", "after_rows")})
        elif kind == "jit_fallback":
            out["fallback"].append({"step": step, "message": e.get("message")})
    return out


class Runner:
    """Commands, the quiet-machine gate and timings (the shared harness's run_once)."""

    def __init__(self, sb, etlc, a):
        self.sb, self.etlc, self.a = sb, etlc, a
        self.out_dir = a.out_dir
        self.duckdb = os.path.join(os.environ.get("ETLBENCH_DIR", "/tmp/etlbench"), "bin", "duckdb_run")

    def etlc_cmd(self, task, jit, workers, state_dir, out_path, events, rows=None, params=None):
        args = [self.etlc, "run", os.path.join(TASKS_DIR, task + ".etl"), "--workers", str(workers),
                "--jit=" + jit, "--state-dir", state_dir, "--log-format", "json",
                "--param", "out_path=" + out_path]
        if rows is not None:
            args += ["--param", "rows=%d" % rows]
        for k, v in (params or {}).items():
            args += ["--param", "%s=%s" % (k, v)]
        return " ".join(shlex.quote(x) for x in args) + " 2> " + shlex.quote(events)

    def duck_cmd(self, sql_path, threads, out_path):
        return " ".join(shlex.quote(x) for x in [self.duckdb, str(threads), sql_path, "-", out_path])

    def once(self, cmd):
        """One run after waiting for a quiet machine, kept however loaded the machine was."""
        self.sb.wait_quiet()
        wall, rss, cpu, rc, err, other = self.sb.run_once(cmd)
        return {"wall": wall, "cpu": cpu, "rss_mib": rss / 1024, "rc": rc, "other_cores": other,
                "error": err.strip()[-400:] if rc else ""}

    def timed(self, cmd):
        """One run after waiting for a quiet machine; repeated once if it was contended."""
        for attempt in range(2):
            self.sb.wait_quiet()
            wall, rss, cpu, rc, err, other = self.sb.run_once(cmd)
            if rc != 0 or other <= self.sb.QUIET["threshold"] or attempt == 1:
                return {"wall": wall, "cpu": cpu, "rss_mib": rss / 1024, "rc": rc, "other_cores": other,
                        "error": err.strip()[-400:] if rc else ""}


def jit_available(runner):
    """(True, "") when `--jit=on` compiles a step of jit_filter; else (False, why)."""
    probe = os.path.join(runner.out_dir, "probe")
    shutil.rmtree(probe, ignore_errors=True)
    os.makedirs(probe)
    events = os.path.join(probe, "events.jsonl")
    cmd = runner.etlc_cmd("jit_filter", "on", 1, os.path.join(probe, "state"), os.path.join(probe, "out.csv"),
                          events, rows=1000)
    rc = subprocess.run(["bash", "-c", cmd]).returncode
    ev = event_summary(read_events(events))
    if rc != 0:
        text = open(events, errors="replace").read()[-300:] if os.path.exists(events) else ""
        return False, "`etlc run --jit=on` exited %d: %s" % (rc, text.strip())
    if ev["fallback"]:
        return False, "the JIT fell back to the interpreter: %s" % ev["fallback"][0]["message"]
    if not ev["jit"]:
        return False, "`--jit=on` compiled no step"
    return True, ""


def compare_csv(path_a, path_b, sort_rows):
    """(True, "") when two CSVs hold the same header and rows, numbers within 1e-9."""
    def rows(p):
        with open(p) as f:
            lines = f.read().splitlines()
        body = [line.split(",") for line in lines[1:]]
        return lines[0] if lines else "", sorted(body) if sort_rows else body

    def num(v):
        try:
            return float(v)
        except ValueError:
            return None
    ha, ra = rows(path_a)
    hb, rb = rows(path_b)
    if ha != hb:
        return False, "headers differ: %r / %r" % (ha, hb)
    if len(ra) != len(rb):
        return False, "%d rows against %d" % (len(ra), len(rb))
    for i, (x, y) in enumerate(zip(ra, rb)):
        for u, v in zip(x, y):
            fu, fv = num(u), num(v)
            if u == v or (fu is not None and fv is not None and abs(fu - fv) <= 1e-9 * max(1.0, abs(fu), abs(fv))):
                continue
            return False, "row %d: %s against %s" % (i + 1, ",".join(x), ",".join(y))
    return True, ""


def gen_tools(a, runner, task, sql_dir):
    """[(tool, command, output path, state dir or None)] for one task of part 1."""
    tools = []
    for w in a.workers:
        for jit in (["off"] if task == BASELINE or not a.jit_ok else ["off", "on"]):
            name = "etlc-%s-w%d" % ("jit" if jit == "on" else "interp", w)
            base = os.path.join(runner.out_dir, task, name)
            out, state, events = base + ".csv", base + ".state", base + ".events.jsonl"
            tools.append((name, runner.etlc_cmd(task, jit, w, state, out, events, rows=a.rows), out, state, events))
    for mode in a.duckdb_modes:
        for t in sorted(set(a.workers)):
            name = "duckdb-%s-t%d" % (mode, t)
            sql = os.path.join(sql_dir, "%s_%s.sql" % (task, mode))
            with open(sql, "w") as f:
                f.write(jit_duckdb.SQL[task](a.rows, mode))
            out = os.path.join(runner.out_dir, task, name + ".csv")
            tools.append((name, runner.duck_cmd(sql, t, out), out, None, None))
    return tools


def run_generate_task(a, runner, task, sql_dir, log):
    """Part 1 for one task: every tool --runs times, rotating; returns {tool: record}."""
    os.makedirs(os.path.join(runner.out_dir, task), exist_ok=True)
    tools = gen_tools(a, runner, task, sql_dir)
    recs = {name: {"cmd": cmd, "runs": []} for name, cmd, _, _, _ in tools}
    for name, cmd, out, state, events in tools:  # warm-up: page cache, and the JIT's object cache
        if state:
            shutil.rmtree(state, ignore_errors=True)
        r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
        if r.returncode != 0:
            text = open(events).read() if events and os.path.exists(events) else r.stderr
            recs[name]["error"] = "warm-up exited %d: %s" % (r.returncode, text[-300:])
    for i in range(a.runs):
        order = tools[i % len(tools):] + tools[:i % len(tools)]
        for name, cmd, out, state, events in order:
            if "error" in recs[name]:
                continue
            if os.path.exists(out):
                os.remove(out)
            rec = runner.timed(cmd)
            rec["output"] = sha256(out)
            if events:
                rec["events"] = event_summary(read_events(events))
            recs[name]["runs"].append(rec)
            log("  %-10s %-18s run %d: %6.3f s wall, %5.2f s CPU, bg %.2f%s" % (
                task, name, i + 1, rec["wall"], rec["cpu"], rec["other_cores"],
                "" if rec["rc"] == 0 else "  FAILED rc=%d: %s" % (rec["rc"], rec["error"][-200:])))
            if rec["rc"] != 0:
                recs[name]["error"] = "exit %d: %s" % (rec["rc"], rec["error"])
        # keep the last outputs for the checks
    for name, _, out, _, _ in tools:
        recs[name]["out_path"] = out
    return recs


def summarise_tool(rec, rows):
    runs = [r for r in rec["runs"] if r["rc"] == 0]
    if not runs or "error" in rec:
        return {"ok": False, "error": rec.get("error", "no run")}
    walls = [r["wall"] for r in runs]
    s = {"ok": True, "wall_median": statistics.median(walls), "wall_min": min(walls),
         "cpu_median": statistics.median(r["cpu"] for r in runs), "rss_mib_max": max(r["rss_mib"] for r in runs),
         "bg_median": statistics.median(r["other_cores"] for r in runs),
         "bg_max": max(r["other_cores"] for r in runs), "outputs": sorted(set(str(r["output"]) for r in runs))}
    s["mrows_s"] = rows / 1e6 / s["wall_median"]
    evs = [r["events"] for r in runs if "events" in r]
    if evs:
        s["expr_busy_ms_median"] = statistics.median(e["expr_busy_ms"] for e in evs)
        s["errors"] = evs[-1]["errors"]
        s["fallbacks"] = [f for e in evs for f in e["fallback"]]
        s["uncached_compiles"] = sum(1 for e in evs for j in e["jit"] if not j["cached"])
        s["jit_steps"] = len(evs[-1]["jit"])
    return s


def check_task(task, recs, summary):
    """Interpreter and JIT outputs identical; DuckDB exact agrees; no JIT fallback."""
    msgs = []
    etlc = [n for n in summary if n.startswith("etlc") and summary[n]["ok"]]
    hashes = set(h for n in etlc for h in summary[n]["outputs"])
    if len(hashes) != 1 or "None" in hashes:
        msgs.append("etlc outputs differ between runs or modes")
    for n in etlc:
        if summary[n].get("fallbacks"):
            msgs.append("%s: jit_fallback %s" % (n, summary[n]["fallbacks"][0]))
        if n.startswith("etlc-jit") and not summary[n].get("jit_steps"):
            msgs.append("%s: no jit_compiled event" % n)
    ref = recs[etlc[0]]["out_path"] if etlc else None
    for n in summary:
        if n.startswith("duckdb-exact") and summary[n]["ok"] and ref:
            ok, msg = compare_csv(ref, recs[n]["out_path"], sort_rows=(task == "jit_filter"))
            if task != BASELINE and not ok:
                msgs.append("%s disagrees with etlc: %s" % (n, msg))
            summary[n]["agrees"] = ok if task != BASELINE else None
    for n in summary:
        if not summary[n]["ok"]:
            msgs.append("%s failed: %s" % (n, summary[n]["error"][:200]))
    return msgs


def ratio(x, y):
    return x / y if x and y else None


def speedup_rows(a, results):
    """Per (task, workers): the JIT against the interpreter, and against DuckDB."""
    rows = []
    base = results["generate"].get(BASELINE, {}).get("summary", {})
    for task in a.tasks:
        t = results["generate"][task]
        s, raw = t["summary"], t["raw"]
        for w in a.workers:
            i, j = s.get("etlc-interp-w%d" % w, {}), s.get("etlc-jit-w%d" % w, {})
            if not i.get("ok") or not j.get("ok"):
                rows.append({"task": task, "workers": w, "verdict": "FAIL: a run failed"})
                continue
            paired = statistics.median(x["wall"] / y["wall"] for x, y in zip(raw["etlc-interp-w%d" % w]["runs"],
                                                                              raw["etlc-jit-w%d" % w]["runs"]))
            src = base.get("etlc-interp-w%d" % w, {}).get("wall_median")
            # Meaningful only when both runs took visibly longer than the source alone.
            beyond = ratio(i["wall_median"] - src, j["wall_median"] - src) \
                if src and j["wall_median"] > 1.05 * src else None
            r = {"task": task, "workers": w, "interp_s": i["wall_median"], "jit_s": j["wall_median"],
                 "interp_mrows": i["mrows_s"], "jit_mrows": j["mrows_s"],
                 "speedup": i["wall_median"] / j["wall_median"], "paired": paired,
                 "cpu_speedup": ratio(i["cpu_median"], j["cpu_median"]),
                 "expr_speedup": ratio(i.get("expr_busy_ms_median"), j.get("expr_busy_ms_median")),
                 "beyond_source": beyond, "source_s": src,
                 "bg": "%.2f / %.2f" % (max(i["bg_median"], j["bg_median"]), max(i["bg_max"], j["bg_max"]))}
            for mode in a.duckdb_modes:
                d = s.get("duckdb-%s-t%d" % (mode, w), {})
                r["vs_duckdb_" + mode] = ratio(d.get("wall_median"), j["wall_median"]) if d.get("ok") else None
                r["duckdb_%s_mrows" % mode] = d.get("mrows_s")
            r["verdict"] = "FAIL: " + "; ".join(t["check"]) if t["check"] else (
                "met" if r["speedup"] >= TARGET_SPEEDUP else "MISS (< %gx)" % TARGET_SPEEDUP)
            rows.append(r)
    return rows


def compile_phase(a, runner, log):
    """Part 2: cold compiles in fresh state directories, then a cached load; per step ms."""
    pipelines = [(t, {"rows": a.rows}) for t in a.tasks]
    data = os.path.join(os.environ.get("ETLBENCH_DIR", "/tmp/etlbench"), "data")
    for t, ext in (("T1", "csv"), ("T2", "csv")):
        if os.path.exists(os.path.join(data, "orders_1m.%s" % ext)):
            pipelines.append((t, {"in_path": os.path.join(data, "orders_1m.%s" % ext)}))
    out = {}
    for task, p in pipelines:
        rec = {"cold": [], "cached": [], "cold_wall": [], "cached_wall": [], "fallback": []}
        for c in range(a.compile_runs):
            d = os.path.join(runner.out_dir, "compile", "%s-%d" % (task, c))
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
            for phase in ("cold", "cached"):
                events = os.path.join(d, phase + ".events.jsonl")
                rows = p.get("rows")
                params = {k: v for k, v in p.items() if k != "rows"}
                ext = "jsonl" if task == "T2" else "csv"
                cmd = runner.etlc_cmd(task, "on", 1, os.path.join(d, "state"), os.path.join(d, "out." + ext), events,
                                      rows=rows, params=params)
                r = runner.once(cmd)  # never repeated: a second run would load the cache
                ev = event_summary(read_events(events))
                rec[phase + "_wall"].append(r["wall"])
                rec[phase].append({j["step"]: j["ms"] for j in ev["jit"] if bool(j["cached"]) == (phase == "cached")})
                rec["fallback"] += ev["fallback"]
                if r["rc"] != 0:
                    rec["error"] = r["error"]
        steps = sorted(set(s for m in rec["cold"] for s in m))
        per_step = {s: statistics.median(m[s] for m in rec["cold"] if s in m) for s in steps}
        per_step_cached = {s: statistics.median(m[s] for m in rec["cached"] if s in m)
                           for s in steps if any(s in m for m in rec["cached"])}
        rec["per_step_cold_ms"], rec["per_step_cached_ms"] = per_step, per_step_cached
        out[task] = rec
        log("  compile %-10s steps %d: cold ms %s; cached ms %s%s" % (
            task, len(steps), {k: round(v, 1) for k, v in per_step.items()},
            {k: round(v, 1) for k, v in per_step_cached.items()},
            "  FALLBACK %s" % rec["fallback"][0] if rec["fallback"] else ""))
    return out


def peers_phase(a, sb, etlc, runner, base, log):
    """Part 3: T1/T2 by the shared harness, with etlc --jit=off and --jit=on beside the peers."""
    be = load_by_path("bench_etlc", os.path.join(HERE, "bench_etlc.py"))
    state = os.path.join(runner.out_dir, "peers-state")
    added = []
    for w in (1, 2):
        for jit in ("off", "on"):
            name = "etlc-%sw%d" % ("jit-" if jit == "on" else "", w)
            cmds = {t: c + " --jit=%s --state-dir %s" % (jit, shlex.quote(os.path.join(state, name)))
                    for t, c in be.etlc_commands(etlc, w).items()}
            sb.TOOLS.append((name, "", cmds))
            added.append((name, cmds))
    tools = a.peer_tools
    # Warm the JIT's object caches (the harness times every run; compile time is part 2).
    data = os.path.join(os.environ.get("ETLBENCH_DIR", "/tmp/etlbench"), "data")
    for name, cmds in added:
        if name in tools and "jit" in name:
            for t in a.peers:
                inp = os.path.join(data, "orders_1m.%s" % ("jsonl" if t == "T4" else "csv"))
                subprocess.run(["bash", "-c", sb.fill(cmds[t], inp, os.path.join(runner.out_dir, "warm.out"))],
                               capture_output=True)
    label = a.label + "-peers"
    results_dir = os.path.join(base, a.results)
    argv = [sb.__file__, "--sizes", "1m", "--tasks", ",".join(a.peers), "--tools", ",".join(tools),
            "--runs", str(a.peer_runs), "--no-floor", "--no-startup", "--quiet-wait", str(a.quiet_wait),
            "--label", label, "--results", results_dir, "--data", data]
    saved = sys.argv
    sys.argv = argv
    try:
        sb.main()
    finally:
        sys.argv = saved
    with open(os.path.join(results_dir, label + ".json")) as f:
        res = json.load(f)
    with open(os.path.join(results_dir, label + ".md")) as f:
        md = f.read()
    return res, md


def peer_ratio_table(sb, res):
    by = {(r["task"], r["tool"]): r for r in res["tasks"]}
    mbps = lambda t, tool: (by[(t, tool)]["input_bytes"] / 1e6 / by[(t, tool)]["median"]  # noqa: E731
                            if (t, tool) in by and by[(t, tool)].get("ok") and by[(t, tool)].get("median") else None)
    f = lambda x, fmt="%.2fx": fmt % x if x else "-"  # noqa: E731
    rows = []
    for t in sorted(set(r["task"] for r in res["tasks"])):
        j1, i1, j2, i2 = mbps(t, "etlc-jit-w1"), mbps(t, "etlc-w1"), mbps(t, "etlc-jit-w2"), mbps(t, "etlc-w2")
        rows.append((t, f(i1, "%.1f"), f(j1, "%.1f"), f(ratio(j1, i1)), f(ratio(j2, i2)),
                     f(ratio(j1, mbps(t, "miller"))), f(ratio(j1, mbps(t, "duckdb-native-t1"))),
                     f(ratio(j2, mbps(t, "duckdb-native-t2"))), f(ratio(j1, mbps(t, "polars-node")))))
    return sb.fmt_table(rows, ["task", "etlc-w1 MB/s", "etlc-jit-w1 MB/s", "jit/interp w1", "jit/interp w2",
                               "jit-w1/miller", "jit-w1/duckdb-t1", "jit-w2/duckdb-t2", "jit-w1/polars"])


def generate_tables(sb, a, results):
    f = lambda x, fmt="%.3f": fmt % x if x is not None else "-"  # noqa: E731
    out = []
    for task in [BASELINE] + a.tasks:
        t = results["generate"].get(task)
        if not t:
            continue
        rows = []
        for name, s in t["summary"].items():
            if not s["ok"]:
                rows.append((name, "FAIL", "", "", "", "", "", "", s["error"][:80]))
                continue
            extra = ""
            if "agrees" in s and s["agrees"] is not None:
                extra = "agrees with etlc" if s["agrees"] else "DISAGREES"
            elif name.startswith("etlc"):
                extra = "errors %s%s" % (s.get("errors"), ", %d steps from the cache" % s["jit_steps"]
                                         if s.get("jit_steps") else "")
            rows.append((name, f(s["wall_median"]), f(s["wall_min"]), f(s["mrows_s"], "%.2f"), f(s["cpu_median"], "%.2f"),
                         f(s.get("expr_busy_ms_median"), "%.0f"), "%.0f" % s["rss_mib_max"],
                         "%.2f / %.2f" % (s["bg_median"], s["bg_max"]), extra))
        rows.sort(key=lambda r: float(r[1]) if r[1] not in ("FAIL", "-") else 1e18)
        title = GEN_TASKS.get(task, "the baseline: generate -> count (no expression step)")
        out.append("### %s, %s rows: %s\n\n%s\n" % (task, "{:,}".format(a.rows), title, sb.fmt_table(
            rows, ["tool", "wall s (median of %d)" % a.runs, "min s", "Mrows/s", "CPU s", "expr steps busy ms",
                   "peak RSS MiB", "bg cores med / max", "check"])))
    return "\n".join(out)


def speedup_table(sb, a, rows):
    f = lambda x, fmt="%.2fx": fmt % x if x is not None else "-"  # noqa: E731
    body = []
    for r in rows:
        if "speedup" not in r:
            body.append((r["task"], r["workers"]) + ("-",) * 10 + (r["verdict"],))
            continue
        body.append((r["task"], r["workers"], "%.3f / %.3f" % (r["interp_s"], r["jit_s"]),
                     "%.1f / %.1f" % (r["interp_mrows"], r["jit_mrows"]), f(r["speedup"]), f(r["paired"]),
                     f(r["cpu_speedup"]), f(r["expr_speedup"]), f(r["beyond_source"]),
                     f(r.get("vs_duckdb_hash")), f(r.get("vs_duckdb_exact")), r["bg"], r["verdict"]))
    return sb.fmt_table(body, ["task", "workers", "wall s interp / jit", "Mrows/s interp / jit", "speedup (wall)",
                               "paired", "CPU", "expr steps busy", "beyond source", "jit vs duckdb-hash",
                               "jit vs duckdb-exact", "bg cores med / max", "target (>= 2x wall)"])


def compile_table(sb, comp):
    rows, worst = [], 0.0
    for task, rec in comp.items():
        cold, cached = list(rec["per_step_cold_ms"].values()), list(rec["per_step_cached_ms"].values())
        if cold:
            worst = max(worst, max(cold))
        steps = ", ".join("%s %.1f" % (s, v) for s, v in rec["per_step_cold_ms"].items())
        rows.append((task, len(cold), "%.1f" % max(cold) if cold else "-",
                     "%.1f" % statistics.median(cold) if cold else "-",
                     "%.1f" % max(cached) if cached else "-", "%.1f" % statistics.median(cached) if cached else "-",
                     "%.3f / %.3f" % (statistics.median(rec["cold_wall"]), statistics.median(rec["cached_wall"])),
                     "FALLBACK: %s" % rec["fallback"][0]["message"][:60] if rec["fallback"] else steps))
    return sb.fmt_table(rows, ["pipeline", "steps compiled", "cold ms max", "cold ms median", "cached ms max",
                               "cached ms median", "run wall s cold / cached", "cold ms per step"]), worst


def section_md(a, results, speed_md, gen_md, comp_md, worst_ms, peers_md, peer_ratios):
    m = results["machine"]
    rows = results["speedups"]
    w1 = [r for r in rows if r["workers"] == min(a.workers)]
    met_speed = bool(w1) and all(r["verdict"] == "met" for r in w1)
    if not results["jit_available"]:
        speed_line = "not measured: %s" % results["jit_unavailable"]
        comp_line = "not measured"
    else:
        speed_line = "%s (wall-time speedup at --workers %d: %s; in CPU time: %s)" % (
            "**met**" if met_speed else "**NOT met**", min(a.workers),
            ", ".join("%s %.2fx" % (r["task"], r["speedup"]) for r in w1 if "speedup" in r) or "-",
            ", ".join("%s %.2fx" % (r["task"], r["cpu_speedup"]) for r in w1 if r.get("cpu_speedup")) or "-")
        comp_line = "%s (slowest step: %.1f ms, median of %d cold compiles)" % (
            "**met**" if worst_ms < TARGET_COMPILE_MS else "**NOT met**", worst_ms, a.compile_runs)
    lines = [
        SECTION, "",
        "Made by `bench/jit.sh` (docs/dev/benchmarks.md, \"JIT\"). Expression-bound pipelines on",
        "an in-memory `generate` source (`bench/tasks/jit_*.etl`) run with `etlc run --jit=off`",
        "(the interpreter) and `--jit=on` (warm object cache), beside DuckDB 1 thread running the",
        "same expressions over `range(N)` (`bench/jit_duckdb.py`): `duckdb-exact` rebuilds etlc's",
        "generated values (its output is checked against etlc's) at the price of 128-bit",
        "arithmetic; `duckdb-hash` uses DuckDB's own `hash()` values (same distributions, its",
        "native speed, output not comparable). The tools of a task run in turn, rotating, %d rounds;" % a.runs,
        "figures are medians. *Expr steps busy*: the derive/filter/select/aggregate steps' `busy_ms` from the",
        "run's events; *beyond source*: (wall - `jit_source` wall) of the interpreter over the",
        "JIT's (`-` when the JIT run took under 1.05x the baseline's wall time: the difference is",
        "noise). Every etlc run's output was byte-identical across runs and modes (else FAIL).",
        "", "Command:", "", "```", results["command"], "```", "",
        "- etlc: `%s`%s; the repository was at %s; label `%s`; started %s, finished %s." % (
            results["etlc"], " (%s)" % a.etlc_note if a.etlc_note else "", results["commit"], a.label,
            results["started"], results["finished"]),
        "- Machine: %s, %s cores, %s GiB RAM, %s; load average at the start %s, at the end %s; %s." % (
            m.get("cpu"), m.get("cores"), m.get("mem_gib"), m.get("os"), results["loadavg_start"],
            results["loadavg_end"], "etlc and the peers ran in a session with autogroup nice %d" % a.priority
            if a.priority is not None else "no priority change"),
        "",
        "- Target, at least 2x the interpreter on expression-bound work: %s." % speed_line,
        "- Target, compile time under 50 ms per step: %s." % comp_line, "",
        "### Speedup of the JIT", "", speed_md, "",
        "### Compile time per step (`jit_compiled` events; cold = fresh `--state-dir`, cached = the "
        "second run)", "", comp_md, "", gen_md,
    ]
    if peers_md:
        lines += ["### Peers on the CSV tasks (shared harness, 1m rows, %d runs)" % a.peer_runs, "",
                  "T1 and T2 are CSV-bound: the JIT changes only their expression part.", "",
                  peer_ratios, "", re.sub(r"(?m)^### ", "#### ", peers_md)]
    return "\n".join(lines) + "\n"


def wait_for_load(max_load, max_wait, log):
    t0 = time.time()
    while True:
        load = float(open("/proc/loadavg").read().split()[0])
        if load < max_load or time.time() - t0 >= max_wait:
            log("load average %.2f (waited %.0f s for < %.2f)" % (load, time.time() - t0, max_load))
            return
        time.sleep(15)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--etlc", required=True)
    ap.add_argument("--shared", default=os.environ.get("ETL_SHARED_BENCH",
                                                      os.path.join(os.path.dirname(REPO), "shared", "bench")))
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workers", default="1")
    ap.add_argument("--tasks", default=",".join(GEN_TASKS))
    ap.add_argument("--duckdb", default="hash,exact", help="DuckDB sources to run (hash, exact; empty: none)")
    ap.add_argument("--compile-runs", type=int, default=3)
    ap.add_argument("--peers", default="T1,T2", help="shared tasks for part 3, or `none`")
    ap.add_argument("--peer-tools", default=",".join(DEFAULT_PEER_TOOLS))
    ap.add_argument("--peer-runs", type=int, default=3)
    ap.add_argument("--quiet-wait", type=float, default=30.0,
                    help="max seconds to wait before each run for other processes to use < 0.25 cores")
    ap.add_argument("--max-load", type=float, default=None,
                    help="first wait (up to --max-load-wait s) for a 1-minute load average below this")
    ap.add_argument("--max-load-wait", type=float, default=1200.0)
    ap.add_argument("--priority", type=int, default=None,
                    help="run everything in a session of its own with this autogroup nice value")
    ap.add_argument("--out-dir", default="/dev/shm/etlbench-jit")
    ap.add_argument("--label", default=time.strftime("jit-%Y%m%d-%H%M%S"))
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--write-results", default="")
    ap.add_argument("--etlc-note", default="", help="what the binary is (e.g. whose build, when), for RESULTS.md")
    a = ap.parse_args()
    a.workers = [int(w) for w in a.workers.split(",")]
    a.tasks = [t for t in a.tasks.split(",") if t]
    for t in a.tasks:
        if t not in GEN_TASKS:
            sys.exit("bench_jit: unknown task %r (%s)" % (t, ", ".join(GEN_TASKS)))
    a.duckdb_modes = [m for m in a.duckdb.split(",") if m]
    a.peers = [] if a.peers == "none" else a.peers.split(",")
    a.peer_tools = a.peer_tools.split(",")
    if a.priority is not None and not os.environ.get("ETL_BENCH_JIT_SESSION"):
        # The kernel schedules by autogroup (one per session): nice alone does nothing against
        # the other sessions' builds. A new session gets its own autogroup, whose nice is set.
        env = dict(os.environ, ETL_BENCH_JIT_SESSION="1")
        os.execvpe("setsid", ["setsid", "--wait", sys.executable] + sys.argv, env)
    if a.priority is not None:
        with open("/proc/self/autogroup", "w") as f:
            f.write("%d\n" % a.priority)

    base = os.environ.get("ETL_BENCH_INVOKE_DIR", os.getcwd())
    log = lambda s: print(s, flush=True)  # noqa: E731
    sb = load_by_path("shared_bench", os.path.join(a.shared, "lib", "bench.py"))
    sb.QUIET["max_wait"] = a.quiet_wait
    etlc = os.path.abspath(a.etlc)
    if not os.access(etlc, os.X_OK):
        sys.exit("bench_jit: --etlc %r is not an executable" % a.etlc)
    if a.max_load is not None:
        wait_for_load(a.max_load, a.max_load_wait, log)
    os.makedirs(a.out_dir, exist_ok=True)
    runner = Runner(sb, etlc, a)
    results = {
        "label": a.label, "etlc": etlc, "rows": a.rows, "runs": a.runs, "workers": a.workers,
        "machine": sb.machine_info(), "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "loadavg_start": " ".join(open("/proc/loadavg").read().split()[:3]),
        "command": os.environ.get("ETL_BENCH_COMMAND") or " ".join(
            shlex.quote(x) for x in [os.path.relpath(sys.argv[0], REPO)] + sys.argv[1:]),
        "commit": subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                                 capture_output=True, text=True).stdout.strip(),
        "generate": {},
    }
    ok, why = jit_available(runner)
    results["jit_available"], results["jit_unavailable"] = ok, why
    a.jit_ok = ok
    if not ok:
        log("bench_jit: no JIT in this etlc (%s): the interpreter and the peers only" % why)
    sql_dir = os.path.join(a.out_dir, "sql")
    os.makedirs(sql_dir, exist_ok=True)
    for task in [BASELINE] + a.tasks:
        recs = run_generate_task(a, runner, task, sql_dir, log)
        summary = {n: summarise_tool(r, a.rows) for n, r in recs.items()}
        results["generate"][task] = {"summary": summary, "raw": recs}
        results["generate"][task]["check"] = check_task(task, recs, summary)
        for msg in results["generate"][task]["check"]:
            log("  CHECK %s: %s" % (task, msg))
    results["speedups"] = speedup_rows(a, results) if ok else []
    results["compile"] = compile_phase(a, runner, log) if ok else {}
    peers_md, peer_ratios = "", ""
    if a.peers:
        res, peers_md = peers_phase(a, sb, etlc, runner, base, log)
        results["peers_label"] = res["label"]
        peer_ratios = peer_ratio_table(sb, res)
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    results["loadavg_end"] = " ".join(open("/proc/loadavg").read().split()[:3])

    speed_md = speedup_table(sb, a, results["speedups"])
    comp_md, worst = compile_table(sb, results["compile"]) if results["compile"] else ("(no JIT)", 0.0)
    gen_md = generate_tables(sb, a, results)
    section = section_md(a, results, speed_md, gen_md, comp_md, worst, peers_md, peer_ratios)
    log("\n" + section)
    results_dir = os.path.join(base, a.results)
    os.makedirs(results_dir, exist_ok=True)
    with open(os.path.join(results_dir, a.label + ".json"), "w") as f:
        json.dump(results, f, indent=1)
    with open(os.path.join(results_dir, a.label + ".md"), "w") as f:
        f.write(section)
    if a.write_results:
        results_md.write_section(os.path.join(base, a.write_results), SECTION, section)
        log("wrote %s" % a.write_results)
    failed = [t for t in results["generate"].values() if t["check"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
