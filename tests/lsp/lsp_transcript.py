#!/usr/bin/env python3
"""Golden transcript tests of `etlc lsp` (docs/dev/testing.md, "Language server").

A case is `transcripts/NAME.lsp`: one JSON message per line (blank lines and lines
starting with `#` are skipped), sent to `etlc lsp` in order. A message with an `id` is a
request: the runner waits for its answer before sending the next line. Directives:
  {"$args": ["--debounce-ms", "50"]}   first line only: extra `etlc lsp` arguments
  {"$wait": "textDocument/publishDiagnostics"}   wait for that notification
  {"$open": "orders.etl"}   didOpen of workspace/orders.etl (version 1, its text from disk)
  {"$keep": "capabilities"}   keep the server's capabilities in the golden; other cases
                              show `"capabilities": "..."` (lifecycle.lsp records them
                              once, so a new feature changes one golden, not all)
Strings are expanded: `${WS}` is the file URI of tests/lsp/workspace, `@file:NAME` (a
whole string) is the text of workspace/NAME.
Unless the case sets `$args`, diagnostics are debounced for an hour, so they appear
only when a request flushes them (or at didOpen): transcripts do not depend on timing.
The runner ends every case with shutdown + exit, checks the exit code (0), and compares
everything the server sent, in order, with `transcripts/NAME.golden` (URIs and paths
of the workspace written as file:///WS and /WS). `--update` rewrites the goldens.
"""
import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time

from lsp_framing import frame, read_messages

HERE = os.path.dirname(os.path.abspath(__file__))
WORKSPACE = os.path.join(HERE, "workspace")
TIMEOUT = 30.0


def uri_of(path):
    from urllib.parse import quote
    return "file://" + quote(path)


class Server:
    def __init__(self, etlc, args, stderr_path):
        self.stderr = open(stderr_path, "wb")
        self.proc = subprocess.Popen([etlc, "lsp"] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, cwd=WORKSPACE)
        self.inbox = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        read_messages(self.proc.stdout, self.inbox.put)

    def send(self, message):
        self.proc.stdin.write(frame(message))
        self.proc.stdin.flush()

    def receive(self, deadline):
        try:
            return self.inbox.get(timeout=max(0.01, deadline - time.time()))
        except queue.Empty:
            return "timeout"


def expand(value, ws_uri):
    if isinstance(value, str):
        if value.startswith("@file:"):
            with open(os.path.join(WORKSPACE, value[6:]), encoding="utf-8") as f:
                return f.read()
        return value.replace("${WS}", ws_uri)
    if isinstance(value, list):
        return [expand(v, ws_uri) for v in value]
    if isinstance(value, dict):
        return {k: expand(v, ws_uri) for k, v in value.items()}
    return value


def normalise(text, ws_uri):
    return text.replace(ws_uri, "file:///WS").replace(WORKSPACE, "/WS")


