// The run store (issue 4 item 1): what `etlc run` records about every run (the run with its
// plan, params, status and timings, per-step metrics, the structured log, the error
// records) and what `etlc runs` lists. `RunStore` is the interface; `SqliteRunStore` keeps
// it in `<state-dir>/etl.db`, the PostgreSQL backend (run_store_postgres.cpp) in a database
// given with `--store postgres://...`; both have the same schema and pass the same tests.
// Schema and decisions: docs/dev/run-store.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/run_events.h"

namespace etl::runtime {

// One row of the `runs` table. Times are microseconds since the epoch, UTC.
struct StoredRun {
  std::string id;
  std::string pipeline;
  std::string source_file;  // the .etl file or plan.json it ran from
  std::string plan_json;
  std::string plan_hash;    // xxHash64 of plan_json, 16 hex digits
  std::string params_json;  // {"name": value, ...}
  std::string status;       // "queued" (v3), "running", "succeeded", "failed", "cancelled", "timed_out"
  std::string failure;      // why it did not succeed; empty otherwise
  int64_t started_us = 0;
  std::optional<int64_t> finished_us;  // unset while running
  uint64_t rows_in = 0;     // records read by the sources
  uint64_t errors = 0;      // records that failed, all steps
  int64_t attempts = 1;     // 1 + the number of resumes (ReopenRun)
  // ---- schema version 3 (`etlc serve`, issue 7)
  // What started the run, as a JSON object: {"kind": "cli"} for `etlc run` (also what an
  // older row reads as), else {"kind": "manual"|"schedule"|"catch_up"|"every"|"after"|"file"|
  // "webhook"|"event"|"retry"|"backfill", ...details}. docs/serve.md lists the details.
  // BeginRun refuses text that is not a JSON object (ListRuns filters on its "kind").
  std::string trigger_json = "{\"kind\":\"cli\"}";
  // When `etlc serve` accepted the run (status "queued" until it starts); = started_us
  // for `etlc run`. While queued, started_us is the time it was queued. BeginRun stores 0
  // as "never queued" and it reads back as started_us (so do runs from before version 3).
  int64_t queued_us = 0;
};

// One row of the `events` table.
struct StoredEvent {
  int64_t time_us = 0;
  std::string level;        // "debug", "info", "warn", "error"
  std::string step;         // empty for run-level events
  std::string event;        // run_started, step_finished, ...
  std::string fields_json;  // the event's fields as one JSON object
};

// One row of the `errors` table: an error record no step consumed (the error file's line).
struct StoredError {
  std::string step;
  std::string code;
  std::string message;
  std::string record;  // JSON text
  std::optional<std::string> source;
  std::optional<int64_t> line;
  int64_t at_us = 0;
};

// Which runs `ListRuns` returns: newest first.
struct RunQuery {
  size_t limit = 20;                   // 0 = all
  std::optional<std::string> pipeline = std::nullopt;  // only runs of this pipeline
  // ---- schema version 3 (the API's filters and paging)
  size_t offset = 0;                                   // skip this many (after filtering)
  std::optional<std::string> status = std::nullopt;    // only runs with this status
  std::optional<std::string> trigger_kind = std::nullopt;  // only runs whose trigger has this "kind"
  std::optional<int64_t> started_from_us = std::nullopt;   // started_us >= this
  std::optional<int64_t> started_before_us = std::nullopt; // started_us < this
};

// An API token of `etlc serve` (schema version 3). The secret itself is never stored: only
// its SHA-256 (hex), which is what a request's bearer token is looked up by.
struct StoredToken {
  std::string id;          // 12 hex digits, shown in lists and the audit log
  std::string name;        // what it is for, chosen by whoever created it
  std::string role;        // "viewer", "operator" or "admin"
  std::string secret_sha256;
  int64_t created_us = 0;
  std::optional<int64_t> last_used_us;
  std::optional<int64_t> revoked_us;
};

// One entry of the audit log (schema version 3): every write request `etlc serve`
// answered, allowed or not, and every token created or revoked from the command line.
struct AuditEntry {
  int64_t seq = 0;          // assigned by the store, increasing
  int64_t time_us = 0;
  std::string token_id;     // "" when the request had no valid token; "local" with --insecure-local
  std::string token_name;
  std::string role;
  std::string action;       // "POST /api/v1/pipelines/load/runs", "token create"
  int status = 0;           // the HTTP status answered (0 for command-line actions)
  std::string detail_json;  // {"run": "...", ...} what it did or why it was refused
};

// The final state of a run, written once it ended.
struct RunEnd {
  std::string status;
  std::string failure;
  int64_t finished_us = 0;
  uint64_t rows_in = 0;
  uint64_t errors = 0;
  std::vector<StepMetrics> steps;
};

// Where runs are recorded. Every call returns an error message (naming the database) when
// the store cannot do it, never throws. Not thread-safe: one caller at a time.
class RunStore {
 public:
  virtual ~RunStore() = default;
  // Inserts `run` (its status is normally "running").
  virtual std::optional<std::string> BeginRun(const StoredRun& run) = 0;
  // Sets the run's final status, counts and end time, and inserts its step metrics.
  virtual std::optional<std::string> FinishRun(const std::string& run_id, const RunEnd& end) = 0;
  // Appends events of a run, all in one transaction.
  virtual std::optional<std::string> AddEvents(const std::string& run_id,
                                               const std::vector<RunEvent>& events) = 0;
  // Appends error records of a run, all in one transaction.
  virtual std::optional<std::string> AddErrors(const std::string& run_id,
                                               const std::vector<StoredError>& errors) = 0;
  // Runs matching `query`, newest first (by start time, then id).
  virtual std::optional<std::string> ListRuns(const RunQuery& query, std::vector<StoredRun>& runs) = 0;
  // One run; nullopt in `run` when there is no such run.
  virtual std::optional<std::string> GetRun(const std::string& run_id, std::optional<StoredRun>& run) = 0;
  // The step metrics of a run, in the order they were recorded (plan node order).
  virtual std::optional<std::string> StepMetricsOf(const std::string& run_id,
                                                   std::vector<StepMetrics>& steps) = 0;
  // The events of a run in the order they were recorded (EventsPage without a limit).
  std::optional<std::string> EventsOf(const std::string& run_id, std::vector<StoredEvent>& events) {
    uint64_t total = 0;
    return EventsPage(run_id, 0, 0, events, total);
  }
  // The error records of a run in the order they were recorded (ErrorsPage without a limit).
  std::optional<std::string> ErrorsOf(const std::string& run_id, std::vector<StoredError>& errors) {
    uint64_t total = 0;
    return ErrorsPage(run_id, 0, 0, errors, total);
  }

