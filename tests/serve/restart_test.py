#!/usr/bin/env python3
"""Killing `etlc serve` mid-run leaves no run stuck in `running` (issue 7, docs/serve.md).

1. Serve a copy of tests/serve/project; drop a file into incoming/ and wait for the file
   trigger's run; trigger `long_disk` (persist disk) and `long_memory` (persist memory) with
   many generated rows, and a second, short `long_memory` run that stays queued behind the
   first (concurrency 1); wait until both long runs are `running`.
2. SIGKILL the server and start it again on the same state directory.
3. The memory run is `failed` with a failure saying the server stopped; the disk run is
   resumed (same id, attempts + 1) and succeeds; the queued run survives and succeeds;
   no run is left `running`; the file handled before the restart does not fire again,
   while a new file does.

usage: restart_test.py --etlc build/etlc [--rows N] [--keep]
Exit 0 when every step passed; the last line is "N passed, N failed".
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep tests/serve free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_client as sc  # noqa: E402
from serve_client import Check, WaitFor  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TERMINAL = ("succeeded", "failed", "cancelled", "timed_out")
STOPPED_MESSAGE = "etlc serve stopped while the run was running"


class RestartScenario:
    def __init__(self, args):
        self.args = args
        self.spec = sc.OpenApi()
        self.work = tempfile.mkdtemp(prefix="etl-serve-restart-")
        self.project = os.path.join(self.work, "project")
        shutil.copytree(os.path.join(HERE, "project"), self.project)
        os.makedirs(os.path.join(self.project, "incoming"))
        self.state = os.path.join(self.work, "state")
        os.makedirs(self.state)
        self.server = sc.EtlServe(args.etlc, self.project, self.state,
                                  ["--catch-up", "none", "--poll-interval", "200ms"], log_dir=self.work)
        self.client = None
        self.runs = {}

    def Connect(self):
        self.client = sc.Client(self.spec, self.server.port, log_tail=self.server.LogTail)

    def Run(self, run_id):
        return self.client.Get("/api/v1/runs/%s" % run_id, token=self.viewer).json

    def WaitRun(self, run_id, statuses, timeout):
        seen = {}

        def Done():
            seen["run"] = self.Run(run_id)
            return seen["run"]["status"] in statuses

        try:
            WaitFor("run %s to be %s" % (run_id, "/".join(statuses)), Done, timeout, 0.1)
        except AssertionError as e:
            raise AssertionError("%s; last seen: %s\n%s" % (e, seen.get("run"), self.server.LogTail()))
        return seen["run"]

    def Trigger(self, pipeline, n):
        return self.client.Post("/api/v1/pipelines/%s/runs" % pipeline, {"params": {"n": n}},
                                token=self.operator, expect=202).json

    def IncomingRuns(self):
        return self.client.Get("/api/v1/runs?pipeline=incoming&limit=1000", token=self.viewer).json["runs"]

    def DropFile(self, name, rows):
        # Written aside and renamed in, so the watcher never sees a half-written file.
        tmp = os.path.join(self.project, "incoming", "." + name + ".part")
        with open(tmp, "w") as f:
            f.write("id,v\n" + "".join("%d,%d.5\n" % (i, i) for i in range(rows)))
        os.rename(tmp, os.path.join(self.project, "incoming", name))

    # -- steps --------------------------------------------------------------------------
    def StepStart(self):
        self.operator = sc.CreateToken(self.args.etlc, self.state, "operator", "restart-operator")
        self.viewer = sc.CreateToken(self.args.etlc, self.state, "viewer", "restart-viewer")
        self.server.Start()
        self.Connect()
        print("    serving on port %d (log %s)" % (self.server.port, self.server.log_path), flush=True)

    def StepFileTrigger(self):
        self.DropFile("a.csv", 5)
        WaitFor("a file-triggered run of `incoming`", lambda: len(self.IncomingRuns()) == 1, 30, 0.2)
        run = self.IncomingRuns()[0]
        Check(run["trigger"]["kind"] == "file", "the run was started by the file trigger", run)
        run = self.WaitRun(run["id"], TERMINAL, 60)
        Check(run["status"] == "succeeded" and run["rows_in"] == 5, "the file run read a.csv", run)

    def StepLongRuns(self):
        rows = self.args.rows
        self.runs["disk"] = self.Trigger("long_disk", rows)
        self.runs["memory"] = self.Trigger("long_memory", rows)
        self.runs["queued"] = self.Trigger("long_memory", 1000)
        for key in ("disk", "memory"):
            run = self.WaitRun(self.runs[key]["id"], ("running",) + TERMINAL, 60)
            Check(run["status"] == "running", "the %s run must still be running to be killed (raise --rows)" % key,
                  run)
        time.sleep(1.5)  # let the disk run checkpoint some progress
        for key in ("disk", "memory"):
            run = self.Run(self.runs[key]["id"])
            Check(run["status"] == "running", "the %s run is running when the server is killed" % key, run)
        Check(self.Run(self.runs["queued"]["id"])["status"] == "queued", "the second memory run is queued")

    def StepKillAndRestart(self):
        self.server.Kill()
        self.server.Start()
        self.Connect()
        print("    restarted on port %d (log %s)" % (self.server.port, self.server.log_path), flush=True)

    def StepMemoryRunFailed(self):
        run = self.Run(self.runs["memory"]["id"])
        Check(run["status"] == "failed", "a persist-memory run found running on start is failed", run)
        Check(run["failure"] and "stopped" in run["failure"] and "etlc serve" in run["failure"],
              "its failure says the server stopped (%r)" % STOPPED_MESSAGE, run)
        Check(run["finished_at"] is not None, "a failed run has finished_at", run)

    def StepDiskRunResumed(self):
        run = self.WaitRun(self.runs["disk"]["id"], TERMINAL, self.args.timeout)
        Check(run["status"] == "succeeded", "the persist-disk run is resumed and succeeds", run)
        Check(run["attempts"] >= 2, "the resumed run counts a second attempt", run)
        Check(os.path.exists(os.path.join(self.project, "out", "long_disk.csv")), "the resumed run wrote its output")
        total = self.client.Get("/api/v1/runs?pipeline=long_disk", token=self.viewer).json["total"]
        Check(total == 1, "resuming makes no new run", total)

    def StepQueuedRunSurvived(self):
        run = self.WaitRun(self.runs["queued"]["id"], TERMINAL, self.args.timeout)
        Check(run["status"] == "succeeded" and run["params"].get("n") == 1000, "the queued run ran after the restart",
              run)

    def StepNothingRunning(self):
        running = self.client.Get("/api/v1/runs?status=running", token=self.viewer).json
        Check(running["total"] == 0, "no run is left running", running)

    def StepFileNotAgain(self):
        time.sleep(3)  # 15 poll intervals
        runs = self.IncomingRuns()
        Check(len(runs) == 1, "a file handled before the restart does not fire again", runs)
        self.DropFile("b.csv", 7)
        WaitFor("a run for the new file b.csv", lambda: len(self.IncomingRuns()) == 2, 30, 0.2)
        run = self.WaitRun(self.IncomingRuns()[0]["id"], TERMINAL, 60)
        Check(run["status"] == "succeeded" and run["trigger"]["kind"] == "file", "the new file's run", run)
        time.sleep(2)
        Check(len(self.IncomingRuns()) == 2, "each file fires once", self.IncomingRuns())

    def StepStop(self):
        code = self.server.Stop()
        Check(code == 0, "SIGTERM stops the server with exit 0, got %s" % code, self.server.LogTail())
        problems = self.client.problems
        Check(not problems, "answers that did not match openapi.yaml:\n  " + "\n  ".join(problems[:20]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--etlc", required=True, help="the etlc binary")
    parser.add_argument("--rows", type=int, default=300_000_000,
                        help="rows the long runs generate (~20M/s on one idle core)")
    parser.add_argument("--timeout", type=int, default=300, help="seconds to wait for a run after the restart")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project, state and logs")
    args = parser.parse_args()
    scenario = RestartScenario(args)
    steps = [
        ("start", scenario.StepStart), ("file_trigger", scenario.StepFileTrigger),
        ("long_runs", scenario.StepLongRuns), ("kill_and_restart", scenario.StepKillAndRestart),
        ("memory_run_failed", scenario.StepMemoryRunFailed), ("disk_run_resumed", scenario.StepDiskRunResumed),
        ("queued_run_survived", scenario.StepQueuedRunSurvived), ("nothing_running", scenario.StepNothingRunning),
        ("file_not_again", scenario.StepFileNotAgain), ("stop", scenario.StepStop),
    ]
    try:
        ok = sc.RunTests(steps, on_failure=scenario.server.LogTail, stop_on_failure=True)
    finally:
        scenario.server.Kill()
        if args.keep:
            print("kept %s" % scenario.work)
        else:
            shutil.rmtree(scenario.work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
