// `etlc run --persist disk` and `--resume` in process: what a resume continues, refuses and
// keeps (the crash tests themselves, with SIGKILL, are tests/e2e/fault_injection_test.py).
#include <gtest/gtest.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "compiler/driver/cli.h"
#include "runtime/persist_log.h"
#include "runtime/run_store.h"
#include "tests/unit/driver_cli_util.h"

namespace etl::driver {
namespace {

namespace fs = std::filesystem;

using test::Etlc;
using test::ReadFile;
using test::Result;

class DriverResume : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("etl_resume_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::string rows = "id,amount\n";
    for (int i = 1; i <= 20000; ++i) rows += std::to_string(i) + "," + (i % 101 == 0 ? "x" : std::to_string(i % 977)) + "\n";
    Write("in.csv", rows);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
  std::string P(const std::string& name) const { return (dir_ / name).string(); }
  std::string State() const { return P("state"); }

  // big amounts to big.csv, an aggregate to totals.csv; `extra` is spliced into the body.
  std::string Pipeline(const std::string& extra = "") {
    return Write("p.etl", "schema Order {\n  id: int\n  amount: float\n}\n\npipeline p {\n" + extra +
                              "  raw = from csv(\"" + P("in.csv") + "\", schema: Order)\n"
                              "  raw | filter amount > 500.0 | into csv(\"" + P("big.csv") + "\")\n"
                              "  raw | aggregate by bucket = id % 7 { n = count(), s = sum(amount) } | sort by bucket"
                              " | into csv(\"" + P("totals.csv") + "\")\n}\n");
  }

  std::vector<runtime::StoredRun> Runs() {
    std::string error;
    auto store = runtime::OpenSqliteRunStore(runtime::RunStorePath(State()), error);
    EXPECT_NE(store, nullptr) << error;
    std::vector<runtime::StoredRun> runs;
    runtime::RunQuery query;
    query.limit = 0;
    if (store) {
      EXPECT_FALSE(store->ListRuns(query, runs));
    }
    return runs;
  }

  fs::path dir_;
};

TEST_F(DriverResume, AUnionKeepsOneLanePerBranchInItsSinksProgress) {
  // Two filters of one source meet in a union: their batches share (origin, seq), so only
  // the lane tells them apart; with one lane, a resumed sink could skip rows of one branch
  // for rows of the other.
  std::string file = Write("u.etl", "schema Order {\n  id: int\n  amount: float\n}\n\npipeline u {\n  persist disk\n"
                                    "  raw = from csv(\"" + P("in.csv") + "\", schema: Order)\n"
                                    "  big = raw | filter amount > 500.0\n"
                                    "  small = raw | filter amount < 100.0\n"
                                    "  union(big, small) | into csv(\"" + P("union.csv") + "\")\n}\n");
  Result r = Etlc({"run", file, "--state-dir", State(), "-q", "--checkpoint-interval", "0"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  std::vector<fs::path> checkpoints;
  for (const auto& entry : fs::directory_iterator(fs::path(State()) / "runs" / runs[0].id / "persist" / "sinks")) {
    if (entry.path().extension() == ".ckpt") checkpoints.push_back(entry.path());
  }
  ASSERT_EQ(checkpoints.size(), 1u);
  std::optional<std::string> last = runtime::LastCheckpoint(checkpoints[0].string());
  ASSERT_TRUE(last);
  // The progress is the record's last line: `origin,lane,seq,rows` per (origin, lane).
  std::string progress = last->substr(last->find_last_of('\n') + 1);
  std::set<std::string> lanes;
  std::istringstream entries(progress);
  std::string entry;
  while (std::getline(entries, entry, ';')) {
    if (entry.empty()) continue;
    size_t a = entry.find(','), b = entry.find(',', a + 1);
    ASSERT_NE(b, std::string::npos) << progress;
    lanes.insert(entry.substr(a + 1, b - a - 1));
  }
  EXPECT_EQ(lanes.size(), 2u) << progress;
}

TEST_F(DriverResume, DiskRunLeavesOnlyItsOutputsAndACommitRecord) {
  std::string file = Pipeline("  persist disk\n");
  Result r = Etlc({"run", file, "--state-dir", State(), "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  fs::path persist = fs::path(State()) / "runs" / runs[0].id / "persist";
  EXPECT_TRUE(fs::exists(persist / "publish"));
  EXPECT_TRUE(fs::exists(persist / "published"));
  EXPECT_FALSE(fs::exists(persist / "logs"));  // removed once published
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  }
  // The same outputs as persist memory.
  std::string big = ReadFile(P("big.csv")), totals = ReadFile(P("totals.csv"));
  r = Etlc({"run", file, "--state-dir", State(), "-q", "--persist", "memory"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ReadFile(P("big.csv")), big);
  EXPECT_EQ(ReadFile(P("totals.csv")), totals);
}

TEST_F(DriverResume, FailedDiskRunKeepsItsCheckpointsAndResumes) {
  // The totals sink cannot write (its directory is a file): the run fails after the other
  // sink checkpointed; the resume, with the obstacle gone, completes both exactly once.
  Write("blocked", "a file where a directory should be");
  std::string file = Write("p.etl", "schema Order {\n  id: int\n  amount: float\n}\n\npipeline p {\n  persist disk\n"
                                    "  raw = from csv(\"" + P("in.csv") + "\", schema: Order)\n"
                                    "  raw | filter amount > 500.0 | into csv(\"" + P("big.csv") + "\")\n"
                                    "  raw | aggregate by bucket = id % 7 { n = count() } | sort by bucket"
                                    " | into csv(\"" + P("blocked/totals.csv") + "\")\n}\n");
  Result r = Etlc({"run", file, "--state-dir", State(), "-q", "--checkpoint-interval", "0"});
  ASSERT_EQ(r.code, 3) << r.err;
  EXPECT_FALSE(fs::exists(P("big.csv")));  // nothing published
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "failed");
  fs::remove(P("blocked"));
  r = Etlc({"run", file, "--state-dir", State(), "-q", "--resume", "last"});
  ASSERT_EQ(r.code, 0) << r.err;
  runs = Runs();
  ASSERT_EQ(runs.size(), 1u);  // the same run, resumed
  EXPECT_EQ(runs[0].status, "succeeded");
  EXPECT_EQ(runs[0].attempts, 2);
  std::string big = ReadFile(P("big.csv")), totals = ReadFile(P("blocked/totals.csv"));
  // An uninterrupted run writes the same bytes.
  fs::remove_all(State());
  fs::remove(P("big.csv"));
  ASSERT_EQ(Etlc({"run", file, "--state-dir", State(), "-q"}).code, 0);
  EXPECT_EQ(ReadFile(P("big.csv")), big);
  EXPECT_EQ(ReadFile(P("blocked/totals.csv")), totals);
  // Unconsumed errors once each: 20000/101 = 198 parse errors.
  auto again = Runs();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].errors, 198u);
}

TEST_F(DriverResume, ResumeLastWithNothingToResumeStartsANewRun) {
  std::string file = Pipeline();
  Result r = Etlc({"run", file, "--state-dir", State(), "-q", "--resume", "last", "--persist", "disk"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("no run of `p` to resume"), std::string::npos) << r.err;
  r = Etlc({"run", file, "--state-dir", State(), "-q", "--resume", "last"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Runs().size(), 2u);  // the newest had succeeded: a second run
}

TEST_F(DriverResume, ResumeRefusesWhatItCannotContinue) {
  std::string file = Pipeline("  persist disk\n");
  Result r = Etlc({"run", file, "--state-dir", State(), "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string id = Runs()[0].id;
  r = Etlc({"run", "--resume", id, "--state-dir", State()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("already succeeded"), std::string::npos) << r.err;
  r = Etlc({"run", "--resume", "20990101T000000Z-000000", "--state-dir", State()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no run `20990101T000000Z-000000`"), std::string::npos) << r.err;
  r = Etlc({"run", "--resume", "last", "--state-dir", State()});
  EXPECT_EQ(r.code, 2);  // which pipeline?
  r = Etlc({"run", file, "--resume", id, "--param", "x=1", "--state-dir", State()});
  EXPECT_EQ(r.code, 2);
  r = Etlc({"run", file, "--persist", "tape"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--persist `tape`"), std::string::npos) << r.err;
}

TEST_F(DriverResume, ChangedPipelineIsNotResumedAndALiveRunIsNotResumedTwice) {
  Write("blocked", "x");
  std::string file = Write("p.etl", "schema Order {\n  id: int\n  amount: float\n}\n\npipeline p {\n  persist disk\n"
                                    "  from csv(\"" + P("in.csv") + "\", schema: Order) | into csv(\"" + P("blocked/o.csv") +
                                    "\")\n}\n");
  ASSERT_EQ(Etlc({"run", file, "--state-dir", State(), "-q"}).code, 3);
  std::string id = Runs()[0].id;
  // A live process holds the run's lock.
  std::string lock_path = (fs::path(State()) / "runs" / id / "lock").string();
  int fd = ::open(lock_path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  fs::remove(P("blocked"));
  Result r = Etlc({"run", "--resume", id, "--state-dir", State(), "-q"});
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("still running"), std::string::npos) << r.err;
  ::close(fd);
  // The file changed: its plan is not the run's.
  std::string changed = Write("p2.etl", "schema Order {\n  id: int\n  amount: float\n}\n\npipeline p {\n  persist disk\n"
                                        "  from csv(\"" + P("in.csv") + "\", schema: Order) | filter id > 1 | into csv(\"" +
                                        P("blocked/o.csv") + "\")\n}\n");
  r = Etlc({"run", changed, "--resume", id, "--state-dir", State(), "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("the pipeline changed"), std::string::npos) << r.err;
  // Without FILE, the stored plan runs.
  r = Etlc({"run", "--resume", id, "--state-dir", State(), "-q"});
  EXPECT_EQ(r.code, 0) << r.err;
  std::string out = ReadFile(P("blocked/o.csv"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1 + 20000 - 198);  // header + the rows that parse
}

}  // namespace
}  // namespace etl::driver
