// The `sqlite(path, table:, mode:)` sink: a DbSession over one SQLite file (created with its
// directories when missing, busy timeout so a briefly locked database is waited for).
// Values: int, bool and duration (µs) as INTEGER, float REAL, decimal TEXT (exact digits),
// date and timestamp ISO-8601 TEXT (UTC, `Z`), bytes BLOB, string TEXT, json, lists, maps
// and records compact JSON TEXT. docs/databases.md.
#pragma once

#include <memory>
#include <string>

#include "runtime/sink_db_common.h"

namespace etl::runtime {

// How long a statement waits for a database another connection holds locked.
inline constexpr int kSqliteBusyTimeoutMs = 10000;

// A session on the SQLite file `path`.
std::unique_ptr<DbSession> MakeSqliteSession(std::string path, int busy_timeout_ms = kSqliteBusyTimeoutMs);

// The `sqlite` sink writing `schema` records to `path` (target "sqlite:PATH#TABLE").
std::unique_ptr<DbSink> MakeSqliteSink(TypeRef schema, std::string path, DbSinkOptions options,
                                       int busy_timeout_ms = kSqliteBusyTimeoutMs);

}  // namespace etl::runtime
