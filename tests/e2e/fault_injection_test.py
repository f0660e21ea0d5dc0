#!/usr/bin/env python3
"""Crash and resume with nothing lost or duplicated (issue 4, docs/delivery.md).

Each case is a pipeline run with `--persist disk`. The reference is one uninterrupted run
(`--persist memory`). Then, for many crash points, a fresh copy of the case is run and
killed with SIGKILL, resumed with `etlc run FILE --resume last` (some resumes are killed
again), and resumed until it succeeds; what it leaves must equal the reference:

- every output file, byte for byte (as a multiset of lines where the language defines no
  order: a union interleaves its inputs as they come);
- every SQLite table a sink wrote, as a multiset of rows (and its row count);
- the run's unconsumed error records (errors.jsonl without `id` and `at`), as a multiset;
- no temporary file next to an output, and the run store says `succeeded`.

Crash points: the process kills itself at the N-th fault point (ETL_FAULT_KILL_AT=N: every
log append and sync, checkpoint, sink open/write/sync/prepare/publish and error-file write,
runtime/fault_injection.h), N drawn at random from all the points an uninterrupted run
passes; plus kills after a random delay while a larger input runs.

usage: fault_injection_test.py --etlc build/etlc [--points N] [--seed S] [--case NAME] [--keep DIR]
"""
import argparse
import glob
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

TIMEOUT = 120

ORDER_SCHEMA = """\
schema Order {
  id:       int
  customer: string
  country:  string
  amount:   float
  qty:      int
}
"""

# Files: csv -> validate/derive -> route into two csv sinks; parse errors and failed
# records unconsumed (errors.jsonl); a jsonl sink of an errors port.
CASE_FILES = ORDER_SCHEMA + """
pipeline files {
  raw = from csv("in/orders.csv", schema: Order)
  priced = raw
    | filter qty != 0
    | derive unit = amount / float(qty), big = amount > 500.0, per = 1000 / (qty - 3)
  sizes = priced | route { large: big, small: else }
  sizes.large | select id, customer, amount, per | into csv("out/large.csv")
  sizes.small | select id, country, unit | into jsonl("out/small.jsonl")
}
"""

# State: aggregate, sort, dedup, take, join and a union (whose order is not defined).
CASE_STATE = ORDER_SCHEMA + """
schema Country { code: string, region: string }

pipeline state {
  raw = from csv("in/orders.csv", schema: Order)
  countries = from csv("in/countries.csv", schema: Country)
  totals = raw
    | aggregate by country { n = count(), total = sum(amount), most = max(qty) }
    | sort by country
  totals | into csv("out/totals.csv")
  raw | dedup by customer | sort by id desc | take 700 | into csv("out/first_customers.csv")
  raw
    | join countries on country == countries.code
    | select id, region, amount
    | into jsonl("out/joined.jsonl")
  expensive = raw | filter amount > 900.0
  many = raw | filter qty > 8
  union(expensive, many) | select id, amount, qty | into csv("out/union.csv")
}
"""

# Databases: a SQLite sink in append and upsert modes next to a csv sink.
CASE_SQLITE = ORDER_SCHEMA + """
pipeline db {
  raw = from csv("in/orders.csv", schema: Order)
  raw
    | derive total = amount * float(qty)
    | into sqlite("out/shop.db", table: "orders", mode: append)
  raw
    | aggregate by customer { n = count(), spent = sum(amount) }
    | into sqlite("out/shop.db", table: "customers", mode: upsert(keys: ["customer"]))
  raw | filter country == "DE" | into csv("out/de.csv")
}
"""

# PostgreSQL: the same in a real server (ETL_TEST_PG_URL, started by the ctest fixture);
# every scenario writes its own tables (the `tbl` param, from ETL_PARAM_TBL).
CASE_POSTGRES = ORDER_SCHEMA + """
param tbl: string

pipeline pg {
  raw = from csv("in/orders.csv", schema: Order)
  raw
    | derive total = amount * float(qty)
    | into postgres(secret("PG_URL"), table: tbl + "_orders", mode: append)
  raw
    | aggregate by customer { n = count(), spent = sum(amount) }
    | into postgres(secret("PG_URL"), table: tbl + "_customers", mode: upsert(keys: ["customer"]))
}
"""

CASES = {
    "files": {"etl": CASE_FILES, "rows": 30000, "unordered": []},
    "state": {"etl": CASE_STATE, "rows": 30000, "unordered": ["out/union.csv"]},
    "sqlite": {"etl": CASE_SQLITE, "rows": 30000, "unordered": [], "tables": {"out/shop.db": ["orders", "customers"]}},
    "postgres": {"etl": CASE_POSTGRES, "rows": 20000, "unordered": [], "pg_tables": ["orders", "customers"]},
}


def psql(sql):
    url = os.environ["ETL_TEST_PG_URL"]
    out = subprocess.run(["psql", url, "-X", "-q", "-At", "-c", sql], check=True, capture_output=True, text=True)
    return out.stdout.splitlines()


