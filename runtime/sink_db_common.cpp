#include "runtime/sink_db_common.h"

#include <fmt/format.h>

#include <random>

#include "runtime/sink_format.h"
#include "runtime/sink_output.h"

namespace etl::runtime {

namespace {

// Identifiers PostgreSQL keeps whole (NAMEDATALEN - 1).
constexpr size_t kMaxIdentifier = 63;

uint32_t Fnv1a(const std::string& text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

std::string ColumnList(const TypeRef& schema) {
  std::string out;
  for (size_t f = 0; f < schema->fields.size(); ++f) {
    if (f) out += ", ";
    out += QuoteIdentifier(schema->fields[f].name);
  }
  return out;
}

}  // namespace

std::string SanitizeIdentifier(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 'A' && c <= 'Z') out += static_cast<char>(c - 'A' + 'a');
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') out += static_cast<char>(c);
    else out += '_';
  }
  return out;
}

std::string QuoteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string StagingTableName(const std::string& run_id, const std::string& step) {
  std::string run = run_id;
  if (run.empty()) {
    std::random_device random;
    run = fmt::format("tmp{:08x}", static_cast<uint32_t>(random()));
  }
  std::string full = "_etl_stage_" + SanitizeIdentifier(run) + "_" + SanitizeIdentifier(step);
  if (full.size() <= kMaxIdentifier) return full;
  return full.substr(0, kMaxIdentifier - 9) + fmt::format("_{:08x}", Fnv1a(run_id + "\n" + step));
}

DbSink::DbSink(TypeRef schema, DbSinkOptions options, std::unique_ptr<DbSession> session)
    : schema_(std::move(schema)), options_(std::move(options)), session_(std::move(session)) {
  staging_ = StagingTableName(options_.durability.enabled ? options_.durability.run_id : "",
                              options_.durability.step);
}

DbSink::~DbSink() {
  if (session_->Connected()) {
    session_->Rollback();
    session_->Disconnect();
  }
}

bool DbSink::FailWith(const std::string& message) {
  if (!failure_) failure_ = InputError{options_.target, message};
  return false;
}

bool DbSink::Fail(const std::string& what) {
  std::string why = session_->error().empty() ? std::string("unknown database error") : session_->error();
  session_->ClearError();
  if (in_transaction_) {
    session_->Rollback();
    in_transaction_ = false;
    pending_ = 0;
  }
  return FailWith(what + ": " + why);
}

bool DbSink::EnsureConnected() {
  if (session_->Connected()) return true;
  if (!session_->Connect()) return Fail("cannot connect");
  return true;
}

bool DbSink::CheckTarget(bool* exists) {
  std::optional<std::vector<DbColumn>> columns;
  if (!session_->Describe(options_.table, &columns)) return Fail("cannot read table `" + options_.table + "`");
  *exists = columns.has_value();
  if (!columns) return true;
  for (const ast::Field& field : schema_->fields) {
    const DbColumn* match = nullptr;
    for (const DbColumn& column : *columns) {
      if (session_->SameColumnName(column.name, field.name)) match = &column;
    }
    if (!match) {
      return FailWith("table `" + options_.table + "` has no column `" + field.name + "` (a field of the input)");
    }
    if (!session_->Fits(field.type, match->type)) {
      return FailWith("column `" + match->name + "` of table `" + options_.table + "` is " +
                      (match->type.empty() ? std::string("untyped") : match->type) + ", which cannot hold the input's " +
                      ast::ToString(field.type, true));
    }
  }
  const bool scd2 = options_.mode == DbWriteMode::Scd2;
  if (scd2) {
    for (const char* name : {kValidFrom, kValidTo}) {
      const DbColumn* match = nullptr;
      for (const DbColumn& column : *columns) {
        if (session_->SameColumnName(column.name, name)) match = &column;
      }
      if (!match || !session_->Fits(ast::TimestampType(), match->type)) {
        return FailWith("table `" + options_.table + "` has no timestamp column `" + name +
                        "`, which `scd2` needs for each version's validity");
      }
    }
  }
  for (const DbColumn& column : *columns) {
    if (!column.not_null || column.has_default) continue;
    if (scd2 && (session_->SameColumnName(column.name, kValidFrom) || session_->SameColumnName(column.name, kValidTo))) {
      continue;
    }
    bool given = false;
    for (const ast::Field& field : schema_->fields) given = given || session_->SameColumnName(column.name, field.name);
    if (!given) {
      return FailWith("column `" + column.name + "` of table `" + options_.table +
                      "` is NOT NULL without a default and the input has no such field");
    }
  }
  if (options_.mode == DbWriteMode::Upsert) {
    bool unique = false;
    if (!session_->HasUniqueKey(options_.table, options_.keys, &unique)) {
      return Fail("cannot read the indexes of `" + options_.table + "`");
    }
    if (!unique) {
      std::string keys;
      for (const std::string& key : options_.keys) keys += (keys.empty() ? "" : ", ") + key;
      return FailWith("table `" + options_.table + "` has no unique index on (" + keys +
                      "), which `upsert` needs: create one or let etl create the table");
    }
  }
  return true;
}

