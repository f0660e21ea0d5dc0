// SqliteRunStore (runtime/run_store_sqlite.h): the schema and its migrations, runs,
// events, errors, resume, gc and step state (what schema version 3 added is in
// run_store_sqlite_serve.cpp); OpenSqliteRunStore, StoreEventRecorder. docs/dev/run-store.md.
#include "runtime/run_store.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <iterator>

#include "runtime/run_store_sqlite.h"
#include "runtime/value_json.h"

namespace etl::runtime {
namespace {

// Migration N brings a database from version N-1 to N (index 0 = version 1).
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  pipeline TEXT NOT NULL,
  source_file TEXT NOT NULL,
  plan_json TEXT NOT NULL,
  plan_hash TEXT NOT NULL,
  params_json TEXT NOT NULL,
  status TEXT NOT NULL,
  failure TEXT NOT NULL DEFAULT '',
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  rows_in INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_start ON runs (started_at DESC, id DESC);
CREATE INDEX runs_by_pipeline ON runs (pipeline, started_at DESC);
CREATE TABLE step_metrics (
  run_id TEXT NOT NULL REFERENCES runs (id),
  seq INTEGER NOT NULL,
  step TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  rows_in INTEGER NOT NULL,
  rows_out INTEGER NOT NULL,
  filtered INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  busy_us INTEGER NOT NULL,
  PRIMARY KEY (run_id, seq)
);
CREATE TABLE events (
  run_id TEXT NOT NULL REFERENCES runs (id),
  time INTEGER NOT NULL,
  level TEXT NOT NULL,
  step TEXT NOT NULL,
  event TEXT NOT NULL,
  fields_json TEXT NOT NULL
);
CREATE INDEX events_by_run ON events (run_id);
CREATE TABLE errors (
  run_id TEXT NOT NULL REFERENCES runs (id),
  step TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  record TEXT NOT NULL,
  source TEXT,
  line INTEGER,
  at INTEGER NOT NULL
);
CREATE INDEX errors_by_run ON errors (run_id);
)sql",
    // 2: resume counts attempts; step state (incremental cursors) kept across runs; gc
    // finds finished runs by their end.
    R"sql(
ALTER TABLE runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
CREATE INDEX runs_by_finish ON runs (finished_at);
CREATE TABLE step_state (
  pipeline TEXT NOT NULL,
  step TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (pipeline, step, key)
);
)sql",
    // 3: `etlc serve`: what started a run and when it was queued (a run may now be
    // "queued"); API tokens (only a hash of the secret); the audit log of write requests.
    R"sql(
ALTER TABLE runs ADD COLUMN trigger_json TEXT NOT NULL DEFAULT '{"kind":"cli"}'
  CONSTRAINT trigger_is_an_object CHECK (json_valid(trigger_json) AND json_type(trigger_json) = 'object');
ALTER TABLE runs ADD COLUMN queued_at INTEGER;
CREATE INDEX runs_by_status ON runs (status, started_at DESC);
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CONSTRAINT role_is_known CHECK (role IN ('viewer', 'operator', 'admin')),
  secret_sha256 TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  token_id TEXT NOT NULL,
  token_name TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  status INTEGER NOT NULL,
  detail_json TEXT NOT NULL
);
)sql",
};
static_assert(static_cast<int>(std::size(kMigrations)) == kRunStoreSchemaVersion);

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

