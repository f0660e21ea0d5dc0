#!/usr/bin/env python3
"""Times etlc on the benchmark tasks T1..T4 beside the peer tools, in one run.

The runner is the shared harness ../shared/bench/lib/bench.py (imported by path, not
copied): it does the timings (median of N runs, os.wait4 rusage for peak RSS and CPU),
the quiet-machine gate, and checks every output against peers/reference.py. This file
only adds etlc to its TOOLS table as `etlc-w1` (--workers 1) and `etlc-w2`
(--workers 2), points its results at bench/results/ of this repository, and at the end
prints (and appends to the results Markdown) the throughput ratios against the targets
of issue 3: etlc --workers 1 >= 3x Miller and >= 0.5x DuckDB single-threaded, per task.

usage: bench_etlc.py --etlc PATH [--write-results bench/RESULTS.md] [bench.py options]
Every option bench.py knows (--sizes, --tasks, --tools, --runs, --quiet-wait, ...) is
passed through; see docs/dev/benchmarks.md.
"""
import argparse
import importlib.util
import json
import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TASKS_DIR = os.path.join(HERE, "tasks")

# The peers compared by default: the targets' references (Miller, DuckDB 1 and 2
# threads) and the fastest general and shortcut peers. `--tools all` runs every tool.
DEFAULT_TOOLS = ["etlc-w1", "etlc-w2", "miller", "duckdb-native-t1", "duckdb-native-t2",
                 "polars-node", "mawk-F,", "python3-stdlib"]

# Targets of issue 3, on the etlc --workers 1 throughput.
TARGET_VS_MILLER = 3.0
TARGET_VS_DUCKDB_T1 = 0.5

# Issue 8: etlc at least as fast as the best peer at the same thread count, and less peak
# memory than DuckDB and Polars. The threads each peer may use on this 2-core machine:
# DuckDB is pinned by its `threads` setting; Polars and Miller (Go) use every core; the
# others are single-threaded. A 1-thread peer also competes at 2 threads.
PEER_THREADS = {
    "duckdb-native-t1": 1, "duckdb-node-t1": 1, "mawk-F,": 1, "gawk-F,": 1, "gawk-fpat": 1,
    "python3-stdlib": 1, "pandas": 1, "jq": 1,
    "duckdb-native-t2": 2, "duckdb-node-t2": 2, "polars-node": 2, "miller": 2,
}
# Peers whose peak memory etlc must stay below.
MEMORY_PEERS = ("duckdb", "polars")