bool DbSink::CreateTarget() {
  std::string sql = "CREATE TABLE " + session_->QuoteName(options_.table) + " (";
  for (size_t f = 0; f < schema_->fields.size(); ++f) {
    const ast::Field& field = schema_->fields[f];
    if (f) sql += ", ";
    sql += QuoteIdentifier(field.name) + " " + session_->ColumnType(field.type);
    if (!field.type->nullable) sql += " NOT NULL";
  }
  if (options_.mode == DbWriteMode::Scd2) {
    sql += ", " + QuoteIdentifier(kValidFrom) + " " + session_->ColumnType(ast::TimestampType()) + " NOT NULL, " +
           QuoteIdentifier(kValidTo) + " " + session_->ColumnType(ast::TimestampType());
  }
  sql += ")";
  if (!session_->Exec(sql)) return Fail("cannot create table `" + options_.table + "`");
  if (options_.mode == DbWriteMode::Upsert || options_.mode == DbWriteMode::Scd2) {
    // The index lives in the table's schema (PostgreSQL) or database: name it after the table.
    // scd2: one current version per key.
    std::string table = options_.table.substr(options_.table.rfind('.') == std::string::npos ? 0 : options_.table.rfind('.') + 1);
    std::string index = SanitizeIdentifier(table) + "_etl_key";
    std::string keys;
    for (const std::string& key : options_.keys) keys += (keys.empty() ? "" : ", ") + QuoteIdentifier(key);
    if (!session_->Exec("CREATE UNIQUE INDEX " + QuoteIdentifier(index) + " ON " + session_->QuoteName(options_.table) +
                        " (" + keys + ")" +
                        (options_.mode == DbWriteMode::Scd2 ? " WHERE " + QuoteIdentifier(kValidTo) + " IS NULL" : ""))) {
      return Fail("cannot create the unique index of `" + options_.table + "`");
    }
  }
  return true;
}

bool DbSink::PrepareStaging() {
  std::string columns = "_etl_seq BIGINT NOT NULL";
  for (const ast::Field& field : schema_->fields) {
    columns += ", " + QuoteIdentifier(field.name) + " " + session_->ColumnType(field.type);
  }
  if (!options_.durability.enabled) {
    // Lives as long as the connection: a crash or a failed run leaves nothing behind.
    if (!session_->Exec("CREATE " + session_->TempKeyword() + " TABLE " + QuoteIdentifier(staging_) + " (" +
                        columns + ")")) {
      return Fail("cannot create the staging table");
    }
    return true;
  }
  if (!session_->EnsureProgressTable()) return Fail("cannot create table `_etl_progress`");
  if (!restored_) {
    // A new run: nothing of an earlier attempt with this run id may remain.
    if (!session_->Exec("DROP TABLE IF EXISTS " + QuoteIdentifier(staging_))) return Fail("cannot drop the staging table");
  }
  if (!session_->Exec("CREATE TABLE IF NOT EXISTS " + QuoteIdentifier(staging_) + " (" + columns + ")")) {
    return Fail("cannot create the staging table");
  }
  return true;
}

std::optional<std::string> DbSink::Restore() {
  if (!options_.durability.enabled) return std::nullopt;
  restored_ = true;
  if (!EnsureConnected()) return std::nullopt;
  if (!session_->EnsureProgressTable()) {
    Fail("cannot create table `_etl_progress`");
    return std::nullopt;
  }
  std::optional<DbProgress> saved;
  if (!session_->ReadProgress(options_.durability.run_id, options_.durability.step, &saved)) {
    Fail("cannot read `_etl_progress`");
    return std::nullopt;
  }
  if (!saved) {
    // No checkpoint: whatever was staged before the crash is dropped, the sink starts empty.
    if (!session_->Exec("DROP TABLE IF EXISTS " + QuoteIdentifier(staging_))) Fail("cannot drop the staging table");
    rows_ = 0;
    restored_ = false;
    return std::nullopt;
  }
  rows_ = saved->staged;
  last_progress_ = saved->progress;
  if (saved->published) {
    published_ = true;
    return saved->progress;
  }
  bool exists = false;
  if (!session_->TableExists(staging_, &exists)) {
    Fail("cannot read the staging table");
    return std::nullopt;
  }
  if (!exists) {
    FailWith("the staging table `" + staging_ + "` of the checkpoint is missing: the run cannot be resumed");
    return std::nullopt;
  }
  // Rows staged after the last checkpoint were committed in their own transactions: drop them.
  if (!session_->Exec(fmt::format("DELETE FROM {} WHERE _etl_seq > {}", QuoteIdentifier(staging_), saved->staged))) {
    Fail("cannot trim the staging table");
    return std::nullopt;
  }
  return saved->progress;
}

