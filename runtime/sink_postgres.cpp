#include "runtime/sink_postgres.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cmath>

#include "runtime/sink_format.h"

namespace etl::runtime {

namespace {

using ast::TypeKind;

constexpr Oid kByteaOid = 17;
// COPY data is sent in pieces of about this size.
constexpr size_t kCopyChunkBytes = 1 << 20;

// libpq messages end in a newline and may hold tabs and further lines: one line for people.
std::string OneLine(const char* text) {
  std::string out;
  for (const char* p = text ? text : ""; *p; ++p) {
    char c = *p;
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

void IgnoreNotice(void*, const char*) {}

// Appends `text` escaped for COPY's text format.
void AppendCopyText(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
}

void AppendCopyValue(std::string& out, std::string& scratch, const Column& column, uint32_t row) {
  if (column.IsNull(row)) {
    out += "\\N";
    return;
  }
  const TypeKind kind = column.type->kind;
  switch (column.layout) {
    case Layout::Bool: out += column.bools[row] ? 't' : 'f'; return;
    case Layout::Int64:
      if (kind == TypeKind::Timestamp) {
        AppendTimestamp(out, column.ints[row]);
      } else if (kind == TypeKind::Decimal) {
        AppendDecimal(out, column.ints[row], column.type->scale);
      } else if (kind == TypeKind::Duration) {
        AppendInt64(out, column.ints[row]);
        out += " microseconds";
      } else {
        AppendInt64(out, column.ints[row]);
      }
      return;
    case Layout::Int128: AppendDecimal(out, column.wide[row], column.type->scale); return;
    case Layout::Int32: AppendDate(out, column.days[row]); return;
    case Layout::Float64: {
      double value = column.floats[row];
      if (std::isnan(value)) out += "NaN";
      else if (std::isinf(value)) out += value > 0 ? "Infinity" : "-Infinity";
      else AppendFloat(out, value);
      return;
    }
    case Layout::String: {
      std::string_view text = column.String(row);
      if (kind == TypeKind::Bytes) {
        static const char kHex[] = "0123456789abcdef";
        out += "\\\\x";  // bytea's hex input `\x..`, its backslash escaped for COPY
        for (unsigned char c : text) {
          out += kHex[c >> 4];
          out += kHex[c & 15];
        }
      } else {
        AppendCopyText(out, text);
      }
      return;
    }
    default:
      scratch.clear();
      AppendValueJson(scratch, column, row);
      AppendCopyText(out, scratch);
      return;
  }
}

std::string HexDecode(const std::string& hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 0;
  };
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(digit(hex[i]) * 16 + digit(hex[i + 1]));
  return out;
}

class PostgresSession : public DbSession {
 public:
  explicit PostgresSession(std::string url) : url_(std::move(url)) {}
  ~PostgresSession() override { Disconnect(); }

  bool Connect() override {
    if (conn_) return true;
    PGconn* conn = PQconnectdb(url_.c_str());
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
      error_ = conn ? OneLine(PQerrorMessage(conn)) : std::string("out of memory");
      if (conn) PQfinish(conn);
      return false;
    }
    conn_ = conn;
    PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);  // "table does not exist, skipping"
    if (!Exec("SET client_encoding TO 'UTF8'; SET TIME ZONE 'UTC'")) {
      Disconnect();
      return false;
    }
    return true;
  }

  bool Connected() const override { return conn_ != nullptr; }

  void Disconnect() override {
    if (!conn_) return;
    PQfinish(conn_);  // an open transaction is rolled back by the server
    conn_ = nullptr;
  }

  bool Exec(const std::string& sql) override {
    if (!conn_ && !Connect()) return false;
    Result result(PQexec(conn_, sql.c_str()));
    return Check(result.get());
  }

  bool Begin(bool write) override {
    (void)write;  // row locks are taken by the statements themselves
    return Exec("BEGIN");
  }

  void Rollback() override {
    if (!conn_) return;
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return;
    Result result(PQexec(conn_, "ROLLBACK"));
  }

  bool Describe(const std::string& table, std::optional<std::vector<DbColumn>>* out) override {
    Result result = Query(
        "SELECT a.attname, t.typname, a.attnotnull, (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '') "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        {QuoteName(table)});
    if (!result) return false;
    int rows = PQntuples(result.get());
    if (rows == 0) {
      *out = std::nullopt;
      return true;
    }
    std::vector<DbColumn> columns;
    for (int i = 0; i < rows; ++i) {
      DbColumn column;
      column.name = PQgetvalue(result.get(), i, 0);
      column.type = PQgetvalue(result.get(), i, 1);
      column.not_null = PQgetvalue(result.get(), i, 2)[0] == 't';
      column.has_default = PQgetvalue(result.get(), i, 3)[0] == 't';
      columns.push_back(std::move(column));
    }
    *out = std::move(columns);
    return true;
  }

