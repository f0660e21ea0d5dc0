// The database sinks (`sqlite`, `postgres`): rows are staged in a table of the target
// database (`_etl_stage_<run>_<step>`), committed batch by batch or every few thousand rows,
// and published into the target table by Commit() in one transaction (append, replace,
// upsert, scd2), so a failed run publishes nothing and, under `persist disk`, a resumed run
// neither loses nor duplicates a row: Checkpoint() records the staged row count and the
// executor's progress in `_etl_progress` in the same transaction as the rows, Restore()
// trims the staging table back to that count. DbSession hides the database; DbSink is the
// SinkStep. docs/databases.md, docs/dev/runtime-sinks.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/sink_step.h"

namespace etl::runtime {

// How the staged rows reach the target table.
enum class DbWriteMode { Append, Replace, Upsert, Scd2 };

// The columns `scd2` adds to the table: each version's validity [valid_from, valid_to).
inline constexpr const char* kValidFrom = "valid_from";
inline constexpr const char* kValidTo = "valid_to";

// A column of an existing table, as the database describes it.
struct DbColumn {
  std::string name;
  std::string type;          // declared type (SQLite) or udt_name (PostgreSQL), lowercase
  bool not_null = false;
  bool has_default = false;  // a default, a generated value or SQLite's rowid alias
};

// A progress row of `_etl_progress`.
struct DbProgress {
  std::string progress;  // the executor's opaque progress string
  int64_t staged = 0;    // rows of the staging table at that checkpoint
  bool published = false;
};

// Rows committed to the staging table per transaction (between checkpoints).
inline constexpr int64_t kDbTransactionRows = 8192;

// One connection to the target database; every call returns false and sets error() on a
// failure. Statements name tables already quoted (QuoteName).
class DbSession {
 public:
  virtual ~DbSession() = default;
  // Connects (creating a SQLite file and its directories); idempotent.
  virtual bool Connect() = 0;
  virtual bool Connected() const = 0;
  // Closes the connection; an open transaction is rolled back.
  virtual void Disconnect() = 0;
  // Runs statements that return no rows.
  virtual bool Exec(const std::string& sql) = 0;
  // Starts a transaction; `write` takes the write lock at once (SQLite BEGIN IMMEDIATE).
  virtual bool Begin(bool write) = 0;
  // Rolls back the open transaction, if any; never fails.
  virtual void Rollback() = 0;
  // The columns of `table` (a name as the user wrote it), nullopt in `out` when missing.
  virtual bool Describe(const std::string& table, std::optional<std::vector<DbColumn>>* out) = 0;
  // Whether `table` has a unique index (or primary key) on exactly `keys`.
  virtual bool HasUniqueKey(const std::string& table, const std::vector<std::string>& keys, bool* has) = 0;
  // Whether `table` exists (staging and progress tables: unquoted plain names).
  virtual bool TableExists(const std::string& table, bool* exists) = 0;
  // Creates `_etl_progress` when missing.
  virtual bool EnsureProgressTable() = 0;
  // The progress row of (run, step), nullopt in `out` when there is none.
  virtual bool ReadProgress(const std::string& run_id, const std::string& step, std::optional<DbProgress>* out) = 0;
  // Inserts or replaces the progress row of (run, step).
  virtual bool WriteProgress(const std::string& run_id, const std::string& step, const DbProgress& progress) = 0;
  // Appends the selected rows of `batch` to `staging` (columns `_etl_seq` then the fields in
  // schema order) with sequence numbers first_seq, first_seq + 1, ...
  virtual bool InsertRows(const std::string& staging, const Batch& batch, int64_t first_seq) = 0;
  // The SQL type of a column holding `type` (nullability not included).
  virtual std::string ColumnType(const TypeRef& type) const = 0;
  // Whether an existing column of declared type `column` can hold values of `type`.
  virtual bool Fits(const TypeRef& type, const std::string& column) const = 0;
  // The quoted form of a user's table name (`schema.table` is split by PostgreSQL).
  virtual std::string QuoteName(const std::string& table) const = 0;
  // Column names compare case-insensitively (SQLite) or exactly (PostgreSQL, quoted).
  virtual bool SameColumnName(const std::string& a, const std::string& b) const = 0;
  // Rows after which the staging transaction is committed (at the end of a Push).
  virtual int64_t TransactionRows() const { return kDbTransactionRows; }
  // Keyword for a table that lives as long as the connection ("TEMP").
  virtual std::string TempKeyword() const { return "TEMP"; }
  // The first error, for people (never a password).
  const std::string& error() const { return error_; }
  void ClearError() { error_.clear(); }