  // ---- added with resume, retention and step state (issue 4). Each backend overrides
  // them; the defaults only report that this store cannot.
  // Sets a run that stopped (failed, cancelled, timed out, or left `running` by a killed
  // process) back to `running` for `etlc run --resume`: clears failure and finished_us and
  // counts the attempt (StoredRun::attempts).
  virtual std::optional<std::string> ReopenRun(const std::string& run_id) {
    (void)run_id;
    return Unsupported("ReopenRun");
  }
  // Deletes every run that finished before `cutoff_us` (never one without finished_us),
  // with its step metrics, events and errors, in one transaction; their ids in `deleted`.
  virtual std::optional<std::string> DeleteRunsFinishedBefore(int64_t cutoff_us, std::vector<std::string>& deleted) {
    (void)cutoff_us;
    (void)deleted;
    return Unsupported("DeleteRunsFinishedBefore");
  }
  // Step state kept across runs (incremental cursors): one value per (pipeline, step, key);
  // nullopt in `value` when none was stored.
  virtual std::optional<std::string> GetStepState(const std::string& pipeline, const std::string& step,
                                                  const std::string& key, std::optional<std::string>& value) {
    (void)pipeline, (void)step, (void)key, (void)value;
    return Unsupported("GetStepState");
  }
  // Inserts or replaces the step state of (pipeline, step, key).
  virtual std::optional<std::string> PutStepState(const std::string& pipeline, const std::string& step,
                                                  const std::string& key, const std::string& value) {
    (void)pipeline, (void)step, (void)key, (void)value;
    return Unsupported("PutStepState");
  }
  // ---- added with `etlc serve` (issue 7, schema version 3). Each backend overrides them.
  // Sets a "queued" run to "running" with `started_us`; `changed` false (and no error) when
  // the run is not queued any more (cancelled meanwhile).
  virtual std::optional<std::string> StartQueuedRun(const std::string& run_id, int64_t started_us, bool& changed) {
    (void)run_id, (void)started_us, (void)changed;
    return Unsupported("StartQueuedRun");
  }
  // How many runs match `query` (its limit and offset ignored).
  virtual std::optional<std::string> CountRuns(const RunQuery& query, uint64_t& count) {
    (void)query, (void)count;
    return Unsupported("CountRuns");
  }
  // A page of a run's events / error records in recorded order (`limit` 0 = all after
  // `offset`), and how many there are in all.
  virtual std::optional<std::string> EventsPage(const std::string& run_id, size_t offset, size_t limit,
                                                std::vector<StoredEvent>& events, uint64_t& total) {
    (void)run_id, (void)offset, (void)limit, (void)events, (void)total;
    return Unsupported("EventsPage");
  }
  virtual std::optional<std::string> ErrorsPage(const std::string& run_id, size_t offset, size_t limit,
                                                std::vector<StoredError>& errors, uint64_t& total) {
    (void)run_id, (void)offset, (void)limit, (void)errors, (void)total;
    return Unsupported("ErrorsPage");
  }
  // API tokens: insert (an error when the id or the secret is taken, or the role is not one
  // of the three); all of them (revoked ones too) by creation time, then id; the one whose
  // secret has this SHA-256, revoked or not (nullopt when none); revoke (an error naming
  // the id when there is no such token; revoking again keeps the first time); record a
  // use (the latest time wins; an error when there is no such token).
  virtual std::optional<std::string> AddToken(const StoredToken& token) {
    (void)token;
    return Unsupported("AddToken");
  }
  virtual std::optional<std::string> ListTokens(std::vector<StoredToken>& tokens) {
    (void)tokens;
    return Unsupported("ListTokens");
  }
  virtual std::optional<std::string> FindToken(const std::string& secret_sha256, std::optional<StoredToken>& token) {
    (void)secret_sha256, (void)token;
    return Unsupported("FindToken");
  }
  virtual std::optional<std::string> RevokeToken(const std::string& id, int64_t revoked_us) {
    (void)id, (void)revoked_us;
    return Unsupported("RevokeToken");
  }
  virtual std::optional<std::string> TouchToken(const std::string& id, int64_t used_us) {
    (void)id, (void)used_us;
    return Unsupported("TouchToken");
  }
  // The audit log: append (`entry.seq` is assigned); a page, newest first, and the total.
  virtual std::optional<std::string> AddAudit(const AuditEntry& entry) {
    (void)entry;
    return Unsupported("AddAudit");
  }
  virtual std::optional<std::string> AuditPage(size_t offset, size_t limit, std::vector<AuditEntry>& entries,
                                               uint64_t& total) {
    (void)offset, (void)limit, (void)entries, (void)total;
    return Unsupported("AuditPage");
  }