void DbSink::Open(Emitter& out) {
  (void)out;
  if (opened_ || Done()) return;
  opened_ = true;
  if (published_) return;
  if (!EnsureConnected()) return;
  bool exists = false;
  if (!CheckTarget(&exists)) return;
  PrepareStaging();
}

void DbSink::Push(size_t input, const Batch& batch, Emitter& out) {
  (void)input;
  if (!opened_) Open(out);
  if (Done() || closed_ || published_) return;
  last_sequence_ = batch.sequence;
  if (batch.Size() == 0) return;
  if (!in_transaction_) {
    if (!session_->Begin(false)) {
      Fail("cannot start a transaction");
      return;
    }
    in_transaction_ = true;
  }
  if (!session_->InsertRows(QuoteIdentifier(staging_), batch, rows_ + 1)) {
    Fail("cannot stage rows");
    return;
  }
  rows_ += static_cast<int64_t>(batch.Size());
  pending_ += static_cast<int64_t>(batch.Size());
  if (pending_ >= session_->TransactionRows()) FlushTransaction();
}

bool DbSink::FlushTransaction() {
  if (!in_transaction_) return true;
  if (!session_->Exec("COMMIT")) return Fail("cannot commit staged rows");
  in_transaction_ = false;
  pending_ = 0;
  return true;
}

void DbSink::Close(size_t input, Emitter& out) {
  if (!opened_) Open(out);
  if (Done() || closed_) return;
  closed_ = true;
  if (!FlushTransaction()) return;
  if (last_sequence_) out.Ack(input, *last_sequence_);
  out.Emit(0, MakeDoneBatch(options_.target, rows_, 0));
}

bool DbSink::Checkpoint(const std::string& progress) {
  if (!options_.durability.enabled) return true;
  if (failure_ || aborted_) return false;
  if (published_) return true;
  if (!EnsureConnected()) return false;
  if (!in_transaction_) {
    if (!session_->Begin(false)) return Fail("cannot start a transaction");
    in_transaction_ = true;
  }
  // The rows staged so far and the progress become durable together.
  if (!session_->WriteProgress(options_.durability.run_id, options_.durability.step,
                               DbProgress{progress, rows_, false})) {
    return Fail("cannot write the checkpoint");
  }
  if (!FlushTransaction()) return false;
  last_progress_ = progress;
  return true;
}

bool DbSink::Publish() {
  const bool durable = options_.durability.enabled;
  if (durable) {
    std::optional<DbProgress> saved;
    if (!session_->ReadProgress(options_.durability.run_id, options_.durability.step, &saved)) {
      return Fail("cannot read `_etl_progress`");
    }
    if (saved && saved->published) return true;  // an earlier Commit got this far
  }
  bool exists = false;
  if (!CheckTarget(&exists)) return false;
  if (!exists && !CreateTarget()) return false;
  std::string target = session_->QuoteName(options_.table);
  std::string staging = QuoteIdentifier(staging_);
  std::string columns = ColumnList(schema_);
  if (options_.mode == DbWriteMode::Replace && !session_->Exec("DELETE FROM " + target)) {
    return Fail("cannot empty table `" + options_.table + "`");
  }
  std::string sql;
  if (options_.mode == DbWriteMode::Upsert) {
    // The last record of a key wins (PostgreSQL refuses to update a row twice in one statement).
    std::string keys, set;
    for (const std::string& key : options_.keys) keys += (keys.empty() ? "" : ", ") + QuoteIdentifier(key);
    for (const ast::Field& field : schema_->fields) {
      bool is_key = false;
      for (const std::string& key : options_.keys) is_key = is_key || key == field.name;
      if (is_key) continue;
      set += (set.empty() ? "" : ", ") + QuoteIdentifier(field.name) + " = excluded." + QuoteIdentifier(field.name);
    }
    sql = "INSERT INTO " + target + " (" + columns + ") SELECT " + columns + " FROM " + staging +
          " WHERE _etl_seq IN (SELECT max(_etl_seq) FROM " + staging + " GROUP BY " + keys + ") ON CONFLICT (" + keys +
          ") " + (set.empty() ? "DO NOTHING" : "DO UPDATE SET " + set);
  } else if (options_.mode == DbWriteMode::Scd2) {
    std::string close = Scd2Sql(true);
    if (!close.empty() && !session_->Exec(close)) return Fail("cannot write table `" + options_.table + "`");
    sql = Scd2Sql(false);
  } else {
    sql = "INSERT INTO " + target + " (" + columns + ") SELECT " + columns + " FROM " + staging + " ORDER BY _etl_seq";
  }
  if (!session_->Exec(sql)) return Fail("cannot write table `" + options_.table + "`");
  if (!session_->Exec("DROP TABLE " + staging)) return Fail("cannot drop the staging table");
  if (durable && !session_->WriteProgress(options_.durability.run_id, options_.durability.step,
                                          DbProgress{last_progress_, rows_, true})) {
    return Fail("cannot record the publication");
  }
  return true;
}