  bool HasUniqueKey(const std::string& table, const std::vector<std::string>& keys, bool* has) override {
    *has = false;
    Result result = Query(
        "SELECT (SELECT string_agg(a.attname, ',' ORDER BY a.attname) FROM pg_attribute a "
        "WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)) "
        "FROM pg_index i WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indpred IS NULL "
        "AND i.indexprs IS NULL",
        {QuoteName(table)});
    if (!result) return false;
    std::vector<std::string> wanted = keys;
    std::sort(wanted.begin(), wanted.end());
    std::string joined;
    for (const std::string& key : wanted) joined += (joined.empty() ? "" : ",") + key;
    for (int i = 0; i < PQntuples(result.get()); ++i) {
      if (joined == PQgetvalue(result.get(), i, 0)) *has = true;
    }
    return true;
  }

  bool TableExists(const std::string& table, bool* exists) override {
    Result result = Query("SELECT to_regclass($1) IS NOT NULL", {QuoteIdentifier(table)});
    if (!result) return false;
    *exists = PQgetvalue(result.get(), 0, 0)[0] == 't';
    return true;
  }

  bool EnsureProgressTable() override {
    // CREATE TABLE IF NOT EXISTS is not safe against a concurrent one (two sinks of a run
    // starting together: "duplicate key value violates pg_type_typname_nsp_index"), so the
    // creators take a transaction-scoped advisory lock first (one PQexec: one transaction).
    return Exec(
        "SELECT pg_advisory_xact_lock(hashtext('etl:_etl_progress')); "
        "CREATE TABLE IF NOT EXISTS _etl_progress (run_id TEXT NOT NULL, step TEXT NOT NULL, progress BYTEA, "
        "staged BIGINT NOT NULL, published BOOLEAN NOT NULL DEFAULT false, PRIMARY KEY (run_id, step))");
  }

  bool ReadProgress(const std::string& run_id, const std::string& step, std::optional<DbProgress>* out) override {
    Result result = Query(
        "SELECT encode(progress, 'hex'), staged, published FROM _etl_progress WHERE run_id = $1 AND step = $2",
        {run_id, step});
    if (!result) return false;
    if (PQntuples(result.get()) == 0) {
      *out = std::nullopt;
      return true;
    }
    DbProgress progress;
    progress.progress = HexDecode(PQgetvalue(result.get(), 0, 0));
    progress.staged = std::strtoll(PQgetvalue(result.get(), 0, 1), nullptr, 10);
    progress.published = PQgetvalue(result.get(), 0, 2)[0] == 't';
    *out = std::move(progress);
    return true;
  }

  bool WriteProgress(const std::string& run_id, const std::string& step, const DbProgress& progress) override {
    if (!conn_ && !Connect()) return false;
    std::string staged = std::to_string(progress.staged);
    const char* values[5] = {run_id.c_str(), step.c_str(), progress.progress.data(), staged.c_str(),
                             progress.published ? "t" : "f"};
    int lengths[5] = {0, 0, static_cast<int>(progress.progress.size()), 0, 0};
    int formats[5] = {0, 0, 1, 0, 0};
    Oid types[5] = {0, 0, kByteaOid, 0, 0};
    Result result(PQexecParams(conn_,
                               "INSERT INTO _etl_progress (run_id, step, progress, staged, published) "
                               "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_id, step) DO UPDATE SET "
                               "progress = excluded.progress, staged = excluded.staged, published = excluded.published",
                               5, types, values, lengths, formats, 0));
    return Check(result.get());
  }

  bool InsertRows(const std::string& staging, const Batch& batch, int64_t first_seq) override {
    if (!conn_ && !Connect()) return false;
    Result start(PQexec(conn_, ("COPY " + staging + " FROM STDIN").c_str()));
    if (!start || PQresultStatus(start.get()) != PGRES_COPY_IN) return Check(start.get());
    buffer_.clear();
    const size_t fields = batch.columns.size();
    bool ok = true;
    for (size_t i = 0; i < batch.Size() && ok; ++i) {
      const uint32_t row = batch.RowAt(i);
      AppendInt64(buffer_, first_seq + static_cast<int64_t>(i));
      for (size_t f = 0; f < fields; ++f) {
        buffer_ += '\t';
        AppendCopyValue(buffer_, scratch_, *batch.columns[f], row);
      }
      buffer_ += '\n';
      if (buffer_.size() >= kCopyChunkBytes) ok = Send();
    }
    if (ok) ok = Send();
    if (PQputCopyEnd(conn_, ok ? nullptr : "etl: write failed") != 1 && ok) {
      error_ = OneLine(PQerrorMessage(conn_));
      ok = false;
    }
    Result end(PQgetResult(conn_));
    bool copied = Check(end.get());
    while (PGresult* rest = PQgetResult(conn_)) PQclear(rest);
    return ok && copied;
  }

