// SqliteRunStore, the run store in one SQLite file, declared here because two files define
// it: run_store.cpp (schema and migrations, runs, events, errors, resume, gc, step state)
// and run_store_sqlite_serve.cpp (what schema version 3 added for `etlc serve`: queued
// runs, run filters and pages, tokens, the audit log). Internal to the runtime: callers
// use run_store.h (OpenSqliteRunStore). docs/dev/run-store.md.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/run_store.h"

namespace etl::runtime::detail {

// Closes the database when it goes.
struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
// Finalizes a statement when it goes.
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// A counter as SQLite's integer.
inline int64_t AsInt(uint64_t n) { return static_cast<int64_t>(n); }

// A text column ("" for NULL).
inline std::string ColumnText(sqlite3_stmt* stmt, int i) {
  const unsigned char* text = sqlite3_column_text(stmt, i);
  return text == nullptr ? std::string()
                         : std::string(reinterpret_cast<const char*>(text),
                                       static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
}

// The SQLite backend of RunStore (WAL, busy timeout, migrations by version, prepared
// statements, one transaction per batch).
class SqliteRunStore : public RunStore {
 public:
  SqliteRunStore(Db db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}

  // Sets the connection up and migrates; an error message when it fails.
  std::optional<std::string> Init();

  // run_store.cpp
  std::optional<std::string> BeginRun(const StoredRun& run) override;
  std::optional<std::string> FinishRun(const std::string& run_id, const RunEnd& end) override;
  std::optional<std::string> AddEvents(const std::string& run_id,
                                       const std::vector<RunEvent>& events) override;
  std::optional<std::string> AddErrors(const std::string& run_id,
                                       const std::vector<StoredError>& errors) override;
  std::optional<std::string> GetRun(const std::string& run_id, std::optional<StoredRun>& run) override;
  std::optional<std::string> StepMetricsOf(const std::string& run_id,
                                           std::vector<StepMetrics>& steps) override;
  std::optional<std::string> ReopenRun(const std::string& run_id) override;
  std::optional<std::string> DeleteRunsFinishedBefore(int64_t cutoff_us,
                                                      std::vector<std::string>& deleted) override;
  std::optional<std::string> GetStepState(const std::string& pipeline, const std::string& step,
                                          const std::string& key, std::optional<std::string>& value) override;
  std::optional<std::string> PutStepState(const std::string& pipeline, const std::string& step,
                                          const std::string& key, const std::string& value) override;

  // run_store_sqlite_serve.cpp
  std::optional<std::string> ListRuns(const RunQuery& query, std::vector<StoredRun>& runs) override;
  std::optional<std::string> CountRuns(const RunQuery& query, uint64_t& count) override;
  std::optional<std::string> StartQueuedRun(const std::string& run_id, int64_t started_us,
                                            bool& changed) override;
  std::optional<std::string> EventsPage(const std::string& run_id, size_t offset, size_t limit,
                                        std::vector<StoredEvent>& events, uint64_t& total) override;
  std::optional<std::string> ErrorsPage(const std::string& run_id, size_t offset, size_t limit,
                                        std::vector<StoredError>& errors, uint64_t& total) override;
  std::optional<std::string> AddToken(const StoredToken& token) override;
  std::optional<std::string> ListTokens(std::vector<StoredToken>& tokens) override;
  std::optional<std::string> FindToken(const std::string& secret_sha256,
                                       std::optional<StoredToken>& token) override;
  std::optional<std::string> RevokeToken(const std::string& id, int64_t revoked_us) override;
  std::optional<std::string> TouchToken(const std::string& id, int64_t used_us) override;
  std::optional<std::string> AddAudit(const AuditEntry& entry) override;
  std::optional<std::string> AuditPage(size_t offset, size_t limit, std::vector<AuditEntry>& entries,
                                       uint64_t& total) override;

  std::string Describe() const override { return path_; }

 private:
  // The columns ReadRuns reads, in its order; a run queued before version 3 (queued_at
  // NULL) reads its start as its queue time.
  static constexpr const char* kRunColumns =
      "SELECT id, pipeline, source_file, plan_json, plan_hash, params_json, status, failure, started_at, "
      "finished_at, rows_in, errors, attempts, trigger_json, coalesce(queued_at, started_at) FROM runs";
  // The columns of ReadEvent and ReadError.
  static constexpr const char* kEventColumns = "SELECT time, level, step, event, fields_json FROM events";
  static constexpr const char* kErrorColumns =
      "SELECT step, code, message, record, source, line, at FROM errors";

  // "run store `PATH`: WHAT: sqlite's message".
  std::string Fail(std::string_view what) const;
  // Runs constant SQL (possibly several statements).
  std::optional<std::string> Exec(const char* sql);
  // Compiles one statement.
  std::optional<std::string> Prepare(const char* sql, Stmt& stmt);
  // Binds text parameter `i` (a copy: the text may go before the statement runs).
  static void BindText(const Stmt& stmt, int i, std::string_view text);
  // Runs a statement that returns no rows.
  std::optional<std::string> StepDone(const Stmt& stmt);

  // Runs `stmt` to the end, calling `row` for each row.
  template <typename F>
  std::optional<std::string> ReadRows(const Stmt& stmt, F&& row) {
    for (;;) {
      int rc = sqlite3_step(stmt.get());
      if (rc == SQLITE_DONE) return std::nullopt;
      if (rc != SQLITE_ROW) return Fail("read");
      row();
    }
  }

  // The rows of a kRunColumns query.
  std::optional<std::string> ReadRuns(const Stmt& stmt, std::vector<StoredRun>& runs);
  // One row of a kEventColumns / kErrorColumns query.
  static StoredEvent ReadEvent(sqlite3_stmt* stmt);
  static StoredError ReadError(sqlite3_stmt* stmt);
  // The one integer a query such as `SELECT count(*)` returns.
  std::optional<std::string> ReadCount(const Stmt& stmt, uint64_t& count);
  // `select` (kRunColumns or a count) with the WHERE clause of `query`'s filters, then
  // `tail` (ordering and paging), compiled and its filter parameters bound from ?1 on;
  // the next free parameter number in `next_param`.
  std::optional<std::string> PrepareRunQuery(const RunQuery& query, const char* select, const char* tail,
                                             Stmt& stmt, int& next_param);
  // A page of the rows of a run in `table` (`columns` = kEventColumns or kErrorColumns),
  // in recorded order, `row` called on each, and their total.
  template <typename F>
  std::optional<std::string> RunRowsPage(const char* columns, const char* table, const std::string& run_id,
                                         size_t offset, size_t limit, uint64_t& total, F&& row);

  // COMMIT when `error` is empty, else ROLLBACK; returns `error` (or the commit's).
  std::optional<std::string> EndTransaction(std::optional<std::string> error);
  std::optional<std::string> FinishRunInTransaction(const std::string& run_id, const RunEnd& end);
  // Deletes the rows of `table` that belong to `run_id`.
  std::optional<std::string> DeleteRowsOf(const char* table, const std::string& run_id);
  // A run is deleted only once it has an end (finished_at) before the cutoff and is not
  // running: a resumed run has finished_at cleared, so it is never caught mid-attempt.
  std::optional<std::string> DeleteRunsInTransaction(int64_t cutoff_us, std::vector<std::string>& deleted);
  // Sets a time column of token `id` (RevokeToken, TouchToken): `sql` has ?1 = the time,
  // ?2 = the id; an error naming the token when there is none.
  std::optional<std::string> UpdateToken(const char* sql, const std::string& id, int64_t time_us);

  // Brings the schema to kRunStoreSchemaVersion in one transaction (another process doing
  // the same waits on the write lock and then finds nothing to do).
  std::optional<std::string> Migrate();
  std::optional<std::string> MigrateInTransaction();

  Db db_;
  std::string path_;
};

}  // namespace etl::runtime::detail
