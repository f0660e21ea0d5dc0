// `etlc inspect` in process: a `persist disk` run with an aggregate and sorts stops after
// its stateful steps completed (its last sink writes under a regular file); then its files
// are damaged (a flipped byte in a segment, a segment cut in the middle of a record, garbage
// after a checkpoint, a torn checkpoint, a torn line in errors.jsonl). inspect names every
// damaged file, --repair cuts what it documents, and `etlc run --resume` then produces
// exactly the outputs of an undamaged run. Also: a missing or empty state dir, random bytes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "compiler/driver/cli.h"
#include "runtime/persist_channel.h"
#include "runtime/persist_log.h"
#include "tests/unit/driver_cli_util.h"

namespace etl::driver {
namespace {

namespace fs = std::filesystem;

using test::Etlc;
using test::ReadFile;
using test::Result;

void WriteFile(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

void AppendFile(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::app) << bytes;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class DriverInspect : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("etl_inspect_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::string csv = "id,cat,amount\n";
    for (int i = 1; i <= 3000; ++i) {
      csv += std::to_string(i) + ",c" + std::to_string(i % 13) + "," + (i == 77 ? "x" : std::to_string(i * 3 % 101)) +
             ".5\n";
    }
    WriteFile(dir_ / "in.csv", csv);
    // The sinks `all` and `sums` finish first; `report` (after a union of their done
    // records and a sort) writes under `block`: a regular file, so the run fails at the
    // very end, with every stateful step complete.
    WriteFile(dir_ / "p.etl",
              "schema Order {\n  id: int\n  cat: string\n  amount: float\n}\n\n"
              "pipeline p {\n"
              "  raw = from csv(\"" + P("in.csv") + "\", schema: Order)\n"
              "  all = raw | filter amount > 1.0 | into csv(\"" + P("all.csv") + "\")\n"
              "  totals = raw | aggregate by cat { n = count(), total = sum(amount) }\n"
              "  ordered = totals | sort by total desc, cat\n"
              "  sums = ordered | into csv(\"" + P("sums.csv") + "\")\n"
              "  byid = raw | sort by id desc\n"
              "  top = byid | into csv(\"" + P("byid.csv") + "\")\n"
              "  done = union(all.done, sums.done, top.done) | sort by target\n"
              "  report = done | into csv(\"" + P("block/report.csv") + "\")\n"
              "}\n");
    WriteFile(dir_ / "block", "a regular file: nothing can be created under it\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string P(const std::string& name) const { return (dir_ / name).string(); }
  std::string State() const { return P("state"); }

  // Runs the pipeline under persist disk; it fails at `report`.
  void RunUntilTheLastSinkFails() {
    Result r = Etlc({"run", P("p.etl"), "--persist", "disk", "--state-dir", State(), "--checkpoint-interval", "0",
                     "--workers", "2"});
    ASSERT_EQ(r.code, kExitRunFailed) << r.err;
    ASSERT_NE(r.err.find("report"), std::string::npos) << r.err;
  }
  fs::path RunDir() const {
    std::vector<fs::path> runs;
    for (const auto& entry : fs::directory_iterator(fs::path(State()) / "runs")) runs.push_back(entry.path());
    EXPECT_EQ(runs.size(), 1u);
    return runs.empty() ? fs::path() : runs[0];
  }
  // Lets `report` write, then resumes the run.
  Result Resume() {
    fs::remove(P("block"));
    fs::create_directories(P("block"));
    return Etlc({"run", "--resume", RunDir().filename().string(), "--state-dir", State()});
  }
  // The outputs of the pipeline (the report names the other outputs, with their sizes).
  std::vector<std::string> Outputs() const {
    return {ReadFile(P("all.csv")), ReadFile(P("sums.csv")), ReadFile(P("byid.csv")), ReadFile(P("block/report.csv"))};
  }
  // What an undamaged run and resume write (and how many error records).
  void Reference(std::vector<std::string>& outputs, size_t& errors) {
    RunUntilTheLastSinkFails();
    Result r = Resume();
    ASSERT_EQ(r.code, kExitOk) << r.err;
    outputs = Outputs();
    errors = Count(ReadFile(RunDir() / "errors.jsonl"), "\n");
    for (const char* name : {"all.csv", "sums.csv", "byid.csv", "block/report.csv"}) fs::remove(P(name));
    fs::remove_all(State());
    fs::remove_all(P("block"));
    WriteFile(dir_ / "block", "a regular file again\n");
  }
  fs::path Persist() const { return RunDir() / "persist"; }
  fs::path Segment(const std::string& node) const { return Persist() / "logs" / node / "000001.seg"; }

  fs::path dir_;
};

TEST_F(DriverInspect, AMissingOrEmptyStateDirIsHealthy) {
  Result r = Etlc({"inspect", P("nothing-here")});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.err.find("does not exist: nothing to check"), std::string::npos) << r.err;
  fs::create_directories(P("empty"));
  r = Etlc({"inspect", P("empty"), "--format", "json"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.err.find("holds no runs"), std::string::npos) << r.err;
  nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["damaged"], false);
  EXPECT_TRUE(json["runs"].empty());
  EXPECT_EQ(Etlc({"inspect"}).code, kExitUsage);
  EXPECT_EQ(Etlc({"inspect", P("empty"), "--format", "xml"}).code, kExitUsage);
  EXPECT_EQ(Etlc({"inspect", P("in.csv")}).code, kExitUsage);  // not a directory
}

TEST_F(DriverInspect, AStoppedRunIsHealthyAndItsStepsAreComplete) {
  RunUntilTheLastSinkFails();
  for (const char* node : {"totals", "ordered", "byid", "done"}) {
    std::optional<std::string> complete = runtime::LastCheckpoint((Persist() / "steps" / (std::string(node) + ".ckpt")).string());
    ASSERT_TRUE(complete) << node;
    EXPECT_TRUE(complete->starts_with("complete ")) << *complete;
    EXPECT_EQ(runtime::CheckChannelLog((Persist() / "logs" / node).string()).damage, "") << node;
  }
  for (const char* sink : {"all", "sums", "top"}) EXPECT_TRUE(fs::exists(Persist() / "sinks" / (std::string(sink) + ".ckpt"))) << sink;
  Result r = Etlc({"inspect", State()});
  EXPECT_EQ(r.code, kExitOk) << r.out << r.err;
  EXPECT_NE(r.out.find("run " + RunDir().filename().string() + ": ok: persist disk, "), std::string::npos) << r.out;
  r = Etlc({"inspect", State(), "--format", "json"});
  EXPECT_EQ(r.code, kExitOk);
  nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["damaged"], false);
  ASSERT_EQ(json["runs"].size(), 1u);
  EXPECT_EQ(json["runs"][0]["steps"], 4);
  EXPECT_GE(json["runs"][0]["sinks"], 3);
}

TEST_F(DriverInspect, DamageIsReportedRepairedAndTheResumeMatchesAnUndamagedRun) {
  std::vector<std::string> reference;
  size_t reference_errors = 0;
  Reference(reference, reference_errors);
  ASSERT_EQ(reference_errors, 1u);

  RunUntilTheLastSinkFails();
  fs::path run = RunDir();
  // A flipped byte in the aggregate's complete log.
  fs::path totals = Segment("totals");
  std::string bytes = ReadFile(totals);
  ASSERT_GT(bytes.size(), 40u);
  bytes[20] ^= 0x20;  // in the payload of its first record
  WriteFile(totals, bytes);
  // The sort's complete log cut in the middle of its last record.
  fs::path byid = Segment("byid");
  uint64_t byid_size = fs::file_size(byid);
  fs::resize_file(byid, byid_size - 10);
  // Garbage after the last checkpoint of sink `all`, a torn last checkpoint of `sums`.
  fs::path all = Persist() / "sinks" / "all.ckpt";
  uint64_t all_size = fs::file_size(all);
  AppendFile(all, "ETLR garbage after the last checkpoint");
  fs::path sums = Persist() / "sinks" / "sums.ckpt";
  runtime::RecordScan sums_scan = runtime::ScanRecordFile(sums.string());
  ASSERT_GE(sums_scan.records.size(), 1u);
  fs::resize_file(sums, sums_scan.valid_bytes - 3);
  // A torn line at the end of errors.jsonl.
  AppendFile(run / "errors.jsonl", "{\"id\":\"torn");

  Result r = Etlc({"inspect", State()});
  EXPECT_EQ(r.code, kExitRunFailed) << r.out << r.err;
  EXPECT_NE(r.out.find(totals.string() + " (byte 0): checksum mismatch in the record at byte 0"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("computes `totals` again from its input (a log_damaged warning) [recompute]"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(byid.string() + " (byte "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("truncated record at byte"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(all.string() + " (byte " + std::to_string(all_size) + "): truncated record at byte " +
                       std::to_string(all_size)),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(sums.string() + " (byte "), std::string::npos) << r.out;
  // With one checkpoint left the sink restores it; with none it writes its output again.
  EXPECT_NE(r.out.find(sums_scan.records.size() >= 2
                           ? "restores sink `sums` from its checkpoint " + std::to_string(sums_scan.records.size() - 1)
                           : std::string("finds no checkpoint of sink `sums`")),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find((run / "errors.jsonl").string() + " (byte "), std::string::npos) << r.out;
  EXPECT_EQ(Count(r.out, "--repair cuts it"), 5u) << r.out;
  // Reporting changed nothing.
  EXPECT_EQ(fs::file_size(byid), byid_size - 10);

  r = Etlc({"inspect", State(), "--repair", "--format", "json"});
  EXPECT_EQ(r.code, kExitOk) << r.out << r.err;
  EXPECT_EQ(Count(r.err, "etlc inspect: warning: cut `"), 5u) << r.err;
  nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["damaged"], true);
  EXPECT_EQ(json["usable"], true);
  size_t repaired = 0;
  for (const auto& finding : json["runs"][0]["findings"]) repaired += finding["repaired"].get<bool>();
  EXPECT_EQ(repaired, 5u) << json.dump(2);
  EXPECT_EQ(runtime::ScanRecordFile(all.string()).damage, "");
  EXPECT_EQ(fs::file_size(all), all_size);
  EXPECT_EQ(runtime::ScanRecordFile(sums.string()).records.size(), sums_scan.records.size() - 1);
  EXPECT_EQ(ReadFile(run / "errors.jsonl").back(), '\n');
  // What a resume recomputes is still reported (and only that).
  r = Etlc({"inspect", State(), "--format", "json"});
  EXPECT_EQ(r.code, kExitRunFailed);
  json = nlohmann::json::parse(r.out);
  for (const auto& finding : json["runs"][0]["findings"]) EXPECT_EQ(finding["severity"], "recompute") << finding;

  r = Resume();
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(Outputs(), reference);
  EXPECT_EQ(Count(ReadFile(run / "errors.jsonl"), "\n"), reference_errors);
  // The two damaged complete logs were computed again, each with a warning naming it.
  std::vector<std::string> damaged;
  std::istringstream log(ReadFile(run / "log.jsonl"));
  for (std::string line; std::getline(log, line);) {
    if (line.find("log_damaged") != std::string::npos) damaged.push_back(line);
  }
  ASSERT_EQ(damaged.size(), 2u);
  EXPECT_NE((damaged[0] + damaged[1]).find("totals"), std::string::npos);
  EXPECT_NE((damaged[0] + damaged[1]).find("byid"), std::string::npos);
}

TEST_F(DriverInspect, GarbageAfterACompleteLogIsCutAndTheLogIsUsedAgain) {
  RunUntilTheLastSinkFails();
  fs::path ordered = Segment("ordered");
  AppendFile(ordered, std::string(5, '\0') + "ETLR");
  Result r = Etlc({"inspect", State(), "--repair"});
  EXPECT_EQ(r.code, kExitOk) << r.out << r.err;
  EXPECT_NE(r.err.find("etlc inspect: warning: cut `" + ordered.string() + "`"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("uses the log: cut back"), std::string::npos) << r.out;
  EXPECT_EQ(Etlc({"inspect", State()}).code, kExitOk);
  r = Resume();
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(Count(ReadFile(RunDir() / "log.jsonl"), "log_damaged"), 0u);
}

TEST_F(DriverInspect, WhatMakesAResumeFailIsReportedAndNotRepaired) {
  RunUntilTheLastSinkFails();
  runtime::RecordScan scan = runtime::ScanRecordFile((Persist() / "sinks" / "all.ckpt").string());
  ASSERT_FALSE(scan.records.empty());
  std::string staging = P("all.csv") + ".tmp-" + RunDir().filename().string();
  ASSERT_TRUE(fs::exists(staging));
  fs::resize_file(staging, 0);
  fs::remove(RunDir() / "meta");
  Result r = Etlc({"inspect", State(), "--repair"});
  EXPECT_EQ(r.code, kExitRunFailed) << r.out << r.err;
  EXPECT_NE(r.out.find((RunDir() / "meta").string() + " (byte 0): missing"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(staging + " (byte 0): the staging file of sink `all` holds 0 bytes"), std::string::npos)
      << r.out;
  EXPECT_EQ(Count(r.out, "[fatal]"), 2u) << r.out;
  fs::remove(staging);
  r = Etlc({"inspect", State()});
  EXPECT_NE(r.out.find("the staging file of sink `all` (named by "), std::string::npos) << r.out;
  // The resume fails as reported.
  EXPECT_EQ(Resume().code, kExitRunFailed);
}

// A crash in the middle of a checkpoint leaves a torn tail. The resume restores the last
// valid checkpoint, but (runtime/persist_log.cpp RecordWriter::Open appends with O_APPEND,
// and nothing cuts the tail: BufferedSink::Restore only reads) every checkpoint the resumed
// run appends lands after the torn bytes, where no reader looks: a second crash goes back
// to the pre-damage checkpoint. `etlc inspect --repair` cuts the tail; a resume should too.
TEST_F(DriverInspect, CheckpointsAppendedByAResumeAfterATornTailAreReadBack) {
  RunUntilTheLastSinkFails();
  fs::path all = Persist() / "sinks" / "all.ckpt";
  size_t before = runtime::ScanRecordFile(all.string()).records.size();
  AppendFile(all, "ETLR torn");
  // The resume succeeds; `all` checkpoints again when it closes (sinks/ stays after the run).
  Result r = Resume();
  ASSERT_EQ(r.code, kExitOk) << r.err;
  runtime::RecordScan scan = runtime::ScanRecordFile(all.string());
  EXPECT_GT(scan.records.size(), before) << "checkpoints appended after the torn tail are not read back: " << scan.damage;
}

TEST_F(DriverInspect, RandomBytesEverywhereNeverCrashIt) {
  RunUntilTheLastSinkFails();
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(RunDir())) {
    if (entry.is_regular_file() && entry.path().filename() != "lock" && entry.path().filename() != "log.jsonl") {
      files.push_back(entry.path());
    }
  }
  ASSERT_GE(files.size(), 10u);
  std::mt19937 random(7);
  for (int round = 0; round < 20; ++round) {
    for (const fs::path& file : files) {
      std::string bytes = ReadFile(file);
      int what = static_cast<int>(random() % 4);
      if (what == 0 && !bytes.empty()) bytes[random() % bytes.size()] = static_cast<char>(random());
      if (what == 1 && !bytes.empty()) bytes.resize(random() % bytes.size());
      if (what == 2) {
        for (int i = 0; i < 20; ++i) bytes.push_back(static_cast<char>(random()));
      }
      if (what == 3 && bytes.size() > 12) bytes.replace(4, 4, "\xff\xff\xff\x7f");  // a huge length
      WriteFile(file, bytes);
    }
    Result r = Etlc({"inspect", State(), "--format", "json"});
    ASSERT_TRUE(r.code == kExitOk || r.code == kExitRunFailed) << r.err;
    nlohmann::json json = nlohmann::json::parse(r.out);
    r = Etlc({"inspect", State(), "--repair"});
    ASSERT_TRUE(r.code == kExitOk || r.code == kExitRunFailed) << r.err;
    // After a repair nothing truncatable is left.
    json = nlohmann::json::parse(Etlc({"inspect", State(), "--format", "json"}).out);
    for (const auto& finding : json["runs"][0]["findings"]) EXPECT_FALSE(finding["truncatable"].get<bool>()) << finding;
  }
}

}  // namespace
}  // namespace etl::driver
