#!/usr/bin/env python3
"""Results are the same with `--workers 1` and `--workers 4` (issue 3).

Every case runs twice, in two copies of the same input tree, once per worker count, and
everything the two runs leave is compared: the exit code, the set of output files, each
file's content, the run's error file (<state-dir>/runs/<id>/errors.jsonl) and each step's
counts from the JSON log (rows in/out, filtered, errors). Files are compared byte for byte,
except where the language defines no order (docs/language.md: union interleaves its
inputs as they come): those are compared as sorted lines. Error records carry the time
they failed (`at`), which is dropped before comparing; the error file is compared sorted,
since steps fail records concurrently.

Cases: generated inputs spanning many 4096-row batches (csv -> filter -> derive -> route
-> sinks with an errors port; aggregate + sort; union; join), then every pipeline in
examples/ (run from a copy of examples/, as it reads examples/data/... and writes out/...).

usage: workers_equal_test.py --etlc build/etlc [--case NAME] [--rows N] [--keep DIR]
"""
import argparse
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT = 300
COUNTRIES = ["US", "DE", "FR", "GB", "JP", "BR", "IT", "ES", "NL", "SE"]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CHF"]

ORDER_SCHEMA = """\
schema Order {
  id:       int
  customer: string
  country:  string
  amount:   float
  currency: string
  qty:      int
  ts:       timestamp
  note:     string?
}
"""

# name -> (pipeline text, {output path relative to the run dir: "exact" | "sorted"}).
CASES = {
    "route": (ORDER_SCHEMA + """
const rates = {USD: 1.0, EUR: 1.08, GBP: 1.27, JPY: 0.0067, CHF: 1.12}

pipeline routed {
  raw = from csv("in/orders.csv", schema: Order)
  clean = raw
    | filter amount > 0.0 and country in ["US", "DE", "FR", "GB", "JP"]
    | derive amount_usd = amount * (rates[currency] ?? 1.0), total = amount_usd * qty,
             per_unit = 1000 / (qty - 10), tag = upper(customer) + "/" + country
  sizes = clean | route {
    big:   total >= 1000.0
    mid:   total >= 100.0
    small: else
  }
  sizes.big   | into jsonl("out/big.jsonl")
  sizes.mid   | select id, customer, total | into csv("out/mid.csv")
  sizes.small | drop note | into csv("out/small.csv")
  raw.errors  | into jsonl("out/rejects.jsonl")
}
""", {"out/big.jsonl": "exact", "out/mid.csv": "exact", "out/small.csv": "exact",
      "out/rejects.jsonl": "exact"}),
    "aggregate_sort": (ORDER_SCHEMA + """
pipeline grouped {
  from csv("in/orders.csv", schema: Order)
    | aggregate by country, bucket = id % 7 {
        n         = count()
        customers = count_distinct(customer)
        total     = sum(amount)
        mean_qty  = avg(qty)
        smallest  = min(amount)
        largest   = max(amount)
        first_id  = first(id)
        last_id   = last(id)
      }
    | sort by total desc, country, bucket
    | into csv("out/groups.csv")
  from csv("in/orders.csv", schema: Order)
    | sort by customer, amount desc
    | take 20000
    | into csv("out/sorted.csv")
}
""", {"out/groups.csv": "exact", "out/sorted.csv": "exact"}),
    "union": (ORDER_SCHEMA + """
pipeline merged {
  a = from csv("in/orders.csv", schema: Order)
  b = from csv("in/orders2.csv", schema: Order)
  both = union(a, b) | filter qty > 3 | derive value = amount * qty
  both | into csv("out/union.csv")
  both | aggregate by country { n = count() } | sort by country | into csv("out/counts.csv")
  union(a.errors, b.errors) | into jsonl("out/errors.jsonl")
}
""", {"out/union.csv": "sorted", "out/counts.csv": "exact", "out/errors.jsonl": "sorted"}),
    "join": (ORDER_SCHEMA + """
schema Customer {
  customer: string
  name:     string
  tier: string?
}

pipeline joined {
  orders = from csv("in/orders.csv", schema: Order)
  customers = from csv("in/customers.csv", schema: Customer)
  orders
    | join left customers on customer == customers.customer
    | derive label = name ?? "unknown"
    | into jsonl("out/left.jsonl")
  orders
    | filter amount > 500.0
    | join customers on customer == customers.customer and country != "US"
    | select id, customer, name, tier, amount
    | into csv("out/inner.csv")
}
""", {"out/left.jsonl": "exact", "out/inner.csv": "exact"}),
}