 protected:
  std::string error_;
};

// What a database sink writes and how.
struct DbSinkOptions {
  std::string table;                 // as the user wrote it
  DbWriteMode mode = DbWriteMode::Append;
  std::vector<std::string> keys;     // upsert and scd2 keys
  int64_t now_us = 0;                // the run's start: scd2's valid_from / valid_to
  std::string target;                // the done record's target: "sqlite:PATH#TABLE"
  SinkDurability durability;
};

// "a-b.C" -> "a_b_c": lowercase letters, digits and underscores, for identifiers we make.
std::string SanitizeIdentifier(const std::string& text);
// `"name"` with inner quotes doubled.
std::string QuoteIdentifier(const std::string& name);
// The staging table of a sink: `_etl_stage_<run>_<step>` (sanitised, at most 63 bytes, a
// hash of the full name appended when cut); `run_id` empty: a random one (non-durable runs).
std::string StagingTableName(const std::string& run_id, const std::string& step);

// A database sink: stages rows, checkpoints, publishes (see the file comment).
class DbSink : public SinkStep {
 public:
  DbSink(TypeRef schema, DbSinkOptions options, std::unique_ptr<DbSession> session);
  // Without Commit: rolls back the open transaction and disconnects; checkpointed rows stay
  // (this is what a crash leaves).
  ~DbSink() override;
  DbSink(const DbSink&) = delete;
  DbSink& operator=(const DbSink&) = delete;

  // Connects, checks an existing target table against the schema, prepares the staging table.
  void Open(Emitter& out) override;
  void Push(size_t input, const Batch& batch, Emitter& out) override;
  // Commits the staged rows and emits the done record.
  void Close(size_t input, Emitter& out) override;
  bool Done() const override { return failure_.has_value() || aborted_; }
  bool Commit() override;
  void Abort() override;
  void Suspend() override;
  const std::optional<InputError>& failure() const override { return failure_; }
  int64_t rows() const override { return rows_; }
  // Always 0: rows go to a database, not a byte stream (docs/databases.md).
  int64_t bytes() const override { return 0; }
  bool Durable() const override { return options_.durability.enabled; }
  bool Checkpoint(const std::string& progress) override;
  std::optional<std::string> Restore() override;

  // The done record's target ("sqlite:PATH#TABLE", "postgres://host:port/db#TABLE").
  const std::string& target() const { return options_.target; }
  // The staging table's name (tests).
  const std::string& staging_table() const { return staging_; }

 private:
  bool Fail(const std::string& what);            // sets failure_ from the session's error
  bool FailWith(const std::string& message);     // sets failure_ with `message`
  bool EnsureConnected();
  bool PrepareStaging();
  bool CheckTarget(bool* exists);                // the target's columns fit the schema
  bool CreateTarget();
  bool FlushTransaction();                       // commits staged rows
  bool Publish();
  std::string Scd2Sql(bool close) const;         // scd2: close changed versions / insert new ones

  TypeRef schema_;
  DbSinkOptions options_;
  std::unique_ptr<DbSession> session_;
  std::string staging_;
  std::optional<InputError> failure_;
  int64_t rows_ = 0;
  int64_t pending_ = 0;  // rows inserted in the open transaction
  bool in_transaction_ = false;
  bool opened_ = false;
  bool restored_ = false;
  bool closed_ = false;
  bool published_ = false;
  bool aborted_ = false;
  std::optional<uint64_t> last_sequence_;
  std::string last_progress_;  // of the last checkpoint (kept in the published progress row)
};

}  // namespace etl::runtime
