#include "runtime/sink_sqlite.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <system_error>

#include "runtime/sink_format.h"

namespace etl::runtime {

namespace {

using ast::TypeKind;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// SQLite's type affinity of a declared column type (https://sqlite.org/datatype3.html 3.1).
enum class Affinity { Integer, Text, Blob, Real, Numeric };

Affinity AffinityOf(const std::string& declared) {
  std::string type = Lower(declared);
  if (type.find("int") != std::string::npos) return Affinity::Integer;
  if (type.find("char") != std::string::npos || type.find("clob") != std::string::npos ||
      type.find("text") != std::string::npos) {
    return Affinity::Text;
  }
  if (type.empty() || type.find("blob") != std::string::npos) return Affinity::Blob;
  if (type.find("real") != std::string::npos || type.find("floa") != std::string::npos ||
      type.find("doub") != std::string::npos) {
    return Affinity::Real;
  }
  return Affinity::Numeric;
}

// A prepared statement, finalized with its owner.
struct StatementDeleter {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

class SqliteSession : public DbSession {
 public:
  SqliteSession(std::string path, int busy_timeout_ms) : path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms) {}
  ~SqliteSession() override { Disconnect(); }

  bool Connect() override {
    if (db_) return true;
    std::filesystem::path parent = std::filesystem::path(path_).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
      error_ = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
      sqlite3_close(db);
      return false;
    }
    db_ = db;
    sqlite3_busy_timeout(db_, busy_timeout_ms_);
    sqlite3_extended_result_codes(db_, 1);
    return true;
  }

  bool Connected() const override { return db_ != nullptr; }

  void Disconnect() override {
    if (!db_) return;
    statements_.clear();
    Rollback();
    sqlite3_close(db_);
    db_ = nullptr;
  }

  bool Exec(const std::string& sql) override {
    if (!db_ && !Connect()) return false;
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      error_ = message ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      return false;
    }
    return true;
  }

  bool Begin(bool write) override { return Exec(write ? "BEGIN IMMEDIATE" : "BEGIN"); }

