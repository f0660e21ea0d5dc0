// The PostgreSQL run store against the test server (the ctest `pg` fixture): the tables go
// to the URL's schema, two stores migrating a new schema at once, a dead server and a lost
// connection are clear errors naming the URL without its password, one reconnect per call,
// the password never shown (errors, Describe(), libpq's own messages). The tests both
// backends share are in runtime_run_store_test.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "runtime/run_store.h"
#include "runtime/run_store_postgres_conn.h"
#include "tests/unit/run_store_backends.h"

namespace etl::runtime {
namespace {

using testing::PgTestExec;
using testing::PgTestQuery;
using testing::PgTestSchema;
using testing::PgTestUrl;

// `url` with user `etl` given the password `password` (the test server trusts loopback, so
// it is accepted and ignored).
std::string WithPassword(const std::string& url, const std::string& password) {
  std::string out = url;
  size_t at = out.find("etl@");
  EXPECT_NE(at, std::string::npos) << url;
  if (at != std::string::npos) out.replace(at, 4, "etl:" + password + "@");
  return out;
}

std::unique_ptr<RunStore> OpenOrFail(const std::string& url) {
  std::string error;
  auto store = OpenPostgresRunStore(url, error);
  EXPECT_NE(store, nullptr) << error;
  return store;
}

StoredRun NewRun(const std::string& id) {
  StoredRun run;
  run.id = id;
  run.pipeline = "p";
  run.source_file = "x.etl";
  run.plan_json = "{}";
  run.plan_hash = "0123456789abcdef";
  run.params_json = "{}";
  run.status = "running";
  run.started_us = 1;
  return run;
}

TEST(PostgresRunStore, RedactsPasswordsFromUrls) {
  EXPECT_EQ(RedactPostgresUrl("postgres://u:pw@h:5432/db"), "postgres://u@h:5432/db");
  EXPECT_EQ(RedactPostgresUrl("postgresql://u:p%40ss@h/db?sslmode=disable"),
            "postgresql://u@h/db?sslmode=disable");
  EXPECT_EQ(RedactPostgresUrl("postgres://u@h/db?password=pw&options=-csearch_path%3Ds"),
            "postgres://u@h/db?options=-csearch_path%3Ds");
  EXPECT_EQ(RedactPostgresUrl("postgres://u:a:b@h/db?password=x"), "postgres://u@h/db");
  EXPECT_EQ(RedactPostgresUrl("postgres://h/db"), "postgres://h/db");
  EXPECT_EQ(RedactPostgresUrl("postgres://h:1/db?a=1&password=2&b=3"), "postgres://h:1/db?a=1&b=3");
  EXPECT_EQ(ScrubPostgresPassword("postgres://u:p%40ss@h/db", "x p@ss y p%40ss z"), "x *** y *** z");
}

TEST(PostgresRunStore, TheTablesGoToTheSchemaOfTheUrl) {
  PgTestSchema schema;
  ASSERT_FALSE(schema.Server().empty());
  auto store = OpenOrFail(schema.Url());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Describe(), schema.Url());
  EXPECT_EQ(PgTestQuery(schema.Server(),
                        "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM "
                        "information_schema.tables WHERE table_schema = '" +
                            schema.Name() + "'"),
            "audit,errors,events,runs,schema_version,step_metrics,step_state,tokens");
  EXPECT_EQ(
      PgTestQuery(schema.Url(), "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version"),
      "1,2,3");
  EXPECT_EQ(PgTestQuery(schema.Server(),
                        "SELECT data_type FROM information_schema.columns WHERE table_schema = '" +
                            schema.Name() + "' AND table_name = 'runs' AND column_name = 'started_at'"),
            "bigint");
}

TEST(PostgresRunStore, ASchemaThatDoesNotExistIsAClearError) {
  std::string server = PgTestUrl();
  ASSERT_FALSE(server.empty());
  std::string url = testing::PgUrlWithSchema(server, "no_such_schema_here");
  std::string error;
  EXPECT_EQ(OpenPostgresRunStore(url, error), nullptr);
  EXPECT_NE(error.find("cannot open run store `" + url + "`"), std::string::npos) << error;
  EXPECT_NE(error.find("no schema of the search_path"), std::string::npos) << error;
}

TEST(PostgresRunStore, TwoStoresMigratingAtOnceMigrateOnce) {
  // Without the advisory lock, CREATE TABLE IF NOT EXISTS races (a duplicate key in
  // pg_type) or both insert the version rows.
  for (int round = 0; round < 5; ++round) {
    PgTestSchema schema;
    ASSERT_FALSE(schema.Server().empty());
    ASSERT_FALSE(schema.Server().empty());
    constexpr int kStores = 4;
    std::vector<std::string> errors(kStores);
    std::vector<std::unique_ptr<RunStore>> stores(kStores);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kStores; ++i) {
      threads.emplace_back([&, i] {
        ready++;
        while (ready.load() < kStores) std::this_thread::yield();
        stores[i] = OpenPostgresRunStore(schema.Url(), errors[i]);
      });
    }
    for (auto& thread : threads) thread.join();
    for (int i = 0; i < kStores; ++i) EXPECT_NE(stores[i], nullptr) << "round " << round << ": " << errors[i];
    EXPECT_EQ(PgTestQuery(schema.Url(), "SELECT count(*) FROM schema_version"),
              std::to_string(kRunStoreSchemaVersion));
    ASSERT_NE(stores[0], nullptr);
    ASSERT_EQ(stores[0]->BeginRun(NewRun("r")), std::nullopt);
    std::optional<StoredRun> run;
    ASSERT_NE(stores[kStores - 1], nullptr);
    ASSERT_EQ(stores[kStores - 1]->GetRun("r", run), std::nullopt);
    EXPECT_TRUE(run);
  }
}

