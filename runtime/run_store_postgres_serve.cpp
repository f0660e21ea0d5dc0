// PostgresRunStore, what schema version 3 added for `etlc serve`
// (runtime/run_store_postgres.h): run filters and paging, queued runs, pages of a run's
// events and errors, API tokens and the audit log. docs/dev/run-store.md#schema-version-3.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "runtime/run_store_postgres.h"

namespace etl::runtime::detail {
namespace {

// A LIMIT parameter: NULL (no limit) for 0.
PgParam Limit(size_t n) {
  if (n == 0) return std::nullopt;
  return Int(static_cast<uint64_t>(std::min<size_t>(n, std::numeric_limits<int64_t>::max())));
}

// An OFFSET parameter.
PgParam Offset(size_t n) {
  return Int(static_cast<uint64_t>(std::min<size_t>(n, std::numeric_limits<int64_t>::max())));
}

// The WHERE clause of `query`'s filters (or ""), their values appended to `params`.
std::string RunFilter(const RunQuery& query, std::vector<PgParam>& params) {
  std::string where;
  auto condition = [&](const char* column, const char* cast, PgParam value) {
    params.push_back(std::move(value));
    where += fmt::format("{} {} ${}{}", where.empty() ? " WHERE" : " AND", column, params.size(), cast);
  };
  if (query.pipeline) condition("pipeline =", "", *query.pipeline);
  if (query.status) condition("status =", "", *query.status);
  // trigger_json is always an object (the column's CHECK), so the cast cannot fail.
  if (query.trigger_kind) condition("trigger_json::json->>'kind' =", "", *query.trigger_kind);
  if (query.started_from_us) condition("started_at >=", "::bigint", Int(*query.started_from_us));
  if (query.started_before_us) condition("started_at <", "::bigint", Int(*query.started_before_us));
  return where;
}

constexpr const char* kTokenColumns =
    "SELECT id, name, role, secret_sha256, created_at, last_used_at, revoked_at FROM tokens";

StoredToken TokenOf(const PGresult* r, int row) {
  StoredToken token;
  token.id = PgText(r, row, 0);
  token.name = PgText(r, row, 1);
  token.role = PgText(r, row, 2);
  token.secret_sha256 = PgText(r, row, 3);
  token.created_us = PgInt(r, row, 4);
  if (!PgIsNull(r, row, 5)) token.last_used_us = PgInt(r, row, 5);
  if (!PgIsNull(r, row, 6)) token.revoked_us = PgInt(r, row, 6);
  return token;
}

}  // namespace

std::optional<std::string> PostgresRunStore::ListRuns(const RunQuery& query, std::vector<StoredRun>& runs) {
  return Call(false, [&]() -> std::optional<std::string> {
    runs.clear();
    std::vector<PgParam> params;
    std::string sql = std::string(kRunColumns) + RunFilter(query, params);
    sql +=
        fmt::format(" ORDER BY started_at DESC, id COLLATE \"C\" DESC LIMIT ${}::bigint OFFSET ${}::bigint",
                    params.size() + 1, params.size() + 2);
    params.push_back(Limit(query.limit));
    params.push_back(Offset(query.offset));
    PgResult result;
    if (auto error = Exec(sql, params, &result)) return error;
    for (int row = 0; row < PQntuples(result.get()); ++row) runs.push_back(RunOf(result.get(), row));
    return std::nullopt;
  });
}

std::optional<std::string> PostgresRunStore::CountRuns(const RunQuery& query, uint64_t& count) {
  return Call(false, [&]() -> std::optional<std::string> {
    count = 0;
    std::vector<PgParam> params;
    std::string sql = "SELECT count(*) FROM runs" + RunFilter(query, params);
    PgResult result;
    if (auto error = Exec(sql, params, &result)) return error;
    count = static_cast<uint64_t>(PgInt(result.get(), 0, 0));
    return std::nullopt;
  });
}

std::optional<std::string> PostgresRunStore::StartQueuedRun(const std::string& run_id, int64_t started_us,
                                                            bool& changed) {
  return Call(true, [&]() -> std::optional<std::string> {
    changed = false;
    // One statement: a cancel (FinishRun) from another connection either came first (no
    // row matches) or waits for this row lock and then ends the running run.
    PgResult result;
    if (auto error = Exec("UPDATE runs SET status = 'running', started_at = $1::bigint WHERE id = $2 "
                          "AND status = 'queued'",
                          {Int(started_us), run_id}, &result))
      return error;
    changed = std::string(PQcmdTuples(result.get())) == "1";
    return std::nullopt;
  });
}

std::optional<std::string> PostgresRunStore::RunRowsPage(const char* columns, const char* table,
                                                         const std::string& run_id, size_t offset,
                                                         size_t limit, PgResult& page, uint64_t& total) {
  return Call(false, [&]() -> std::optional<std::string> {
    total = 0;
    page.reset();
    return InSnapshot([&]() -> std::optional<std::string> {
      PgResult count;
      if (auto error =
              Exec(fmt::format("SELECT count(*) FROM {} WHERE run_id = $1", table), {run_id}, &count))
        return error;
      total = static_cast<uint64_t>(PgInt(count.get(), 0, 0));
      return Exec(
          fmt::format("{} WHERE run_id = $1 ORDER BY seq LIMIT $2::bigint OFFSET $3::bigint", columns),
          {run_id, Limit(limit), Offset(offset)}, &page);
    });
  });
}

std::optional<std::string> PostgresRunStore::EventsPage(const std::string& run_id, size_t offset,
                                                        size_t limit, std::vector<StoredEvent>& events,
                                                        uint64_t& total) {
  events.clear();
  PgResult page;
  if (auto error = RunRowsPage(kEventColumns, "events", run_id, offset, limit, page, total)) return error;
  for (int row = 0; row < PQntuples(page.get()); ++row) events.push_back(EventOf(page.get(), row));
  return std::nullopt;
}

std::optional<std::string> PostgresRunStore::ErrorsPage(const std::string& run_id, size_t offset,
                                                        size_t limit, std::vector<StoredError>& errors,
                                                        uint64_t& total) {
  errors.clear();
  PgResult page;
  if (auto error = RunRowsPage(kErrorColumns, "errors", run_id, offset, limit, page, total)) return error;
  for (int row = 0; row < PQntuples(page.get()); ++row) errors.push_back(ErrorOf(page.get(), row));
  return std::nullopt;
}

std::optional<std::string> PostgresRunStore::AddToken(const StoredToken& token) {
  return Call(true, [&] {
    return Exec(
        "INSERT INTO tokens (id, name, role, secret_sha256, created_at, last_used_at, revoked_at) "
        "VALUES ($1,$2,$3,$4,$5::bigint,$6::bigint,$7::bigint)",
        {token.id, token.name, token.role, token.secret_sha256, Int(token.created_us),
         token.last_used_us ? Int(*token.last_used_us) : PgParam(),
         token.revoked_us ? Int(*token.revoked_us) : PgParam()});
  });
}

std::optional<std::string> PostgresRunStore::ListTokens(std::vector<StoredToken>& tokens) {
  return Call(false, [&]() -> std::optional<std::string> {
    tokens.clear();
    PgResult r;
    if (auto error = Exec(std::string(kTokenColumns) + " ORDER BY created_at, id COLLATE \"C\"", {}, &r))
      return error;
    for (int row = 0; row < PQntuples(r.get()); ++row) tokens.push_back(TokenOf(r.get(), row));
    return std::nullopt;
  });
}

std::optional<std::string> PostgresRunStore::FindToken(const std::string& secret_sha256,
                                                       std::optional<StoredToken>& token) {
  return Call(false, [&]() -> std::optional<std::string> {
    token.reset();
    PgResult r;
    if (auto error = Exec(std::string(kTokenColumns) + " WHERE secret_sha256 = $1", {secret_sha256}, &r))
      return error;
    if (PQntuples(r.get()) > 0) token = TokenOf(r.get(), 0);
    return std::nullopt;
  });
}

std::optional<std::string> PostgresRunStore::UpdateToken(const char* sql, const std::string& id,
                                                         int64_t time_us) {
  return Call(true, [&]() -> std::optional<std::string> {
    PgResult r;
    if (auto error = Exec(sql, {Int(time_us), id}, &r)) return error;
    if (std::string(PQcmdTuples(r.get())) != "1") return fmt::format("no token `{}`", id);
    return std::nullopt;
  });
}

std::optional<std::string> PostgresRunStore::RevokeToken(const std::string& id, int64_t revoked_us) {
  // Revoking twice keeps the first time: that is when the token stopped working.
  return UpdateToken("UPDATE tokens SET revoked_at = coalesce(revoked_at, $1::bigint) WHERE id = $2", id,
                     revoked_us);
}

std::optional<std::string> PostgresRunStore::TouchToken(const std::string& id, int64_t used_us) {
  // Requests finish out of order: the latest use wins (greatest ignores a NULL).
  return UpdateToken("UPDATE tokens SET last_used_at = greatest(last_used_at, $1::bigint) WHERE id = $2", id,
                     used_us);
}

std::optional<std::string> PostgresRunStore::AddAudit(const AuditEntry& entry) {
  return Call(true, [&] {
    return Exec(
        "INSERT INTO audit (time, token_id, token_name, role, action, status, detail_json) "
        "VALUES ($1::bigint,$2,$3,$4,$5,$6::integer,$7)",
        {Int(entry.time_us), entry.token_id, entry.token_name, entry.role, entry.action,
         Int(static_cast<int64_t>(entry.status)), entry.detail_json});
  });
}

std::optional<std::string> PostgresRunStore::AuditPage(size_t offset, size_t limit,
                                                       std::vector<AuditEntry>& entries, uint64_t& total) {
  return Call(false, [&]() -> std::optional<std::string> {
    entries.clear();
    total = 0;
    PgResult page;
    auto error = InSnapshot([&]() -> std::optional<std::string> {
      PgResult count;
      if (auto error = Exec("SELECT count(*) FROM audit", {}, &count)) return error;
      total = static_cast<uint64_t>(PgInt(count.get(), 0, 0));
      return Exec(
          "SELECT seq, time, token_id, token_name, role, action, status, detail_json FROM audit "
          "ORDER BY seq DESC LIMIT $1::bigint OFFSET $2::bigint",
          {Limit(limit), Offset(offset)}, &page);
    });
    if (error) return error;
    const PGresult* r = page.get();
    for (int row = 0; row < PQntuples(r); ++row) {
      entries.push_back(AuditEntry{PgInt(r, row, 0), PgInt(r, row, 1), PgText(r, row, 2), PgText(r, row, 3),
                                   PgText(r, row, 4), PgText(r, row, 5), static_cast<int>(PgInt(r, row, 6)),
                                   PgText(r, row, 7)});
    }
    return std::nullopt;
  });
}

}  // namespace etl::runtime::detail
