#!/usr/bin/env python3
"""Times `etlc run --persist disk` against `--persist memory` on the same pipelines, in one run.

Issue 4's target: disk persistence costs under 25% throughput. For each pipeline of
bench/tasks/persist_*.etl and each --workers count, the two modes run alternately (ABBA:
memory, disk, disk, memory, ...) so that a drifting background load falls on both; each run
gets a fresh state directory and fresh outputs, after `sync` (so one run's writeback is not
paid by the next). The timing is the shared harness's (../shared/bench/lib/bench.py
run_once: wall time around fork/exec/wait, CPU and peak RSS from os.wait4, the cores other
processes used meanwhile). Every run's outputs are hashed: all runs of a (pipeline,
workers), in both modes, must write byte-identical files, or the row is a FAIL.

usage: bench_persist.py --etlc PATH [--runs N] [--workers 1,2] [--pipelines filter,aggregate]
                        [--out-dir DIR] [--state-dir DIR] [--checkpoint-interval D]
                        [--priority NICE] [--label L] [--write-results bench/RESULTS.md]
See docs/dev/benchmarks.md ("persist disk vs memory").
"""
import argparse
import hashlib
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TASKS_DIR = os.path.join(HERE, "tasks")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results_md  # noqa: E402

SECTION = "## persist disk vs memory (issue 4)"
TARGET_COST = 0.25  # disk may cost at most 25% of memory's throughput

# name -> (pipeline file, {param: output file name}, description)
PIPELINES = {
    "filter": ("persist_filter.etl", {"out_path": "filter.csv"},
               "stateless: CSV -> filter -> derive -> select -> CSV"),
    "aggregate": ("persist_aggregate.etl", {"csv_path": "customers.csv", "jsonl_path": "customers.jsonl"},
                  "stateful: CSV -> aggregate by customer (50k groups) -> sort -> CSV + JSONL"),
}
MODES = ["memory", "disk"]