def table_prefix(root):
    """The tables of one scenario: named after its folder."""
    return "fault_" + "".join(c if c.isalnum() else "_" for c in os.path.relpath(root, os.path.dirname(os.path.dirname(root))))

COUNTRIES = ["US", "DE", "FR", "GB", "JP", "BR", "IT", "ES", "NL", "SE", "XX"]


def write_inputs(root, rows, rng):
    os.makedirs(os.path.join(root, "in"), exist_ok=True)
    with open(os.path.join(root, "in", "orders.csv"), "w") as f:
        f.write("id,customer,country,amount,qty\n")
        for i in range(1, rows + 1):
            if i % 997 == 0:
                f.write(f"{i},c{i % 1500},DE,not-a-number,2\n")  # a parse error
                continue
            qty = rng.randint(0, 10)  # 0 is filtered, 3 divides by zero
            f.write(f"{i},c{rng.randint(0, 1500)},{rng.choice(COUNTRIES)},{rng.randint(1, 100000) / 100},{qty}\n")
    with open(os.path.join(root, "in", "countries.csv"), "w") as f:
        f.write("code,region\n")
        for code in COUNTRIES[:-1]:
            f.write(f"{code},{'EU' if code in ('DE', 'FR', 'GB', 'IT', 'ES', 'NL', 'SE') else 'ROW'}\n")


def run(etlc, cwd, args, env_extra=None, kill_after=None):
    env = dict(os.environ)
    env.pop("ETL_FAULT_KILL_AT", None)
    if "ETL_TEST_PG_URL" in env:
        env["PG_URL"] = env["ETL_TEST_PG_URL"]
        env["ETL_PARAM_TBL"] = table_prefix(cwd)
    env.update(env_extra or {})
    proc = subprocess.Popen([etlc, "run", "pipeline.etl", "--quiet", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=TIMEOUT)
    return proc.returncode, out, err


def reset_tables(root, case):
    """Drops what an earlier, interrupted test run may have left in the server."""
    for table in case.get("pg_tables", []):
        psql(f"DROP TABLE IF EXISTS {table_prefix(root)}_{table}")


def snapshot(root, case):
    """Everything a run leaves that the user sees, in comparable form."""
    seen = {}
    for path in sorted(glob.glob(os.path.join(root, "out", "**"), recursive=True)):
        rel = os.path.relpath(path, root)
        if not os.path.isfile(path) or rel.endswith((".db-wal", ".db-shm", ".db-journal")):
            continue
        if ".tmp-" in rel:
            seen[rel] = "temporary file left behind"
            continue
        if rel in case.get("tables", {}):
            con = sqlite3.connect(path)
            for table in case["tables"][rel]:
                rows = con.execute(f"SELECT * FROM {table}").fetchall()
                seen[f"{rel}#{table}"] = sorted(repr(r) for r in rows)
            staging = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                       if r[0].startswith("_etl_stage")]
            seen[f"{rel}#staging"] = staging
            con.close()
            continue
        with open(path, "rb") as f:
            data = f.read()
        seen[rel] = sorted(data.splitlines()) if rel in case["unordered"] else data
    for table in case.get("pg_tables", []):
        name = f"{table_prefix(root)}_{table}"
        seen[f"postgres#{table}"] = sorted(psql(f"SELECT * FROM {name}"))
        psql(f"DROP TABLE IF EXISTS {name}")
    if case.get("pg_tables"):
        staging = psql("SELECT count(*) FROM pg_tables WHERE tablename LIKE '\\_etl\\_stage%' "
                       f"AND tablename LIKE '%{table_prefix(root).lower()}%'")
        seen["postgres#staging"] = staging
    errors = []
    for path in glob.glob(os.path.join(root, ".etl", "runs", "*", "errors.jsonl")):
        with open(path) as f:
            for line in f:
                e = json.loads(line)
                e.pop("id", None)
                e.pop("at", None)
                errors.append(json.dumps(e, sort_keys=True))
    seen["errors"] = sorted(errors)
    return seen


def store_status(root):
    """The runs' statuses, oldest first."""
    path = os.path.join(root, ".etl", "etl.db")
    if not os.path.exists(path):
        return []
    con = sqlite3.connect(path)
    # A run killed right after opening the store leaves the file without its tables: the
    # store's schema is created in one transaction, so there is no run yet.
    if not con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'").fetchall():
        con.close()
        return []
    rows = con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()
    con.close()
    return [r[0] for r in rows]


def fault_points(etlc, root):
    rc, _, err = run(etlc, root, ["--persist", "disk", "--checkpoint-interval", "0"], {"ETL_FAULT_TRACE": "1"})
    if rc != 0:
        raise SystemExit(f"traced run failed ({rc}): {err[-2000:]}")
    return sum(1 for line in err.splitlines() if line.startswith("fault point"))