  // Where this store is, for messages: the SQLite file's path, or the PostgreSQL URL with
  // its password removed.
  virtual std::string Describe() const { return "run store"; }

 protected:
  std::optional<std::string> Unsupported(const char* what) const {
    return Describe() + ": this store cannot " + std::string(what);
  }
};

// The schema version this build writes (the `schema_version` table; migrations bring an
// older database up to it, a newer one is refused). 3 = `etlc serve` (issue 7).
constexpr int kRunStoreSchemaVersion = 3;

// The database of a state directory: `<state_dir>/etl.db`.
std::string RunStorePath(const std::string& state_dir);

// Opens (creating when missing) the SQLite store at `path`: WAL journal, a busy timeout,
// schema migrated to kRunStoreSchemaVersion. Null and `error` ("cannot open run store
// `PATH`: ...") when the file cannot be opened or is not a database.
std::unique_ptr<RunStore> OpenSqliteRunStore(const std::string& path, std::string& error);

// Opens the store a command was given: `store` empty = the SQLite store of `state_dir`
// (RunStorePath); a `postgres://` or `postgresql://` URL = OpenPostgresRunStore. Null and
// `error` when it cannot be opened (a URL that is neither says so).
std::unique_ptr<RunStore> OpenRunStore(const std::string& store, const std::string& state_dir, std::string& error);

// Connects to the PostgreSQL store at `url` (libpq connection URL) and migrates its schema
// (the same tables as SQLite, in the schema named by the URL's `options`/search_path, else
// `public`). Null and `error` ("cannot open run store `postgres://u@h:p/db`: ...", the
// password never shown) when the server cannot be reached or refuses.
std::unique_ptr<RunStore> OpenPostgresRunStore(const std::string& url, std::string& error);

// A RunObserver that records events in a store: buffered, written in one transaction at
// most every `flush_every` (and when Flush() is called), so events never cost a
// transaction each. A failed write is kept as `LastError()` and stops further writes (the
// run goes on; the caller reports it).
class StoreEventRecorder : public RunObserver {
 public:
  StoreEventRecorder(RunStore& store, std::string run_id,
                     std::chrono::milliseconds flush_every = std::chrono::milliseconds(1000))
      : store_(store), run_id_(std::move(run_id)), flush_every_(flush_every) {}
  void OnEvent(const RunEvent& event) override;
  // Writes the buffered events.
  void Flush();
  // The first write error, if any.
  const std::optional<std::string>& LastError() const { return error_; }

 private:
  RunStore& store_;
  std::string run_id_;
  std::chrono::milliseconds flush_every_;
  std::vector<RunEvent> buffer_;
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
  std::optional<std::string> error_;
};

// The fields of an event as one JSON object: {"name": value, ...}.
std::string EventFieldsJson(const RunEvent& event);

}  // namespace etl::runtime