class Failure(Exception):
    pass


def csv_field(text):
    if any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_orders(path, rows, seed, first_id=1, bad_every=0):
    """An orders CSV; with bad_every, every bad_every-th line is malformed (a source error)."""
    rng = random.Random(seed)
    with open(path, "w", newline="") as f:
        f.write("id,customer,country,amount,currency,qty,ts,note\n")
        for i in range(rows):
            rid = first_id + i
            if bad_every and i % bad_every == bad_every - 1:
                f.write("%d,cust_%03d,US,not-a-number,USD,1,2024-01-01T00:00:00Z,\n" % (rid, rng.randrange(400)))
                continue
            amount = round(rng.lognormvariate(4.0, 1.2) * (-1 if rng.random() < 0.08 else 1), 2)
            note = rng.choice(["", "gift", "rush, please", 'said "asap"', "déjà vu"])
            f.write("%d,cust_%03d,%s,%.2f,%s,%d,2024-%02d-%02dT%02d:%02d:00Z,%s\n" % (
                rid, rng.randrange(400), rng.choice(COUNTRIES), amount, rng.choice(CURRENCIES),
                rng.randrange(1, 21), rng.randrange(1, 13), rng.randrange(1, 29), rng.randrange(24),
                rng.randrange(60), csv_field(note)))


def write_customers(path, seed):
    """Customers cust_000..cust_349 (some orders have no customer), one duplicate key."""
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("customer,name,tier\n")
        for i in range(350):
            f.write("cust_%03d,Name %d,%s\n" % (i, i, rng.choice(["gold", "silver", ""])))
        f.write("cust_007,Second Seven,gold\n")


