// PostgresRunStore (runtime/run_store_postgres.h): the schema and its migrations, runs,
// events, errors, resume, gc and step state (what schema version 3 added is in
// run_store_postgres_serve.cpp); OpenPostgresRunStore. docs/dev/run-store.md#postgresql.
#include "runtime/run_store_postgres.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <string_view>

#include "runtime/run_store.h"
#include "runtime/run_store_postgres_conn.h"

namespace etl::runtime {
namespace {

// Migration N brings a schema from version N-1 to N (index 0 = version 1): the SQLite
// migrations with PostgreSQL types. Ids sort bytewise (COLLATE "C") as in SQLite; events
// and errors keep their insertion order in `seq` (SQLite's rowid).
const char* const kPgMigrations[] = {
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
  started_at BIGINT NOT NULL,
  finished_at BIGINT,
  rows_in BIGINT NOT NULL DEFAULT 0,
  errors BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_start ON runs (started_at DESC, id COLLATE "C" DESC);
CREATE INDEX runs_by_pipeline ON runs (pipeline, started_at DESC);
CREATE TABLE step_metrics (
  run_id TEXT NOT NULL REFERENCES runs (id),
  seq BIGINT NOT NULL,
  step TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  rows_in BIGINT NOT NULL,
  rows_out BIGINT NOT NULL,
  filtered BIGINT NOT NULL,
  errors BIGINT NOT NULL,
  busy_us BIGINT NOT NULL,
  PRIMARY KEY (run_id, seq)
);
CREATE TABLE events (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id),
  time BIGINT NOT NULL,
  level TEXT NOT NULL,
  step TEXT NOT NULL,
  event TEXT NOT NULL,
  fields_json TEXT NOT NULL
);
CREATE INDEX events_by_run ON events (run_id, seq);
CREATE TABLE errors (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id),
  step TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  record TEXT NOT NULL,
  source TEXT,
  line BIGINT,
  at BIGINT NOT NULL
);
CREATE INDEX errors_by_run ON errors (run_id, seq);
)sql",
    // 2: resume counts attempts; step state (incremental cursors) kept across runs; gc
    // finds finished runs by their end.
    R"sql(
ALTER TABLE runs ADD COLUMN attempts BIGINT NOT NULL DEFAULT 1;
CREATE INDEX runs_by_finish ON runs (finished_at);
CREATE TABLE step_state (
  pipeline TEXT NOT NULL,
  step TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (pipeline, step, key)
);
)sql",
    // 3: `etlc serve`: what started a run and when it was queued (a run may now be
    // "queued"); API tokens (only a hash of the secret); the audit log of write requests.
    R"sql(
ALTER TABLE runs ADD COLUMN trigger_json TEXT NOT NULL DEFAULT '{"kind":"cli"}'
  CONSTRAINT trigger_is_an_object CHECK (json_typeof(trigger_json::json) = 'object');
ALTER TABLE runs ADD COLUMN queued_at BIGINT;
CREATE INDEX runs_by_status ON runs (status, started_at DESC);
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CONSTRAINT role_is_known CHECK (role IN ('viewer', 'operator', 'admin')),
  secret_sha256 TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE TABLE audit (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time BIGINT NOT NULL,
  token_id TEXT NOT NULL,
  token_name TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  status INTEGER NOT NULL,
  detail_json TEXT NOT NULL
);
)sql",
};
static_assert(static_cast<int>(std::size(kPgMigrations)) == kRunStoreSchemaVersion);

// Rows per INSERT of a batch: one statement per 10,000 rows bounds the memory of the
// column arrays.
constexpr size_t kRowsPerInsert = 10000;

using detail::Int;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "INSERT INTO table (columns) SELECT * FROM unnest($1::text[], $2::bigint[], ...)": one
// parameter per column, an array of its values: one short statement to parse however many
// rows (10,000 error records took about half the time of 500-row VALUES lists,
// docs/dev/run-store.md). types[i] is column i's SQL type.
std::string UnnestInsert(const char* table_and_columns, const std::vector<const char*>& types) {
  std::string sql = fmt::format("INSERT INTO {} SELECT * FROM unnest(", table_and_columns);
  for (size_t c = 0; c < types.size(); ++c)
    sql += fmt::format("{}${}::{}[]", c > 0 ? ", " : "", c + 1, types[c]);
  return sql + ")";
}

}  // namespace