  void Rollback() override {
    if (db_ && !sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  bool Describe(const std::string& table, std::optional<std::vector<DbColumn>>* out) override {
    Statement stmt = Prepare("PRAGMA table_info(" + QuoteIdentifier(table) + ")");
    if (!stmt) return false;
    std::vector<DbColumn> columns;
    int pk_columns = 0;
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      DbColumn column;
      column.name = Text(stmt.get(), 1);
      column.type = Lower(Text(stmt.get(), 2));
      column.not_null = sqlite3_column_int(stmt.get(), 3) != 0;
      column.has_default = sqlite3_column_type(stmt.get(), 4) != SQLITE_NULL;
      if (sqlite3_column_int(stmt.get(), 5) > 0) {
        ++pk_columns;
        if (column.type == "integer") column.has_default = true;  // the rowid alias, if alone
      }
      columns.push_back(std::move(column));
    }
    if (rc != SQLITE_DONE) return Failed();
    if (columns.empty()) {
      *out = std::nullopt;
      return true;
    }
    if (pk_columns > 1) {
      for (DbColumn& column : columns) column.has_default = column.has_default && column.type != "integer";
    }
    *out = std::move(columns);
    return true;
  }

  bool HasUniqueKey(const std::string& table, const std::vector<std::string>& keys, bool* has) override {
    *has = false;
    std::vector<std::string> wanted;
    for (const std::string& key : keys) wanted.push_back(Lower(key));
    std::sort(wanted.begin(), wanted.end());
    // An INTEGER PRIMARY KEY is the rowid: unique, but listed by no index.
    Statement info = Prepare("PRAGMA table_info(" + QuoteIdentifier(table) + ")");
    if (!info) return false;
    std::vector<std::string> pk;
    while (sqlite3_step(info.get()) == SQLITE_ROW) {
      if (sqlite3_column_int(info.get(), 5) > 0) pk.push_back(Lower(Text(info.get(), 1)));
    }
    std::sort(pk.begin(), pk.end());
    if (!pk.empty() && pk == wanted) {
      *has = true;
      return true;
    }
    Statement list = Prepare("PRAGMA index_list(" + QuoteIdentifier(table) + ")");
    if (!list) return false;
    std::vector<std::string> indexes;
    while (sqlite3_step(list.get()) == SQLITE_ROW) {
      // seq, name, unique, origin, partial
      if (sqlite3_column_int(list.get(), 2) != 0 && sqlite3_column_int(list.get(), 4) == 0) {
        indexes.push_back(Text(list.get(), 1));
      }
    }
    for (const std::string& index : indexes) {
      Statement cols = Prepare("PRAGMA index_info(" + QuoteIdentifier(index) + ")");
      if (!cols) return false;
      std::vector<std::string> names;
      while (sqlite3_step(cols.get()) == SQLITE_ROW) names.push_back(Lower(Text(cols.get(), 2)));
      std::sort(names.begin(), names.end());
      if (names == wanted) {
        *has = true;
        return true;
      }
    }
    return true;
  }

  bool TableExists(const std::string& table, bool* exists) override {
    Statement stmt = Prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1");
    if (!stmt) return false;
    sqlite3_bind_text(stmt.get(), 1, table.data(), static_cast<int>(table.size()), SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt.get());
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Failed();
    *exists = rc == SQLITE_ROW;
    return true;
  }

  bool EnsureProgressTable() override {
    return Exec(
        "CREATE TABLE IF NOT EXISTS _etl_progress (run_id TEXT NOT NULL, step TEXT NOT NULL, progress BLOB, "
        "staged INTEGER NOT NULL, published INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, step))");
  }

  bool ReadProgress(const std::string& run_id, const std::string& step, std::optional<DbProgress>* out) override {
    Statement stmt = Prepare("SELECT progress, staged, published FROM _etl_progress WHERE run_id = ?1 AND step = ?2");
    if (!stmt) return false;
    sqlite3_bind_text(stmt.get(), 1, run_id.data(), static_cast<int>(run_id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt.get(), 2, step.data(), static_cast<int>(step.size()), SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_DONE) {
      *out = std::nullopt;
      return true;
    }
    if (rc != SQLITE_ROW) return Failed();
    DbProgress progress;
    const void* blob = sqlite3_column_blob(stmt.get(), 0);
    progress.progress.assign(static_cast<const char*>(blob), blob ? sqlite3_column_bytes(stmt.get(), 0) : 0);
    progress.staged = sqlite3_column_int64(stmt.get(), 1);
    progress.published = sqlite3_column_int(stmt.get(), 2) != 0;
    *out = std::move(progress);
    return true;
  }

  bool WriteProgress(const std::string& run_id, const std::string& step, const DbProgress& progress) override {
    Statement stmt = Prepare(
        "INSERT INTO _etl_progress (run_id, step, progress, staged, published) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT (run_id, step) DO UPDATE SET progress = excluded.progress, staged = excluded.staged, "
        "published = excluded.published");
    if (!stmt) return false;
    sqlite3_bind_text(stmt.get(), 1, run_id.data(), static_cast<int>(run_id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt.get(), 2, step.data(), static_cast<int>(step.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(stmt.get(), 3, progress.progress.data(), static_cast<int>(progress.progress.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt.get(), 4, progress.staged);
    sqlite3_bind_int(stmt.get(), 5, progress.published ? 1 : 0);
    if (sqlite3_step(stmt.get()) != SQLITE_DONE) return Failed();
    return true;
  }

  bool InsertRows(const std::string& staging, const Batch& batch, int64_t first_seq) override {
    const size_t fields = batch.columns.size();
    auto found = statements_.find(staging);
    if (found == statements_.end()) {
      std::string sql = "INSERT INTO " + staging + " VALUES (?";
      for (size_t f = 0; f < fields; ++f) sql += ", ?";
      sql += ")";
      Statement stmt = Prepare(sql);
      if (!stmt) return false;
      found = statements_.emplace(staging, std::move(stmt)).first;
    }
    sqlite3_stmt* stmt = found->second.get();
    for (size_t i = 0; i < batch.Size(); ++i) {
      const uint32_t row = batch.RowAt(i);
      sqlite3_bind_int64(stmt, 1, first_seq + static_cast<int64_t>(i));
      for (size_t f = 0; f < fields; ++f) Bind(stmt, static_cast<int>(f) + 2, *batch.columns[f], row);
      int rc = sqlite3_step(stmt);
      sqlite3_reset(stmt);
      if (rc != SQLITE_DONE) {
        error_ = sqlite3_errmsg(db_);
        return false;
      }
    }
    return true;
  }

  std::string ColumnType(const TypeRef& type) const override {
    switch (type->kind) {
      case TypeKind::Int:
      case TypeKind::Duration: return "INTEGER";
      case TypeKind::Bool: return "BOOLEAN";
      case TypeKind::Float: return "REAL";
      case TypeKind::Bytes: return "BLOB";
      case TypeKind::Decimal: return "TEXT";  // exact digits: NUMERIC affinity would round
      default: return "TEXT";
    }
  }

  bool Fits(const TypeRef& type, const std::string& column) const override {
    Affinity affinity = AffinityOf(column);
    switch (type->kind) {
      case TypeKind::Int:
      case TypeKind::Bool:
      case TypeKind::Duration: return affinity == Affinity::Integer || affinity == Affinity::Numeric;
      case TypeKind::Float: return affinity == Affinity::Real || affinity == Affinity::Numeric;
      case TypeKind::Bytes: return affinity == Affinity::Blob;
      default: return affinity == Affinity::Text;
    }
  }

  std::string QuoteName(const std::string& table) const override { return QuoteIdentifier(table); }

  // Every Push commits: an open transaction on a staging table in the main database holds
  // the file's write lock, which would stall another sink writing to the same file.
  int64_t TransactionRows() const override { return 1; }

  bool SameColumnName(const std::string& a, const std::string& b) const override { return Lower(a) == Lower(b); }

 private:
  bool Failed() {
    error_ = sqlite3_errmsg(db_);
    return false;
  }

  Statement Prepare(const std::string& sql) {
    if (!db_ && !Connect()) return nullptr;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
      error_ = sqlite3_errmsg(db_);
      return nullptr;
    }
    return Statement(stmt);
  }

  static std::string Text(sqlite3_stmt* stmt, int column) {
    const unsigned char* text = sqlite3_column_text(stmt, column);
    return text ? std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt, column)) : std::string();
  }

  void BindText(sqlite3_stmt* stmt, int index) {
    sqlite3_bind_text(stmt, index, scratch_.data(), static_cast<int>(scratch_.size()), SQLITE_TRANSIENT);
  }

  void Bind(sqlite3_stmt* stmt, int index, const Column& column, uint32_t row) {
    if (column.IsNull(row)) {
      sqlite3_bind_null(stmt, index);
      return;
    }
    const TypeKind kind = column.type->kind;
    scratch_.clear();
    switch (column.layout) {
      case Layout::Bool: sqlite3_bind_int(stmt, index, column.bools[row] ? 1 : 0); return;
      case Layout::Int64:
        if (kind == TypeKind::Timestamp) {
          AppendTimestamp(scratch_, column.ints[row]);
          BindText(stmt, index);
        } else if (kind == TypeKind::Decimal) {
          AppendDecimal(scratch_, column.ints[row], column.type->scale);
          BindText(stmt, index);
        } else {
          sqlite3_bind_int64(stmt, index, column.ints[row]);  // int, duration (µs)
        }
        return;
      case Layout::Int128:
        AppendDecimal(scratch_, column.wide[row], column.type->scale);
        BindText(stmt, index);
        return;
      case Layout::Int32:
        AppendDate(scratch_, column.days[row]);
        BindText(stmt, index);
        return;
      case Layout::Float64:
        if (std::isnan(column.floats[row])) sqlite3_bind_null(stmt, index);
        else sqlite3_bind_double(stmt, index, column.floats[row]);
        return;
      case Layout::String: {
        std::string_view text = column.String(row);
        if (kind == TypeKind::Bytes) {
          sqlite3_bind_blob(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        } else {
          sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        }
        return;
      }
      default:
        AppendValueJson(scratch_, column, row);  // lists, maps, records
        BindText(stmt, index);
        return;
    }
  }

  std::string path_;
  int busy_timeout_ms_;
  sqlite3* db_ = nullptr;
  std::map<std::string, Statement> statements_;  // INSERT per staging table
  std::string scratch_;
};

}  // namespace

std::unique_ptr<DbSession> MakeSqliteSession(std::string path, int busy_timeout_ms) {
  return std::make_unique<SqliteSession>(std::move(path), busy_timeout_ms);
}

std::unique_ptr<DbSink> MakeSqliteSink(TypeRef schema, std::string path, DbSinkOptions options, int busy_timeout_ms) {
  options.target = "sqlite:" + path + "#" + options.table;
  return std::make_unique<DbSink>(std::move(schema), std::move(options),
                                  MakeSqliteSession(std::move(path), busy_timeout_ms));
}

}  // namespace etl::runtime
