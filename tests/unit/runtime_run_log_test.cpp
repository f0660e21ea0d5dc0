// The run's log output: JSON lines of events (escaping, field order, null step), the
// console (warnings, progress redraw rate), the summary table and line, ETA maths.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/run_log.h"

namespace etl::runtime {
namespace {

StepMetrics Step(std::string id, ir::NodeKind kind, std::string name, uint64_t in, uint64_t out,
                 uint64_t filtered, uint64_t errors, int64_t busy_us) {
  StepMetrics m;
  m.step = std::move(id);
  m.kind = kind;
  m.name = std::move(name);
  m.rows_in = in;
  m.rows_out = out;
  m.filtered = filtered;
  m.errors = errors;
  m.busy_us = busy_us;
  return m;
}

TEST(RunLog, FormatCount) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1000), "1,000");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
  EXPECT_EQ(FormatCount(18446744073709551615ull), "18,446,744,073,709,551,615");
}

TEST(RunLog, FormatSeconds) {
  EXPECT_EQ(FormatSeconds(0), "0.00 s");
  EXPECT_EQ(FormatSeconds(1'234'000), "1.23 s");
  EXPECT_EQ(FormatSeconds(59'990'000), "59.99 s");
  EXPECT_EQ(FormatSeconds(125'000'000), "2m05s");
  EXPECT_EQ(FormatSeconds(3'720'000'000), "1h02m");
  EXPECT_EQ(FormatSeconds(-5), "0.00 s");
}

TEST(RunLog, FormatRfc3339) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
  // 2024-01-31T12:00:00Z = 1706702400 s.
  EXPECT_EQ(FormatRfc3339(1706702400'123456), "2024-01-31T12:00:00.123Z");
  EXPECT_EQ(FormatRfc3339(-1000), "1969-12-31T23:59:59.999Z");
}

TEST(RunLog, EventJsonEscapesAndKeepsFieldOrder) {
  RunEvent event;
  event.time_us = 1706702400'000000;
  event.level = LogLevel::Warn;
  event.run = "20240131T120000Z-abcdef";
  event.pipeline = "orders";
  event.step = "raw";
  event.event = "record_failed";
  event.fields = {{"message", ast::Value::String("bad \"quote\"\n\ttab \\ \x01")},
                  {"line", ast::Value::Int(12)},
                  {"code", ast::Value::String("csv_parse")}};
  std::string line = EventToJson(event);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json["time"], "2024-01-31T12:00:00.000Z");
  EXPECT_EQ(json["level"], "warn");
  EXPECT_EQ(json["run"], "20240131T120000Z-abcdef");
  EXPECT_EQ(json["pipeline"], "orders");
  EXPECT_EQ(json["step"], "raw");
  EXPECT_EQ(json["event"], "record_failed");
  EXPECT_EQ(json["message"], "bad \"quote\"\n\ttab \\ \x01");
  EXPECT_EQ(json["line"], 12);
  // The fixed keys first, then the fields in the order given.
  EXPECT_LT(line.find("\"event\""), line.find("\"message\""));
  EXPECT_LT(line.find("\"message\""), line.find("\"line\""));
  EXPECT_LT(line.find("\"line\""), line.find("\"code\""));
}

TEST(RunLog, RunLevelEventHasNullStep) {
  RunEvent event;
  event.run = "r";
  event.pipeline = "p";
  event.event = "run_finished";
  event.fields = {{"status", ast::Value::String("succeeded")},
                  {"rows_in", ast::Value::Int(1000)},
                  {"seconds", ast::Value::Float(1.5)}};
  auto json = nlohmann::json::parse(EventToJson(event));
  EXPECT_TRUE(json["step"].is_null());
  EXPECT_EQ(json["level"], "info");
  EXPECT_EQ(json["rows_in"], 1000);
  EXPECT_DOUBLE_EQ(json["seconds"].get<double>(), 1.5);
}

TEST(RunLog, JsonLogWriterWritesOneLinePerEvent) {
  std::ostringstream out;
  JsonLogWriter writer(out);
  RunEvent a;
  a.event = "run_started";
  RunEvent b;
  b.event = "step_started";
  b.step = "x";
  writer.OnEvent(a);
  writer.OnEvent(b);
  std::istringstream lines(out.str());
  std::string line;
  std::vector<std::string> events;
  while (std::getline(lines, line)) events.push_back(nlohmann::json::parse(line)["event"]);
  EXPECT_EQ(events, (std::vector<std::string>{"run_started", "step_started"}));
}

TEST(RunLog, SummaryTableAlignsBigNumbers) {
  std::vector<StepMetrics> steps = {
      Step("raw", ir::NodeKind::Source, "csv", 12345678901, 12345678000, 0, 901, 83'500'000),
      Step("filter@3", ir::NodeKind::Filter, "", 12345678000, 5, 12345677995, 0, 1'000),
      Step("into_csv@9", ir::NodeKind::Sink, "csv", 5, 5, 0, 0, 0),
  };
  std::string table = RenderSummaryTable(steps);
  EXPECT_EQ(table,
            "step        kind                in             out        filtered  errors    time\n"
            "raw         csv     12,345,678,901  12,345,678,000               0     901   1m24s\n"
            "filter@3    filter  12,345,678,000               5  12,345,677,995       0  0.00 s\n"
            "into_csv@9  csv                  5               5               0       0  0.00 s\n");
}

TEST(RunLog, RunSummaryLine) {
  EXPECT_EQ(RenderRunSummary("20240131T120000Z-abcdef", "succeeded", 1'230'000, 1000, 3,
                             ".etl/runs/20240131T120000Z-abcdef/errors.jsonl"),
            "run 20240131T120000Z-abcdef succeeded in 1.23 s: 1,000 rows read, 3 errors "
            "(see .etl/runs/20240131T120000Z-abcdef/errors.jsonl)");
  EXPECT_EQ(RenderRunSummary("r", "succeeded", 50'000, 1, 0, "e.jsonl"),
            "run r succeeded in 0.05 s: 1 row read, 0 errors");
  EXPECT_EQ(RenderRunSummary("r", "timed_out", 2'000'000, 0, 1, ""),
            "run r timed out after 2.00 s: 0 rows read, 1 error");
}

RunProgress Snapshot(int64_t elapsed_us, uint64_t rows, uint64_t bytes_in, std::optional<uint64_t> total) {
  RunProgress progress;
  progress.started_us = 1'000'000;
  progress.now_us = progress.started_us + elapsed_us;
  StepMetrics source = Step("raw", ir::NodeKind::Source, "csv", rows, rows, 0, 0, 0);
  source.bytes_in = bytes_in;
  source.bytes_total = total;
  progress.steps.push_back(source);
  // Non-source steps do not count as read.
  progress.steps.push_back(Step("f", ir::NodeKind::Filter, "", 999999, 0, 0, 0, 0));
  return progress;
}

TEST(RunLog, EtaExtrapolatesTheRateSoFar) {
  // A quarter of the bytes in 10 s: 30 s left.
  ProgressEstimate e = EstimateProgress(Snapshot(10'000'000, 250'000, 25, 100));
  EXPECT_EQ(e.rows_read, 250'000u);
  EXPECT_DOUBLE_EQ(e.rows_per_second, 25'000);
  ASSERT_TRUE(e.fraction);
  EXPECT_DOUBLE_EQ(*e.fraction, 0.25);
  ASSERT_TRUE(e.eta_us);
  EXPECT_EQ(*e.eta_us, 30'000'000);
  EXPECT_EQ(RenderProgress(e), "250,000 rows read, 25,000 rows/s, 25% (eta 30 s)");
}

TEST(RunLog, NoPercentWhenASizeIsUnknown) {
  ProgressEstimate e = EstimateProgress(Snapshot(2'000'000, 10, 5, std::nullopt));
  EXPECT_FALSE(e.fraction);
  EXPECT_FALSE(e.eta_us);
  EXPECT_EQ(RenderProgress(e), "10 rows read, 5 rows/s");
  // Known size but nothing consumed yet: a percentage, no ETA.
  ProgressEstimate start = EstimateProgress(Snapshot(0, 0, 0, 100));
  ASSERT_TRUE(start.fraction);
  EXPECT_FALSE(start.eta_us);
  EXPECT_EQ(RenderProgress(start), "0 rows read, 0 rows/s, 0%");
  // A second source without a size makes the total unknown.
  RunProgress two = Snapshot(1'000'000, 10, 50, 100);
  StepMetrics generate = Step("gen", ir::NodeKind::Source, "generate", 5, 5, 0, 0, 0);
  two.steps.push_back(generate);
  ProgressEstimate mixed = EstimateProgress(two);
  EXPECT_EQ(mixed.rows_read, 15u);
  EXPECT_FALSE(mixed.fraction);
}

TEST(RunLog, ConsolePrintsWarningsAndErrorsOnly) {
  std::ostringstream err;
  ConsoleReporter console(err, ConsoleOptions{});
  RunEvent info;
  info.event = "step_started";
  console.OnEvent(info);
  RunEvent warn;
  warn.level = LogLevel::Warn;
  warn.step = "raw";
  warn.event = "record_failed";
  warn.fields = {{"code", ast::Value::String("csv_parse")},
                 {"message", ast::Value::String("unterminated quote")},
                 {"line", ast::Value::Int(7)}};
  console.OnEvent(warn);
  RunEvent error;
  error.level = LogLevel::Error;
  error.event = "max_errors_exceeded";
  error.fields = {{"limit", ast::Value::Int(10)}};
  console.OnEvent(error);
  EXPECT_EQ(err.str(),
            "warning: `raw`: unterminated quote (code=csv_parse, line=7)\n"
            "error: max_errors_exceeded (limit=10)\n");
}

TEST(RunLog, ConsoleCanLeaveWarningsOut) {
  std::ostringstream err;
  ConsoleReporter console(err, ConsoleOptions{.warnings = false});
  RunEvent warn;
  warn.level = LogLevel::Warn;
  warn.event = "record_failed";
  console.OnEvent(warn);
  RunEvent error;
  error.level = LogLevel::Error;
  error.event = "sink_failed";
  error.fields = {{"reason", ast::Value::String("disk full")}};
  console.OnEvent(error);
  // How the run ended is left to the caller's summary.
  RunEvent finished;
  finished.level = LogLevel::Error;
  finished.event = "run_finished";
  console.OnEvent(finished);
  RunEvent cancelled;
  cancelled.level = LogLevel::Warn;
  cancelled.event = "cancelled";
  console.OnEvent(cancelled);
  EXPECT_EQ(err.str(), "error: disk full\n");
}

TEST(RunLog, ConsoleProgressRedrawsAtMostEverySecond) {
  std::ostringstream err;
  ConsoleReporter console(err, ConsoleOptions{.progress = true});
  console.OnProgress(Snapshot(1'000'000, 100, 0, std::nullopt));
  console.OnProgress(Snapshot(1'500'000, 150, 0, std::nullopt));  // too soon: skipped
  console.OnProgress(Snapshot(2'000'000, 200, 0, std::nullopt));
  console.ClearProgress();
  console.ClearProgress();  // nothing shown any more: no output
  EXPECT_EQ(err.str(),
            "\r100 rows read, 100 rows/s\x1b[K"
            "\r200 rows read, 100 rows/s\x1b[K"
            "\r\x1b[K");
}

TEST(RunLog, ConsoleWithoutProgressDrawsNothing) {
  std::ostringstream err;
  ConsoleReporter console(err, ConsoleOptions{.progress = false});
  console.OnProgress(Snapshot(1'000'000, 100, 0, std::nullopt));
  console.ClearProgress();
  EXPECT_EQ(err.str(), "");
}

TEST(RunLog, FanOutForwardsToEveryObserver) {
  std::ostringstream a, b;
  JsonLogWriter first(a), second(b);
  FanOutObserver fan;
  fan.Add(&first);
  fan.Add(nullptr);
  fan.Add(&second);
  RunEvent event;
  event.event = "run_started";
  fan.OnEvent(event);
  EXPECT_EQ(a.str(), b.str());
  EXPECT_NE(a.str().find("run_started"), std::string::npos);
}

}  // namespace
}  // namespace etl::runtime
