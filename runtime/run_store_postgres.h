// PostgresRunStore, the run store in a PostgreSQL database, declared here because two files
// define it: run_store_postgres.cpp (schema and migrations, runs, events, errors, resume,
// gc, step state) and run_store_postgres_serve.cpp (what schema version 3 added for `etlc
// serve`: queued runs, run filters and pages, tokens, the audit log). Internal to the
// runtime: callers use run_store.h (OpenPostgresRunStore). docs/dev/run-store.md#postgresql.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/run_store.h"
#include "runtime/run_store_postgres_conn.h"

namespace etl::runtime::detail {

// An integer statement parameter (cast in the SQL: `$3::bigint`).
inline PgParam Int(int64_t n) { return std::to_string(n); }
inline PgParam Int(uint64_t n) { return std::to_string(static_cast<int64_t>(n)); }

// The PostgreSQL backend of RunStore: the SQLite store's tables and semantics with BIGINT
// microsecond times, migrations under an advisory lock, parameterised statements only, one
// transaction per batch and one reconnect per call after a lost connection.
class PostgresRunStore : public RunStore {
 public:
  explicit PostgresRunStore(std::unique_ptr<PgConnection> conn) : conn_(std::move(conn)) {}

  // Brings the schema to kRunStoreSchemaVersion; an error message when it cannot.
  std::optional<std::string> Migrate();

  // run_store_postgres.cpp
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

  // run_store_postgres_serve.cpp
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

  std::string Describe() const override { return conn_->Where(); }

 private:
  // The columns RunOf reads, in its order; a run queued before version 3 (queued_at NULL)
  // reads its start as its queue time.
  static constexpr const char* kRunColumns =
      "SELECT id, pipeline, source_file, plan_json, plan_hash, params_json, status, failure, started_at, "
      "finished_at, rows_in, errors, attempts, trigger_json, coalesce(queued_at, started_at) FROM runs";
  // The columns of EventOf and ErrorOf.
  static constexpr const char* kEventColumns = "SELECT time, level, step, event, fields_json FROM events";
  static constexpr const char* kErrorColumns =
      "SELECT step, code, message, record, source, line, at FROM errors";

  // One row of a kRunColumns / kEventColumns / kErrorColumns query.
  static StoredRun RunOf(const PGresult* r, int row);
  static StoredEvent EventOf(const PGresult* r, int row);
  static StoredError ErrorOf(const PGresult* r, int row);

  // Runs one statement on the connection.
  std::optional<std::string> Exec(const std::string& sql, const std::vector<PgParam>& params = {},
                                  PgResult* result = nullptr) {
    return conn_->Exec(sql, params, result);
  }

  // Inserts `rows` rows, kRowsPerInsert per statement; `row(i, params)` appends row i's
  // parameters (one per column, `types.size()` of them).
  template <typename F>
  std::optional<std::string> InsertRows(const char* table_and_columns, const std::vector<const char*>& types,
                                        size_t rows, F&& row);

  // One call of the interface: `body` in a transaction when `write` (COMMIT on success,
  // ROLLBACK otherwise). When the connection is (or gets) lost, reconnects once and runs
  // `body` again, unless the COMMIT was already sent (then whether it landed is unknown, and
  // the error says so). Errors are "run store `URL`: ...".
  template <typename F>
  std::optional<std::string> Call(bool write, F&& body) {
    bool reconnected = false;
    for (;;) {
      if (conn_->Lost()) {
        if (reconnected) return Message("lost the connection to the server");
        reconnected = true;
        if (auto error = conn_->Reconnect()) {
          return Message("lost the connection to the server and cannot reconnect: " + *error);
        }
      }
      bool commit_sent = false;
      std::optional<std::string> error;
      if (write) error = Exec("BEGIN");
      if (!error) error = body();
      if (write && !error) {
        commit_sent = true;
        error = Exec("COMMIT");
      }
      if (!error) return std::nullopt;
      if (conn_->Lost()) {
        if (commit_sent) {
          return Message(
              "lost the connection to the server during COMMIT: the write may or may not be stored (" +
              *error + ")");
        }
        if (!reconnected) continue;
        return Message("lost the connection to the server: " + *error);
      }
      if (write) Exec("ROLLBACK");
      return Message(*error);
    }
  }

  // Runs the reads of `body` in one read-only snapshot (a count and the page it counts
  // agree); inside Call(false, ...), which reconnects.
  template <typename F>
  std::optional<std::string> InSnapshot(F&& body) {
    if (auto error = Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) return error;
    std::optional<std::string> error = body();
    if (!error) return Exec("COMMIT");
    if (!conn_->Lost()) Exec("ROLLBACK");
    return error;
  }

  // A page of the rows of a run in `table` (`columns` = kEventColumns or kErrorColumns) in
  // recorded order (`seq`): the result in `page`, their total in `total`.
  std::optional<std::string> RunRowsPage(const char* columns, const char* table, const std::string& run_id,
                                         size_t offset, size_t limit, PgResult& page, uint64_t& total);
  // Sets a time column of token `id` (RevokeToken, TouchToken): `sql` has $1 = the time,
  // $2 = the id; an error naming the token when there is none.
  std::optional<std::string> UpdateToken(const char* sql, const std::string& id, int64_t time_us);

  std::string Message(const std::string& what) const {
    return fmt::format("run store `{}`: {}", Describe(), what);
  }
  std::optional<std::string> MigrateInTransaction();

  std::unique_ptr<PgConnection> conn_;
};

}  // namespace etl::runtime::detail
