#!/usr/bin/env python3
"""Data-in/data-out golden tests through `etlc run` (registered in ctest; docs/dev/testing.md).

  case DIR             run tests/data/<case>: copy DIR to a temporary directory, run
                       `etlc run pipeline.etl --log-format json --state-dir S` there and
                       compare exit code, output files, stdout and the run's error file
                       with DIR/expected/
  example FILE         run examples/<name>.etl from a temporary copy of examples/ and
                       compare with tests/examples/expected/<name>/
  coverage             every operator kind, stdlib function, aggregate, window, the
                       sources csv/jsonl/generate and the sinks csv/jsonl/stdout appear in
                       at least one case (names read from `etlc docs` and plan.h)
  --update             rewrite the expectations from what etlc produced (never in CI)
  --jit MODE           pass `--jit=MODE` (on, off, auto) to every etlc run: the same
                       expectations hold in every mode (the JIT's differential tests,
                       ctest data_jit/* and example_run_jit/*). With `on`, a `jit_fallback`
                       event fails the case (unless its env sets ETL_JIT_FAULT)
  --expect-compiled    with --jit on: a run with filter/derive/select/route/validate steps
                       must report at least one `jit_compiled` (the examples; a data case
                       may hold only expressions the JIT leaves to the interpreter)

A case directory holds `pipeline.etl`, its input files, `expected/` (the files the run
must leave, relative to the case directory; `expected/stdout`; `expected/errors.jsonl`,
the run's unconsumed error records) and optionally `case.json`:
  {"args": [...], "exit": 0, "env": {...}, "unordered": ["out/x.csv"],
   "setup": "setup.py", "workers": [1, 4], "errors_subset": ["errors.jsonl"], "stderr_re": "...",
   "sqlite": ["out/shop.db"]}
`setup` is a Python script run in the temporary directory before etlc (inputs too big or
too binary to check in: compressed files, a 10 MB field). Error records are compared as
JSON objects without `at`, in any order; an expected object may give `<key>_re` (a
regular expression searched in the key's text, e.g. `message_re`) where the docs do not
fix the text. `stderr_re` in case.json is searched in etlc's stderr. A SQLite file listed in
`sqlite` is compared as `<file>.tables`, a text dump of its tables (sqlite_dump).
"""
import argparse
import difflib
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

TIMEOUT = 120
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Kinds whose counters do not satisfy rows_in == rows_out + filtered + errors
# (runtime/run_events.h StepMetrics): explode fans out, aggregate emits groups, join
# counts left records in and matches out.
UNBALANCED_KINDS = {"explode", "aggregate", "join"}


class Failure(Exception):
    pass


def load_case_config(case_dir):
    path = os.path.join(case_dir, "case.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def diff(expected, actual, name):
    lines = difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                 "expected/" + name, "actual/" + name)
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
    return text[:6000]


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def sorted_lines(data, keep_header):
    lines = data.decode("utf-8", errors="replace").splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    head = lines[:1] if keep_header else []
    return "".join(head + sorted(lines[len(head):]))


def list_files(root, skip=()):
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        dirnames[:] = [d for d in dirnames if os.path.normpath(os.path.join(rel_dir, d)) not in skip]
        for name in filenames:
            out.add(os.path.normpath(os.path.join(rel_dir, name)))
    return out


def parse_jsonl(text, what):
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise Failure(f"{what}:{number}: not JSON ({e}): {line[:200]}")
    return records


