#!/usr/bin/env python3
"""End-to-end tests of the `etlc serve` REST and WebSocket API (issue 7, docs/api/openapi.yaml).

Copies tests/serve/project to a temporary directory, creates viewer/operator/admin tokens
with `etlc token create`, starts `etlc serve` on a free loopback port and drives it. Every
answer is checked against docs/api/openapi.yaml by serve_client.Client; the last tests check
that every operation of the document was exercised and that every write is in the audit log.

usage: api_test.py --etlc build/etlc [--only NAME,...] [--keep]
       api_test.py --only spec          (checks docs/api/openapi.yaml alone, no server)
Exit 0 when every test passed; the last line is "N passed, N failed".
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # keep tests/serve free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_client as sc  # noqa: E402
from serve_client import Check, WaitFor  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TERMINAL = ("succeeded", "failed", "cancelled", "timed_out")
RUN_TIMEOUT = 120


class ApiSuite:
    def __init__(self, args):
        self.args = args
        self.spec = sc.OpenApi()
        self.server = None
        self.client = None
        self.other_clients = []       # clients of other servers (--insecure-local), for coverage
        self.work = None

    # -- set-up -------------------------------------------------------------------------
    def Setup(self):
        self.work = tempfile.mkdtemp(prefix="etl-serve-api-")
        self.project = os.path.join(self.work, "project")
        shutil.copytree(os.path.join(HERE, "project"), self.project)
        self.state = os.path.join(self.work, "state")
        os.makedirs(self.state)
        etlc = self.args.etlc
        self.admin = sc.CreateToken(etlc, self.state, "admin", "test-admin")
        self.operator = sc.CreateToken(etlc, self.state, "operator", "test-operator")
        self.viewer = sc.CreateToken(etlc, self.state, "viewer", "test-viewer")
        self.doomed = sc.CreateToken(etlc, self.state, "viewer", "revoked-by-cli")
        self.server = sc.EtlServe(etlc, self.project, self.state,
                                  ["--catch-up", "none", "--poll-interval", "200ms"], log_dir=self.work)
        self.server.Start()
        self.client = sc.Client(self.spec, self.server.port, log_tail=self.server.LogTail)
        print("serving %s on port %d (log: %s)" % (self.project, self.server.port, self.server.log_path), flush=True)

    def Teardown(self):
        if self.server:
            self.server.Kill()
        if self.work and not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        elif self.work:
            print("kept %s" % self.work)

    # -- helpers ------------------------------------------------------------------------
    def Trigger(self, pipeline, params=None, token=None, expect=202):
        body = {"params": params} if params is not None else {}
        r = self.client.Post("/api/v1/pipelines/%s/runs" % pipeline, body, token=token or self.operator,
                             expect=expect)
        if expect == 202:
            Check(r.json["status"] == "queued" and r.json["trigger"]["kind"] == "manual"
                  and r.json["pipeline"] == pipeline and r.json["started_at"] is None,
                  "a triggered run is queued, manual, of its pipeline, not started", r.json)
        return r.json

    def Run(self, run_id):
        return self.client.Get("/api/v1/runs/%s" % run_id, token=self.viewer).json

    def WaitRun(self, run_id, statuses=TERMINAL, timeout=RUN_TIMEOUT):
        got = {}

        def Done():
            got["run"] = self.Run(run_id)
            return got["run"]["status"] in statuses

        try:
            WaitFor("run %s to be %s" % (run_id, "/".join(statuses)), Done, timeout, 0.1)
        except AssertionError as e:
            raise AssertionError("%s; last seen: %s" % (e, json.dumps(got.get("run"))))
        return got["run"]

    def Succeeded(self, run_id, timeout=RUN_TIMEOUT):
        run = self.WaitRun(run_id, timeout=timeout)
        Check(run["status"] == "succeeded", "run %s should succeed" % run_id, run)
        return run

    def Total(self, query):
        return self.client.Get("/api/v1/runs?%s&limit=1" % query, token=self.viewer).json["total"]

    def ReadOutput(self, name):
        with open(os.path.join(self.project, "out", name), encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def BadRequest(self, method, path, token=None, **kw):
        r = self.client.Request(method, path, token=token or self.admin, expect=400, **kw)
        Check(r.json["error"]["code"] == "bad_request", "a 400 has code bad_request", r.json)
        return r

    # -- tests --------------------------------------------------------------------------
    def TestSpec(self):
        problems = self.spec.StructureProblems()
        Check(not problems, "docs/api/openapi.yaml has structural problems:\n  " + "\n  ".join(problems))
        ops = self.spec.Operations()
        for needed in [("GET", "/api/v1/health"), ("POST", "/api/v1/pipelines/{name}/runs"),
                       ("GET", "/api/v1/events"), ("DELETE", "/api/v1/tokens/{id}"), ("GET", "/api/v1/audit")]:
            Check(needed in ops, "openapi.yaml lacks %s %s" % needed)
        # The converter must reject what the contract forbids (so validation can fail).
        bad_run = {"id": "x", "status": "done"}
        Check(self.spec.Validate(self.spec.Schema("Run"), bad_run), "an incomplete Run must not validate")
        Check(not self.spec.Validate(self.spec.Schema("Error"), {"error": {"code": "conflict", "message": "m"}}),
              "a well-formed Error must validate")

    def TestHealth(self):
        r = self.client.Get("/api/v1/health")
        Check(r.json["status"] == "ok" and r.json["version"], "health says ok with a version", r.json)

    def TestAuth(self):
        c = self.client
        for token in (None, "not-a-token", self.doomed + "x"):
            r = c.Get("/api/v1/pipelines", token=token, expect=401)
            Check(r.json["error"]["code"] == "unauthorized", "401 code", r.json)
        c.Get("/api/v1/pipelines", headers={"Authorization": "Basic dXNlcjpwdw=="}, token=None, expect=401)
        c.Post("/api/v1/pipelines/fast/runs", {}, token=None, expect=401)
        # Viewer: every GET, no write.
        c.Get("/api/v1/pipelines", token=self.viewer)
        c.Get("/api/v1/runs", token=self.viewer)
        r = c.Post("/api/v1/pipelines/fast/runs", {}, token=self.viewer, expect=403)
        Check(r.json["error"]["code"] == "forbidden", "403 code", r.json)
        c.Get("/api/v1/tokens", token=self.viewer, expect=403)
        c.Get("/api/v1/audit", token=self.viewer, expect=403)
        c.Post("/hooks/orders", {"x": 1}, token=self.viewer, expect=403)
        c.Post("/api/v1/events/orders_ready", {"x": 1}, token=self.viewer, expect=403)
        # Operator: triggers and cancels, no tokens, no audit.
        run = self.Trigger("with_params", {"label": "auth"})
        c.Post("/api/v1/runs/%s/cancel" % run["id"], token=self.viewer, expect=403)
        self.Succeeded(run["id"])
        r = c.Post("/api/v1/runs/%s/cancel" % run["id"], token=self.operator, expect=409)
        Check(r.json["error"]["code"] == "conflict", "cancel of a finished run is a conflict", r.json)
        c.Get("/api/v1/tokens", token=self.operator, expect=403)
        c.Post("/api/v1/tokens", {"name": "x", "role": "admin"}, token=self.operator, expect=403)
        c.Get("/api/v1/audit", token=self.operator, expect=403)
        c.Request("DELETE", "/api/v1/tokens/whatever", token=self.operator, expect=403)
        # Admin manages tokens.
        made = c.Post("/api/v1/tokens", {"name": "made-by-api", "role": "viewer"}, token=self.admin, expect=201).json
        Check(made["role"] == "viewer" and made["name"] == "made-by-api", "the new token", made)
        c.Get("/api/v1/pipelines", token=made["token"])
        c.Post("/api/v1/pipelines/fast/runs", {}, token=made["token"], expect=403)
        tokens = c.Get("/api/v1/tokens", token=self.admin).json["tokens"]
        listed = {t["id"]: t for t in tokens}
        Check(made["id"] in listed, "GET /tokens lists the new token", tokens)
        Check(listed[made["id"]]["last_used_at"] is not None, "a used token has last_used_at", listed[made["id"]])
        names = {t["name"] for t in tokens}
        Check({"test-admin", "test-operator", "test-viewer"} <= names, "CLI tokens are listed", tokens)
        secrets = {self.admin, self.operator, self.viewer, made["token"]}
        Check(not any(s in json.dumps(tokens) for s in secrets), "GET /tokens never shows a secret")
        r = c.Request("DELETE", "/api/v1/tokens/%s" % made["id"], token=self.admin, expect=200).json
        Check(r["id"] == made["id"] and r["revoked_at"], "revoke answer", r)
        c.Get("/api/v1/pipelines", token=made["token"], expect=401)
        revoked = [t for t in c.Get("/api/v1/tokens", token=self.admin).json["tokens"] if t["id"] == made["id"]]
        Check(revoked and revoked[0]["revoked_at"], "a revoked token stays listed with revoked_at", revoked)
        c.Request("DELETE", "/api/v1/tokens/no-such-token", token=self.admin, expect=404)
        self.BadRequest("POST", "/api/v1/tokens", body={"name": "x", "role": "superuser"})
        self.BadRequest("POST", "/api/v1/tokens", body={"role": "viewer"})
        self.BadRequest("POST", "/api/v1/tokens", body=["name", "role"])

    def TestTokenCli(self):
        etlc, state = self.args.etlc, self.state
        import subprocess
        listed = subprocess.run([etlc, "token", "list", "--state-dir", state], capture_output=True, text=True,
                                timeout=60)
        Check(listed.returncode == 0 and "revoked-by-cli" in listed.stdout,
              "`etlc token list` lists the tokens", listed.stdout + listed.stderr)
        tokens = self.client.Get("/api/v1/tokens", token=self.admin).json["tokens"]
        doomed = [t["id"] for t in tokens if t["name"] == "revoked-by-cli"]
        Check(len(doomed) == 1, "one token named revoked-by-cli", tokens)
        self.client.Get("/api/v1/pipelines", token=self.doomed)
        done = subprocess.run([etlc, "token", "revoke", doomed[0], "--state-dir", state], capture_output=True,
                              text=True, timeout=60)
        Check(done.returncode == 0, "`etlc token revoke` works while serving", done.stdout + done.stderr)
        WaitFor("a token revoked by the CLI to be refused",
                lambda: self.client.Get("/api/v1/pipelines", token=self.doomed, expect=(200, 401)).status == 401,
                10, 0.2)

    def TestPipelines(self):
        c, v = self.client, self.viewer
        pipelines = c.Get("/api/v1/pipelines", token=v).json["pipelines"]
        names = [p["name"] for p in pipelines]
        Check(names == sorted(names), "pipelines come in name order", names)
        expected = {"fast", "with_params", "sleepy", "bad_rows", "flaky", "hooked", "evented", "nightly",
                    "quarterly", "daily", "evolving", "long_memory", "long_disk", "incoming"}
        Check(expected <= set(names), "every fixture pipeline is listed", sorted(expected - set(names)))
        nightly = c.Get("/api/v1/pipelines/nightly", token=v).json
        s = nightly["settings"]
        Check(nightly["compiles"] and nightly["file"].endswith("scheduled.etl"), "nightly's file", nightly)
        Check((s["schedule"], s["timezone"], s["retries"], s["backoff_ms"], s["timeout_ms"], s["max_errors"],
               s["persist"], s["concurrency"]) == ("0 2 * * *", "Europe/Paris", 2, 1000, 3600000, 10, "disk", 2),
              "nightly's settings", s)
        Check({"kind": "webhook", "arg": "/hooks/nightly"} in s["triggers"], "nightly's webhook trigger", s)
        Check(nightly["next_fire"] is not None, "a scheduled pipeline has next_fire", nightly)
        quarterly = c.Get("/api/v1/pipelines/quarterly", token=v).json["settings"]
        Check(quarterly["every_ms"] == 900000 and quarterly["after"] == [["nightly"]], "quarterly's settings",
              quarterly)
        fast = c.Get("/api/v1/pipelines/fast", token=v).json
        Check(fast["settings"]["concurrency"] == 1 and fast["settings"]["schedule"] is None
              and fast["next_fire"] is None, "fast's settings", fast)
        params = {p["name"]: p for p in c.Get("/api/v1/pipelines/with_params", token=v).json["params"]}
        Check(set(params) == {"limit", "label", "loud"} and params["limit"]["type"] == "int"
              and params["limit"]["default"] == 10 and params["limit"]["required"] is False,
              "with_params's params", params)
        plan = c.Get("/api/v1/pipelines/fast/plan", token=v).json
        Check(plan and "fast" in json.dumps(plan), "the plan of fast names it", plan)
        graph = c.Get("/api/v1/pipelines/fast/graph", token=v).json
        Check([p["name"] for p in graph["pipelines"]] == ["fast"] and len(graph["pipelines"][0]["nodes"]) == 3,
              "fast's graph: source, filter, sink", graph)
        dot = c.Get("/api/v1/pipelines/fast/graph?format=dot", token=v)
        Check(dot.text.lstrip().startswith("digraph"), "dot graph", dot.text)
        mermaid = c.Get("/api/v1/pipelines/fast/graph?format=mermaid", token=v)
        Check(mermaid.text.lstrip().startswith("flowchart"), "mermaid graph", mermaid.text)
        self.BadRequest("GET", "/api/v1/pipelines/fast/graph?format=svg", token=v)
        diag = c.Get("/api/v1/pipelines/fast/diagnostics", token=v).json
        Check(diag["compiles"] is True and diag["diagnostics"] == [] and diag["file"].endswith("fast.etl"),
              "fast's diagnostics", diag)
        for suffix in ("", "/plan", "/graph", "/diagnostics"):
            r = c.Get("/api/v1/pipelines/no_such_pipeline" + suffix, token=v, expect=404)
            Check(r.json["error"]["code"] == "not_found", "404 code", r.json)
        c.Post("/api/v1/pipelines/no_such_pipeline/runs", {}, token=self.operator, expect=404)

    def TestTriggerParams(self):
        run = self.Trigger("with_params", {"limit": 3, "label": "typed", "loud": True})
        Check(run["params"].get("limit") == 3 and run["params"].get("label") == "typed"
              and run["params"].get("loud") is True, "the run keeps its params", run)
        self.Succeeded(run["id"])
        rows = self.ReadOutput("with_params_typed.jsonl")
        Check(len(rows) == 3 and all(r["limit"] == 3 and r["loud"] is True for r in rows),
              "the params reached the pipeline", rows)
        run = self.Trigger("with_params", {"limit": "7", "label": "strings"})
        self.Succeeded(run["id"])
        Check(self.ReadOutput("with_params_strings.jsonl")[0]["limit"] == 7, "a string param is parsed as its type")
        empty = self.client.Request("POST", "/api/v1/pipelines/with_params/runs", token=self.operator, expect=202)
        self.Succeeded(empty.json["id"])
        path = "/api/v1/pipelines/with_params/runs"
        before = self.Total("pipeline=with_params")
        for body in ({"params": {"no_such_param": 1}}, {"params": {"limit": "abc"}}, {"params": {"limit": 1.5}},
                     {"params": {"loud": "maybe"}}, {"params": [1, 2]}, {"params": "limit=3"}, [1, 2], "text",
                     {"params": {"label": {"nested": True}}}):
            self.BadRequest("POST", path, body=body, token=self.operator)
        for data in ('{"params": {', "not json at all", "\xff\xfe"):
            self.BadRequest("POST", path, data=data.encode("latin-1"), token=self.operator)
        Check(self.Total("pipeline=with_params") == before, "refused triggers queue no run")

    def TestMalformed(self):
        c, v = self.client, self.viewer
        for query in ("limit=abc", "limit=0", "limit=1001", "offset=-1", "offset=x", "limit=", "status=bogus",
                      "since=yesterday", "until=2024-13-45T00:00:00Z", "trigger=bogus"):
            self.BadRequest("GET", "/api/v1/runs?" + query, token=v)
        for query in ("count=0", "count=101", "count=abc"):
            self.BadRequest("GET", "/api/v1/schedules?" + query, token=v)
        self.BadRequest("GET", "/api/v1/audit?limit=abc", token=self.admin)
        # Raw garbage on the socket, then the server still answers.
        raw = c.Raw(b"\x00\x01\x02 this is not HTTP\r\n\r\n")
        c.CheckError(raw, 400, "raw garbage")
        c.Get("/api/v1/health")
        raw = c.Raw(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n")
        c.CheckError(raw, 400, "a Content-Length that is not a number")
        # A request whose body is shorter than its Content-Length, then the client closes.
        before = self.Total("pipeline=with_params")
        c.Raw(b"POST /api/v1/pipelines/with_params/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
              + self.operator.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
              b'{"params": {"lab', read_timeout=2, shutdown_write=True)
        c.Get("/api/v1/health")
        Check(self.Total("pipeline=with_params") == before, "a truncated request queues no run")
        # A body larger than the server takes: 413 (sent after the headers alone).
        raw = c.Raw(b"POST /api/v1/pipelines/with_params/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + self.operator.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(64 << 20).encode() + b"\r\n\r\n" + b" " * 1024)
        c.CheckError(raw, 413, "a 64 MiB Content-Length")
        # Unknown paths and methods.
        for path in ("/api/v1/nope", "/api/v2/pipelines", "/", "/api/v1/runs/no-such-run",
                     "/api/v1/runs/no-such-run/plan", "/api/v1/runs/no-such-run/graph",
                     "/api/v1/runs/no-such-run/steps", "/api/v1/runs/no-such-run/logs",
                     "/api/v1/runs/no-such-run/errors"):
            r = c.Get(path, token=v, expect=404)
            Check(r.json["error"]["code"] == "not_found", "404 code", r.json)
        for path in ("/api/v1/runs/no-such-run/cancel", "/api/v1/runs/no-such-run/retry",
                     "/api/v1/events/nobody_listens", "/hooks/nobody"):
            c.Post(path, {}, token=self.operator, expect=404)
        r = c.Request("DELETE", "/api/v1/pipelines", token=self.admin, expect=405)
        Check(r.json["error"]["code"] == "method_not_allowed" and "GET" in r.headers.get("allow", ""),
              "405 with Allow: GET", r.json, r.headers)
        c.Request("PUT", "/api/v1/runs", token=self.admin, expect=405)
        c.Get("/api/v1/health")

    def TestRunsList(self):
        c, v = self.client, self.viewer
        for label in ("page1", "page2", "page3"):
            self.Succeeded(self.Trigger("with_params", {"label": label})["id"])
        page = c.Get("/api/v1/runs?pipeline=with_params&limit=1000", token=v).json
        runs = page["runs"]
        Check(page["total"] == len(runs) >= 3 and page["limit"] == 1000 and page["offset"] == 0,
              "the page numbers", {k: page[k] for k in ("total", "limit", "offset")})
        Check(all(r["pipeline"] == "with_params" for r in runs), "the pipeline filter", runs)
        queued = [r["queued_at"] for r in runs]
        Check(queued == sorted(queued, reverse=True), "newest first", queued)
        Check(runs[0]["params"].get("label") == "page3", "the newest run first", runs[0])
        a = c.Get("/api/v1/runs?pipeline=with_params&limit=2&offset=0", token=v).json
        b = c.Get("/api/v1/runs?pipeline=with_params&limit=2&offset=1", token=v).json
        Check(a["runs"][1]["id"] == b["runs"][0]["id"] and len(a["runs"]) == 2 and a["limit"] == 2
              and b["offset"] == 1, "offset pages overlap as they should", a, b)
        default = c.Get("/api/v1/runs", token=v).json
        Check(default["limit"] == 50 and default["offset"] == 0, "default paging", default["limit"])
        beyond = c.Get("/api/v1/runs?pipeline=with_params&offset=100000", token=v).json
        Check(beyond["runs"] == [] and beyond["total"] == page["total"], "a page past the end is empty", beyond)
        ok = c.Get("/api/v1/runs?status=succeeded&limit=1000", token=v).json["runs"]
        Check(ok and all(r["status"] == "succeeded" for r in ok), "the status filter")
        manual = c.Get("/api/v1/runs?trigger=manual&limit=1000", token=v).json["runs"]
        Check(manual and all(r["trigger"]["kind"] == "manual" for r in manual), "the trigger filter")
        Check(self.Total("since=2999-01-01T00:00:00.000Z") == 0, "since in the future: none")
        Check(self.Total("until=2000-01-01T00:00:00.000Z") == 0, "until in the past: none")
        Check(self.Total("pipeline=with_params&since=2000-01-01T00:00:00.000Z") == page["total"], "since in the past")
        Check(self.Total("pipeline=no_such_pipeline") == 0, "an unknown pipeline filter lists nothing")
        r = runs[0]
        Check(r["started_at"] and r["finished_at"] and r["duration_ms"] is not None and r["rows_in"] == 3
              and r["errors"] == 0 and r["attempts"] >= 1 and r["plan_hash"]
              and r["source_file"].endswith("params.etl") and r["failure"] is None, "a finished run", r)

    def TestLogsErrorsSteps(self):
        c, v = self.client, self.viewer
        run = self.Succeeded(self.Trigger("bad_rows")["id"])
        Check(run["rows_in"] == 30 and run["errors"] == 10, "bad_rows reads 30 rows, 10 fail", run)
        base = "/api/v1/runs/%s" % run["id"]
        everything = c.Get(base + "/errors?limit=1000", token=v).json
        Check(everything["total"] == 10 and len(everything["errors"]) == 10, "10 error records", everything)
        paged = []
        for offset in (0, 4, 8):
            page = c.Get(base + "/errors?limit=4&offset=%d" % offset, token=v).json
            Check(page["total"] == 10 and page["offset"] == offset and page["limit"] == 4, "error page", page)
            paged += page["errors"]
        Check(paged == everything["errors"], "pages of errors add up to the whole table", paged)
        lines = sorted(e["line"] for e in paged if e["line"] is not None)
        Check(len(set(lines)) == len(lines), "each bad row once", lines)
        Check(all(e["step"] and e["code"] and e["message"] for e in paged), "error fields", paged[:2])
        self.BadRequest("GET", base + "/errors?limit=0", token=v)
        logs = c.Get(base + "/logs?limit=1000", token=v).json
        events = [e["event"] for e in logs["events"]]
        Check(logs["total"] == len(events) and "run_started" in events and "run_finished" in events,
              "the log has run_started and run_finished", events)
        paged = []
        for offset in range(0, logs["total"], 3):
            paged += c.Get(base + "/logs?limit=3&offset=%d" % offset, token=v).json["events"]
        Check(paged == logs["events"], "pages of the log add up to the whole log")
        for level in ("info", "warn", "error"):
            only = c.Get(base + "/logs?level=%s&limit=1000" % level, token=v).json["events"]
            rank = {"debug": 0, "info": 1, "warn": 2, "error": 3}
            Check(all(rank[e["level"]] >= rank[level] for e in only), "level=%s filters" % level, only)
        self.BadRequest("GET", base + "/logs?level=loud", token=v)
        steps = c.Get(base + "/steps", token=v).json["steps"]
        Check(len(steps) == 2 and max(s["errors"] for s in steps) == 10
              and any(s["rows_out"] == 20 for s in steps), "bad_rows's step metrics", steps)

    def TestCancel(self):
        c = self.client
        slow = self.Trigger("sleepy", {"n": 400000000})
        queued = self.Trigger("sleepy", {"n": 1000})
        self.WaitRun(slow["id"], ("running",) + TERMINAL, 60)
        Check(self.Run(queued["id"])["status"] == "queued", "concurrency 1 keeps the second run queued")
        r = c.Post("/api/v1/runs/%s/cancel" % queued["id"], token=self.operator, expect=202).json
        Check(r["status"] == "cancelled" and r["id"] == queued["id"], "a queued run is cancelled at once", r)
        c.Post("/api/v1/runs/%s/cancel" % queued["id"], token=self.operator, expect=409)
        c.Post("/api/v1/runs/%s/cancel" % slow["id"], token=self.operator, expect=202)
        done = self.WaitRun(slow["id"], timeout=60)
        Check(done["status"] == "cancelled", "a running run cancels", done)
        again = self.Run(queued["id"])
        Check(again["status"] == "cancelled" and again["started_at"] is None, "the cancelled run never ran", again)
        Check(self.client.Get("/api/v1/pipelines/sleepy", token=self.viewer).json["running"] == 0,
              "nothing left running")

    def TestRetry(self):
        c = self.client
        failed = self.WaitRun(self.Trigger("flaky")["id"])
        Check(failed["status"] == "failed" and failed["failure"], "flaky fails without its input", failed)
        with open(os.path.join(self.project, "data", "flaky_input.csv"), "w") as f:
            f.write("id,amount\n1,2.5\n")
        again = c.Post("/api/v1/runs/%s/retry" % failed["id"], token=self.operator, expect=202).json
        Check(again["id"] != failed["id"] and again["trigger"].get("kind") == "retry"
              and again["trigger"].get("of") == failed["id"], "a retry is a new run pointing at the old", again)
        ok = self.Succeeded(again["id"])
        c.Post("/api/v1/runs/%s/retry" % ok["id"], token=self.operator, expect=409)
        c.Post("/api/v1/runs/%s/retry" % failed["id"], token=self.viewer, expect=403)
        Check(self.Total("pipeline=flaky&trigger=retry") == 1, "the retry is listed with trigger=retry")

    def TestWebSocket(self):
        c = self.client
        Check(c.WebSocketRefused("") == 401, "no token: 401 handshake")
        Check(c.WebSocketRefused("?token=wrong") == 401, "a wrong ?token=: 401 handshake")
        by_pipeline = c.WebSocket("?pipeline=sleepy", token=self.viewer)
        by_query = c.WebSocket("?pipeline=sleepy&token=" + self.viewer, token=self.viewer, header_token=False)
        try:
            first = self.Trigger("sleepy", {"n": 40000000})
            second = self.Trigger("sleepy", {"n": 1000})
            by_run = c.WebSocket("?run=" + second["id"], token=self.viewer)
            try:
                got = by_run.Until(lambda m: m["type"] == "run_finished", 90)
                Check(all(m["run"] == second["id"] for m in got), "?run= sends only that run's events", got)
                Check([m["type"] for m in got].count("run_started") == 1, "run_started seen once", got)
                Check(got[-1]["status"] == "succeeded" and got[-1]["failure"] is None, "run_finished status", got)
            finally:
                by_run.Close()
            for stream in (by_pipeline, by_query):
                got = stream.Until(lambda m: m["type"] == "run_finished" and m["run"] == second["id"], 90)
                Check(all(m["pipeline"] in ("sleepy", None) for m in got), "?pipeline= filters", got)
                for run in (first, second):
                    kinds = [m["type"] for m in got if m["run"] == run["id"]]
                    Check(kinds[:2] == ["run_queued", "run_started"] and kinds[-1] == "run_finished"
                          and "step_started" in kinds and "step_finished" in kinds
                          and all(k.startswith("step_") or k in ("progress", "log") for k in kinds[2:-1]),
                          "events of run %s in order" % run["id"], kinds)
                    steps = [m for m in got if m["run"] == run["id"] and m["type"] == "step_finished"]
                    Check(all(m["step"] and "rows_in" in m for m in steps), "step_finished has metrics", steps)
                order = [m["run"] for m in got if m["type"] == "run_finished"]
                Check(order == [first["id"], second["id"]], "runs finish in queue order", order)
        finally:
            by_pipeline.Close()
            by_query.Close()

    def TestWebhookAndEvent(self):
        c = self.client
        body = {"order": 7, "note": "hi"}
        runs = c.Post("/hooks/orders", body, token=self.operator, expect=202).json["runs"]
        Check(len(runs) == 1 and runs[0]["pipeline"] == "hooked" and runs[0]["trigger"]["kind"] == "webhook",
              "one webhook run of hooked", runs)
        run = self.Succeeded(runs[0]["id"])
        got = run["params"].get("body")
        Check((json.loads(got) if isinstance(got, str) else got) == body, "the run's body param", run)
        row = self.ReadOutput("hooked.jsonl")[0]
        Check(json.loads(row["got_body"]) == body and row["got_path"] == "/hooks/orders", "the body reached the run",
              row)
        empty = c.Request("POST", "/hooks/orders", token=self.operator, expect=202).json["runs"]
        self.Succeeded(empty[0]["id"])
        self.BadRequest("POST", "/hooks/orders", data=b"{not json", token=self.operator)
        events = c.Post("/api/v1/events/orders_ready", [1, 2], token=self.operator, expect=202).json["runs"]
        Check(len(events) == 1 and events[0]["pipeline"] == "evented" and events[0]["trigger"]["kind"] == "event",
              "one event run of evented", events)
        self.Succeeded(events[0]["id"])
        Check(json.loads(self.ReadOutput("evented.jsonl")[0]["got_payload"]) == [1, 2], "the payload reached the run")

    def TestBackfill(self):
        c = self.client
        runs = c.Post("/api/v1/pipelines/daily/backfill", {"from": "2024-03-01", "to": "2024-03-03"},
                      token=self.operator, expect=202).json["runs"]
        days = sorted(str(r["params"].get("day")) for r in runs)
        Check(days == ["2024-03-01", "2024-03-02", "2024-03-03"] and all(r["trigger"]["kind"] == "backfill"
                                                                          for r in runs),
              "one backfill run per day, both ends included", runs)
        for r in runs:
            self.Succeeded(r["id"])
        for day in days:
            Check(self.ReadOutput("daily_%s.jsonl" % day)[0]["day"] == day, "the backfilled day %s ran" % day)
        with_param = c.Post("/api/v1/pipelines/daily/backfill", {"from": "2024-04-01", "to": "2024-04-01",
                                                                 "param": "day"}, token=self.operator,
                            expect=202).json["runs"]
        Check(len(with_param) == 1, "a one-day backfill", with_param)
        self.Succeeded(with_param[0]["id"])
        path = "/api/v1/pipelines/daily/backfill"
        for body in ({"from": "2024-03-03", "to": "2024-03-01"}, {"from": "2000-01-01", "to": "2010-01-01"},
                     {"from": "2024-03-01"}, {"from": "soon", "to": "later"}, {"from": 1, "to": 2},
                     {"from": "2024-03-01", "to": "2024-03-02", "param": "no_such_param"}):
            self.BadRequest("POST", path, body=body, token=self.operator)
        self.BadRequest("POST", "/api/v1/pipelines/fast/backfill", body={"from": "2024-03-01", "to": "2024-03-02"},
                        token=self.operator)
        c.Post(path, {"from": "2024-03-01", "to": "2024-03-02"}, token=self.viewer, expect=403)
        c.Post("/api/v1/pipelines/no_such_pipeline/backfill", {"from": "2024-03-01", "to": "2024-03-02"},
               token=self.operator, expect=404)

    def TestSchedules(self):
        from datetime import datetime
        answer = self.client.Get("/api/v1/schedules?count=3", token=self.viewer).json
        by_name = {s["pipeline"]: s for s in answer["schedules"]}
        nightly, quarterly = by_name.get("nightly"), by_name.get("quarterly")
        Check(nightly and nightly["kind"] == "cron" and nightly["spec"] == "0 2 * * *"
              and nightly["timezone"] == "Europe/Paris" and len(nightly["next"]) == 3, "nightly's schedule", answer)
        Check(quarterly and quarterly["kind"] == "every" and len(quarterly["next"]) == 3, "quarterly's schedule",
              answer)

        def Parse(t):
            return datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()

        gaps = [Parse(b) - Parse(a) for a, b in zip(nightly["next"], nightly["next"][1:])]
        Check(all(23 * 3600 <= g <= 25 * 3600 for g in gaps), "nightly fires a day apart", nightly["next"])
        gaps = [Parse(b) - Parse(a) for a, b in zip(quarterly["next"], quarterly["next"][1:])]
        Check(gaps == [900.0, 900.0], "quarterly fires 15 minutes apart", quarterly["next"])
        Check(Parse(nightly["next"][0]) > time.time(), "next fire times are in the future", nightly["next"])
        triggers = {(t["pipeline"], t["kind"], t["arg"]) for t in answer["triggers"]}
        Check({("hooked", "webhook", "/hooks/orders"), ("evented", "event", "orders_ready"),
               ("incoming", "file", "incoming/*.csv"), ("nightly", "webhook", "/hooks/nightly")} <= triggers,
              "every trigger is listed", sorted(triggers))
        default = self.client.Get("/api/v1/schedules", token=self.viewer).json
        Check(all(len(s["next"]) == 5 for s in default["schedules"]), "5 fire times by default", default)

    def TestFileChanges(self):
        c, v = self.client, self.viewer
        path = os.path.join(self.project, "evolving.etl")
        with open(path) as f:
            original = f.read()
        old = self.Succeeded(self.Trigger("evolving")["id"])
        old_graph = c.Get("/api/v1/runs/%s/graph" % old["id"], token=v).json
        old_plan = c.Get("/api/v1/runs/%s/plan" % old["id"], token=v).json
        old_nodes = [n["id"] for n in old_graph["pipelines"][0]["nodes"]]
        stream = c.WebSocket("", token=v)
        try:
            changed = original.replace("| into jsonl", "| filter id > 0\n    | derive twice = id * 2\n    | into jsonl")
            Check(changed != original, "the fixture evolving.etl has the expected text")
            with open(path, "w") as f:
                f.write(changed)
            stream.Until(lambda m: m["type"] == "project_reloaded" and m["file"].endswith("evolving.etl")
                         and m["compiles"] is True, 30)
            new_graph = WaitFor("the new version of evolving", lambda: (lambda g: g if len(
                g["pipelines"][0]["nodes"]) == len(old_nodes) + 2 else None)(
                c.Get("/api/v1/pipelines/evolving/graph", token=v).json), 30, 0.2)
            new = self.Succeeded(self.Trigger("evolving")["id"])
            Check(new["plan_hash"] != old["plan_hash"], "a changed file runs a new plan", old, new)
            again = c.Get("/api/v1/runs/%s/graph" % old["id"], token=v).json
            Check([n["id"] for n in again["pipelines"][0]["nodes"]] == old_nodes, "an old run keeps its DAG",
                  again)
            Check(c.Get("/api/v1/runs/%s/plan" % old["id"], token=v).json == old_plan, "an old run keeps its plan")
            new_run_graph = c.Get("/api/v1/runs/%s/graph" % new["id"], token=v).json
            Check(new_run_graph["pipelines"][0]["nodes"] == new_graph["pipelines"][0]["nodes"],
                  "the new run shows the new DAG", new_run_graph)
            Check("digraph" in c.Get("/api/v1/runs/%s/graph?format=dot" % old["id"], token=v).text, "dot of a run")
            c.Get("/api/v1/runs/%s/graph?format=mermaid" % old["id"], token=v)
            self.BadRequest("GET", "/api/v1/runs/%s/graph?format=png" % old["id"], token=v)
            # A syntax error: diagnostics, and the last good version still runs.
            with open(path, "w") as f:
                f.write(changed.replace("| filter id > 0", "| filter id >"))
            stream.Until(lambda m: m["type"] == "project_reloaded" and m["file"].endswith("evolving.etl")
                         and m["compiles"] is False and m["diagnostics"] >= 1, 30)
            diag = c.Get("/api/v1/pipelines/evolving/diagnostics", token=v).json
            Check(diag["compiles"] is False and diag["diagnostics"]
                  and any(d.get("level") == "error" for d in diag["diagnostics"]), "the syntax error is reported",
                  diag)
            Check(c.Get("/api/v1/pipelines/evolving", token=v).json["compiles"] is False, "compiles: false")
            last_good = self.Succeeded(self.Trigger("evolving")["id"])
            Check(last_good["plan_hash"] == new["plan_hash"], "the last good version runs", last_good, new)
            # A new file that never compiled: listed with compiles false and 422, or unknown (404).
            with open(os.path.join(self.project, "never_ok.etl"), "w") as f:
                f.write("pipeline never_ok {\n  from csv(\"x.csv\", schema: Nope) | into stdout()\n}\n")
            stream.Until(lambda m: m["type"] == "project_reloaded" and m["file"].endswith("never_ok.etl"), 30)
            Check(stream.received[-1]["compiles"] is False, "never_ok.etl does not compile", stream.received[-1])
            known = c.Get("/api/v1/pipelines/never_ok", token=v, expect=(200, 404))
            if known.status == 200:
                Check(known.json["compiles"] is False, "a pipeline that never compiled", known.json)
                r = c.Post("/api/v1/pipelines/never_ok/runs", {}, token=self.operator, expect=422)
                Check(r.json["error"]["code"] == "unprocessable" and "compile" in r.json["error"]["message"],
                      "422 says the file does not compile", r.json)
            else:
                c.Post("/api/v1/pipelines/never_ok/runs", {}, token=self.operator, expect=404)
        finally:
            stream.Close()
            with open(path, "w") as f:
                f.write(original)

    def TestAudit(self):
        c = self.client
        entries = []
        offset = 0
        while True:
            page = c.Get("/api/v1/audit?limit=100&offset=%d" % offset, token=self.admin).json
            entries += page["entries"]
            offset += 100
            if offset >= page["total"]:
                break
        Check(len(entries) == page["total"], "audit pages add up to total", page["total"])
        seqs = [e["seq"] for e in entries]
        Check(seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs), "audit: newest first, unique seq")
        writes = [w for w in c.writes if w[0] != "GET"]
        unused = list(entries)
        missing = []
        for method, path, status in writes:
            path = path.split("?")[0]
            for i, e in enumerate(unused):
                if e["status"] == status and method in e["action"] and path in e["action"] + json.dumps(e["detail"]):
                    del unused[i]
                    break
            else:
                missing.append("%s %s -> %d" % (method, path, status))
        Check(not missing, "writes missing from GET /api/v1/audit:\n  " + "\n  ".join(missing[:30]),
              entries[:5])
        secrets = (self.admin, self.operator, self.viewer)
        Check(not any(s in json.dumps(entries) for s in secrets), "the audit log never holds a token secret")
        anonymous = [e for e in entries if e["status"] == 401]
        Check(anonymous and all(e["token_id"] is None for e in anonymous if "fast/runs" in e["action"]),
              "a refused write without a token is audited without a token id", anonymous[:3])
        forbidden = [e for e in entries if e["status"] == 403 and e["token_name"] == "test-viewer"]
        Check(forbidden and all(e["role"] == "viewer" for e in forbidden), "a viewer's 403 is audited", forbidden[:3])

    def TestThousandTriggers(self):
        c = self.client
        before = self.Total("pipeline=fast")
        ids, errors = [], []
        lock = threading.Lock()

        def Send(count):
            for _ in range(count):
                try:
                    r = c.Post("/api/v1/pipelines/fast/runs", {}, token=self.operator, expect=202)
                    with lock:
                        ids.append(r.json["id"])
                except Exception as e:  # reported below with the request and response
                    with lock:
                        errors.append(str(e))

        threads = [threading.Thread(target=Send, args=(125,)) for _ in range(8)]
        start = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sent = time.time() - start
        Check(not errors, "%d of 1000 triggers failed; first:\n%s" % (len(errors), errors[0] if errors else ""))
        Check(len(ids) == 1000 and len(set(ids)) == 1000, "1000 distinct run ids", len(set(ids)))
        print("    1000 triggers answered in %.1fs" % sent, flush=True)
        WaitFor("1000 fast runs to succeed", lambda: self.Total("pipeline=fast&status=succeeded") >= before + 1000,
                600, 1.0)
        Check(self.Total("pipeline=fast") == before + 1000, "no extra fast runs")
        listed = set()
        for offset in range(0, before + 1000, 1000):
            listed |= {r["id"] for r in c.Get("/api/v1/runs?pipeline=fast&limit=1000&offset=%d" % offset,
                                              token=self.viewer).json["runs"]}
        Check(set(ids) <= listed, "every triggered run is listed", sorted(set(ids) - listed)[:10])
        print("    all succeeded after %.1fs" % (time.time() - start), flush=True)

    def TestInsecureLocal(self):
        project = os.path.join(self.work, "insecure-project")
        shutil.copytree(os.path.join(HERE, "project"), project)
        server = sc.EtlServe(self.args.etlc, project, os.path.join(self.work, "insecure-state"),
                             ["--insecure-local", "--catch-up", "none"], log_dir=os.path.join(self.work))
        server.starts = 100
        server.Start()
        try:
            client = sc.Client(self.spec, server.port, log_tail=server.LogTail)
            self.other_clients.append(client)
            client.Get("/api/v1/pipelines")
            run = client.Post("/api/v1/pipelines/with_params/runs", {"params": {"label": "local"}}, expect=202).json
            client.Get("/api/v1/tokens")
            entries = client.Get("/api/v1/audit").json["entries"]
            Check(entries and entries[0]["token_name"] == "local" and entries[0]["role"] == "admin"
                  and entries[0]["status"] == 202, "--insecure-local acts as the admin `local`", entries[:2])
            WaitFor("the local run", lambda: client.Get("/api/v1/runs/%s" % run["id"]).json["status"] in TERMINAL, 60)
        finally:
            code = server.Stop()
        Check(code == 0, "SIGTERM stops the server with exit 0, got %s" % code, server.LogTail())

    def TestCoverage(self):
        exercised = dict(self.client.exercised)
        for other in self.other_clients:
            for key, statuses in other.exercised.items():
                exercised.setdefault(key, set()).update(statuses)
        missing = [op for op in self.spec.Operations() if op not in exercised]
        Check(not missing, "operations of openapi.yaml never exercised: %s" % missing)
        problems = self.client.problems + [p for o in self.other_clients for p in o.problems]
        Check(not problems, "answers that did not match openapi.yaml:\n  " + "\n  ".join(problems[:30]))
        for (method, template), statuses in sorted(exercised.items()):
            print("    %-6s %-40s %s" % (method, template, " ".join(map(str, sorted(statuses)))))

    def TestStop(self):
        self.client.Get("/api/v1/health")
        code = self.server.Stop()
        Check(code == 0, "SIGTERM stops the server with exit 0, got %s" % code, self.server.LogTail())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--etlc", help="the etlc binary")
    parser.add_argument("--only", help="comma-separated test names (spec, health, auth, ...)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project, state and logs")
    parser.add_argument("--postgres", metavar="URL",
                        help="keep the run store in a fresh schema of this PostgreSQL server (ETL_STORE)")
    args = parser.parse_args()
    if args.postgres:
        # The server and `etlc token` both read ETL_STORE; a schema of its own keeps this
        # run's counts apart from every other test's.
        schema = "serve_api_%d" % os.getpid()
        subprocess.run(["psql", args.postgres, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                        "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s" % (schema, schema)],
                       check=True, capture_output=True, text=True)
        sep = "&" if "?" in args.postgres else "?"
        os.environ["ETL_STORE"] = args.postgres + sep + "options=-csearch_path%3D" + schema
    suite = ApiSuite(args)
    tests = [
        ("spec", suite.TestSpec), ("health", suite.TestHealth), ("auth", suite.TestAuth),
        ("token_cli", suite.TestTokenCli), ("pipelines", suite.TestPipelines),
        ("trigger_params", suite.TestTriggerParams), ("malformed", suite.TestMalformed),
        ("runs_list", suite.TestRunsList), ("logs_errors_steps", suite.TestLogsErrorsSteps),
        ("cancel", suite.TestCancel), ("retry", suite.TestRetry), ("websocket", suite.TestWebSocket),
        ("webhook_event", suite.TestWebhookAndEvent), ("backfill", suite.TestBackfill),
        ("schedules", suite.TestSchedules), ("file_changes", suite.TestFileChanges), ("audit", suite.TestAudit),
        ("thousand_triggers", suite.TestThousandTriggers), ("insecure_local", suite.TestInsecureLocal),
        ("coverage", suite.TestCoverage), ("stop", suite.TestStop),
    ]
    only = set(args.only.split(",")) if args.only else None
    unknown = (only or set()) - {name for name, _ in tests}
    if unknown:
        sys.exit("api_test.py: unknown test names %s" % sorted(unknown))
    if only == {"spec"}:
        return 0 if sc.RunTests(tests, only) else 1
    if not args.etlc:
        sys.exit("api_test.py: --etlc is needed (all tests but `spec` start a server)")
    try:
        suite.Setup()
    except Exception as e:  # no server: every test would fail the same way
        print("FAIL setup\n    %s" % e)
        print("0 passed, 1 failed")
        suite.Teardown()
        return 1
    try:
        ok = sc.RunTests(tests, only, on_failure=lambda: suite.server.LogTail() if suite.server else "")
    finally:
        suite.Teardown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
