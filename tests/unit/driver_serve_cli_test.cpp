// `etlc token` and `etlc backfill` in-process, and `etlc serve`'s refusal of a missing
// directory: exit codes, what is printed, and what lands in the run store. backfill and
// serve enter the project directory, so every call here restores the working directory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <set>

#include "compiler/driver/cli.h"
#include "runtime/run_store.h"
#include "server/auth.h"
#include "tests/unit/driver_cli_util.h"

namespace etl::driver {
namespace {

namespace fs = std::filesystem;

using test::Result;

// A temp folder with a copy of the serve fixtures' daily.etl (a `day: date` param) and
// fast.etl (no time param) in project/, and a state directory beside it.
class ServeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("etl_serve_cli_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "project" / "data");
    fs::path fixtures = fs::path(ETL_SOURCE_DIR) / "tests" / "serve" / "project";
    fs::copy_file(fixtures / "daily.etl", dir_ / "project" / "daily.etl");
    fs::copy_file(fixtures / "fast.etl", dir_ / "project" / "fast.etl");
    fs::copy_file(fixtures / "data" / "items.csv", dir_ / "project" / "data" / "items.csv");
    cwd_ = fs::current_path();
  }
  void TearDown() override {
    fs::current_path(cwd_);
    fs::remove_all(dir_);
  }

  // `etlc args...`, then back to the working directory the test started in (backfill and
  // serve enter the project directory and stay there: fine for a process, not for a test).
  Result Etlc(std::vector<std::string> args) {
    Result r = test::Etlc(std::move(args));
    fs::current_path(cwd_);
    return r;
  }

  std::string Project() const { return (dir_ / "project").string(); }
  std::string State() const { return (dir_ / "state").string(); }

  std::unique_ptr<runtime::RunStore> OpenStore() {
    std::string error;
    auto store = runtime::OpenRunStore("", State(), error);
    EXPECT_TRUE(store) << error;
    return store;
  }

  fs::path dir_;
  fs::path cwd_;
};

TEST_F(ServeCli, TokenCreateListRevoke) {
  Result created = Etlc({"token", "create", "--role", "operator", "--state-dir", State()});
  ASSERT_EQ(created.code, kExitOk) << created.err;
  // One line: the secret, and nothing else on stdout (scripts capture it).
  ASSERT_TRUE(std::regex_match(created.out, std::regex("etl_[0-9a-f]{48}\n"))) << created.out;
  std::string secret = created.out.substr(0, created.out.size() - 1);
  std::smatch id_match;
  ASSERT_TRUE(std::regex_search(created.err, id_match, std::regex("operator token ([0-9a-f]{12})"))) << created.err;
  std::string id = id_match[1];
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    std::string error;
    auto token = server::Authenticate(*store, secret, error);
    ASSERT_TRUE(token) << "the printed secret does not authenticate: " << error;
    EXPECT_EQ(token->id, id);
    EXPECT_EQ(token->role, "operator");
    std::vector<runtime::StoredToken> tokens;
    ASSERT_FALSE(store->ListTokens(tokens));
    ASSERT_EQ(tokens.size(), 1u);
    EXPECT_EQ(tokens[0].secret_sha256, server::Sha256Hex(secret));  // only the hash is kept
  }

  Result listed = Etlc({"token", "list", "--state-dir", State()});
  ASSERT_EQ(listed.code, kExitOk) << listed.err;
  EXPECT_TRUE(std::regex_search(listed.out, std::regex(id + " +operator "))) << listed.out;
  EXPECT_EQ(listed.out.find(secret), std::string::npos) << "list shows the secret";
  EXPECT_EQ(listed.out.find("(revoked)"), std::string::npos);

  Result revoked = Etlc({"token", "revoke", id, "--state-dir", State()});
  ASSERT_EQ(revoked.code, kExitOk) << revoked.err;
  listed = Etlc({"token", "list", "--state-dir", State()});
  EXPECT_NE(listed.out.find(id), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("(revoked)"), std::string::npos) << listed.out;
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    std::string error;
    EXPECT_FALSE(server::Authenticate(*store, secret, error)) << "a revoked token still authenticates";
    // Both changes are in the audit log.
    std::vector<runtime::AuditEntry> entries;
    uint64_t total = 0;
    ASSERT_FALSE(store->AuditPage(0, 10, entries, total));
    std::set<std::string> actions;
    for (const auto& entry : entries) actions.insert(entry.action);
    EXPECT_EQ(actions, (std::set<std::string>{"token create", "token revoke"}));
  }
}

