#!/usr/bin/env python3
"""Random and mutated CSV and JSONL inputs through `etlc run` (registered in ctest as
reader_fuzz; docs/dev/testing.md).

Each input is run as `from csv|jsonl("in/input.*", schema: Row) | into jsonl(...)` with the
errors unconsumed, so they land in the run's error file. For every input:
  - etlc ends with exit 0 or 3, never a signal or 70 (an internal error);
  - on exit 0 the source's step_finished counters add up (rows_in == rows_out + errors),
    the output file holds rows_out records and the error file holds `errors` records, each
    naming the input file and a line within it, with the raw text;
  - for generated inputs (not mutated ones) the lines of the error records are exactly the
    lines where a defect was planted.
Inputs are seeded (--seed), so a failure is reproducible; the failing input is written to
--keep DIR when given.
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
import time

CSV_PIPELINE = """schema Row { a: int, b: string, c: float? }
pipeline p {
  r = from csv("in/input.csv", schema: Row)
  r | into jsonl("out/rows.jsonl")
}
"""
JSONL_PIPELINE = """schema Row { a: int, b: string, c: float? }
pipeline p {
  r = from jsonl("in/input.jsonl", schema: Row)
  r | into jsonl("out/rows.jsonl")
}
"""
WORDS = ["x", "hello", "a b", "caf\u00e9", "\u65e5\u672c", "", "comma,inside", 'say "hi"', "two\nlines", "tab\there"]


def csv_field(text, rng):
    needs = any(ch in text for ch in ',"\r\n') or text == ""
    if needs or rng.random() < 0.2:
        return '"' + text.replace('"', '""') + '"'
    return text


def gen_csv(rng, rows):
    """A CSV input and the set of lines where a bad record starts."""
    out = [b"a,b,c\n"]
    line, bad = 2, set()
    for _ in range(rows):
        a = str(rng.randint(-10**12, 10**12))
        b = rng.choice(WORDS)
        c = rng.choice(["", "1.5", "-0.25", "1e10", str(rng.random())])
        fields = [a, csv_field(b, rng), c]
        defect = rng.random() < 0.25
        if defect:
            kind = rng.choice(["not_int", "too_few", "too_many", "utf8", "empty_int", "bad_float"])
            if kind == "not_int":
                fields[0] = "x" + a
            elif kind == "too_few":
                fields = fields[:2]
            elif kind == "too_many":
                fields.append("extra")
            elif kind == "empty_int":
                fields[0] = ""
            elif kind == "bad_float":
                fields[2] = "1.2.3"
        record = ",".join(fields).encode()
        if defect and kind == "utf8":
            record = record + b"\xff"  # the last field is c (float?) or b: invalid either way
        out.append(record + (b"\r\n" if rng.random() < 0.1 else b"\n"))
        if defect:
            bad.add(line)
        line += record.count(b"\n") + 1
    return b"".join(out), bad


def gen_jsonl(rng, rows):
    out = []
    line, bad = 1, set()
    for _ in range(rows):
        if rng.random() < 0.05:
            out.append(b"\n")  # blank: skipped
            line += 1
            continue
        rec = {"a": rng.randint(-10**12, 10**12), "b": rng.choice(WORDS)}
        if rng.random() < 0.7:
            rec["c"] = rng.choice([None, 1.5, -3, rng.random()])
        if rng.random() < 0.3:
            rec["extra"] = [1, {"k": "v"}]
        text = json.dumps(rec, ensure_ascii=rng.random() < 0.5).encode()
        defect = rng.random() < 0.25
        if defect:
            kind = rng.choice(["a_string", "missing_a", "truncated", "array", "utf8", "null_b"])
            if kind == "a_string":
                rec["a"] = str(rec["a"])
            elif kind == "missing_a":
                del rec["a"]
            elif kind == "null_b":
                rec["b"] = None
            text = json.dumps(rec).encode()
            if kind == "truncated":
                text = text[:-1]
            elif kind == "array":
                text = b"[1,2]"
            elif kind == "utf8":
                text = text.replace(b'"b":', b'"b\xff":', 1)
            bad.add(line)
        out.append(text + b"\n")
        line += 1
    return b"".join(out), bad


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.random()
        pos = rng.randrange(len(data) + 1)
        if op < 0.4 and data:
            data[min(pos, len(data) - 1)] = rng.choice(b'",\n\r\\{}[]:\xff\xc3 0a')
        elif op < 0.7:
            data[pos:pos] = bytes([rng.choice(b'",\n\r{}[]\x00\xe2\x80')])
        elif data:
            del data[pos:pos + rng.randint(1, 5)]
    return bytes(data)


class Failure(Exception):
    pass


def check_run(etlc, fmt, data, bad_lines, tmp):
    work = os.path.join(tmp, "work")
    state = os.path.join(tmp, "state")
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)
    os.makedirs(os.path.join(work, "in"))
    name = "in/input." + fmt
    with open(os.path.join(work, name), "wb") as f:
        f.write(data)
    with open(os.path.join(work, "p.etl"), "w") as f:
        f.write(CSV_PIPELINE if fmt == "csv" else JSONL_PIPELINE)
    cmd = [etlc, "run", "p.etl", "--log-format", "json", "--state-dir", state]
    try:
        proc = subprocess.run(cmd, cwd=work, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise Failure("etlc run did not finish within 60 s")
    stderr = proc.stderr.decode(errors="replace")
    if proc.returncode < 0:
        raise Failure(f"killed by signal {-proc.returncode}\n{stderr[-2000:]}")
    if proc.returncode not in (0, 3):
        raise Failure(f"exit code {proc.returncode} (expected 0 or 3)\n{stderr[-2000:]}")
    if proc.returncode != 0:
        if bad_lines is not None:
            raise Failure(f"exit 3 on a generated input (only record errors planted)\n{stderr[-2000:]}")
        return
    source = None
    for text in stderr.splitlines():
        try:
            event = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(event, dict) and event.get("event") == "step_finished" and event.get("step") == "r":
            source = event.get("fields", event)
    if source is None:
        raise Failure(f"no step_finished event for the source `r`\n{stderr[-2000:]}")
    rows_in, rows_out, errors = source.get("rows_in"), source.get("rows_out"), source.get("errors")
    if rows_in != rows_out + errors + source.get("filtered", 0):
        raise Failure(f"source counts: rows_in {rows_in} != rows_out {rows_out} + errors {errors}")
    with open(os.path.join(work, "out", "rows.jsonl"), "rb") as f:
        out_lines = f.read().count(b"\n")
    if out_lines != rows_out:
        raise Failure(f"the output holds {out_lines} records, the source says rows_out {rows_out}")
    files = glob.glob(os.path.join(state, "runs", "*", "errors.jsonl"))
    records = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            records += [json.loads(line) for line in f if line.strip()]
    if len(records) != errors:
        raise Failure(f"the error file holds {len(records)} records, the source says errors {errors}")
    # Physical lines as the readers count them (docs/dev/runtime-csv.md): LF, CRLF and a lone
    # CR each end one (the JSONL reader splits on LF only, so this is an upper bound there).
    breaks = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    total_lines = breaks + (0 if data.endswith((b"\n", b"\r")) or not data else 1)
    for record in records:
        line = record.get("line")
        if record.get("source") != name or not isinstance(line, int) or not 1 <= line <= max(total_lines, 1):
            raise Failure(f"error record without the file and a line within it: {record}")
        if not isinstance(record.get("record"), str):
            raise Failure(f"error record without the raw text: {record}")
    if bad_lines is not None:
        got = {r["line"] for r in records}
        if got != bad_lines:
            raise Failure(f"error lines {sorted(got)} != planted defects at lines {sorted(bad_lines)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--etlc", default="build/etlc")
    parser.add_argument("--seed", type=int, default=20240531)
    parser.add_argument("--count", type=int, default=300, help="inputs in all (half CSV, half JSONL)")
    parser.add_argument("--keep", help="directory to copy a failing input into")
    args = parser.parse_args()
    etlc = os.path.abspath(args.etlc)
    rng = random.Random(args.seed)
    started = time.monotonic()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="etl-fuzz-") as tmp:
        for i in range(args.count):
            fmt = "csv" if i % 2 == 0 else "jsonl"
            data, bad = (gen_csv if fmt == "csv" else gen_jsonl)(rng, rng.randint(0, 40))
            if i % 4 >= 2:  # every other input of each format is mutated: invariants only
                data, bad = mutate(rng, data), None
            try:
                check_run(etlc, fmt, data, bad, tmp)
            except Failure as e:
                failures += 1
                print(f"FAIL input {i} ({fmt}, seed {args.seed}): {e}", file=sys.stderr)
                if args.keep:
                    os.makedirs(args.keep, exist_ok=True)
                    with open(os.path.join(args.keep, f"input{i}.{fmt}"), "wb") as f:
                        f.write(data)
                if failures >= 10:
                    break
    print(f"{args.count} inputs, {failures} failures, {time.monotonic() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
