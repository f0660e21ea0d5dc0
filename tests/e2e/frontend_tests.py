#!/usr/bin/env python3
"""End-to-end tests of the front end through the `etlc` binary (registered in ctest).

  golden FILE          diagnostics of `etlc check FILE --format json` equal the file's
                       `// expect: level[CODE] LINE:COL` lines; the text output of
                       `etlc check FILE --color never` equals FILE's `.err` twin
  update FILE...       rewrites the `.err` twins (make golden-update)
  coverage             every code of compiler/diag/codes.def is expected by a fail_/warn_
                       golden, and there are at least MIN_GOLDENS golden files
  fmt FILE             `etlc fmt FILE | etlc fmt -` equals `etlc fmt FILE` (files expected
                       to have syntax errors must instead be refused with exit 1)
  roundtrip FILE       `etlc compile FILE -o a.json`, `etlc compile a.json -o b.json`: same bytes

Run from the repository root (paths in diagnostics are relative to it).
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile

MIN_GOLDENS = 60
TIMEOUT = 60
EXPECT = re.compile(r"//\s*expect:\s*(error|warning|note)\[([EW]\d{4})\](?:\s+(\d+):(\d+))?")
CODE_DEF = re.compile(r'^ETL_DIAG\(\s*\w+\s*,\s*"([EW]\d{4})"', re.M)
SYNTAX_CODES = {f"E000{i}" for i in range(1, 10)}
PREFIXES = ("ok_", "fail_", "warn_")


class Failure(Exception):
    pass


def run(etlc, args, stdin=None, merge=False):
    try:
        return subprocess.run([etlc] + args, input=stdin, capture_output=not merge,
                              stdout=subprocess.PIPE if merge else None,
                              stderr=subprocess.STDOUT if merge else None,
                              timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Failure(f"`etlc {' '.join(args)}` did not finish within {TIMEOUT} s")


def signal_check(proc, args):
    if proc.returncode < 0:
        raise Failure(f"`etlc {' '.join(args)}` was killed by signal {-proc.returncode}")


def diff(expected, actual, expected_name, actual_name):
    lines = difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                 expected_name, actual_name)
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def expectations(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    result = set()
    for m in EXPECT.finditer(text):
        pos = (int(m.group(3)), int(m.group(4))) if m.group(3) else (None, None)
        result.add((m.group(1), m.group(2)) + pos)
    return result


def fmt_expectation(item):
    level, code, line, col = item
    return f"{level}[{code}]" + (f" {line}:{col}" if line is not None else "")


def golden(etlc, path):
    name = os.path.basename(path)
    if not name.startswith(PREFIXES):
        raise Failure(f"{path}: a golden file name starts with ok_, fail_ or warn_")
    expected = expectations(path)
    args = ["check", path, "--format", "json"]
    proc = run(etlc, args)
    signal_check(proc, args)
    try:
        document = json.loads(proc.stdout)
    except ValueError as e:
        raise Failure(f"`etlc {' '.join(args)}` did not print JSON ({e}):\n{proc.stdout!r}\n{proc.stderr!r}")
    actual = set()
    unpositioned = {(e[0], e[1]) for e in expected if e[2] is None}
    for d in document["diagnostics"]:
        start = (d.get("range") or {}).get("start")
        if (d["level"], d["code"]) in unpositioned:
            actual.add((d["level"], d["code"], None, None))
        elif start is None:
            actual.add((d["level"], d["code"], None, None))
        else:
            actual.add((d["level"], d["code"], start["line"], start["col"]))
    problems = []
    if actual != expected:
        for item in sorted(expected - actual, key=str):
            problems.append(f"  expected but not reported: {fmt_expectation(item)}")
        for item in sorted(actual - expected, key=str):
            problems.append(f"  reported but not expected: {fmt_expectation(item)}")
        problems.append("  (expectation lines look like `// expect: error[E0203] 7:12`)")
    errors, warnings = document["errors"], document["warnings"]
    if name.startswith("fail_") and (errors == 0 or proc.returncode != 1):
        problems.append(f"  a fail_ golden needs an error and exit code 1 (errors={errors}, exit={proc.returncode})")
    if name.startswith("warn_") and (warnings == 0 or errors != 0 or proc.returncode != 0):
        problems.append(f"  a warn_ golden needs warnings, no error and exit code 0 "
                        f"(errors={errors}, warnings={warnings}, exit={proc.returncode})")
    if name.startswith("ok_") and (document["diagnostics"] or proc.returncode != 0):
        problems.append(f"  an ok_ golden must have no diagnostic and exit code 0 "
                        f"(diagnostics={len(document['diagnostics'])}, exit={proc.returncode})")
    if problems:
        text = run(etlc, ["check", path, "--color", "never"], merge=True).stdout.decode(errors="replace")
        raise Failure(f"{path}:\n" + "\n".join(problems) + "\n--- etlc check output:\n" + text)

    err_path = os.path.splitext(path)[0] + ".err"
    text_args = ["check", path, "--color", "never"]
    text_proc = run(etlc, text_args, merge=True)
    signal_check(text_proc, text_args)
    rendered = text_proc.stdout.decode(errors="replace")
    if not os.path.exists(err_path):
        raise Failure(f"{err_path} is missing; run `make golden-update` and review it. Output:\n{rendered}")
    with open(err_path, encoding="utf-8", errors="replace") as f:
        want = f.read()
    if want != rendered:
        raise Failure(f"text output differs from {err_path} (run `make golden-update` if the change is "
                      f"intended):\n" + diff(want, rendered, err_path, "etlc check output"))


def update(etlc, paths):
    changed = 0
    for path in paths:
        rendered = run(etlc, ["check", path, "--color", "never"], merge=True).stdout.decode(errors="replace")
        err_path = os.path.splitext(path)[0] + ".err"
        old = open(err_path, encoding="utf-8", errors="replace").read() if os.path.exists(err_path) else None
        if old != rendered:
            with open(err_path, "w", encoding="utf-8") as f:
                f.write(rendered)
            print(f"updated {err_path}")
            changed += 1
    print(f"{changed} of {len(paths)} .err files changed")


def golden_files(root):
    result = []
    for area in sorted(os.listdir(root)):
        folder = os.path.join(root, area)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith(".etl") and name.startswith(PREFIXES):
                result.append(os.path.join(folder, name))
    return result


def coverage(golden_root, codes_def):
    with open(codes_def, encoding="utf-8") as f:
        codes = CODE_DEF.findall(f.read())
    if not codes:
        raise Failure(f"no codes found in {codes_def}")
    files = golden_files(golden_root)
    covered = set()
    for path in files:
        if os.path.basename(path).startswith(("fail_", "warn_")):
            covered |= {e[1] for e in expectations(path)}
    problems = []
    uncovered = [c for c in codes if c not in covered]
    if uncovered:
        problems.append(f"{len(uncovered)} diagnostic codes have no fail_/warn_ golden expecting them: "
                        + ", ".join(uncovered))
    if len(files) < MIN_GOLDENS:
        problems.append(f"only {len(files)} golden files under {golden_root}; at least {MIN_GOLDENS} are required")
    if problems:
        raise Failure("\n".join(problems))
    print(f"{len(codes)} codes covered by {len(files)} golden files")


def fmt_idempotent(etlc, path):
    has_syntax_errors = any(e[1] in SYNTAX_CODES for e in expectations(path))
    args = ["fmt", path]
    first = run(etlc, args)
    signal_check(first, args)
    if has_syntax_errors:
        if first.returncode != 1 or not first.stderr:
            raise Failure(f"{path} expects syntax errors: `etlc fmt` must refuse it with diagnostics and "
                          f"exit 1 (exit={first.returncode})")
        return
    if first.returncode != 0:
        raise Failure(f"`etlc fmt {path}` failed (exit {first.returncode}):\n" + first.stderr.decode(errors="replace"))
    second = run(etlc, ["fmt", "-"], stdin=first.stdout)
    signal_check(second, ["fmt", "-"])
    if second.returncode != 0:
        raise Failure(f"formatting the formatted {path} again failed (exit {second.returncode}):\n"
                      + second.stderr.decode(errors="replace") + "\n--- formatted text:\n"
                      + first.stdout.decode(errors="replace"))
    if first.stdout != second.stdout:
        raise Failure(f"`etlc fmt` is not idempotent on {path}:\n"
                      + diff(first.stdout.decode(errors="replace"), second.stdout.decode(errors="replace"),
                             "fmt once", "fmt twice"))


def roundtrip(etlc, path):
    with tempfile.TemporaryDirectory() as tmp:
        a, b = os.path.join(tmp, "a.json"), os.path.join(tmp, "b.json")
        for args in (["compile", path, "-o", a], ["compile", a, "-o", b]):
            proc = run(etlc, args)
            signal_check(proc, args)
            if proc.returncode != 0:
                raise Failure(f"`etlc {' '.join(args)}` failed (exit {proc.returncode}):\n"
                              + proc.stderr.decode(errors="replace"))
        first, second = open(a, encoding="utf-8").read(), open(b, encoding="utf-8").read()
        json.loads(first)
        if first != second:
            raise Failure(f"plan JSON of {path} changes after a load/save round trip:\n"
                          + diff(first, second, "compiled", "reloaded"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--etlc", default="build/etlc")
    parser.add_argument("command", choices=["golden", "update", "coverage", "fmt", "roundtrip"])
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    try:
        if args.command == "coverage":
            coverage("tests/golden", "compiler/diag/codes.def")
        elif args.command == "update":
            update(args.etlc, args.files or golden_files("tests/golden"))
        else:
            if not args.files:
                parser.error("missing FILE")
            action = {"golden": golden, "fmt": fmt_idempotent, "roundtrip": roundtrip}[args.command]
            for path in args.files:
                action(args.etlc, path)
    except Failure as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