  std::string ColumnType(const TypeRef& type) const override {
    switch (type->kind) {
      case TypeKind::Int: return "BIGINT";
      case TypeKind::Float: return "DOUBLE PRECISION";
      case TypeKind::Decimal: return "NUMERIC(" + std::to_string(type->precision) + ", " + std::to_string(type->scale) + ")";
      case TypeKind::Bool: return "BOOLEAN";
      case TypeKind::Bytes: return "BYTEA";
      case TypeKind::Date: return "DATE";
      case TypeKind::Timestamp: return "TIMESTAMPTZ";
      case TypeKind::Duration: return "INTERVAL";
      case TypeKind::Json:
      case TypeKind::List:
      case TypeKind::Map:
      case TypeKind::Record: return "JSONB";
      default: return "TEXT";
    }
  }

  bool Fits(const TypeRef& type, const std::string& column) const override {
    auto any = [&](std::initializer_list<const char*> names) {
      for (const char* name : names) {
        if (column == name) return true;
      }
      return false;
    };
    switch (type->kind) {
      case TypeKind::Int: return any({"int8", "int4", "int2", "numeric"});
      case TypeKind::Float: return any({"float8", "float4", "numeric"});
      case TypeKind::Decimal: return any({"numeric"});
      case TypeKind::Bool: return any({"bool"});
      case TypeKind::Bytes: return any({"bytea"});
      case TypeKind::Date: return any({"date"});
      case TypeKind::Timestamp: return any({"timestamptz", "timestamp"});
      case TypeKind::Duration: return any({"interval"});
      case TypeKind::Json:
      case TypeKind::List:
      case TypeKind::Map:
      case TypeKind::Record: return any({"jsonb", "json"});
      default: return any({"text", "varchar", "bpchar"});
    }
  }

  std::string QuoteName(const std::string& table) const override {
    std::string out;
    size_t start = 0;
    while (true) {
      size_t dot = table.find('.', start);
      out += QuoteIdentifier(table.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      out += '.';
      start = dot + 1;
    }
    return out;
  }

  bool SameColumnName(const std::string& a, const std::string& b) const override { return a == b; }

 private:
  // Sets error_ unless `result` succeeded.
  bool Check(PGresult* result) {
    if (!result) {
      error_ = OneLine(PQerrorMessage(conn_));
      return false;
    }
    ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return true;
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
    error_ = primary ? OneLine(primary) : OneLine(PQresultErrorMessage(result));
    if (detail) error_ += " (" + OneLine(detail) + ")";
    if (error_.empty()) error_ = OneLine(PQerrorMessage(conn_));
    return false;
  }

  // A query with text parameters; null (error_ set) on a failure.
  Result Query(const char* sql, std::vector<std::string> params) {
    if (!conn_ && !Connect()) return nullptr;
    std::vector<const char*> values;
    for (const std::string& param : params) values.push_back(param.c_str());
    Result result(PQexecParams(conn_, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0));
    if (!Check(result.get())) return nullptr;
    return result;
  }

  bool Send() {
    if (buffer_.empty()) return true;
    if (PQputCopyData(conn_, buffer_.data(), static_cast<int>(buffer_.size())) != 1) {
      error_ = OneLine(PQerrorMessage(conn_));
      return false;
    }
    buffer_.clear();
    return true;
  }

  std::string url_;
  PGconn* conn_ = nullptr;
  std::string buffer_;   // COPY data
  std::string scratch_;  // one JSON value
};

}  // namespace

std::optional<std::string> PostgresDisplayName(const std::string& url) {
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &message);
  if (message) PQfreemem(message);  // may quote the URL: never shown
  if (!options) return std::nullopt;
  std::string host, port, dbname, user;
  for (PQconninfoOption* option = options; option->keyword; ++option) {
    if (!option->val) continue;
    std::string keyword = option->keyword;
    if (keyword == "host" || (keyword == "hostaddr" && host.empty())) host = option->val;
    else if (keyword == "port") port = option->val;
    else if (keyword == "dbname") dbname = option->val;
    else if (keyword == "user") user = option->val;
  }
  PQconninfoFree(options);
  if (host.empty()) host = "localhost";
  if (dbname.empty()) dbname = user;  // libpq's default database is the user's name
  return "postgres://" + host + (port.empty() ? std::string() : ":" + port) + "/" + dbname;
}

std::unique_ptr<DbSession> MakePostgresSession(std::string url) {
  return std::make_unique<PostgresSession>(std::move(url));
}

std::unique_ptr<DbSink> MakePostgresSink(TypeRef schema, std::string url, DbSinkOptions options, std::string* error) {
  std::optional<std::string> display = PostgresDisplayName(url);
  if (!display) {
    if (error) *error = "argument `url` is not a PostgreSQL connection string (postgres://user:password@host:port/db)";
    return nullptr;
  }
  options.target = *display + "#" + options.table;
  return std::make_unique<DbSink>(std::move(schema), std::move(options), MakePostgresSession(std::move(url)));
}

}  // namespace etl::runtime