def load_shared(shared_dir):
    """Imports ../shared/bench/lib/bench.py as a module (it is not a package)."""
    path = os.path.join(shared_dir, "lib", "bench.py")
    if not os.path.exists(path):
        sys.exit("bench_etlc: %s not found (set ETL_SHARED_BENCH to the shared bench/ directory)" % path)
    spec = importlib.util.spec_from_file_location("shared_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def etlc_commands(etlc, workers):
    """{task: command template} for bench.py; {IN} and {OUT} arrive shell-quoted."""
    return {t: "%s run %s --workers %d --param in_path={IN} --param out_path={OUT}" % (
        shlex.quote(etlc), shlex.quote(os.path.join(TASKS_DIR, t + ".etl")), workers)
        for t in ["T1", "T2", "T3", "T4"]}


def mbps(rec, cpu=False):
    """Input MB/s of a task record over its median wall time, or over its median CPU time
    (user+sys) with cpu; None if it failed."""
    if not rec or not rec.get("ok") or not rec.get("median"):
        return None
    seconds = rec.get("cpu_median") if cpu else rec["median"]
    return rec["input_bytes"] / 1e6 / seconds if seconds else None


def verdict(vs_miller, vs_duckdb):
    if vs_miller is None or vs_duckdb is None:
        return "n/a"
    misses = []
    if vs_miller < TARGET_VS_MILLER:
        misses.append("< %gx Miller" % TARGET_VS_MILLER)
    if vs_duckdb < TARGET_VS_DUCKDB_T1:
        misses.append("< %gx DuckDB-t1" % TARGET_VS_DUCKDB_T1)
    return "MISS " + ", ".join(misses) if misses else "met"


def ratio_rows(results):
    """One row per (size, task): etlc throughput, the peers', the ratios and the verdicts.
    The targets are on wall time; the same ratios over CPU time (user+sys) are shown too,
    as they hold up better on a loaded machine (etlc --workers 1 and DuckDB 1 thread use
    about one core, Miller more than one, so the CPU ratio against Miller is the stricter)."""
    by = {}
    for rec in results["tasks"]:
        by[(rec["size"], rec["task"], rec["tool"])] = rec
    keys = []
    for rec in results["tasks"]:
        if (rec["size"], rec["task"]) not in keys:
            keys.append((rec["size"], rec["task"]))
    rows, all_met = [], True
    f = lambda x, fmt="%.1f": fmt % x if x is not None else "-"  # noqa: E731
    for size, task in keys:
        w1 = by.get((size, task, "etlc-w1"))
        if w1 is None:
            continue
        get = lambda tool, cpu=False: mbps(by.get((size, task, tool)), cpu)  # noqa: E731
        e1, e2, mlr, d1, d2 = get("etlc-w1"), get("etlc-w2"), get("miller"), get("duckdb-native-t1"), \
            get("duckdb-native-t2")
        ratio = lambda a, b: a / b if a and b else None  # noqa: E731
        r_mlr, r_d1, r_d2 = ratio(e1, mlr), ratio(e1, d1), ratio(e2, d2)
        c_mlr = ratio(get("etlc-w1", True), get("miller", True))
        c_d1 = ratio(get("etlc-w1", True), get("duckdb-native-t1", True))
        if not w1.get("ok"):
            wall_v = "FAIL: etlc-w1 " + (w1.get("check_msg") or w1.get("error") or "failed")[:60]
            cpu_v = "FAIL"
        else:
            wall_v, cpu_v = verdict(r_mlr, r_d1), verdict(c_mlr, c_d1)
        all_met = all_met and wall_v == "met"
        rows.append((size, task, f(e1), f(e2), f(mlr), f(d1), f(d2), f(r_mlr, "%.2fx"), f(r_d1, "%.2fx"),
                     f(r_d2, "%.2fx"), wall_v, f(c_mlr, "%.2fx"), f(c_d1, "%.2fx"), cpu_v))
    headers = ["size", "task", "etlc-w1 MB/s", "etlc-w2 MB/s", "miller MB/s", "duckdb-t1 MB/s",
               "duckdb-t2 MB/s", "w1/miller (>=3)", "w1/duckdb-t1 (>=0.5)", "w2/duckdb-t2", "target (wall)",
               "CPU: w1/miller", "CPU: w1/duckdb-t1", "target (CPU)"]
    return rows, headers, all_met


def lead_rows(results):
    """Issue 8, one row per (size, task): etlc-w1 against the best 1-thread peer, etlc-w2
    against the best peer with at most 2 threads, and etlc's peak RSS (the larger of w1 and
    w2) against the lowest of DuckDB's and Polars' runs."""
    by = {}
    keys = []
    for rec in results["tasks"]:
        by[(rec["size"], rec["task"], rec["tool"])] = rec
        if (rec["size"], rec["task"]) not in keys:
            keys.append((rec["size"], rec["task"]))
    f = lambda x, fmt="%.1f": fmt % x if x is not None else "-"  # noqa: E731
    rows, all_met = [], True
    for size, task in keys:
        e1, e2 = mbps(by.get((size, task, "etlc-w1"))), mbps(by.get((size, task, "etlc-w2")))
        if e1 is None and e2 is None:
            continue
        best = {1: (None, "-"), 2: (None, "-")}
        rss_peer = None
        for (s, t, tool), rec in by.items():
            if s != size or t != task or tool.startswith("etlc"):
                continue
            threads = PEER_THREADS.get(tool)
            speed = mbps(rec)
            for limit in (1, 2):
                if threads is not None and threads <= limit and speed and (best[limit][0] is None or speed > best[limit][0]):
                    best[limit] = (speed, tool)
            if tool.startswith(MEMORY_PEERS) and rec.get("ok") and rec.get("peak_rss_kib"):
                peer = rec["peak_rss_kib"] / 1024
                rss_peer = peer if rss_peer is None else min(rss_peer, peer)
        rss_etlc = max((by[(size, task, t)].get("peak_rss_kib", 0) / 1024 for t in ("etlc-w1", "etlc-w2")
                        if (size, task, t) in by), default=None)
        r1 = e1 / best[1][0] if e1 and best[1][0] else None
        r2 = e2 / best[2][0] if e2 and best[2][0] else None
        misses = []
        if r1 is None or r1 < 1:
            misses.append("w1")
        if r2 is None or r2 < 1:
            misses.append("w2")
        if rss_etlc is None or rss_peer is None or rss_etlc >= rss_peer:
            misses.append("memory")
        verdict_text = "met" if not misses else "MISS " + ", ".join(misses)
        all_met = all_met and not misses
        rows.append((size, task, f(e1), "%s %s" % (best[1][1], f(best[1][0])), f(r1, "%.2fx"), f(e2),
                     "%s %s" % (best[2][1], f(best[2][0])), f(r2, "%.2fx"), f(rss_etlc, "%.0f"),
                     f(rss_peer, "%.0f"), verdict_text))
    headers = ["size", "task", "etlc-w1 MB/s", "best 1-thread peer MB/s", "w1/best", "etlc-w2 MB/s",
               "best peer (<=2 threads) MB/s", "w2/best", "etlc peak RSS MiB", "DuckDB/Polars lowest RSS MiB",
               "issue 8"]
    return rows, headers, all_met


def background_load(results):
    """(max, median) of the cores other processes used during the etlc runs."""
    loads = sorted(r.get("other_cores_max", 0.0) for r in results["tasks"] if r["tool"].startswith("etlc"))
    if not loads:
        return 0.0, 0.0
    return loads[-1], loads[len(loads) // 2]


def write_results_md(path, results, command, ratios_md, tables_md, lead_md=""):
    """bench/RESULTS.md: the command, the machine, the background load, ratios, tables."""
    m = results["machine"]
    worst, median = background_load(results)
    contended = sum(r.get("contended_runs", 0) for r in results["tasks"])
    rev = results.get("commit", "?")
    lines = [
        "# etlc benchmark results",
        "",
        "Made by `bench/run.sh` (docs/dev/benchmarks.md); the tasks are those of",
        "`../shared/bench/TASKS.md`, run by the shared harness `../shared/bench/lib/bench.py`",
        "with etlc added as `etlc-w1` (`--workers 1`) and `etlc-w2` (`--workers 2`). Every",
        "output, etlc's included, was checked against `peers/reference.py` (column `check`).",
        "",
        "Command:",
        "",
        "```",
        command,
        "```",
        "",
        "- etlc built from: %s (`-dirty`: the working tree had uncommitted changes); label `%s`; started %s, finished %s; %d runs per cell (median)." % (
            rev, results["label"], results["started"], results.get("finished", "?"), results["runs"]),
        "- Machine: %s, %s cores, %s GiB RAM, %s." % (m.get("cpu"), m.get("cores"), m.get("mem_gib"),
                                                       m.get("os")),
        "- Background load (other processes' cores during the etlc runs, from /proc/stat): "
        "median %.2f, worst %.2f; runs kept although contended: %d (all tools); waited %s s for a "
        "quiet machine. The machine is shared with other builds, so peers and etlc may have seen "
        "different loads: compare within one table." % (
            median, worst, contended, results.get("seconds_waited_for_quiet", "?")),
        "",
        "## Issue 8: at least the best peer at the same thread count, less memory than DuckDB and Polars",
        "",
        "Input MB/s over the median wall time, start-up included. Threads: DuckDB as set; Polars and",
        "Miller use both cores (2); the other peers one. A 1-thread peer also competes at 2 threads.",
        "",
        lead_md,
        "",
        "## Targets (issue 3): etlc --workers 1 >= 3x Miller and >= 0.5x DuckDB 1 thread",
        "",
        ratios_md,
        "",
        tables_md,
    ]
    # The other benchmarks' sections (persist, JIT, LSP: results_md.py) stay as they were.
    kept = []
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
        ours = ("## Issue 8:", "## Targets (issue 3)")
        for part in old.split("\n## ")[1:]:
            section = "## " + part
            if not section.startswith(ours):
                kept.append(section.rstrip("\n"))
    with open(path, "w") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n" + "".join("\n" + k + "\n" for k in kept))


def option_value(argv, name):
    """The value of `--name V` or `--name=V` in argv, or None."""
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def strip_option(argv, name):
    """argv without `--name V` / `--name=V`."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == name:
            skip = True
        elif not a.startswith(name + "="):
            out.append(a)
    return out


def main():
    invoked = [os.path.relpath(sys.argv[0], REPO)] + sys.argv[1:]
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--etlc", default="", help="the etlc binary to time")
    ap.add_argument("--shared", default=os.environ.get("ETL_SHARED_BENCH",
                                                      os.path.join(os.path.dirname(REPO), "shared", "bench")))
    ap.add_argument("--write-results", default="", help="also write this RESULTS.md")
    ap.add_argument("--from-json", default="", help="no run: the ratios (and RESULTS.md) of this results JSON")
    ap.add_argument("-h", "--help", action="store_true")
    own, argv = ap.parse_known_args()
    if own.help:
        print(__doc__)
        return 0
    sb = load_shared(own.shared)
    # Relative paths are the caller's: run.sh runs this from a scratch directory.
    base = os.environ.get("ETL_BENCH_INVOKE_DIR", os.getcwd())
    write_results = os.path.join(base, own.write_results) if own.write_results else ""
    command = os.environ.get("ETL_BENCH_COMMAND") or " ".join(shlex.quote(a) for a in invoked)

    if own.from_json:
        path = os.path.join(base, own.from_json)
        with open(path) as f:
            results = json.load(f)
        command = results.get("command", command)
        md_path = os.path.splitext(path)[0] + ".md"
    else:
        etlc = os.path.abspath(own.etlc)
        if not own.etlc or not os.access(etlc, os.X_OK):
            sys.exit("bench_etlc: --etlc %r is not an executable" % own.etlc)
        sb.TOOLS.append(("etlc-w1", "", etlc_commands(etlc, 1)))
        sb.TOOLS.append(("etlc-w2", "", etlc_commands(etlc, 2)))
        sb.STARTUP.append(("etlc --version", "%s --version" % shlex.quote(etlc)))
        tools = option_value(argv, "--tools")
        if tools is None:
            argv += ["--tools", ",".join(DEFAULT_TOOLS)]
        elif tools == "all":
            argv = strip_option(argv, "--tools")
        label = option_value(argv, "--label") or time.strftime("etlc-%Y%m%d-%H%M%S")
        results_dir = os.path.join(base, option_value(argv, "--results") or os.path.join(HERE, "results"))
        argv = strip_option(strip_option(argv, "--label"), "--results") + [
            "--label", label, "--results", results_dir]
        sys.argv = [sb.__file__] + argv
        sb.main()
        json_path = os.path.join(results_dir, label + ".json")
        with open(json_path) as f:
            results = json.load(f)
        results["command"] = command
        results["commit"] = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                                           capture_output=True, text=True).stdout.strip()
        with open(json_path, "w") as f:
            json.dump(results, f, indent=1)
        md_path = os.path.join(results_dir, label + ".md")

    rows, headers, all_met = ratio_rows(results)
    ratios = sb.fmt_table(rows, headers)
    print("\n== etlc throughput ratios (input MB/s, median wall incl. start-up)\n" + ratios, flush=True)
    lead, lead_headers, lead_met = lead_rows(results)
    lead_md = sb.fmt_table(lead, lead_headers)
    print("\n== issue 8: etlc against the best peer at the same thread count, and peak memory\n" + lead_md,
          flush=True)
    with open(md_path) as f:
        tables_md = f.read().split("\n### etlc throughput ratios")[0]
    with open(md_path, "w") as f:
        f.write(tables_md + "\n### etlc throughput ratios\n\n" + ratios + "\n\n### issue 8\n\n" + lead_md + "\n")
    if write_results:
        write_results_md(write_results, results, command, ratios, tables_md, lead_md)
        print("wrote %s" % write_results)

    etlc_failed = [r for r in results["tasks"] if r["tool"].startswith("etlc") and not r.get("ok")]
    for r in etlc_failed:
        print("etlc output check FAILED: %s %s %s: %s" % (r["size"], r["task"], r["tool"],
                                                          r.get("check_msg") or r.get("error")), file=sys.stderr)
    if etlc_failed:
        return 1
    print("targets (issue 3): %s" % ("all met" if all_met else "NOT all met (see the table)"))
    print("issue 8 (same-thread lead, memory): %s" % ("all met" if lead_met else "NOT all met (see the table)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