def canonical(value):
    """JSON values compared by meaning: 2.0 and 2 are the same number."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def error_key(record, patterns=()):
    # `source`/`line` absent and null are the same (operator errors have neither); keys
    # matched by a `<key>_re` pattern are compared by matches_patterns.
    return json.dumps({k: canonical(v) for k, v in record.items()
                       if k != "at" and not k.endswith("_re") and k not in patterns and v is not None},
                      sort_keys=True)


def matches_patterns(expected, actual):
    for key, pattern in expected.items():
        if key.endswith("_re"):
            value = actual.get(key[:-3])
            text = value if isinstance(value, str) else json.dumps(value)
            if value is None or not re.search(pattern, text):
                return False
    return True


def compare_errors(expected_records, actual_records, what, subset=False):
    """Error records as JSON objects without `at`, in any order; `message_re` matches.
    With `subset`, the actual records only need to be among the expected ones (a run that
    stops at max_errors writes a prefix whose length depends on batching)."""
    for record in actual_records:
        if not isinstance(record, dict) or "at" not in record:
            raise Failure(f"{what}: an error record without `at`: {record}")
    remaining = list(actual_records)
    problems = []
    for exp in expected_records:
        match = None
        patterns = {k[:-3] for k in exp if k.endswith("_re")}
        for i, act in enumerate(remaining):
            if error_key(exp, patterns) != error_key(act, patterns) or not matches_patterns(exp, act):
                continue
            match = i
            break
        if match is None:
            problems.append(f"  missing: {json.dumps(exp, sort_keys=True)}")
        else:
            remaining.pop(match)
    if subset:
        problems = [] if actual_records else ["  no error record at all"]
    for act in remaining:
        problems.append(f"  unexpected: {json.dumps(act, sort_keys=True)}")
    if problems:
        raise Failure(f"{what}: error records differ:\n" + "\n".join(problems[:40]))


def is_error_file(records):
    """Whether expected records are error records (the errors schema, `at` left out)."""
    keys = {"step", "code", "record"}
    return bool(records) and all(isinstance(r, dict) and keys <= set(r) and ("message" in r or "message_re" in r)
                                 for r in records)


def sqlite_dump(path):
    """The tables of a SQLite file as text: per table its name and columns, then its rows
    sorted, values as Python reprs (etl's own `_etl_progress` left out, leftover staging
    tables not)."""
    import sqlite3
    con = sqlite3.connect(path)
    try:
        out = []
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite%' AND name != '_etl_progress' ORDER BY name")]
        for name in names:
            cursor = con.execute('SELECT * FROM "' + name.replace('"', '""') + '"')
            out.append(f"## {name}: " + ", ".join(d[0] for d in cursor.description))
            out += sorted("|".join(repr(v) for v in row) for row in cursor.fetchall())
        return ("\n".join(out) + "\n").encode()
    finally:
        con.close()


def compile_plan(etlc, pipeline_file, cwd):
    proc = subprocess.run([etlc, "compile", pipeline_file], cwd=cwd, capture_output=True, timeout=TIMEOUT)
    if proc.returncode != 0:
        raise Failure(f"`etlc compile {pipeline_file}` exited {proc.returncode}:\n"
                      + proc.stderr.decode(errors="replace")[:4000])
    return json.loads(proc.stdout)


# Steps whose expressions the JIT compiles (runtime/step_kernel.h ExprsOfNode).
JIT_KINDS = {"filter", "derive", "select", "route", "validate"}


def check_jit_events(events, plan, pipeline_name, env, expect_compiled):
    """--jit on: the JIT never fell back (unless forced to), and with `expect_compiled` it
    compiled at least one step."""
    fallbacks = [e for e in events if e.get("event") == "jit_fallback"]
    if fallbacks and not env.get("ETL_JIT_FAULT"):
        raise Failure("the JIT fell back to the interpreter: " + "; ".join(
            f"{e.get('step')}: {e.get('message')}" for e in fallbacks))
    if env.get("ETL_JIT_FAULT") or not expect_compiled:
        return
    pipelines = plan["pipelines"]
    pipeline = next((p for p in pipelines if p["name"] == pipeline_name), pipelines[0])
    if any(node["kind"] in JIT_KINDS for node in pipeline["nodes"]) and \
            not any(e.get("event") == "jit_compiled" for e in events):
        raise Failure("--jit on, but no step reported `jit_compiled`")


def check_events(stderr_text, plan, pipeline_name, exit_code):
    events = []
    for line in stderr_text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(event, dict) and "event" in event:
                events.append(event)
    if not events:
        raise Failure("no JSON log events on stderr (--log-format json)")
    pipelines = plan["pipelines"]
    pipeline = next((p for p in pipelines if p["name"] == pipeline_name), pipelines[0])
    kinds = {node["id"]: node["kind"] for node in pipeline["nodes"]}
    finished = {}
    for event in events:
        if event.get("event") != "step_finished":
            continue
        fields = event.get("fields", event)
        step = event.get("step")
        finished[step] = fields
        counts = {k: fields.get(k) for k in ("rows_in", "rows_out", "filtered", "errors")}
        if any(not isinstance(v, int) for v in counts.values()):
            raise Failure(f"step_finished of `{step}` lacks counters: {event}")
        if kinds.get(step) in UNBALANCED_KINDS:
            continue
        if counts["rows_in"] != counts["rows_out"] + counts["filtered"] + counts["errors"]:
            raise Failure(f"step `{step}` ({kinds.get(step)}): rows_in {counts['rows_in']} != rows_out "
                          f"{counts['rows_out']} + filtered {counts['filtered']} + errors {counts['errors']}")
    if exit_code == 0:
        missing = sorted(set(kinds) - set(finished))
        if missing:
            raise Failure(f"no step_finished event for: {', '.join(missing)}")
    return events


def run_case(etlc, source_dir, pipeline_file, expected_dir, config, update, label, jit=None,
             expect_compiled=False):
    """Runs one case and compares it with `expected_dir`; returns nothing or raises Failure.
    `jit`: the --jit mode to run in (None: the pipeline's own setting)."""
    with tempfile.TemporaryDirectory(prefix="etl-data-") as tmp:
        work = os.path.join(tmp, "work")
        state = os.path.join(tmp, "state")
        shutil.copytree(source_dir, work, ignore=shutil.ignore_patterns("expected", "case.json", "setup.py"))
        env = dict(os.environ)
        env.update({k: str(v) for k, v in config.get("env", {}).items()})
        env["TZ"] = "UTC"
        setup = config.get("setup")
        if setup:
            proc = subprocess.run([sys.executable, os.path.join(source_dir, setup)], cwd=work,
                                  capture_output=True, timeout=TIMEOUT)
            if proc.returncode != 0:
                raise Failure(f"{label}: {setup} failed:\n" + proc.stderr.decode(errors="replace"))
        before = list_files(work)
        plan = compile_plan(etlc, pipeline_file, work)
        args = [etlc, "run", pipeline_file] + config.get("args", []) + \
            ["--log-format", "json", "--state-dir", state] + ([f"--jit={jit}"] if jit else [])
        results = []
        for workers in config.get("workers", [None]):
            cmd = args + (["--workers", str(workers)] if workers else [])
            try:
                proc = subprocess.run(cmd, cwd=work, capture_output=True, timeout=TIMEOUT, env=env)
            except subprocess.TimeoutExpired:
                raise Failure(f"{label}: `{' '.join(cmd[1:])}` did not finish within {TIMEOUT} s")
            results.append(proc)
        proc = results[-1]
        stderr = proc.stderr.decode(errors="replace")
        context = f"\n--- stderr (last 3000 bytes):\n{stderr[-3000:]}"
        if proc.returncode < 0:
            raise Failure(f"{label}: etlc was killed by signal {-proc.returncode}{context}")
        expected_exit = config.get("exit", 0)
        if proc.returncode != expected_exit and not update:
            raise Failure(f"{label}: exit code {proc.returncode}, expected {expected_exit}{context}")

        # Outputs: everything the run left in the work directory, plus stdout and errors.
        produced = {}
        for rel in sorted(list_files(work) - before):
            produced[rel] = read_bytes(os.path.join(work, rel))
        for rel in list_files(work):
            if re.search(r"\.tmp-", os.path.basename(rel)):
                raise Failure(f"{label}: a temporary file was left behind: {rel}")
        for rel in config.get("sqlite", []):
            produced.pop(rel, None)
            if os.path.exists(os.path.join(work, rel)):
                produced[rel + ".tables"] = sqlite_dump(os.path.join(work, rel))
        if proc.stdout:
            produced["stdout"] = proc.stdout
        error_files = glob.glob(os.path.join(state, "runs", "*", "errors.jsonl"))
        if len(error_files) > 1:
            raise Failure(f"{label}: several error files: {error_files}")
        if error_files and os.path.getsize(error_files[0]) > 0:
            produced["errors.jsonl"] = read_bytes(error_files[0])

        if update:
            for rel in (list_files(expected_dir) if os.path.isdir(expected_dir) else ()):
                if rel != "case.json":
                    os.remove(os.path.join(expected_dir, rel))
            for rel, data in produced.items():
                path = os.path.join(expected_dir, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
            return

        expected = {rel: read_bytes(os.path.join(expected_dir, rel))
                    for rel in list_files(expected_dir) if rel != "case.json"} \
            if os.path.isdir(expected_dir) else {}
        problems = []
        unordered = set(config.get("unordered", []))
        for rel in sorted(set(expected) | set(produced)):
            if rel not in produced:
                problems.append(f"{rel}: expected but not produced")
                continue
            if rel not in expected:
                preview = produced[rel][:600].decode(errors="replace")
                problems.append(f"{rel}: produced but not expected:\n{preview}")
                continue
            exp, act = expected[rel], produced[rel]
            if rel == "errors.jsonl" or (rel.endswith(".jsonl") and is_error_file(
                    parse_jsonl(exp.decode(errors="replace"), rel))):
                try:
                    compare_errors(parse_jsonl(exp.decode(errors="replace"), "expected/" + rel),
                                   parse_jsonl(act.decode(errors="replace"), rel), rel,
                                   subset=rel in config.get("errors_subset", []))
                except Failure as e:
                    problems.append(str(e))
                continue
            if rel in unordered:
                keep_header = rel.endswith(".csv")
                exp_text, act_text = sorted_lines(exp, keep_header), sorted_lines(act, keep_header)
                if exp_text != act_text:
                    problems.append(f"{rel} (order-insensitive):\n" + diff(exp_text, act_text, rel))
            elif exp != act:
                problems.append(f"{rel}:\n" + diff(exp.decode(errors="replace"), act.decode(errors="replace"), rel))
        if len(results) > 1:
            first = results[0]
            if first.returncode != proc.returncode:
                problems.append(f"exit codes differ between --workers values: {first.returncode} vs {proc.returncode}")
        if config.get("stderr_re") and not re.search(config["stderr_re"], stderr):
            problems.append(f"stderr does not match /{config['stderr_re']}/")
        if problems:
            raise Failure(f"{label}:\n" + "\n".join(problems) + context)
        pipeline_name = config.get("pipeline") or next(
            (a for a in config.get("args", []) if not a.startswith("-")), None)
        events = check_events(stderr, plan, pipeline_name, proc.returncode)
        if jit == "on":
            check_jit_events(events, plan, pipeline_name, env, expect_compiled)

# Names the runtime of issue 3 does not run, with the reason (reported by `coverage`).
KNOWN_GAPS = {
    ("function", "secret"): "secret() is never a value: it only reaches connector parameters marked "
                            "secret (postgres, http, ...), which have no runtime in issue 3",
    ("operator", "step"): "library/plugin steps (`| exec(...)`) have no runtime in issue 3",
}
# Sources and sinks issue 3 must run (its item 4); the others are connectors of later issues.
REQUIRED_SOURCES = {"csv", "jsonl", "generate"}
REQUIRED_SINKS = {"csv", "jsonl", "stdout"}
DOC_ROW = re.compile(r"^\| \[(\w+)\]\([^)]*\) \| (\w+) \|", re.M)
NODE_KINDS = re.compile(r'X\(\w+, "(\w+)"\)')


def stdlib_names(etlc):
    """{category: names} from the reference `etlc docs` generates from the stdlib specs."""
    with tempfile.TemporaryDirectory(prefix="etl-docs-") as out:
        proc = subprocess.run([etlc, "docs", "--out", out], capture_output=True, timeout=TIMEOUT)
        if proc.returncode != 0:
            raise Failure("`etlc docs --out DIR` failed: " + proc.stderr.decode(errors="replace"))
        with open(os.path.join(out, "README.md"), encoding="utf-8") as f:
            text = f.read()
    names = {}
    for name, kind in DOC_ROW.findall(text):
        names.setdefault(kind, set()).add(name)
    if not names.get("aggregate") or not names.get("source"):
        raise Failure("could not read the stdlib names from `etlc docs` (README.md tables changed?)")
    return names


def walk_calls(value, calls):
    if isinstance(value, dict):
        if value.get("kind") == "call" and "fn" in value:
            calls.add(value["fn"])
        for item in value.values():
            walk_calls(item, calls)
    elif isinstance(value, list):
        for item in value:
            walk_calls(item, calls)


def plan_usage(plan):
    used = {k: set() for k in ("operator", "function", "aggregate", "source", "sink", "window")}
    for pipeline in plan["pipelines"]:
        for node in pipeline["nodes"]:
            kind = node["kind"]
            used["operator"].add(kind)
            if kind in ("source", "sink"):
                used[kind].add(node["step"])
            for agg in node.get("aggregates") or []:
                used["aggregate"].add(agg["fn"])
            if node.get("window"):
                used["window"].add(node["window"]["step"])
            walk_calls(node, used["function"])
    return used


def coverage(etlc):
    names = stdlib_names(etlc)
    with open(os.path.join(REPO, "compiler", "ir", "plan.h"), encoding="utf-8") as f:
        kinds = set(NODE_KINDS.findall(f.read()))
    if len(kinds) < 10:
        raise Failure("could not read the node kinds of compiler/ir/plan.h (ETL_NODE_KINDS)")
    required = {
        "operator": kinds,
        "function": set().union(*(names.get(c, set()) for c in ("string", "number", "time", "cast", "other"))),
        "aggregate": names["aggregate"],
        "window": names.get("window", set()),
        "source": REQUIRED_SOURCES,
        "sink": REQUIRED_SINKS,
    }
    for kind, wanted in (("source", REQUIRED_SOURCES), ("sink", REQUIRED_SINKS)):
        if not wanted <= names.get(kind, set()):
            raise Failure(f"the stdlib has no {kind} {sorted(wanted - names.get(kind, set()))}")
    used = {k: set() for k in required}
    cases = sorted(glob.glob(os.path.join(REPO, "tests", "data", "*", "pipeline.etl")))
    for path in cases:
        plan = compile_plan(etlc, os.path.basename(path), os.path.dirname(path))
        for k, v in plan_usage(plan).items():
            used[k] |= v
    problems, gaps = [], []
    for kind in sorted(required):
        for name in sorted(required[kind] - used[kind]):
            reason = KNOWN_GAPS.get((kind, name))
            if reason:
                gaps.append(f"  {kind} `{name}`: {reason}")
            else:
                problems.append(f"  {kind} `{name}` appears in no tests/data case")
    for (kind, name), reason in sorted(KNOWN_GAPS.items()):
        if name in used.get(kind, set()):
            problems.append(f"  {kind} `{name}` is listed as a known gap but a case uses it: "
                            "remove it from KNOWN_GAPS")
    print(f"{len(cases)} cases; covered: " + ", ".join(f"{len(used[k] & required[k])}/{len(required[k])} {k}s"
                                                      for k in sorted(required)))
    if gaps:
        print("known gaps (not covered, with the reason):\n" + "\n".join(gaps))
    if problems:
        raise Failure("coverage:\n" + "\n".join(problems))


def case(etlc, case_dir, update, jit=None, expect_compiled=False):
    case_dir = os.path.abspath(case_dir)
    config = load_case_config(case_dir)
    run_case(etlc, case_dir, "pipeline.etl", os.path.join(case_dir, "expected"), config, update,
             "data/" + os.path.basename(case_dir), jit, expect_compiled)


def example(etlc, path, update, jit=None, expect_compiled=False):
    name = os.path.splitext(os.path.basename(path))[0]
    expected_root = os.path.join(REPO, "tests", "examples", "expected", name)
    config = load_case_config(expected_root)
    with tempfile.TemporaryDirectory(prefix="etl-example-") as tmp:
        source = os.path.join(tmp, "src")
        shutil.copytree(os.path.join(REPO, "examples"), os.path.join(source, "examples"))
        run_case(etlc, source, os.path.join("examples", name + ".etl"), expected_root, config, update,
                 "examples/" + name, jit, expect_compiled)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--etlc", default=os.path.join(REPO, "build", "etlc"))
    parser.add_argument("--update", action="store_true", help="rewrite expectations (review the diff)")
    parser.add_argument("--jit", choices=["on", "off", "auto"],
                        help="run every case with --jit=MODE (same expectations)")
    parser.add_argument("--expect-compiled", action="store_true",
                        help="with --jit on: at least one step must report jit_compiled")
    parser.add_argument("command", choices=["case", "example", "coverage"])
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    etlc = os.path.abspath(args.etlc)
    if args.update and args.jit:
        parser.error("--update writes the interpreter's expectations: run it without --jit")
    try:
        if args.command == "coverage":
            coverage(etlc)
        for path in args.paths:
            if args.command == "case":
                case(etlc, path, args.update, args.jit, args.expect_compiled)
            elif args.command == "example":
                example(etlc, path, args.update, args.jit, args.expect_compiled)
    except Failure as e:
        print(f"FAIL {e}", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