namespace detail {

std::optional<std::string> SqliteRunStore::Init() {
  sqlite3_busy_timeout(db_.get(), 5000);
  if (auto error = Exec("PRAGMA journal_mode=WAL")) return error;
  if (auto error = Exec("PRAGMA synchronous=NORMAL")) return error;
  if (auto error = Exec("PRAGMA foreign_keys=ON")) return error;
  return Migrate();
}

std::optional<std::string> SqliteRunStore::BeginRun(const StoredRun& run) {
  Stmt stmt;
  if (auto error =
          Prepare("INSERT INTO runs (id, pipeline, source_file, plan_json, plan_hash, params_json, status, "
                  "failure, started_at, finished_at, rows_in, errors, attempts, trigger_json, queued_at) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  stmt))
    return error;
  BindText(stmt, 1, run.id);
  BindText(stmt, 2, run.pipeline);
  BindText(stmt, 3, run.source_file);
  BindText(stmt, 4, run.plan_json);
  BindText(stmt, 5, run.plan_hash);
  BindText(stmt, 6, run.params_json);
  BindText(stmt, 7, run.status);
  BindText(stmt, 8, run.failure);
  sqlite3_bind_int64(stmt.get(), 9, run.started_us);
  if (run.finished_us) sqlite3_bind_int64(stmt.get(), 10, *run.finished_us);
  sqlite3_bind_int64(stmt.get(), 11, AsInt(run.rows_in));
  sqlite3_bind_int64(stmt.get(), 12, AsInt(run.errors));
  sqlite3_bind_int64(stmt.get(), 13, run.attempts);
  BindText(stmt, 14, run.trigger_json);
  // 0 = never queued (`etlc run`): NULL, read back as the start.
  if (run.queued_us != 0) sqlite3_bind_int64(stmt.get(), 15, run.queued_us);
  return StepDone(stmt);
}

std::optional<std::string> SqliteRunStore::FinishRun(const std::string& run_id, const RunEnd& end) {
  if (auto error = Exec("BEGIN IMMEDIATE")) return error;
  auto error = FinishRunInTransaction(run_id, end);
  return EndTransaction(error);
}

std::optional<std::string> SqliteRunStore::AddEvents(const std::string& run_id,
                                                     const std::vector<RunEvent>& events) {
  if (events.empty()) return std::nullopt;
  if (auto error = Exec("BEGIN IMMEDIATE")) return error;
  std::optional<std::string> error;
  Stmt stmt;
  error = Prepare("INSERT INTO events (run_id, time, level, step, event, fields_json) VALUES (?,?,?,?,?,?)",
                  stmt);
  for (size_t i = 0; !error && i < events.size(); ++i) {
    const RunEvent& event = events[i];
    sqlite3_reset(stmt.get());
    BindText(stmt, 1, run_id);
    sqlite3_bind_int64(stmt.get(), 2, event.time_us);
    BindText(stmt, 3, Spelling(event.level));
    BindText(stmt, 4, event.step);
    BindText(stmt, 5, event.event);
    BindText(stmt, 6, EventFieldsJson(event));
    error = StepDone(stmt);
  }
  return EndTransaction(error);
}

std::optional<std::string> SqliteRunStore::AddErrors(const std::string& run_id,
                                                     const std::vector<StoredError>& errors) {
  if (errors.empty()) return std::nullopt;
  if (auto error = Exec("BEGIN IMMEDIATE")) return error;
  std::optional<std::string> error;
  Stmt stmt;
  error = Prepare(
      "INSERT INTO errors (run_id, step, code, message, record, source, line, at) VALUES (?,?,?,?,?,?,?,?)",
      stmt);
  for (size_t i = 0; !error && i < errors.size(); ++i) {
    const StoredError& e = errors[i];
    sqlite3_reset(stmt.get());
    sqlite3_clear_bindings(stmt.get());
    BindText(stmt, 1, run_id);
    BindText(stmt, 2, e.step);
    BindText(stmt, 3, e.code);
    BindText(stmt, 4, e.message);
    BindText(stmt, 5, e.record);
    if (e.source) BindText(stmt, 6, *e.source);
    if (e.line) sqlite3_bind_int64(stmt.get(), 7, *e.line);
    sqlite3_bind_int64(stmt.get(), 8, e.at_us);
    error = StepDone(stmt);
  }
  return EndTransaction(error);
}

std::optional<std::string> SqliteRunStore::GetRun(const std::string& run_id, std::optional<StoredRun>& run) {
  Stmt stmt;
  if (auto error = Prepare((std::string(kRunColumns) + " WHERE id = ?1").c_str(), stmt)) return error;
  BindText(stmt, 1, run_id);
  std::vector<StoredRun> runs;
  if (auto error = ReadRuns(stmt, runs)) return error;
  run.reset();
  if (!runs.empty()) run = std::move(runs[0]);
  return std::nullopt;
}

std::optional<std::string> SqliteRunStore::StepMetricsOf(const std::string& run_id,
                                                         std::vector<StepMetrics>& steps) {
  Stmt stmt;
  if (auto error =
          Prepare("SELECT step, kind, name, rows_in, rows_out, filtered, errors, busy_us FROM step_metrics "
                  "WHERE run_id = ?1 ORDER BY seq",
                  stmt))
    return error;
  BindText(stmt, 1, run_id);
  steps.clear();
  return ReadRows(stmt, [&] {
    StepMetrics m;
    m.step = ColumnText(stmt.get(), 0);
    ir::ParseNodeKind(ColumnText(stmt.get(), 1), &m.kind);
    m.name = ColumnText(stmt.get(), 2);
    m.rows_in = static_cast<uint64_t>(sqlite3_column_int64(stmt.get(), 3));
    m.rows_out = static_cast<uint64_t>(sqlite3_column_int64(stmt.get(), 4));
    m.filtered = static_cast<uint64_t>(sqlite3_column_int64(stmt.get(), 5));
    m.errors = static_cast<uint64_t>(sqlite3_column_int64(stmt.get(), 6));
    m.busy_us = sqlite3_column_int64(stmt.get(), 7);
    m.finished = true;
    steps.push_back(std::move(m));
  });
}

std::optional<std::string> SqliteRunStore::ReopenRun(const std::string& run_id) {
  std::optional<StoredRun> run;
  if (auto error = GetRun(run_id, run)) return error;
  if (!run) return fmt::format("run store `{}`: no run `{}`", path_, run_id);
  if (run->status == "succeeded") {
    return fmt::format("run store `{}`: run `{}` succeeded: there is nothing to resume", path_, run_id);
  }
  Stmt stmt;
  if (auto error = Prepare(
          "UPDATE runs SET status = 'running', failure = '', finished_at = NULL, attempts = attempts + 1 "
          "WHERE id = ?1",
          stmt))
    return error;
  BindText(stmt, 1, run_id);
  return StepDone(stmt);
}

std::optional<std::string> SqliteRunStore::DeleteRunsFinishedBefore(int64_t cutoff_us,
                                                                    std::vector<std::string>& deleted) {
  deleted.clear();
  if (auto error = Exec("BEGIN IMMEDIATE")) return error;
  auto error = DeleteRunsInTransaction(cutoff_us, deleted);
  if (error) deleted.clear();
  return EndTransaction(error);
}

std::optional<std::string> SqliteRunStore::GetStepState(const std::string& pipeline, const std::string& step,
                                                        const std::string& key,
                                                        std::optional<std::string>& value) {
  Stmt stmt;
  if (auto error =
          Prepare("SELECT value FROM step_state WHERE pipeline = ?1 AND step = ?2 AND key = ?3", stmt))
    return error;
  BindText(stmt, 1, pipeline);
  BindText(stmt, 2, step);
  BindText(stmt, 3, key);
  value.reset();
  return ReadRows(stmt, [&] { value = ColumnText(stmt.get(), 0); });
}

std::optional<std::string> SqliteRunStore::PutStepState(const std::string& pipeline, const std::string& step,
                                                        const std::string& key, const std::string& value) {
  Stmt stmt;
  if (auto error =
          Prepare("INSERT INTO step_state (pipeline, step, key, value, updated_at) VALUES (?1,?2,?3,?4,?5) "
                  "ON CONFLICT (pipeline, step, key) DO UPDATE SET value = excluded.value, "
                  "updated_at = excluded.updated_at",
                  stmt))
    return error;
  BindText(stmt, 1, pipeline);
  BindText(stmt, 2, step);
  BindText(stmt, 3, key);
  BindText(stmt, 4, value);
  sqlite3_bind_int64(stmt.get(), 5, NowUs());
  return StepDone(stmt);
}

std::string SqliteRunStore::Fail(std::string_view what) const {
  return fmt::format("run store `{}`: {}: {}", path_, what, sqlite3_errmsg(db_.get()));
}

std::optional<std::string> SqliteRunStore::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message) == SQLITE_OK) return std::nullopt;
  std::string text = message != nullptr ? message : sqlite3_errmsg(db_.get());
  sqlite3_free(message);
  return fmt::format("run store `{}`: {}", path_, text);
}