std::string DbSink::Scd2Sql(bool close) const {
  std::string target = session_->QuoteName(options_.table);
  std::string staging = QuoteIdentifier(staging_);
  std::string now;
  AppendTimestamp(now, options_.now_us);
  now = "'" + now + "'";
  std::string keys, match, changed_t, changed_s;
  for (const std::string& key : options_.keys) {
    keys += (keys.empty() ? "" : ", ") + QuoteIdentifier(key);
    match += " AND t." + QuoteIdentifier(key) + " = s." + QuoteIdentifier(key);
  }
  for (const ast::Field& field : schema_->fields) {
    bool is_key = false;
    for (const std::string& key : options_.keys) is_key = is_key || key == field.name;
    if (is_key) continue;
    changed_t += (changed_t.empty() ? "" : ", ") + std::string("t.") + QuoteIdentifier(field.name);
    changed_s += (changed_s.empty() ? "" : ", ") + std::string("s.") + QuoteIdentifier(field.name);
  }
  // The last record of a key in this run is its new version.
  std::string latest = "(SELECT * FROM " + staging + " WHERE _etl_seq IN (SELECT max(_etl_seq) FROM " + staging +
                       " GROUP BY " + keys + "))";
  std::string current = "t." + QuoteIdentifier(kValidTo) + " IS NULL";
  if (close) {
    // A current version whose other fields changed ends now; with no other field none can.
    if (changed_t.empty()) return "";
    return "UPDATE " + target + " AS t SET " + QuoteIdentifier(kValidTo) + " = " + now + " FROM " + latest +
           " AS s WHERE " + current + match + " AND ROW(" + changed_t + ") IS DISTINCT FROM ROW(" + changed_s + ")";
  }
  std::string columns, values;
  for (const ast::Field& field : schema_->fields) {
    columns += QuoteIdentifier(field.name) + ", ";
    values += "s." + QuoteIdentifier(field.name) + ", ";
  }
  // Keys without a current version (new, or closed just above) get one.
  return "INSERT INTO " + target + " (" + columns + QuoteIdentifier(kValidFrom) + ", " + QuoteIdentifier(kValidTo) +
         ") SELECT " + values + now + ", NULL FROM " + latest + " AS s WHERE NOT EXISTS (SELECT 1 FROM " + target +
         " AS t WHERE " + current + match + ")";
}

bool DbSink::Commit() {
  if (published_) return true;
  if (failure_ || aborted_ || !(closed_ || restored_)) return false;
  if (!EnsureConnected()) return false;
  if (!FlushTransaction()) return false;
  if (!session_->Begin(true)) return Fail("cannot start the publishing transaction");
  in_transaction_ = true;
  if (!Publish()) return false;
  if (!session_->Exec("COMMIT")) return Fail("cannot commit table `" + options_.table + "`");
  in_transaction_ = false;
  published_ = true;
  session_->Disconnect();
  return true;
}

void DbSink::Abort() {
  if (aborted_) return;
  aborted_ = true;
  if (published_) {
    session_->Disconnect();
    return;
  }
  if (in_transaction_) {
    session_->Rollback();
    in_transaction_ = false;
  }
  // A failed run of `persist memory` only had a temporary table; a durable one is dropped.
  if (options_.durability.enabled && (session_->Connected() || session_->Connect())) {
    session_->Exec("DROP TABLE IF EXISTS " + QuoteIdentifier(staging_));
    bool exists = false;
    if (session_->TableExists("_etl_progress", &exists) && exists) {
      std::string run = options_.durability.run_id, step = options_.durability.step;
      auto literal = [](const std::string& s) {
        std::string out = "'";
        for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
        return out + "'";
      };
      session_->Exec("DELETE FROM _etl_progress WHERE run_id = " + literal(run) + " AND step = " + literal(step));
    }
    session_->ClearError();
  }
  session_->Disconnect();
}

void DbSink::Suspend() {
  if (in_transaction_) {
    session_->Rollback();
    in_transaction_ = false;
  }
  session_->Disconnect();
}

}  // namespace etl::runtime
