// SqliteRunStore, what schema version 3 added for `etlc serve` (runtime/run_store_sqlite.h):
// run filters and paging, queued runs, pages of a run's events and errors, API tokens and
// the audit log. docs/dev/run-store.md#schema-version-3.
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <limits>

#include "runtime/run_store_sqlite.h"

namespace etl::runtime::detail {
namespace {

// A count or offset as SQLite's integer (a size beyond it means "all" anyway).
int64_t AsLimit(size_t n) {
  return static_cast<int64_t>(std::min<size_t>(n, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
}

constexpr const char* kTokenColumns =
    "SELECT id, name, role, secret_sha256, created_at, last_used_at, revoked_at FROM tokens";

StoredToken ReadToken(sqlite3_stmt* s) {
  StoredToken token;
  token.id = ColumnText(s, 0);
  token.name = ColumnText(s, 1);
  token.role = ColumnText(s, 2);
  token.secret_sha256 = ColumnText(s, 3);
  token.created_us = sqlite3_column_int64(s, 4);
  if (sqlite3_column_type(s, 5) != SQLITE_NULL) token.last_used_us = sqlite3_column_int64(s, 5);
  if (sqlite3_column_type(s, 6) != SQLITE_NULL) token.revoked_us = sqlite3_column_int64(s, 6);
  return token;
}

}  // namespace

std::optional<std::string> SqliteRunStore::PrepareRunQuery(const RunQuery& query, const char* select,
                                                           const char* tail, Stmt& stmt, int& next_param) {
  std::string sql = select;
  int n = 0;
  auto condition = [&](const char* test) {
    sql += fmt::format("{} {} ?{}", n == 0 ? " WHERE" : " AND", test, n + 1);
    ++n;
  };
  if (query.pipeline) condition("pipeline =");
  if (query.status) condition("status =");
  // trigger_json is always an object (the column's CHECK), so json_extract cannot fail.
  if (query.trigger_kind) condition("json_extract(trigger_json, '$.kind') =");
  if (query.started_from_us) condition("started_at >=");
  if (query.started_before_us) condition("started_at <");
  // The tail's bare `?`s number on from the last numbered one.
  sql += tail;
  if (auto error = Prepare(sql.c_str(), stmt)) return error;
  int i = 0;
  for (const auto* text : {&query.pipeline, &query.status, &query.trigger_kind}) {
    if (*text) BindText(stmt, ++i, **text);
  }
  for (const auto* time : {&query.started_from_us, &query.started_before_us}) {
    if (*time) sqlite3_bind_int64(stmt.get(), ++i, **time);
  }
  next_param = n + 1;
  return std::nullopt;
}

std::optional<std::string> SqliteRunStore::ListRuns(const RunQuery& query, std::vector<StoredRun>& runs) {
  runs.clear();
  Stmt stmt;
  int next = 0;
  if (auto error = PrepareRunQuery(query, kRunColumns, " ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?",
                                   stmt, next))
    return error;
  sqlite3_bind_int64(stmt.get(), next, query.limit == 0 ? -1 : AsLimit(query.limit));
  sqlite3_bind_int64(stmt.get(), next + 1, AsLimit(query.offset));
  return ReadRuns(stmt, runs);
}

std::optional<std::string> SqliteRunStore::CountRuns(const RunQuery& query, uint64_t& count) {
  count = 0;
  Stmt stmt;
  int next = 0;
  if (auto error = PrepareRunQuery(query, "SELECT count(*) FROM runs", "", stmt, next)) return error;
  return ReadCount(stmt, count);
}

std::optional<std::string> SqliteRunStore::StartQueuedRun(const std::string& run_id, int64_t started_us,
                                                          bool& changed) {
  changed = false;
  Stmt stmt;
  // One statement: a cancel (FinishRun) in another process either came first (no row
  // matches) or comes after and ends the running run.
  if (auto error = Prepare(
          "UPDATE runs SET status = 'running', started_at = ?1 WHERE id = ?2 AND status = 'queued'", stmt))
    return error;
  sqlite3_bind_int64(stmt.get(), 1, started_us);
  BindText(stmt, 2, run_id);
  if (auto error = StepDone(stmt)) return error;
  changed = sqlite3_changes(db_.get()) == 1;
  return std::nullopt;
}

StoredEvent SqliteRunStore::ReadEvent(sqlite3_stmt* s) {
  return StoredEvent{sqlite3_column_int64(s, 0), ColumnText(s, 1), ColumnText(s, 2), ColumnText(s, 3),
                     ColumnText(s, 4)};
}

StoredError SqliteRunStore::ReadError(sqlite3_stmt* s) {
  StoredError e;
  e.step = ColumnText(s, 0);
  e.code = ColumnText(s, 1);
  e.message = ColumnText(s, 2);
  e.record = ColumnText(s, 3);
  if (sqlite3_column_type(s, 4) != SQLITE_NULL) e.source = ColumnText(s, 4);
  if (sqlite3_column_type(s, 5) != SQLITE_NULL) e.line = sqlite3_column_int64(s, 5);
  e.at_us = sqlite3_column_int64(s, 6);
  return e;
}

std::optional<std::string> SqliteRunStore::ReadCount(const Stmt& stmt, uint64_t& count) {
  if (sqlite3_step(stmt.get()) != SQLITE_ROW) return Fail("read");
  count = static_cast<uint64_t>(sqlite3_column_int64(stmt.get(), 0));
  return std::nullopt;
}

template <typename F>
std::optional<std::string> SqliteRunStore::RunRowsPage(const char* columns, const char* table,
                                                       const std::string& run_id, size_t offset, size_t limit,
                                                       uint64_t& total, F&& row) {
  total = 0;
  // One read transaction: the total and the page see the same rows.
  if (auto error = Exec("BEGIN")) return error;
  auto error = [&]() -> std::optional<std::string> {
    Stmt count;
    if (auto error = Prepare(fmt::format("SELECT count(*) FROM {} WHERE run_id = ?1", table).c_str(), count))
      return error;
    BindText(count, 1, run_id);
    if (auto error = ReadCount(count, total)) return error;
    // The rows have no order column: rowid is the insertion order (no INTEGER PRIMARY KEY
    // to renumber, and the store never VACUUMs).
    Stmt page;
    if (auto error = Prepare(
            fmt::format("{} WHERE run_id = ?1 ORDER BY rowid LIMIT ?2 OFFSET ?3", columns).c_str(), page))
      return error;
    BindText(page, 1, run_id);
    sqlite3_bind_int64(page.get(), 2, limit == 0 ? -1 : AsLimit(limit));
    sqlite3_bind_int64(page.get(), 3, AsLimit(offset));
    return ReadRows(page, [&] { row(page.get()); });
  }();
  return EndTransaction(error);
}

std::optional<std::string> SqliteRunStore::EventsPage(const std::string& run_id, size_t offset, size_t limit,
                                                      std::vector<StoredEvent>& events, uint64_t& total) {
  events.clear();
  auto error = RunRowsPage(kEventColumns, "events", run_id, offset, limit, total,
                           [&](sqlite3_stmt* s) { events.push_back(ReadEvent(s)); });
  if (error) events.clear();
  return error;
}

std::optional<std::string> SqliteRunStore::ErrorsPage(const std::string& run_id, size_t offset, size_t limit,
                                                      std::vector<StoredError>& errors, uint64_t& total) {
  errors.clear();
  auto error = RunRowsPage(kErrorColumns, "errors", run_id, offset, limit, total,
                           [&](sqlite3_stmt* s) { errors.push_back(ReadError(s)); });
  if (error) errors.clear();
  return error;
}

std::optional<std::string> SqliteRunStore::AddToken(const StoredToken& token) {
  Stmt stmt;
  if (auto error =
          Prepare("INSERT INTO tokens (id, name, role, secret_sha256, created_at, last_used_at, revoked_at) "
                  "VALUES (?1,?2,?3,?4,?5,?6,?7)",
                  stmt))
    return error;
  BindText(stmt, 1, token.id);
  BindText(stmt, 2, token.name);
  BindText(stmt, 3, token.role);
  BindText(stmt, 4, token.secret_sha256);
  sqlite3_bind_int64(stmt.get(), 5, token.created_us);
  if (token.last_used_us) sqlite3_bind_int64(stmt.get(), 6, *token.last_used_us);
  if (token.revoked_us) sqlite3_bind_int64(stmt.get(), 7, *token.revoked_us);
  return StepDone(stmt);
}

std::optional<std::string> SqliteRunStore::ListTokens(std::vector<StoredToken>& tokens) {
  tokens.clear();
  Stmt stmt;
  if (auto error = Prepare((std::string(kTokenColumns) + " ORDER BY created_at, id").c_str(), stmt))
    return error;
  return ReadRows(stmt, [&] { tokens.push_back(ReadToken(stmt.get())); });
}

std::optional<std::string> SqliteRunStore::FindToken(const std::string& secret_sha256,
                                                     std::optional<StoredToken>& token) {
  token.reset();
  Stmt stmt;
  if (auto error = Prepare((std::string(kTokenColumns) + " WHERE secret_sha256 = ?1").c_str(), stmt))
    return error;
  BindText(stmt, 1, secret_sha256);
  return ReadRows(stmt, [&] { token = ReadToken(stmt.get()); });
}

std::optional<std::string> SqliteRunStore::UpdateToken(const char* sql, const std::string& id,
                                                       int64_t time_us) {
  Stmt stmt;
  if (auto error = Prepare(sql, stmt)) return error;
  sqlite3_bind_int64(stmt.get(), 1, time_us);
  BindText(stmt, 2, id);
  if (auto error = StepDone(stmt)) return error;
  if (sqlite3_changes(db_.get()) != 1) return fmt::format("run store `{}`: no token `{}`", path_, id);
  return std::nullopt;
}

std::optional<std::string> SqliteRunStore::RevokeToken(const std::string& id, int64_t revoked_us) {
  // Revoking twice keeps the first time: that is when the token stopped working.
  return UpdateToken("UPDATE tokens SET revoked_at = coalesce(revoked_at, ?1) WHERE id = ?2", id, revoked_us);
}

std::optional<std::string> SqliteRunStore::TouchToken(const std::string& id, int64_t used_us) {
  // Requests finish out of order: the latest use wins.
  return UpdateToken("UPDATE tokens SET last_used_at = max(coalesce(last_used_at, ?1), ?1) WHERE id = ?2", id,
                     used_us);
}

std::optional<std::string> SqliteRunStore::AddAudit(const AuditEntry& entry) {
  Stmt stmt;
  if (auto error =
          Prepare("INSERT INTO audit (time, token_id, token_name, role, action, status, detail_json) "
                  "VALUES (?1,?2,?3,?4,?5,?6,?7)",
                  stmt))
    return error;
  sqlite3_bind_int64(stmt.get(), 1, entry.time_us);
  BindText(stmt, 2, entry.token_id);
  BindText(stmt, 3, entry.token_name);
  BindText(stmt, 4, entry.role);
  BindText(stmt, 5, entry.action);
  sqlite3_bind_int64(stmt.get(), 6, entry.status);
  BindText(stmt, 7, entry.detail_json);
  return StepDone(stmt);
}

std::optional<std::string> SqliteRunStore::AuditPage(size_t offset, size_t limit,
                                                     std::vector<AuditEntry>& entries, uint64_t& total) {
  entries.clear();
  total = 0;
  if (auto error = Exec("BEGIN")) return error;
  auto error = [&]() -> std::optional<std::string> {
    Stmt count;
    if (auto error = Prepare("SELECT count(*) FROM audit", count)) return error;
    if (auto error = ReadCount(count, total)) return error;
    Stmt page;
    if (auto error =
            Prepare("SELECT seq, time, token_id, token_name, role, action, status, detail_json FROM audit "
                    "ORDER BY seq DESC LIMIT ?1 OFFSET ?2",
                    page))
      return error;
    sqlite3_bind_int64(page.get(), 1, limit == 0 ? -1 : AsLimit(limit));
    sqlite3_bind_int64(page.get(), 2, AsLimit(offset));
    sqlite3_stmt* s = page.get();
    return ReadRows(page, [&] {
      entries.push_back(AuditEntry{sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), ColumnText(s, 2),
                                   ColumnText(s, 3), ColumnText(s, 4), ColumnText(s, 5),
                                   sqlite3_column_int(s, 6), ColumnText(s, 7)});
    });
  }();
  if (error) entries.clear();
  return EndTransaction(error);
}

}  // namespace etl::runtime::detail
