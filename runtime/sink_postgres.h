// The `postgres(url, table:, mode:)` sink: a DbSession over libpq. Rows are staged with
// COPY (text format, escaped, so any string is safe); values: int BIGINT, float DOUBLE
// PRECISION, decimal NUMERIC(p, s), bool BOOLEAN, string TEXT, bytes BYTEA, date DATE,
// timestamp TIMESTAMPTZ, duration INTERVAL, json, lists, maps and records JSONB.
// The URL (often a secret) never appears in a message: the target is
// "postgres://host:port/db#table". docs/databases.md.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "runtime/sink_db_common.h"

namespace etl::runtime {

// "postgres://host:port/db" for a libpq connection string (URL or key=value), without user
// or password; nullopt when libpq cannot parse it.
std::optional<std::string> PostgresDisplayName(const std::string& url);

// A session on the database of `url` (a libpq connection string).
std::unique_ptr<DbSession> MakePostgresSession(std::string url);

// The `postgres` sink writing `schema` records through `url`; null and `error` set when the
// URL cannot be parsed (the message does not quote it).
std::unique_ptr<DbSink> MakePostgresSink(TypeRef schema, std::string url, DbSinkOptions options, std::string* error);

}  // namespace etl::runtime
