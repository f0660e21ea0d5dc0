// Run store backends for tests: the same test runs on SQLite and on the real PostgreSQL
// server that ctest starts (the `pg` fixture, scripts/pg_test_server.sh; a test binary
// that uses it is listed in ETL_PG_UNIT_TESTS in tests/CMakeLists.txt and gets
// ETL_TEST_PG_URL). Each PostgreSQL store lives in a fresh schema dropped afterwards, so
// tests run in parallel on one server.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "runtime/run_store.h"

namespace etl::testing {

// Which store a parametrised test runs on.
enum class StoreBackend { Sqlite, Postgres };

// "sqlite" or "postgres", for test names.
inline std::string BackendName(StoreBackend backend) {
  return backend == StoreBackend::Sqlite ? "sqlite" : "postgres";
}

// How gtest prints a backend (test names and messages).
inline void PrintTo(StoreBackend backend, std::ostream* out) { *out << BackendName(backend); }

// For INSTANTIATE_TEST_SUITE_P(..., ::testing::Values(...), BackendParamName).
inline std::string BackendParamName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return BackendName(info.param);
}

// The test server's URL (ETL_TEST_PG_URL). When it is not set the current test fails with
// how to start the server, and "" is returned.
inline std::string PgTestUrl() {
  const char* url = std::getenv("ETL_TEST_PG_URL");
  if (url != nullptr && *url != '\0') return url;
  ADD_FAILURE()
      << "this test needs the test PostgreSQL server and ETL_TEST_PG_URL is not set: run it through "
         "ctest (the `pg` fixture starts the server), or start one with `scripts/pg_test_server.sh start "
         "/tmp/etl-pg 25432` and set ETL_TEST_PG_URL=postgres://etl@127.0.0.1:25432/postgres";
  return "";
}

// A loopback port nothing listens on (bound, then closed): a dead server's address.
inline int UnusedLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// `url` with `-c search_path=schema` in its options: stores opened with it keep their
// tables in `schema`.
inline std::string PgUrlWithSchema(const std::string& url, const std::string& schema) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
}

// A connection of a test's own to the test server (its NOTICEs dropped, not printed).
inline PGconn* PgTestConnect(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return conn;
}

// Runs one statement on the test server with a connection of its own; the error ("" when
// it worked).
inline std::string PgTestExec(const std::string& url, const std::string& sql) {
  PGconn* conn = PgTestConnect(url);
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) error = PQresultErrorMessage(result);
    PQclear(result);
  }
  PQfinish(conn);
  return error;
}

// One value of a query on the test server ("" for none or NULL); fails the test on error.
inline std::string PgTestQuery(const std::string& url, const std::string& sql) {
  PGconn* conn = PgTestConnect(url);
  std::string value;
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
      ADD_FAILURE() << sql << ": " << PQresultErrorMessage(result);
    } else if (PQntuples(result) > 0 && !PQgetisnull(result, 0, 0)) {
      value = PQgetvalue(result, 0, 0);
    }
    PQclear(result);
  }
  PQfinish(conn);
  return value;
}

// A fresh schema on the test server, dropped (with everything in it) when it goes.
class PgTestSchema {
 public:
  PgTestSchema() : server_(PgTestUrl()) {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    name_ = "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
            std::to_string(std::hash<std::string>()(std::string(info ? info->name() : "")) % 100000);
    if (server_.empty()) return;
    std::string error = PgTestExec(server_, "CREATE SCHEMA " + name_);
    if (!error.empty())
      ADD_FAILURE() << "cannot create schema " << name_ << " on " << server_ << ": " << error;
  }
  ~PgTestSchema() {
    if (!server_.empty()) PgTestExec(server_, "DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
  }
  PgTestSchema(const PgTestSchema&) = delete;
  PgTestSchema& operator=(const PgTestSchema&) = delete;

  // The schema's name.
  const std::string& Name() const { return name_; }
  // The server's URL ("" when ETL_TEST_PG_URL is missing; the test has failed then).
  const std::string& Server() const { return server_; }
  // A URL whose search_path is this schema.
  std::string Url() const { return PgUrlWithSchema(server_, name_); }

 private:
  std::string server_;
  std::string name_;
};

// A fresh, empty place for a store of `backend`: a temporary folder (SQLite) or a fresh
// schema (PostgreSQL), removed when it goes. `Store()` is the `--store` value and
// `StateDir()` the state directory to give OpenRunStore.
class TestStoreBackend {
 public:
  explicit TestStoreBackend(StoreBackend backend) : backend_(backend) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info ? std::string(info->test_suite_name()) + "_" + info->name() : "store";
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    dir_ = std::filesystem::temp_directory_path() / ("etl_store_" + std::to_string(::getpid()) + "_" + name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (backend_ == StoreBackend::Postgres) schema_ = std::make_unique<PgTestSchema>();
  }
  ~TestStoreBackend() { std::filesystem::remove_all(dir_); }
  TestStoreBackend(const TestStoreBackend&) = delete;
  TestStoreBackend& operator=(const TestStoreBackend&) = delete;

  // Which backend.
  StoreBackend Backend() const { return backend_; }
  // The `--store` value: "" (SQLite in StateDir) or the schema's URL.
  std::string Store() const { return schema_ ? schema_->Url() : ""; }
  // A temporary state directory (both backends have one: runs keep files there).
  std::string StateDir() const { return dir_.string(); }
  // The PostgreSQL schema (null for SQLite).
  const PgTestSchema* Schema() const { return schema_.get(); }

  // Runs `sql` (one or more statements) on the store's database with a connection of the
  // test's own, as an older etlc or another program would; the error ("" when it worked).
  std::string Sql(const std::string& sql) const {
    if (schema_) return PgTestExec(schema_->Url(), sql);
    sqlite3* db = nullptr;
    std::string error;
    if (sqlite3_open(runtime::RunStorePath(StateDir()).c_str(), &db) != SQLITE_OK) {
      error = sqlite3_errmsg(db);
    } else {
      char* message = nullptr;
      if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK)
        error = message != nullptr ? message : sqlite3_errmsg(db);
      sqlite3_free(message);
    }
    sqlite3_close(db);
    return error;
  }

  // The first value of a query on the store's database ("" for none or NULL); fails the
  // test on error.
  std::string Query(const std::string& sql) const {
    if (schema_) return PgTestQuery(schema_->Url(), sql);
    sqlite3* db = nullptr;
    std::string value;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_open(runtime::RunStorePath(StateDir()).c_str(), &db) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    } else {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
        value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
      }
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
  }

  // Opens the store; fails the test (and returns null) when it cannot.
  std::unique_ptr<runtime::RunStore> Open() const {
    if (schema_ && schema_->Server().empty()) return nullptr;
    std::string error;
    auto store = runtime::OpenRunStore(Store(), StateDir(), error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }

 private:
  StoreBackend backend_;
  std::filesystem::path dir_;
  std::unique_ptr<PgTestSchema> schema_;
};

}  // namespace etl::testing