TEST(PostgresRunStore, ADeadServerIsAClearErrorWithoutThePassword) {
  int port = testing::UnusedLoopbackPort();
  std::string url = "postgres://etl:Sup3rSecretPw@127.0.0.1:" + std::to_string(port) + "/postgres";
  std::string error;
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(OpenRunStore(url, "/nonexistent", error), nullptr);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(
      error.find("cannot open run store `postgres://etl@127.0.0.1:" + std::to_string(port) + "/postgres`"),
      std::string::npos)
      << error;
  EXPECT_NE(error.find("Connection refused"), std::string::npos) << error;
  EXPECT_EQ(error.find("Sup3rSecretPw"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST(PostgresRunStore, ThePasswordIsNeverShown) {
  PgTestSchema schema;
  ASSERT_FALSE(schema.Server().empty());
  const std::string secret = "Sup3rSecretPw";
  // In the userinfo and as a parameter: accepted by the trusting server, never shown.
  std::string url = WithPassword(schema.Url(), secret) + "&password=" + secret + "2";
  auto store = OpenOrFail(url);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Describe(), schema.Url());
  auto error = store->ReopenRun("nope");
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("run store `" + schema.Url() + "`"), std::string::npos) << *error;
  EXPECT_EQ(error->find(secret), std::string::npos) << *error;

  // libpq echoes a malformed part of a URL; a password it cannot decode is scrubbed.
  std::string bad = WithPassword(schema.Url(), "p%zzSecretWord");
  std::string open_error;
  EXPECT_EQ(OpenPostgresRunStore(bad, open_error), nullptr);
  EXPECT_NE(open_error.find("cannot open run store `"), std::string::npos) << open_error;
  EXPECT_EQ(open_error.find("SecretWord"), std::string::npos) << open_error;
}

TEST(PostgresRunStore, ALostConnectionIsReconnectedOncePerCall) {
  PgTestSchema schema;
  ASSERT_FALSE(schema.Server().empty());
  std::string app = "etl_test_" + schema.Name();
  auto store = OpenOrFail(schema.Url() + "&application_name=" + app);
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->BeginRun(NewRun("r1")), std::nullopt);
  const std::string kill =
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '" + app + "'";
  // A read after the server closed the connection reconnects and answers.
  EXPECT_EQ(PgTestQuery(schema.Server(), kill), "1");
  std::vector<StoredRun> runs;
  ASSERT_EQ(store->ListRuns({}, runs), std::nullopt);
  ASSERT_EQ(runs.size(), 1u);
  // So does a write (the transaction had not reached COMMIT, so it is run again, once).
  EXPECT_EQ(PgTestQuery(schema.Server(), kill), "1");
  ASSERT_EQ(store->BeginRun(NewRun("r2")), std::nullopt);
  EXPECT_EQ(PgTestQuery(schema.Url(), "SELECT count(*) FROM runs"), "2");
}

TEST(PostgresRunStore, AServerThatWentAwayIsAClearErrorNamingTheStore) {
  // A server of this test's own, stopped while the store is open.
  int port = testing::UnusedLoopbackPort();
  std::string dir = "/tmp/etl-pg-own-" + std::to_string(::getpid());
  std::string script = std::string(ETL_SOURCE_DIR) + "/scripts/pg_test_server.sh";
  std::string start = "bash " + script + " start " + dir + " " + std::to_string(port) + " >/dev/null";
  ASSERT_EQ(std::system(start.c_str()), 0) << start;
  std::string url = "postgres://etl:Sup3rSecretPw@127.0.0.1:" + std::to_string(port) + "/postgres";
  auto store = OpenOrFail(url);
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->BeginRun(NewRun("r1")), std::nullopt);
  std::string stop = "bash " + script + " stop " + dir;
  ASSERT_EQ(std::system(stop.c_str()), 0) << stop;

  std::vector<StoredRun> runs;
  auto error = store->ListRuns({}, runs);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("run store `postgres://etl@127.0.0.1:" + std::to_string(port) + "/postgres`"),
            std::string::npos)
      << *error;
  EXPECT_NE(error->find("lost the connection to the server and cannot reconnect"), std::string::npos)
      << *error;
  EXPECT_EQ(error->find("Sup3rSecretPw"), std::string::npos) << *error;
  // Every later call says the same, without hanging.
  error = store->BeginRun(NewRun("r2"));
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("cannot reconnect"), std::string::npos) << *error;
}

TEST(PostgresRunStore, OpenRunStoreDispatchesOnTheScheme) {
  PgTestSchema schema;
  ASSERT_FALSE(schema.Server().empty());
  std::string url = schema.Url();
  ASSERT_EQ(url.rfind("postgres://", 0), 0u);
  std::string error;
  auto store = OpenRunStore("postgresql://" + url.substr(11), "/nonexistent", error);
  EXPECT_NE(store, nullptr) << error;
  EXPECT_EQ(OpenRunStore("mysql://h/db", "/nonexistent", error), nullptr);
  EXPECT_NE(error.find("postgres://"), std::string::npos) << error;
}

}  // namespace
}  // namespace etl::runtime