namespace detail {

StoredRun PostgresRunStore::RunOf(const PGresult* r, int row) {
  StoredRun run;
  run.id = PgText(r, row, 0);
  run.pipeline = PgText(r, row, 1);
  run.source_file = PgText(r, row, 2);
  run.plan_json = PgText(r, row, 3);
  run.plan_hash = PgText(r, row, 4);
  run.params_json = PgText(r, row, 5);
  run.status = PgText(r, row, 6);
  run.failure = PgText(r, row, 7);
  run.started_us = PgInt(r, row, 8);
  if (!PgIsNull(r, row, 9)) run.finished_us = PgInt(r, row, 9);
  run.rows_in = static_cast<uint64_t>(PgInt(r, row, 10));
  run.errors = static_cast<uint64_t>(PgInt(r, row, 11));
  run.attempts = PgInt(r, row, 12);
  run.trigger_json = PgText(r, row, 13);
  run.queued_us = PgInt(r, row, 14);
  return run;
}

StoredEvent PostgresRunStore::EventOf(const PGresult* r, int row) {
  return StoredEvent{PgInt(r, row, 0), PgText(r, row, 1), PgText(r, row, 2), PgText(r, row, 3),
                     PgText(r, row, 4)};
}

StoredError PostgresRunStore::ErrorOf(const PGresult* r, int row) {
  StoredError e;
  e.step = PgText(r, row, 0);
  e.code = PgText(r, row, 1);
  e.message = PgText(r, row, 2);
  e.record = PgText(r, row, 3);
  if (!PgIsNull(r, row, 4)) e.source = PgText(r, row, 4);
  if (!PgIsNull(r, row, 5)) e.line = PgInt(r, row, 5);
  e.at_us = PgInt(r, row, 6);
  return e;
}

template <typename F>
std::optional<std::string> PostgresRunStore::InsertRows(const char* table_and_columns,
                                                        const std::vector<const char*>& types, size_t rows,
                                                        F&& row) {
  const size_t width = types.size();
  const std::string sql = UnnestInsert(table_and_columns, types);
  std::vector<PgParam> params;
  std::vector<std::vector<PgParam>> columns(width);
  std::vector<PgParam> arrays(width);
  for (size_t first = 0; first < rows; first += kRowsPerInsert) {
    size_t count = std::min(kRowsPerInsert, rows - first);
    params.clear();
    for (size_t i = first; i < first + count; ++i) row(i, params);
    for (size_t c = 0; c < width; ++c) {
      columns[c].clear();
      for (size_t r = 0; r < count; ++r) columns[c].push_back(std::move(params[r * width + c]));
      arrays[c] = PgArrayLiteral(columns[c]);
    }
    if (auto error = Exec(sql, arrays)) return error;
  }
  return std::nullopt;
}

std::optional<std::string> PostgresRunStore::Migrate() {
  return Call(true, [&] { return MigrateInTransaction(); });
}

std::optional<std::string> PostgresRunStore::BeginRun(const StoredRun& run) {
  return Call(true, [&] {
    return Exec(
        "INSERT INTO runs (id, pipeline, source_file, plan_json, plan_hash, params_json, status, failure, "
        "started_at, finished_at, rows_in, errors, attempts, trigger_json, queued_at) "
        "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::bigint,$10::bigint,$11::bigint,$12::bigint,$13::bigint,$14,"
        "$15::bigint)",
        {run.id, run.pipeline, run.source_file, run.plan_json, run.plan_hash, run.params_json, run.status,
         run.failure, Int(run.started_us), run.finished_us ? Int(*run.finished_us) : PgParam(),
         Int(run.rows_in), Int(run.errors), Int(run.attempts), run.trigger_json,
         // 0 = never queued (`etlc run`): NULL, read back as the start.
         run.queued_us != 0 ? Int(run.queued_us) : PgParam()});
  });
}

std::optional<std::string> PostgresRunStore::FinishRun(const std::string& run_id, const RunEnd& end) {
  return Call(true, [&]() -> std::optional<std::string> {
    PgResult result;
    if (auto error =
            Exec("UPDATE runs SET status = $1, failure = $2, finished_at = $3::bigint, "
                 "rows_in = $4::bigint, errors = $5::bigint WHERE id = $6",
                 {end.status, end.failure, Int(end.finished_us), Int(end.rows_in), Int(end.errors), run_id},
                 &result))
      return error;
    if (std::string(PQcmdTuples(result.get())) != "1") return fmt::format("no run `{}`", run_id);
    // A resumed run ends again: its metrics replace the earlier attempt's.
    if (auto error = Exec("DELETE FROM step_metrics WHERE run_id = $1", {run_id})) return error;
    return InsertRows(
        "step_metrics (run_id, seq, step, kind, name, rows_in, rows_out, filtered, errors, busy_us)",
        {"text", "bigint", "text", "text", "text", "bigint", "bigint", "bigint", "bigint", "bigint"},
        end.steps.size(), [&](size_t i, std::vector<PgParam>& params) {
          const StepMetrics& m = end.steps[i];
          params.insert(params.end(), {run_id, Int(static_cast<int64_t>(i)), m.step,
                                       std::string(ir::Spelling(m.kind)), m.name, Int(m.rows_in),
                                       Int(m.rows_out), Int(m.filtered), Int(m.errors), Int(m.busy_us)});
        });
  });
}

std::optional<std::string> PostgresRunStore::AddEvents(const std::string& run_id,
                                                       const std::vector<RunEvent>& events) {
  if (events.empty()) return std::nullopt;
  return Call(true, [&] {
    return InsertRows("events (run_id, time, level, step, event, fields_json)",
                      {"text", "bigint", "text", "text", "text", "text"}, events.size(),
                      [&](size_t i, std::vector<PgParam>& params) {
                        const RunEvent& e = events[i];
                        params.insert(params.end(), {run_id, Int(e.time_us), std::string(Spelling(e.level)),
                                                     e.step, e.event, EventFieldsJson(e)});
                      });
  });
}

std::optional<std::string> PostgresRunStore::AddErrors(const std::string& run_id,
                                                       const std::vector<StoredError>& errors) {
  if (errors.empty()) return std::nullopt;
  return Call(true, [&] {
    return InsertRows("errors (run_id, step, code, message, record, source, line, at)",
                      {"text", "text", "text", "text", "text", "text", "bigint", "bigint"}, errors.size(),
                      [&](size_t i, std::vector<PgParam>& params) {
                        const StoredError& e = errors[i];
                        params.insert(params.end(), {run_id, e.step, e.code, e.message, e.record, e.source,
                                                     e.line ? Int(*e.line) : PgParam(), Int(e.at_us)});
                      });
  });
}

std::optional<std::string> PostgresRunStore::GetRun(const std::string& run_id,
                                                    std::optional<StoredRun>& run) {
  return Call(false, [&]() -> std::optional<std::string> {
    run.reset();
    PgResult result;
    if (auto error = Exec(std::string(kRunColumns) + " WHERE id = $1", {run_id}, &result)) return error;
    if (PQntuples(result.get()) > 0) run = RunOf(result.get(), 0);
    return std::nullopt;
  });
}

std::optional<std::string> PostgresRunStore::StepMetricsOf(const std::string& run_id,
                                                           std::vector<StepMetrics>& steps) {
  return Call(false, [&]() -> std::optional<std::string> {
    steps.clear();
    PgResult r;
    if (auto error =
            Exec("SELECT step, kind, name, rows_in, rows_out, filtered, errors, busy_us FROM step_metrics "
                 "WHERE run_id = $1 ORDER BY seq",
                 {run_id}, &r))
      return error;
    for (int row = 0; row < PQntuples(r.get()); ++row) {
      StepMetrics m;
      m.step = PgText(r.get(), row, 0);
      ir::ParseNodeKind(PgText(r.get(), row, 1), &m.kind);
      m.name = PgText(r.get(), row, 2);
      m.rows_in = static_cast<uint64_t>(PgInt(r.get(), row, 3));
      m.rows_out = static_cast<uint64_t>(PgInt(r.get(), row, 4));
      m.filtered = static_cast<uint64_t>(PgInt(r.get(), row, 5));
      m.errors = static_cast<uint64_t>(PgInt(r.get(), row, 6));
      m.busy_us = PgInt(r.get(), row, 7);
      m.finished = true;
      steps.push_back(std::move(m));
    }
    return std::nullopt;
  });
}

std::optional<std::string> PostgresRunStore::ReopenRun(const std::string& run_id) {
  return Call(true, [&]() -> std::optional<std::string> {
    PgResult r;
    if (auto error = Exec("SELECT status FROM runs WHERE id = $1 FOR UPDATE", {run_id}, &r)) return error;
    if (PQntuples(r.get()) == 0) return fmt::format("no run `{}`", run_id);
    if (PgText(r.get(), 0, 0) == "succeeded") {
      return fmt::format("run `{}` succeeded: there is nothing to resume", run_id);
    }
    return Exec(
        "UPDATE runs SET status = 'running', failure = '', finished_at = NULL, attempts = attempts + 1 "
        "WHERE id = $1",
        {run_id});
  });
}

std::optional<std::string> PostgresRunStore::DeleteRunsFinishedBefore(int64_t cutoff_us,
                                                                      std::vector<std::string>& deleted) {
  auto error = Call(true, [&]() -> std::optional<std::string> {
    deleted.clear();
    // The rows are locked first, so a run reopened meanwhile is either deleted whole or kept.
    PgResult r;
    if (auto error = Exec("SELECT id FROM runs WHERE finished_at IS NOT NULL AND finished_at < $1::bigint "
                          "AND status <> 'running' ORDER BY finished_at, id COLLATE \"C\" FOR UPDATE",
                          {Int(cutoff_us)}, &r))
      return error;
    for (int row = 0; row < PQntuples(r.get()); ++row) deleted.push_back(PgText(r.get(), row, 0));
    if (deleted.empty()) return std::nullopt;
    PgParam ids = PgArrayLiteral(std::vector<PgParam>(deleted.begin(), deleted.end()));
    for (const char* table : {"step_metrics", "events", "errors", "runs"}) {
      const char* column = std::string_view(table) == "runs" ? "id" : "run_id";
      if (auto error = Exec(fmt::format("DELETE FROM {} WHERE {} = ANY($1::text[])", table, column), {ids}))
        return error;
    }
    return std::nullopt;
  });
  if (error) deleted.clear();
  return error;
}

std::optional<std::string> PostgresRunStore::GetStepState(const std::string& pipeline,
                                                          const std::string& step, const std::string& key,
                                                          std::optional<std::string>& value) {
  return Call(false, [&]() -> std::optional<std::string> {
    value.reset();
    PgResult r;
    if (auto error = Exec("SELECT value FROM step_state WHERE pipeline = $1 AND step = $2 AND key = $3",
                          {pipeline, step, key}, &r))
      return error;
    if (PQntuples(r.get()) > 0) value = PgText(r.get(), 0, 0);
    return std::nullopt;
  });
}

std::optional<std::string> PostgresRunStore::PutStepState(const std::string& pipeline,
                                                          const std::string& step, const std::string& key,
                                                          const std::string& value) {
  return Call(true, [&] {
    return Exec(
        "INSERT INTO step_state (pipeline, step, key, value, updated_at) VALUES ($1,$2,$3,$4,$5::bigint) "
        "ON CONFLICT (pipeline, step, key) DO UPDATE SET value = excluded.value, updated_at = "
        "excluded.updated_at",
        {pipeline, step, key, value, Int(NowUs())});
  });
}

std::optional<std::string> PostgresRunStore::MigrateInTransaction() {
  // Two processes opening a new store at once: the second waits here until the first
  // committed, then finds nothing to do (CREATE TABLE IF NOT EXISTS alone races).
  if (auto error = Exec("SELECT pg_advisory_xact_lock(hashtext('etl run store'), "
                        "hashtext(coalesce(current_schema(), '')))"))
    return error;
  PgResult r;
  if (auto error = Exec("SELECT current_schema(), current_setting('search_path')", {}, &r)) return error;
  if (PgIsNull(r.get(), 0, 0)) {
    return fmt::format("no schema of the search_path ({}) exists: create it first, or name another",
                       PgText(r.get(), 0, 1));
  }
  if (auto error = Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")) return error;
  if (auto error = Exec("SELECT max(version) FROM schema_version", {}, &r)) return error;
  int64_t version = PgIsNull(r.get(), 0, 0) ? 0 : PgInt(r.get(), 0, 0);
  if (version > kRunStoreSchemaVersion) {
    return fmt::format("schema version {} is newer than this etlc's ({}); use a newer etlc", version,
                       kRunStoreSchemaVersion);
  }
  for (int64_t next = version + 1; next <= kRunStoreSchemaVersion; ++next) {
    if (auto error = conn_->ExecScript(kPgMigrations[next - 1])) {
      return fmt::format("migration to schema version {}: {}", next, *error);
    }
    if (auto error = Exec("INSERT INTO schema_version (version) VALUES ($1::integer)", {Int(next)}))
      return error;
  }
  return std::nullopt;
}

}  // namespace detail

using detail::PostgresRunStore;

std::unique_ptr<RunStore> OpenPostgresRunStore(const std::string& url, std::string& error) {
  std::string connect_error;
  auto conn = PgConnection::Connect(url, connect_error);
  if (!conn) {
    error = fmt::format("cannot open run store `{}`: {}", RedactPostgresUrl(url), connect_error);
    return nullptr;
  }
  auto store = std::make_unique<PostgresRunStore>(std::move(conn));
  if (auto problem = store->Migrate()) {
    error = "cannot open " + *problem;
    return nullptr;
  }
  return store;
}

}  // namespace etl::runtime