def prepare(case, work, rows):
    """Writes a generated case's pipeline and inputs into work/."""
    text, _ = CASES[case]
    os.makedirs(os.path.join(work, "in"))
    with open(os.path.join(work, "pipeline.etl"), "w") as f:
        f.write(text)
    write_orders(os.path.join(work, "in", "orders.csv"), rows, seed=11, bad_every=997)
    if case == "union":
        write_orders(os.path.join(work, "in", "orders2.csv"), rows // 2, seed=12, first_id=rows + 1, bad_every=499)
    if case == "join":
        write_customers(os.path.join(work, "in", "customers.csv"), seed=13)


def run(etlc, work, pipeline, workers):
    """Runs etlc in work/; returns (exit code, step counts, stderr)."""
    cmd = [etlc, "run", pipeline, "--workers", str(workers), "--log-format", "json",
           "--state-dir", "state", "--seed", "1"]
    try:
        proc = subprocess.run(cmd, cwd=work, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Failure("%s --workers %d: timed out after %d s" % (pipeline, workers, TIMEOUT))
    err = proc.stderr.decode("utf-8", "replace")
    steps = {}
    for line in err.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("event") == "step_finished":
            steps[event.get("step")] = tuple(event.get(k) for k in ("rows_in", "rows_out", "filtered", "errors"))
    return proc.returncode, steps, err


def normalized_lines(path, mode):
    """The file's lines; error records (the errors schema) without their `at` time; sorted
    (a CSV header kept first) when the order is not defined."""
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    out = []
    for line in lines:
        if line.startswith(b"{"):
            try:
                obj = json.loads(line)
            except ValueError:
                obj = None
            if isinstance(obj, dict) and {"step", "code", "message", "record", "at"} <= obj.keys():
                del obj["at"]
                line = json.dumps(obj, sort_keys=True).encode()
        out.append(line)
    if mode == "sorted":
        head = [out[0]] if path.endswith(".csv") and out else []
        out = head + sorted(out[len(head):])
    return out


def tree(root, skip):
    """Files under root (relative paths), without the skipped top-level entries."""
    found = set()
    for dirpath, _, files in os.walk(root):
        for name in files:
            rel = os.path.relpath(os.path.join(dirpath, name), root)
            if rel.split(os.sep)[0] not in skip:
                found.add(rel)
    return found


def error_file(work):
    """The run's unconsumed error records (none when the run left no error file)."""
    runs = glob.glob(os.path.join(work, "state", "runs", "*"))
    if len(runs) != 1:
        raise Failure("%s: expected one run directory in state/runs, found %s" % (work, runs))
    path = os.path.join(runs[0], "errors.jsonl")
    return normalized_lines(path, "sorted") if os.path.exists(path) else []


def compare(name, etlc, w1, w4, pipeline, modes, inputs):
    """Runs both copies and compares what they leave; returns a one-line summary."""
    results = {}
    for workers, work in ((1, w1), (4, w4)):
        results[workers] = run(etlc, work, pipeline, workers)
    (c1, s1, e1), (c4, s4, e4) = results[1], results[4]
    if c1 != 0 or c4 != 0:
        raise Failure("%s: exit codes %d (--workers 1) and %d (--workers 4), expected 0:\n%s\n%s" % (
            name, c1, c4, e1[-1500:], e4[-1500:]))
    if not s1:
        raise Failure("%s: no step_finished events in the JSON log" % name)
    if s1 != s4:
        diff = {k: (s1.get(k), s4.get(k)) for k in set(s1) | set(s4) if s1.get(k) != s4.get(k)}
        raise Failure("%s: step counts differ (rows_in, rows_out, filtered, errors): %s" % (name, diff))
    f1, f4 = tree(w1, inputs), tree(w4, inputs)
    if f1 != f4:
        raise Failure("%s: different files: only --workers 1: %s; only --workers 4: %s" % (
            name, sorted(f1 - f4), sorted(f4 - f1)))
    for rel in modes:
        if rel not in f1:
            raise Failure("%s: %s was not written (files: %s)" % (name, rel, sorted(f1)))
    compared = 0
    for rel in sorted(f1):
        mode = modes.get(rel, "exact")
        a, b = normalized_lines(os.path.join(w1, rel), mode), normalized_lines(os.path.join(w4, rel), mode)
        if a != b:
            i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            raise Failure("%s: %s differs (%s) at line %d: %r (--workers 1) vs %r (--workers 4); %d vs %d lines" % (
                name, rel, mode, i + 1, a[i] if i < len(a) else None, b[i] if i < len(b) else None, len(a), len(b)))
        compared += 1
    if error_file(w1) != error_file(w4):
        raise Failure("%s: the run error files differ" % name)
    rows = sum(v[1] for v in s1.values())
    return "%s: %d files and the error file equal; %d steps, %d records emitted in all" % (
        name, compared, len(s1), rows)


# Outputs of the examples whose order the language leaves open (they come from a union).
EXAMPLE_UNORDERED = {
    "customers": {"out/customer_rejects.jsonl": "sorted"},
    "clickstream": {"out/clickstream_errors.jsonl": "sorted"},
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--etlc", required=True)
    ap.add_argument("--case", action="append", default=[],
                    help="run only these (generated case names, or example:<name>); repeatable")
    ap.add_argument("--rows", type=int, default=60000, help="orders per generated input (default 60000)")
    ap.add_argument("--keep", default="", help="work in this directory and keep it")
    a = ap.parse_args()
    etlc = os.path.abspath(a.etlc)
    examples = sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(REPO, "examples", "*.etl")))
    names = list(CASES) + ["example:" + e for e in examples]
    if a.case:
        unknown = [c for c in a.case if c not in names]
        if unknown:
            print("unknown case(s) %s; known: %s" % (unknown, names), file=sys.stderr)
            return 2
        names = a.case

    root = a.keep or tempfile.mkdtemp(prefix="etl-workers-")
    os.makedirs(root, exist_ok=True)
    failures = 0
    try:
        for name in names:
            base = os.path.join(root, name.replace(":", "_"))
            w1, w4 = base + "-w1", base + "-w4"
            for d in (w1, w4):
                shutil.rmtree(d, ignore_errors=True)
            try:
                if name.startswith("example:"):
                    ex = name.split(":", 1)[1]
                    for d in (w1, w4):
                        os.makedirs(d)
                        shutil.copytree(os.path.join(REPO, "examples"), os.path.join(d, "examples"))
                    summary = compare(name, etlc, w1, w4, "examples/%s.etl" % ex, EXAMPLE_UNORDERED.get(ex, {}),
                                      {"examples", "state"})
                else:
                    prepare(name, w1, a.rows)
                    shutil.copytree(w1, w4)
                    summary = compare(name, etlc, w1, w4, "pipeline.etl", CASES[name][1], {"in", "state", "pipeline.etl"})
                print("ok   " + summary, flush=True)
            except Failure as e:
                failures += 1
                print("FAIL %s" % e, flush=True)
    finally:
        if not a.keep:
            shutil.rmtree(root, ignore_errors=True)
    print("%d of %d cases equal with --workers 1 and --workers 4" % (len(names) - failures, len(names)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