def compare(name, label, reference, got):
    problems = []
    for key in sorted(set(reference) | set(got)):
        if key not in got:
            problems.append(f"{key}: missing")
        elif key not in reference:
            problems.append(f"{key}: unexpected ({str(got[key])[:200]})")
        elif reference[key] != got[key]:
            r, g = reference[key], got[key]
            if isinstance(r, list) and isinstance(g, list):
                problems.append(f"{key}: {len(g)} lines/rows, expected {len(r)}")
            else:
                problems.append(f"{key}: differs ({len(g)} bytes, expected {len(r)})")
    if problems:
        print(f"FAIL {name} {label}:\n  " + "\n  ".join(problems))
    return not problems


def crash_and_resume(etlc, template, root, case, kill_at=None, kill_after=None, second_kill=None):
    """One crash scenario; returns the snapshot after the run finally succeeded."""
    shutil.copytree(template, root)
    reset_tables(root, case)
    persist = ["--persist", "disk", "--checkpoint-interval", "0"]
    env = {"ETL_FAULT_KILL_AT": str(kill_at)} if kill_at else {}
    rc, _, err = run(etlc, root, persist, env, kill_after=kill_after)
    attempts = 0
    # Killed after the run store recorded success (between that and the exit): there is
    # nothing to resume, and a `--resume last` would start a second run.
    while rc != 0 and store_status(root)[-1:] != ["succeeded"]:
        attempts += 1
        if attempts > 4:
            raise AssertionError(f"still failing after {attempts} resumes: {err[-2000:]}")
        if rc not in (-9, 3):
            raise AssertionError(f"exit {rc}: {err[-2000:]}")
        env = {"ETL_FAULT_KILL_AT": str(second_kill)} if (second_kill and attempts == 1) else {}
        rc, _, err = run(etlc, root, ["--resume", "last", *persist], env)
    statuses = store_status(root)
    # A kill after the store recorded success leaves nothing to resume: `--resume last`
    # then starts a new run, which must leave the same outputs.
    if not statuses or any(s != "succeeded" for s in statuses):
        raise AssertionError(f"run store: {statuses}")
    return snapshot(root, case), attempts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--etlc", required=True)
    parser.add_argument("--points", type=int, default=20, help="crash points per case")
    parser.add_argument("--timed", type=int, default=3, help="timed kills per case")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--case", action="append")
    parser.add_argument("--keep")
    args = parser.parse_args()
    etlc = os.path.abspath(args.etlc)
    rng = random.Random(args.seed)
    work = args.keep or tempfile.mkdtemp(prefix="etl-fault-")
    os.makedirs(work, exist_ok=True)
    failures = 0
    total_points = 0
    try:
        for name in args.case or sorted(CASES):
            case = CASES[name]
            template = os.path.join(work, name, "template")
            shutil.rmtree(os.path.join(work, name), ignore_errors=True)
            os.makedirs(template)
            with open(os.path.join(template, "pipeline.etl"), "w") as f:
                f.write(case["etl"])
            write_inputs(template, case["rows"], random.Random(args.seed * 31 + len(name)))
            reference_root = os.path.join(work, name, "reference")
            shutil.copytree(template, reference_root)
            reset_tables(reference_root, case)
            rc, _, err = run(etlc, reference_root, ["--persist", "memory"])
            if rc != 0:
                print(f"FAIL {name}: the reference run failed ({rc}): {err[-2000:]}")
                failures += 1
                continue
            reference = snapshot(reference_root, case)
            traced_root = os.path.join(work, name, "traced")
            shutil.copytree(template, traced_root)
            reset_tables(traced_root, case)
            points = fault_points(etlc, traced_root)
            # The uninterrupted disk run must equal the memory run too.
            failures += not compare(name, "uninterrupted --persist disk", reference, snapshot(traced_root, case))
            chosen = sorted(rng.sample(range(1, points + 1), min(args.points, points)))
            print(f"{name}: {points} fault points, crashing at {chosen}")
            for i, point in enumerate(chosen):
                second = rng.randint(1, points) if i % 3 == 0 else None
                root = os.path.join(work, name, f"kill-{point}")
                try:
                    got, attempts = crash_and_resume(etlc, template, root, case, kill_at=point, second_kill=second)
                except AssertionError as e:
                    print(f"FAIL {name} kill at {point}: {e}")
                    failures += 1
                    continue
                total_points += 1
                label = f"kill at {point}" + (f" then {second}" if second else "") + f" ({attempts} resumes)"
                ok = compare(name, label, reference, got)
                failures += not ok
                if ok and not args.keep:
                    shutil.rmtree(root)
            # Kills at a random moment, on the same input.
            for t in range(args.timed):
                delay = rng.uniform(0.02, 0.4)
                root = os.path.join(work, name, f"timed-{t}")
                try:
                    got, attempts = crash_and_resume(etlc, template, root, case, kill_after=delay)
                except AssertionError as e:
                    print(f"FAIL {name} killed after {delay:.2f}s: {e}")
                    failures += 1
                    continue
                total_points += 1
                failures += not compare(name, f"killed after {delay:.2f}s ({attempts} resumes)", reference, got)
    finally:
        if not args.keep and failures == 0:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{total_points} crash scenarios, {failures} failures" + (f" (kept in {work})" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
