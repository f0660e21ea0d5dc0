#!/usr/bin/env python3
"""Checks the etl examples of the user documentation with `etlc check --format json`.

Fenced blocks whose info string starts with `etl` are examples:

  ```etl                 a complete program: must produce no error (warnings allowed)
  ```etl fail            must produce at least one error
  ```etl warn            must produce no error and at least one warning
  ```etl fail E0301      ... and every code listed must be among the diagnostics
  ```etl file=lib.etl    written under that name in the document's scratch directory
                         (so later blocks of the same document can import it)
  ```etl helper file=x   written only, not checked (one half of an import cycle)

Each document gets its own scratch directory; a block without `file=` is written as
`block_L<line>.etl`. Other fences (```text, ```sh) are ignored.

With --diagnostics DOC --codes codes.def, DOC must have a `## <code> <title>` section
for every code of codes.def, in the same order and no other; in each section the first
`fail` (errors) or `warn` (warnings) block must produce the section's code, and at
least one plain `etl` block (the fix) must produce no error and not that code.

Failures name the document and the line of the block. Exit status 0 = all good.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

CODE_RE = re.compile(r"^[EW]\d{4}$")
FENCE_RE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")


class Block:
    """One fenced etl block of a document."""

    def __init__(self, doc, line, info, text):
        self.doc = doc
        self.line = line  # 1-based line of the opening fence
        words = info.split()
        self.mode = "ok"
        self.codes = []
        self.file = None
        self.helper = False
        for w in words[1:]:
            if w in ("fail", "warn", "ok"):
                self.mode = w
            elif CODE_RE.match(w):
                self.codes.append(w)
            elif w.startswith("file="):
                self.file = w[len("file="):]
            elif w == "helper":
                self.helper = True
            else:
                raise ValueError(f"{doc}:{line}: unknown word `{w}` in the info string `{info}`")
        self.text = text
        self.diagnostics = []
        self.section = None  # diagnostics.md: the code of the enclosing section

    def where(self):
        return f"{self.doc}:{self.line}"


def extract_blocks(path):
    """Returns (blocks, headings) of a markdown file; headings are (line, text) of `## `."""
    blocks, headings = [], []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE_RE.match(lines[i])
        if not m:
            if lines[i].startswith("## "):
                headings.append((i + 1, lines[i][3:].strip()))
            i += 1
            continue
        fence, info = m.group(2), m.group(3).strip()
        start = i
        body = []
        i += 1
        while i < len(lines):
            close = FENCE_RE.match(lines[i])
            if close and close.group(2).startswith(fence[0] * len(fence)) and close.group(3).strip() == "":
                break
            body.append(lines[i])
            i += 1
        if i >= len(lines):
            raise ValueError(f"{path}:{start + 1}: fenced block is never closed")
        i += 1
        if info.split()[:1] == ["etl"]:
            blocks.append(Block(path, start + 1, info, "\n".join(body) + "\n"))
    return blocks, headings


def diagnostic_line(value):
    """The 1-based line of a diagnostic object (`range.start.line`), or `?`."""
    rng = value.get("range")
    if isinstance(rng, dict):
        start = rng.get("start")
        if isinstance(start, dict) and "line" in start:
            return start["line"]
        if "line" in rng:
            return rng["line"]
    return value.get("line", "?")


def collect_diagnostics(value, out):
    """Finds every object with a diagnostic `code` in etlc's JSON, whatever its nesting."""
    if isinstance(value, dict):
        code = value.get("code")
        if isinstance(code, str) and CODE_RE.match(code):
            level = value.get("level") or value.get("severity") or ""
            if not isinstance(level, str) or level.lower() not in ("error", "warning", "note"):
                level = "error" if code.startswith("E") else "warning"
            out.append({
                "code": code,
                "level": level.lower(),
                "message": value.get("message", ""),
                "line": diagnostic_line(value),
            })
        for v in value.values():
            if isinstance(v, (dict, list)):
                collect_diagnostics(v, out)
    elif isinstance(value, list):
        for v in value:
            collect_diagnostics(v, out)


def parse_json_output(text):
    """etlc's JSON: one document, or one JSON value per line."""
    text = text.strip()
    if not text:
        return []
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def run_check(etlc, path, timeout):
    """Runs `etlc check --format json` on one file; returns (diagnostics, problem)."""
    try:
        proc = subprocess.run([etlc, "check", "--format", "json", path], capture_output=True,
                              text=True, timeout=timeout, cwd=os.path.dirname(path))
    except subprocess.TimeoutExpired:
        return [], f"etlc check timed out after {timeout}s"
    except OSError as e:
        return [], f"cannot run {etlc}: {e}"
    if proc.returncode not in (0, 1):
        return [], (f"etlc check exited with {proc.returncode} (expected 0 or 1)\n"
                    f"stdout: {proc.stdout.strip()}\nstderr: {proc.stderr.strip()}")
    diagnostics = []
    parsed = False
    for stream in (proc.stdout, proc.stderr):
        try:
            for doc in parse_json_output(stream):
                collect_diagnostics(doc, diagnostics)
                parsed = True
        except json.JSONDecodeError:
            continue
    if not parsed and proc.returncode != 0:
        return [], f"etlc check printed no JSON\nstdout: {proc.stdout.strip()}\nstderr: {proc.stderr.strip()}"
    has_errors = any(d["level"] == "error" for d in diagnostics)
    if has_errors != (proc.returncode == 1):
        return diagnostics, (f"exit status {proc.returncode} does not agree with the diagnostics "
                             f"({'errors' if has_errors else 'no errors'})")
    return diagnostics, None