TEST_F(ServeCli, TokenRefusesBadInput) {
  Result bad_role = Etlc({"token", "create", "--role", "king", "--state-dir", State()});
  EXPECT_EQ(bad_role.code, kExitUsage);
  EXPECT_NE(bad_role.err.find("--role `king`"), std::string::npos) << bad_role.err;
  EXPECT_EQ(bad_role.out, "");
  Result no_role = Etlc({"token", "create", "--state-dir", State()});
  EXPECT_EQ(no_role.code, kExitUsage);
  Result unknown = Etlc({"token", "revoke", "0123456789ab", "--state-dir", State()});
  EXPECT_EQ(unknown.code, kExitUsage);
  EXPECT_NE(unknown.err.find("no token `0123456789ab`"), std::string::npos) << unknown.err;
  Result action = Etlc({"token", "rotate", "--state-dir", State()});
  EXPECT_EQ(action.code, kExitUsage);
  // Nothing was created by the refused commands.
  auto store = OpenStore();
  ASSERT_TRUE(store);
  std::vector<runtime::StoredToken> tokens;
  ASSERT_FALSE(store->ListTokens(tokens));
  EXPECT_TRUE(tokens.empty());
}

TEST_F(ServeCli, BackfillRunsOncePerDay) {
  Result r = Etlc({"backfill", "daily", "--from", "2024-03-01", "--to", "2024-03-03", "--dir", Project(),
                   "--state-dir", State(), "--workers", "1"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.err.find("3 of 3 runs succeeded"), std::string::npos) << r.err;
  std::vector<runtime::StoredRun> runs;
  auto store = OpenStore();
  ASSERT_TRUE(store);
  runtime::RunQuery query;
  query.limit = 0;
  ASSERT_FALSE(store->ListRuns(query, runs));
  ASSERT_EQ(runs.size(), 3u);
  std::set<std::string> days;
  for (const auto& run : runs) {
    EXPECT_EQ(run.pipeline, "daily");
    EXPECT_EQ(run.status, "succeeded") << run.failure;
    nlohmann::json trigger = nlohmann::json::parse(run.trigger_json);
    EXPECT_EQ(trigger["kind"], "backfill");
    std::string day = nlohmann::json::parse(run.params_json)["day"];
    days.insert(day);
    EXPECT_EQ(trigger["scheduled_for"], day + "T00:00:00.000Z");
    // stdout lists each run with its params.
    EXPECT_NE(r.out.find(run.id + "  succeeded"), std::string::npos) << r.out;
    // The pipeline wrote its output relative to the project directory.
    EXPECT_TRUE(fs::exists(dir_ / "project" / "out" / ("daily_" + day + ".jsonl"))) << day;
  }
  EXPECT_EQ(days, (std::set<std::string>{"2024-03-01", "2024-03-02", "2024-03-03"}));
}

TEST_F(ServeCli, BackfillRefusesBadRequests) {
  Result no_time = Etlc({"backfill", "fast", "--from", "2024-03-01", "--to", "2024-03-03", "--dir", Project(),
                         "--state-dir", State()});
  EXPECT_EQ(no_time.code, kExitUsage);
  EXPECT_NE(no_time.err.find("pipeline `fast` has no time param to backfill"), std::string::npos) << no_time.err;
  Result reversed = Etlc({"backfill", "daily", "--from", "2024-03-04", "--to", "2024-03-03", "--dir", Project(),
                          "--state-dir", State()});
  EXPECT_EQ(reversed.code, kExitUsage);
  EXPECT_NE(reversed.err.find("is after"), std::string::npos) << reversed.err;
  Result bad_time = Etlc({"backfill", "daily", "--from", "March", "--to", "2024-03-03", "--dir", Project(),
                          "--state-dir", State()});
  EXPECT_EQ(bad_time.code, kExitUsage);
  Result missing_to = Etlc({"backfill", "daily", "--from", "2024-03-01", "--dir", Project(), "--state-dir", State()});
  EXPECT_EQ(missing_to.code, kExitUsage);
  Result unknown = Etlc({"backfill", "nope", "--from", "2024-03-01", "--to", "2024-03-03", "--dir", Project(),
                         "--state-dir", State()});
  EXPECT_EQ(unknown.code, kExitUsage);
  EXPECT_NE(unknown.err.find("no pipeline `nope`"), std::string::npos) << unknown.err;
  // None of them ran anything.
  auto store = OpenStore();
  ASSERT_TRUE(store);
  std::vector<runtime::StoredRun> runs;
  runtime::RunQuery query;
  query.limit = 0;
  ASSERT_FALSE(store->ListRuns(query, runs));
  EXPECT_TRUE(runs.empty());
  EXPECT_FALSE(fs::exists(dir_ / "project" / "out"));
}

TEST_F(ServeCli, ServeRefusesAMissingDirectory) {
  std::string missing = (dir_ / "no_such_project").string();
  Result r = Etlc({"serve", missing, "--state-dir", State(), "--port", "0"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("`" + missing + "` is not a directory"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(State())) << "serve made its state directory for a project that does not exist";
  Result bad_catch_up = Etlc({"serve", Project(), "--catch-up", "twice", "--state-dir", State()});
  EXPECT_EQ(bad_catch_up.code, kExitUsage);
  EXPECT_NE(bad_catch_up.err.find("--catch-up `twice`"), std::string::npos) << bad_catch_up.err;
}

}  // namespace
}  // namespace etl::driver