def run_case(etlc, case_path, log_dir):
    ws_uri = uri_of(WORKSPACE)
    lines = []
    with open(case_path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            raw = raw.strip()
            if not raw or raw.startswith("#"):
                continue
            try:
                lines.append((number, json.loads(raw)))
            except json.JSONDecodeError as error:
                raise SystemExit(f"{case_path}:{number}: not JSON: {error}")
    args = ["--debounce-ms", "3600000"]
    if lines and "$args" in lines[0][1]:
        args = lines.pop(0)[1]["$args"]
    keep_capabilities = any(m.get("$keep") == "capabilities" for _, m in lines)
    lines = [(n, m) for n, m in lines if "$keep" not in m]
    name = os.path.splitext(os.path.basename(case_path))[0]
    server = Server(etlc, args, os.path.join(log_dir, name + ".stderr"))
    transcript = []
    next_id = [1000]
    problems = []

    def record(direction, message):
        result = message.get("result") if direction == "<<<" else None
        if not keep_capabilities and isinstance(result, dict) and "capabilities" in result:
            message = dict(message, result=dict(result, capabilities="..."))
        transcript.append(direction + " " + json.dumps(message, indent=2, sort_keys=True, ensure_ascii=False))

    def wait_for(predicate, what, number):
        deadline = time.time() + TIMEOUT
        while True:
            message = server.receive(deadline)
            if message == "timeout":
                problems.append(f"line {number}: no {what} within {TIMEOUT:.0f} s")
                return False
            if message is None:
                problems.append(f"line {number}: the server closed its output while waiting for {what}")
                return False
            record("<<<", message)
            if predicate(message):
                return True

    for number, message in lines:
        if "$wait" in message:
            method = message["$wait"]
            if not wait_for(lambda m: m.get("method") == method, method, number):
                break
            continue
        if "$open" in message:
            file = message["$open"]
            with open(os.path.join(WORKSPACE, file), encoding="utf-8") as f:
                text = f.read()
            message = {"jsonrpc": "2.0", "method": "textDocument/didOpen",
                       "params": {"textDocument": {"uri": ws_uri + "/" + file, "languageId": "etl", "version": 1,
                                                   "text": text}}}
            record(">>>", {"method": message["method"], "uri": "${WS}/" + file})
            server.send(message)
            continue
        message = expand(message, ws_uri)
        message.setdefault("jsonrpc", "2.0")
        shown = dict(message)
        if "params" in shown and isinstance(shown["params"], dict):
            # Keep document texts out of the golden: they are files in workspace/.
            shown = json.loads(json.dumps(shown))
            doc = shown["params"].get("textDocument")
            if isinstance(doc, dict) and isinstance(doc.get("text"), str) and len(doc["text"]) > 200:
                doc["text"] = f"<{len(doc['text'])} characters>"
        record(">>>", shown)
        server.send(message)
        if "id" in message and "method" in message:
            wanted = message["id"]
            if not wait_for(lambda m: m.get("id") == wanted and "method" not in m, f"answer to {message['method']}", number):
                break

    if not problems:
        next_id[0] += 1
        shutdown = {"jsonrpc": "2.0", "id": next_id[0], "method": "shutdown"}
        record(">>>", shutdown)
        server.send(shutdown)
        wait_for(lambda m: m.get("id") == next_id[0], "answer to shutdown", "end")
        server.send({"jsonrpc": "2.0", "method": "exit"})
        record(">>>", {"jsonrpc": "2.0", "method": "exit"})
    try:
        code = server.proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        code = "killed (no exit within the time limit)"
    # Anything sent after the last answer (before the exit) is part of the transcript too.
    while True:
        message = server.receive(time.time() + 0.5)
        if message in (None, "timeout"):
            break
        record("<<<", message)
    if code != 0 and not problems:
        problems.append(f"etlc lsp exited with {code}, expected 0")
    if isinstance(code, int) and code < 0:
        problems.append(f"etlc lsp died by signal {-code}")
    return normalise("\n".join(transcript) + "\n", ws_uri), problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--etlc", required=True)
    parser.add_argument("--update", action="store_true", help="rewrite the goldens")
    parser.add_argument("--log-dir", default=None, help="where the servers' stderr goes")
    parser.add_argument("cases", nargs="*", help="NAME or path of .lsp files (default: all)")
    options = parser.parse_args()
    options.etlc = os.path.abspath(options.etlc)
    log_dir = options.log_dir or os.environ.get("TMPDIR", "/tmp")
    os.makedirs(log_dir, exist_ok=True)
    folder = os.path.join(HERE, "transcripts")
    cases = options.cases or sorted(f for f in os.listdir(folder) if f.endswith(".lsp"))
    failed = 0
    for case in cases:
        path = case if os.path.exists(case) else os.path.join(folder, case if case.endswith(".lsp") else case + ".lsp")
        golden_path = os.path.splitext(path)[0] + ".golden"
        actual, problems = run_case(options.etlc, path, log_dir)
        name = os.path.basename(path)
        if options.update and not problems:
            with open(golden_path, "w", encoding="utf-8") as f:
                f.write(actual)
            print(f"updated {os.path.relpath(golden_path)}")
            continue
        expected = open(golden_path, encoding="utf-8").read() if os.path.exists(golden_path) else None
        if expected is None:
            problems.append(f"no golden {os.path.relpath(golden_path)} (run with --update and review it)")
        elif expected != actual:
            import difflib
            diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                "expected", "actual"))
            problems.append("transcript differs from the golden:\n" + diff)
        if problems:
            failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print("  " + p)
        else:
            print(f"ok   {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