def describe(diagnostics):
    if not diagnostics:
        return "  (no diagnostics)"
    return "\n".join(f"  {d['level']}[{d['code']}] line {d['line']}: {d['message']}" for d in diagnostics)


def check_block(block):
    """The problems of a block against its own info string."""
    diags = block.diagnostics
    errors = [d for d in diags if d["level"] == "error"]
    warnings = [d for d in diags if d["level"] == "warning"]
    problems = []
    if block.mode == "ok" and errors:
        problems.append("expected no errors")
    if block.mode == "fail" and not errors:
        problems.append("marked `fail` but produced no error")
    if block.mode == "warn":
        if errors:
            problems.append("marked `warn` but produced errors")
        if not warnings:
            problems.append("marked `warn` but produced no warning")
    present = {d["code"] for d in diags}
    for code in block.codes:
        if code not in present:
            problems.append(f"expected {code}")
    return problems


def read_codes(path):
    codes = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'\s*ETL_DIAG\(\s*\w+\s*,\s*"([EW]\d{4})"', line)
            if m:
                codes.append(m.group(1))
    return codes


def check_diagnostics_doc(doc, blocks, headings, codes):
    """Section structure and bad/fixed examples of docs/diagnostics.md."""
    problems = []
    sections = []  # (line, code)
    for line, text in headings:
        first = text.split()[0] if text.split() else ""
        if CODE_RE.match(first):
            sections.append((line, first))
    found = [code for _, code in sections]
    if found != codes:
        missing = [c for c in codes if c not in found]
        extra = [c for c in found if c not in codes]
        msg = f"{doc}: sections do not match codes.def in order"
        if missing:
            msg += f"; missing: {', '.join(missing)}"
        if extra:
            msg += f"; unknown: {', '.join(extra)}"
        if not missing and not extra:
            msg += "; the order differs"
        problems.append(msg)
    # Assign blocks to sections.
    for block in blocks:
        for line, code in sections:
            if line < block.line:
                block.section = code
    for line, code in sections:
        mine = [b for b in blocks if b.section == code and not b.helper]
        bad_mode = "warn" if code.startswith("W") else "fail"
        bad = [b for b in mine if b.mode == bad_mode]
        fixed = [b for b in mine if b.mode == "ok"]
        if not bad:
            problems.append(f"{doc}:{line}: section {code} has no ```etl {bad_mode} example")
        elif code not in {d["code"] for d in bad[0].diagnostics}:
            problems.append(f"{bad[0].where()}: the bad example of {code} does not produce {code}\n"
                            + describe(bad[0].diagnostics))
        if not fixed:
            problems.append(f"{doc}:{line}: section {code} has no fixed ```etl example")
        for b in fixed:
            if code in {d["code"] for d in b.diagnostics}:
                problems.append(f"{b.where()}: the fixed example of {code} still produces {code}\n"
                                + describe(b.diagnostics))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--etlc", required=True, help="path of the etlc binary")
    ap.add_argument("--diagnostics", help="the diagnostics reference (one section per code)")
    ap.add_argument("--codes", help="compiler/diag/codes.def (with --diagnostics)")
    ap.add_argument("--timeout", type=int, default=30)
    ap.add_argument("--keep", action="store_true", help="keep the scratch directories")
    ap.add_argument("docs", nargs="*", help="other markdown files whose etl blocks are checked")
    args = ap.parse_args()

    args.etlc = os.path.abspath(args.etlc)  # etlc runs in each example's directory
    docs = list(args.docs)
    if args.diagnostics:
        if not args.codes:
            ap.error("--diagnostics needs --codes")
        docs.append(args.diagnostics)

    problems = []
    total = 0
    for doc in docs:
        try:
            blocks, headings = extract_blocks(doc)
        except (OSError, ValueError) as e:
            problems.append(str(e))
            continue
        if not blocks:
            problems.append(f"{doc}: no ```etl blocks found")
            continue
        scratch = tempfile.mkdtemp(prefix="etl-docs-")
        for block in blocks:
            name = block.file or f"block_L{block.line}.etl"
            path = os.path.join(scratch, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(block.text)
            if block.helper:
                continue
            total += 1
            block.diagnostics, problem = run_check(args.etlc, path, args.timeout)
            if problem:
                problems.append(f"{block.where()}: {problem}")
                continue
            for p in check_block(block):
                problems.append(f"{block.where()}: {p}\n{describe(block.diagnostics)}")
        if doc == args.diagnostics:
            problems.extend(check_diagnostics_doc(doc, blocks, headings, read_codes(args.codes)))
        if args.keep:
            print(f"{doc}: scratch files kept in {scratch}")
        else:
            for root, dirs, files in os.walk(scratch, topdown=False):
                for f in files:
                    os.remove(os.path.join(root, f))
                for d in dirs:
                    os.rmdir(os.path.join(root, d))
            os.rmdir(scratch)

    for p in problems:
        print(p)
    print(f"checked {total} etl blocks in {len(docs)} documents: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
