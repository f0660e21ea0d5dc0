// A libpq connection for the PostgreSQL run store (and other PostgreSQL clients of the
// runtime): connects from a postgres:// URL, runs parameterised statements, notices a lost
// connection and reconnects, and keeps the URL's password out of every message.
// docs/dev/run-store.md#postgresql.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace etl::runtime {

// The URL with its password removed (`user:secret@` becomes `user@`, a `password=` query
// parameter is dropped), for messages and Describe().
std::string RedactPostgresUrl(const std::string& url);

// `message` with every spelling of the URL's password (as written and percent-decoded)
// replaced by `***`: libpq may echo parts of a URL it cannot parse.
std::string ScrubPostgresPassword(const std::string& url, std::string message);

// Clears a PGresult when it goes.
struct PgResultClear {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultClear>;

// A statement parameter in text form; nullopt is SQL NULL.
using PgParam = std::optional<std::string>;

// One connection to a server. Every message it returns is one line without the password.
// Not thread-safe.
class PgConnection {
 public:
  // Connects to `url` (a libpq URL; a 10 s connect timeout unless the URL sets one). Null
  // and `error` (libpq's reason, one line) when the server cannot be reached or refuses.
  static std::unique_ptr<PgConnection> Connect(const std::string& url, std::string& error);
  // Only Connect makes one (the key is private).
  struct Key {
   private:
    Key() = default;
    friend class PgConnection;
  };
  // Takes `conn` (connected) over.
  PgConnection(Key, PGconn* conn, std::string url);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // True once the connection is broken (the server went away or closed it).
  bool Lost() const;
  // Connects again after Lost(); libpq's reason when it cannot.
  std::optional<std::string> Reconnect();
  // Runs one parameterised statement (PQexecParams, text parameters and results); the
  // result of a query in `result` when given. The server's message when it fails.
  std::optional<std::string> Exec(const std::string& sql, const std::vector<PgParam>& params = {},
                                  PgResult* result = nullptr);
  // Runs constant SQL without parameters, possibly several statements (migrations).
  std::optional<std::string> ExecScript(const std::string& sql);
  // The URL without its password.
  const std::string& Where() const { return where_; }

 private:
  std::string ErrorOf(const PGresult* result) const;

  PGconn* conn_;
  std::string url_;
  std::string where_;
};

// A text-format result cell as text ("" for NULL).
std::string PgText(const PGresult* result, int row, int column);
// A text-format result cell as an integer (0 for NULL).
int64_t PgInt(const PGresult* result, int row, int column);
// Whether a result cell is NULL.
bool PgIsNull(const PGresult* result, int row, int column);

// A PostgreSQL array literal of `values` (every element quoted, NULL for nullopt), the
// text form of an array parameter (`$1::text[]`, `$2::bigint[]`).
std::string PgArrayLiteral(const std::vector<PgParam>& values);

}  // namespace etl::runtime