std::optional<std::string> SqliteRunStore::Prepare(const char* sql, Stmt& stmt) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr) != SQLITE_OK) return Fail("prepare");
  stmt.reset(raw);
  return std::nullopt;
}

void SqliteRunStore::BindText(const Stmt& stmt, int i, std::string_view text) {
  sqlite3_bind_text(stmt.get(), i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

std::optional<std::string> SqliteRunStore::StepDone(const Stmt& stmt) {
  if (sqlite3_step(stmt.get()) == SQLITE_DONE) return std::nullopt;
  return Fail("write");
}

std::optional<std::string> SqliteRunStore::ReadRuns(const Stmt& stmt, std::vector<StoredRun>& runs) {
  runs.clear();
  sqlite3_stmt* s = stmt.get();
  return ReadRows(stmt, [&] {
    StoredRun run;
    run.id = ColumnText(s, 0);
    run.pipeline = ColumnText(s, 1);
    run.source_file = ColumnText(s, 2);
    run.plan_json = ColumnText(s, 3);
    run.plan_hash = ColumnText(s, 4);
    run.params_json = ColumnText(s, 5);
    run.status = ColumnText(s, 6);
    run.failure = ColumnText(s, 7);
    run.started_us = sqlite3_column_int64(s, 8);
    if (sqlite3_column_type(s, 9) != SQLITE_NULL) run.finished_us = sqlite3_column_int64(s, 9);
    run.rows_in = static_cast<uint64_t>(sqlite3_column_int64(s, 10));
    run.errors = static_cast<uint64_t>(sqlite3_column_int64(s, 11));
    run.attempts = sqlite3_column_int64(s, 12);
    run.trigger_json = ColumnText(s, 13);
    run.queued_us = sqlite3_column_int64(s, 14);
    runs.push_back(std::move(run));
  });
}

std::optional<std::string> SqliteRunStore::EndTransaction(std::optional<std::string> error) {
  if (error) {
    Exec("ROLLBACK");
    return error;
  }
  return Exec("COMMIT");
}

std::optional<std::string> SqliteRunStore::FinishRunInTransaction(const std::string& run_id,
                                                                  const RunEnd& end) {
  Stmt update;
  if (auto error = Prepare("UPDATE runs SET status = ?1, failure = ?2, finished_at = ?3, rows_in = ?4, "
                           "errors = ?5 WHERE id = ?6",
                           update))
    return error;
  BindText(update, 1, end.status);
  BindText(update, 2, end.failure);
  sqlite3_bind_int64(update.get(), 3, end.finished_us);
  sqlite3_bind_int64(update.get(), 4, AsInt(end.rows_in));
  sqlite3_bind_int64(update.get(), 5, AsInt(end.errors));
  BindText(update, 6, run_id);
  if (auto error = StepDone(update)) return error;
  if (sqlite3_changes(db_.get()) != 1) return fmt::format("run store `{}`: no run `{}`", path_, run_id);
  // A resumed run ends again: its metrics replace the earlier attempt's.
  if (auto error = DeleteRowsOf("step_metrics", run_id)) return error;
  Stmt insert;
  if (auto error = Prepare(
          "INSERT INTO step_metrics (run_id, seq, step, kind, name, rows_in, rows_out, filtered, errors, "
          "busy_us) VALUES (?,?,?,?,?,?,?,?,?,?)",
          insert))
    return error;
  for (size_t i = 0; i < end.steps.size(); ++i) {
    const StepMetrics& m = end.steps[i];
    sqlite3_reset(insert.get());
    BindText(insert, 1, run_id);
    sqlite3_bind_int64(insert.get(), 2, static_cast<int64_t>(i));
    BindText(insert, 3, m.step);
    BindText(insert, 4, ir::Spelling(m.kind));
    BindText(insert, 5, m.name);
    sqlite3_bind_int64(insert.get(), 6, AsInt(m.rows_in));
    sqlite3_bind_int64(insert.get(), 7, AsInt(m.rows_out));
    sqlite3_bind_int64(insert.get(), 8, AsInt(m.filtered));
    sqlite3_bind_int64(insert.get(), 9, AsInt(m.errors));
    sqlite3_bind_int64(insert.get(), 10, m.busy_us);
    if (auto error = StepDone(insert)) return error;
  }
  return std::nullopt;
}

std::optional<std::string> SqliteRunStore::DeleteRowsOf(const char* table, const std::string& run_id) {
  Stmt stmt;
  if (auto error = Prepare(fmt::format("DELETE FROM {} WHERE run_id = ?1", table).c_str(), stmt))
    return error;
  BindText(stmt, 1, run_id);
  return StepDone(stmt);
}

std::optional<std::string> SqliteRunStore::DeleteRunsInTransaction(int64_t cutoff_us,
                                                                   std::vector<std::string>& deleted) {
  Stmt select;
  if (auto error = Prepare(
          "SELECT id FROM runs WHERE finished_at IS NOT NULL AND finished_at < ?1 AND status <> 'running' "
          "ORDER BY finished_at, id",
          select))
    return error;
  sqlite3_bind_int64(select.get(), 1, cutoff_us);
  if (auto error = ReadRows(select, [&] { deleted.push_back(ColumnText(select.get(), 0)); })) return error;
  select.reset();
  for (const std::string& id : deleted) {
    for (const char* table : {"step_metrics", "events", "errors"}) {
      if (auto error = DeleteRowsOf(table, id)) return error;
    }
    Stmt run;
    if (auto error = Prepare("DELETE FROM runs WHERE id = ?1", run)) return error;
    BindText(run, 1, id);
    if (auto error = StepDone(run)) return error;
  }
  return std::nullopt;
}

std::optional<std::string> SqliteRunStore::Migrate() {
  if (auto error = Exec("BEGIN IMMEDIATE")) return error;
  auto error = MigrateInTransaction();
  return EndTransaction(error);
}

std::optional<std::string> SqliteRunStore::MigrateInTransaction() {
  if (auto error = Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")) return error;
  Stmt stmt;
  if (auto error = Prepare("SELECT max(version) FROM schema_version", stmt)) return error;
  int version = 0;
  if (sqlite3_step(stmt.get()) != SQLITE_ROW) return Fail("read schema_version");
  if (sqlite3_column_type(stmt.get(), 0) != SQLITE_NULL) version = sqlite3_column_int(stmt.get(), 0);
  stmt.reset();
  if (version > kRunStoreSchemaVersion) {
    return fmt::format("run store `{}`: schema version {} is newer than this etlc's ({}); use a newer etlc",
                       path_, version, kRunStoreSchemaVersion);
  }
  for (int next = version + 1; next <= kRunStoreSchemaVersion; ++next) {
    if (auto error = Exec(kMigrations[next - 1])) return error;
    if (auto error = Exec(fmt::format("INSERT INTO schema_version (version) VALUES ({})", next).c_str()))
      return error;
  }
  return std::nullopt;
}

}  // namespace detail

using detail::Db;
using detail::SqliteRunStore;

std::string RunStorePath(const std::string& state_dir) {
  return (std::filesystem::path(state_dir) / "etl.db").string();
}

std::unique_ptr<RunStore> OpenSqliteRunStore(const std::string& path, std::string& error) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    error = fmt::format("cannot open run store `{}`: {}", path,
                        db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc));
    return nullptr;
  }
  auto store = std::make_unique<SqliteRunStore>(std::move(db), path);
  if (auto problem = store->Init()) {
    error = "cannot open " + *problem;
    return nullptr;
  }
  return store;
}

std::string EventFieldsJson(const RunEvent& event) {
  std::string out = "{";
  for (size_t i = 0; i < event.fields.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, event.fields[i].first);
    out += ':';
    out += ValueToJson(event.fields[i].second);
  }
  out += '}';
  return out;
}

void StoreEventRecorder::OnEvent(const RunEvent& event) {
  if (error_) return;
  buffer_.push_back(event);
  if (std::chrono::steady_clock::now() - last_flush_ >= flush_every_) Flush();
}

void StoreEventRecorder::Flush() {
  last_flush_ = std::chrono::steady_clock::now();
  if (error_ || buffer_.empty()) return;
  error_ = store_.AddEvents(run_id_, buffer_);
  buffer_.clear();
}

}  // namespace etl::runtime