def load_shared(shared_dir):
    """Imports ../shared/bench/lib/bench.py by path (it is not a package)."""
    import importlib.util
    path = os.path.join(shared_dir, "lib", "bench.py")
    if not os.path.exists(path):
        sys.exit("bench_persist: %s not found (set ETL_SHARED_BENCH)" % path)
    spec = importlib.util.spec_from_file_location("shared_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fs_type(path):
    """The file system type of path (ext4, tmpfs, ...): fsync costs nothing on tmpfs."""
    r = subprocess.run(["df", "--output=fstype", path], capture_output=True, text=True)
    lines = r.stdout.split()
    return lines[-1] if len(lines) > 1 else "?"


def digest(paths):
    """{file name: sha256} of the outputs (None for a missing file)."""
    out = {}
    for p in paths:
        if not os.path.exists(p):
            out[os.path.basename(p)] = None
            continue
        h = hashlib.sha256()
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        out[os.path.basename(p)] = h.hexdigest()
    return out


def command(etlc, pipeline, mode, workers, state_dir, outputs, in_path, interval, priority):
    file, params, _ = PIPELINES[pipeline]
    args = [etlc, "run", os.path.join(TASKS_DIR, file), "--workers", str(workers), "--persist", mode,
            "--state-dir", state_dir, "--quiet", "--param", "in_path=" + in_path]
    for param, path in zip(params, outputs):
        args += ["--param", "%s=%s" % (param, path)]
    if interval and mode == "disk":
        args += ["--checkpoint-interval", interval]
    cmd = " ".join(shlex.quote(a) for a in args)
    if priority is None:
        return cmd
    # The kernel schedules by autogroup (one per session), so `nice` alone does nothing
    # against other sessions' builds: etlc gets a session of its own whose autogroup has
    # the nice value `priority` (negative values need root). setsid does not fork here
    # (the shell is not a group leader), so the harness's wait4 still sees etlc.
    inner = "echo %d > /proc/$$/autogroup && exec %s" % (priority, cmd)
    return "exec setsid bash -c %s" % shlex.quote(inner)


def measure(sb, etlc, pipeline, workers, runs, in_path, out_root, state_root, interval, priority):
    """Runs both modes `runs` times each, alternating; returns {mode: [run records]}."""
    _, params, _ = PIPELINES[pipeline]
    recs = {m: [] for m in MODES}
    for i in range(runs):
        order = MODES if i % 2 == 0 else MODES[::-1]
        for mode in order:
            out_dir = os.path.join(out_root, "%s-w%d-%s" % (pipeline, workers, mode))
            state_dir = os.path.join(state_root, "%s-w%d-%s" % (pipeline, workers, mode))
            shutil.rmtree(out_dir, ignore_errors=True)
            shutil.rmtree(state_dir, ignore_errors=True)
            os.makedirs(out_dir)
            outputs = [os.path.join(out_dir, name) for name in params.values()]
            cmd = command(etlc, pipeline, mode, workers, state_dir, outputs, in_path, interval, priority)
            os.sync()
            wall, rss_kib, cpu, rc, err, other = sb.run_once(cmd)
            rec = {"run": i, "wall": wall, "cpu": cpu, "rss_mib": rss_kib / 1024, "rc": rc, "other_cores": other,
                   "outputs": digest(outputs), "command": cmd}
            if rc != 0:
                rec["error"] = err.strip()[-400:]
            recs[mode].append(rec)
            print("  %-9s w%d %-6s run %d: %6.3f s wall, %5.2f s CPU, %4.0f MiB, bg %.2f cores%s" % (
                pipeline, workers, mode, i + 1, wall, cpu, rss_kib / 1024, other,
                "" if rc == 0 else "  FAILED rc=%d: %s" % (rc, rec["error"][-200:])), flush=True)
    return recs


def summarise(pipeline, workers, recs, input_bytes):
    """One result row: medians per mode, the ratios, the identity check, the verdict."""
    mb = input_bytes / 1e6
    row = {"pipeline": pipeline, "workers": workers}
    ok = all(r["rc"] == 0 for m in MODES for r in recs[m])
    for m in MODES:
        walls = [r["wall"] for r in recs[m]]
        cpus = [r["cpu"] for r in recs[m]]
        row[m] = {"wall_median": statistics.median(walls), "wall_min": min(walls),
                  "cpu_median": statistics.median(cpus), "rss_mib_max": max(r["rss_mib"] for r in recs[m]),
                  "mbps": mb / statistics.median(walls), "cpu_mbps": mb / statistics.median(cpus)}
    row["ratio"] = row["disk"]["mbps"] / row["memory"]["mbps"]
    row["cpu_ratio"] = row["disk"]["cpu_mbps"] / row["memory"]["cpu_mbps"]
    # Run i of each mode ran next to each other: the median of their ratios is less
    # sensitive to a load that changes during the benchmark than the ratio of medians.
    row["paired_ratio"] = statistics.median(m["wall"] / d["wall"] for m, d in zip(recs["memory"], recs["disk"]))
    row["cost"] = 1.0 - row["ratio"]
    hashes = [json.dumps(r["outputs"], sort_keys=True) for m in MODES for r in recs[m]]
    row["identical"] = ok and len(set(hashes)) == 1 and None not in recs["memory"][0]["outputs"].values()
    row["bg_cores_median"] = statistics.median(r["other_cores"] for m in MODES for r in recs[m])
    row["bg_cores_max"] = max(r["other_cores"] for m in MODES for r in recs[m])
    if not ok:
        row["verdict"] = "FAIL: a run failed"
    elif not row["identical"]:
        row["verdict"] = "FAIL: outputs differ"
    else:
        row["verdict"] = "met" if row["cost"] < TARGET_COST else "MISS (cost >= 25%)"
    return row


def table(sb, rows):
    f = lambda x, fmt="%.1f": fmt % x  # noqa: E731
    body = [(r["pipeline"], r["workers"], f(r["memory"]["mbps"]), f(r["disk"]["mbps"]),
             f(r["ratio"], "%.2f"), f(100 * r["cost"], "%.1f%%"), f(r["paired_ratio"], "%.2f"),
             "%.2f / %.2f" % (r["memory"]["cpu_median"], r["disk"]["cpu_median"]), f(r["cpu_ratio"], "%.2f"),
             "%.0f / %.0f" % (r["memory"]["rss_mib_max"], r["disk"]["rss_mib_max"]),
             "%.2f / %.2f" % (r["bg_cores_median"], r["bg_cores_max"]),
             "yes" if r["identical"] else "NO", r["verdict"]) for r in rows]
    headers = ["pipeline", "workers", "memory MB/s", "disk MB/s", "disk/memory", "cost", "paired disk/memory",
               "CPU s mem / disk", "CPU disk/memory", "peak RSS MiB mem / disk", "bg cores med / max",
               "outputs identical", "target (< 25%)"]
    return sb.fmt_table(body, headers)


def section_md(results, table_md):
    m = results["machine"]
    lines = [
        SECTION,
        "",
        "Made by `bench/persist.sh` (docs/dev/benchmarks.md, \"persist disk vs memory\"): each",
        "pipeline of `bench/tasks/persist_*.etl` runs with `etlc run --persist memory` and",
        "`--persist disk` (default checkpoint interval%s) alternately, %d runs each, on the same input; every" % (
            "" if not results["checkpoint_interval"] else ", here `--checkpoint-interval %s`" %
            results["checkpoint_interval"], results["runs"]),
        "run starts after `sync` with a fresh state directory. Throughput is input MB/s over the",
        "median wall time (start-up included); *paired* is the median over runs of memory's wall",
        "time over the adjacent disk run's; CPU is user+sys. *Outputs identical*: every run of both",
        "modes wrote byte-identical files (sha256).",
        "",
        "Command:",
        "",
        "```",
        results["command"],
        "```",
        "",
        "- etlc: `%s`, built from %s; label `%s`; started %s, finished %s." % (
            results["etlc"], results["commit"], results["label"], results["started"], results["finished"]),
        "- Input: `%s` (%.1f MB); outputs in `%s` (%s), state directories in `%s` (%s)." % (
            results["input"], results["input_bytes"] / 1e6, results["out_dir"], results["out_fs"],
            results["state_dir"], results["state_fs"]),
        "- Machine: %s, %s cores, %s GiB RAM, %s; load average at the start %s." % (
            m.get("cpu"), m.get("cores"), m.get("mem_gib"), m.get("os"), results["loadavg_start"]),
        "- Background load (cores other processes used during each run, /proc/stat): see the",
        "  `bg cores` column. The machine is shared: compare disk with memory within a row.",
        "- Scheduling: %s." % ("etlc ran in a session of its own with autogroup nice %d (`--priority`), "
                               "so the other sessions' load delayed it less" % results["priority"]
                               if results["priority"] is not None else
                               "etlc competed with the other sessions' load as it was (no `--priority`)"),
        "",
        table_md,
        "",
    ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--etlc", required=True)
    ap.add_argument("--shared", default=os.environ.get("ETL_SHARED_BENCH",
                                                      os.path.join(os.path.dirname(REPO), "shared", "bench")))
    ap.add_argument("--input", default=os.path.join(os.environ.get("ETLBENCH_DIR", "/tmp/etlbench"),
                                                    "data", "orders_1m.csv"))
    ap.add_argument("--runs", type=int, default=3, help="runs per (pipeline, workers, mode)")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--pipelines", default=",".join(PIPELINES))
    ap.add_argument("--out-dir", default=os.path.join(os.environ.get("ETLBENCH_DIR", "/tmp/etlbench"),
                                                      "persist-out"),
                    help="where outputs go (default on disk: fsync is free on tmpfs)")
    ap.add_argument("--state-dir", default=os.path.join(os.environ.get("ETLBENCH_DIR", "/tmp/etlbench"),
                                                        "persist-state"))
    ap.add_argument("--checkpoint-interval", default="", help="passed to the disk runs (default: etlc's)")
    ap.add_argument("--priority", type=int, default=None,
                    help="run etlc in its own session with this autogroup nice value (-20..19; "
                         "negative needs root): less disturbed by the other sessions' load")
    ap.add_argument("--label", default=time.strftime("persist-%Y%m%d-%H%M%S"))
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--write-results", default="", help="also write the section into this RESULTS.md")
    a = ap.parse_args()
    base = os.environ.get("ETL_BENCH_INVOKE_DIR", os.getcwd())
    sb = load_shared(a.shared)
    etlc = os.path.abspath(a.etlc)
    if not os.access(etlc, os.X_OK):
        sys.exit("bench_persist: --etlc %r is not an executable" % a.etlc)
    if not os.path.exists(a.input):
        sys.exit("bench_persist: the input %s does not exist (bench/persist.sh generates it)" % a.input)
    pipelines = a.pipelines.split(",")
    for p in pipelines:
        if p not in PIPELINES:
            sys.exit("bench_persist: unknown pipeline %r (%s)" % (p, ", ".join(PIPELINES)))
    workers = [int(w) for w in a.workers.split(",")]
    os.makedirs(a.out_dir, exist_ok=True)
    os.makedirs(a.state_dir, exist_ok=True)
    input_bytes = os.path.getsize(a.input)
    results = {
        "label": a.label, "etlc": etlc, "input": a.input, "input_bytes": input_bytes, "runs": a.runs,
        "out_dir": a.out_dir, "out_fs": fs_type(a.out_dir), "state_dir": a.state_dir,
        "state_fs": fs_type(a.state_dir), "checkpoint_interval": a.checkpoint_interval,
        "priority": a.priority,
        "machine": sb.machine_info(), "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "loadavg_start": " ".join(open("/proc/loadavg").read().split()[:3]),
        "command": os.environ.get("ETL_BENCH_COMMAND") or " ".join(
            shlex.quote(x) for x in [os.path.relpath(sys.argv[0], REPO)] + sys.argv[1:]),
        "commit": subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                                 capture_output=True, text=True).stdout.strip(),
        "rows": [], "runs_raw": {},
    }
    print("persist disk vs memory: %s (%.1f MB), outputs in %s (%s), %d runs each" % (
        a.input, input_bytes / 1e6, a.out_dir, results["out_fs"], a.runs), flush=True)
    for p in pipelines:
        for w in workers:
            recs = measure(sb, etlc, p, w, a.runs, a.input, a.out_dir, a.state_dir, a.checkpoint_interval,
                           a.priority)
            results["runs_raw"]["%s-w%d" % (p, w)] = recs
            results["rows"].append(summarise(p, w, recs, input_bytes))
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    table_md = table(sb, results["rows"])
    print("\n== persist disk vs memory (input MB/s over the median wall time)\n" + table_md, flush=True)
    results_dir = os.path.join(base, a.results)
    os.makedirs(results_dir, exist_ok=True)
    with open(os.path.join(results_dir, a.label + ".json"), "w") as f:
        json.dump(results, f, indent=1)
    section = section_md(results, table_md)
    with open(os.path.join(results_dir, a.label + ".md"), "w") as f:
        f.write(section)
    if a.write_results:
        results_md.write_section(os.path.join(base, a.write_results), SECTION, section)
    failed = [r for r in results["rows"] if r["verdict"].startswith("FAIL")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
