// `etlc run` in-process: option and param handling, pipeline selection, exit codes 0/1/2/3,
// output files, the run's error file and log.jsonl, JSON events on stderr, plan.json
// input, timeouts and the Ctrl-C guard.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "compiler/driver/cli.h"
#include "compiler/driver/run_signals.h"
#include "runtime/run_params.h"
#include "tests/unit/driver_cli_util.h"

namespace etl::driver {
namespace {

namespace fs = std::filesystem;

using runtime::EnvLookup;
using runtime::ParamEnvName;
using runtime::ParseParamValue;
using runtime::ResolveParams;
using test::Etlc;
using test::JsonLines;
using test::ReadFile;
using test::Result;

const nlohmann::json* FindEvent(const std::vector<nlohmann::json>& events, std::string_view name) {
  for (const auto& event : events) {
    if (event["event"] == name) return &event;
  }
  return nullptr;
}

// A scratch folder with an orders CSV and pipelines over it, removed after each test.
class DriverRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("etl_run_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Write("in.csv", "id,amount\n1,5.5\n2,50.5\n3,x\n4,500.5\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  std::string P(const std::string& name) const { return (dir_ / name).string(); }
  std::string State() const { return P("state"); }

  // One pipeline `p`: rows with amount > min (a float param) to out.csv; bad rows go to
  // the error file.
  std::string Orders(const std::string& param = "param min: float = 10.0\n") {
    return Write("orders.etl", "schema Order {\n  id: int\n  amount: float\n}\n\n" + param +
                                   "\npipeline p {\n  raw = from csv(\"" + P("in.csv") +
                                   "\", schema: Order)\n  raw | filter amount > min | into csv(\"" +
                                   P("out.csv") + "\")\n}\n");
  }

  // The only run folder under the state dir.
  fs::path RunDir() const {
    std::vector<fs::path> runs;
    for (const auto& entry : fs::directory_iterator(fs::path(State()) / "runs")) runs.push_back(entry.path());
    EXPECT_EQ(runs.size(), 1u);
    return runs.empty() ? fs::path() : runs[0];
  }

  fs::path dir_;
};

TEST_F(DriverRun, RunsAPipelineAndSummarises) {
  Result r = Etlc({"run", Orders(), "--state-dir", State()});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(ReadFile(P("out.csv")), "id,amount\n2,50.5\n4,500.5\n");
  EXPECT_EQ(r.out, "");  // stdout stays for stdout() sinks
  // The bad row's warning names the file, line and field.
  EXPECT_NE(r.err.find("warning: `raw`: " + P("in.csv") + ":4:"), std::string::npos) << r.err;
  // The table's header, then the summary line naming the non-empty error file.
  EXPECT_NE(r.err.find("step"), std::string::npos);
  EXPECT_NE(r.err.find("filtered"), std::string::npos);
  fs::path run_dir = RunDir();
  std::string id = run_dir.filename().string();
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}"))) << id;
  EXPECT_NE(r.err.find("run " + id + " succeeded in "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("4 rows read, 1 error (see " + (run_dir / "errors.jsonl").string() + ")"),
            std::string::npos)
      << r.err;
  // The bad row is in the error file, with its line; the log has JSON events.
  auto errors = JsonLines(ReadFile(run_dir / "errors.jsonl"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]["line"], 4);
  EXPECT_EQ(errors[0]["step"], "raw");
  EXPECT_EQ(errors[0]["code"], "csv_type");
  EXPECT_EQ(errors[0]["source"], P("in.csv"));
  EXPECT_EQ(errors[0]["record"], "3,x");
  EXPECT_NE(errors[0]["message"].get<std::string>().find("amount"), std::string::npos);
  auto log = JsonLines(ReadFile(run_dir / "log.jsonl"));
  const nlohmann::json* finished = FindEvent(log, "run_finished");
  ASSERT_NE(finished, nullptr);
  EXPECT_EQ((*finished)["run"], id);
  EXPECT_EQ((*finished)["pipeline"], "p");
}

TEST_F(DriverRun, QuietPrintsOnlyWhereTheErrorsAre) {
  Result r = Etlc({"run", Orders(), "--state-dir", State(), "--quiet"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.err, "etlc run: 1 failed record in " + (RunDir() / "errors.jsonl").string() + "\n");
}

TEST_F(DriverRun, JsonLogOnStderr) {
  Result r = Etlc({"run", Orders(), "--state-dir", State(), "--log-format", "json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  std::istringstream lines(r.err);
  std::string line;
  std::vector<nlohmann::json> events;
  while (std::getline(lines, line)) {
    ASSERT_TRUE(line.starts_with("{")) << "not a JSON line: " << line;
    events.push_back(nlohmann::json::parse(line));
  }
  ASSERT_FALSE(events.empty());
  for (const auto& event : events) {
    for (const char* key : {"time", "level", "run", "pipeline", "step", "event"}) {
      EXPECT_TRUE(event.contains(key)) << key << " missing in " << event.dump();
    }
  }
  const nlohmann::json* finished = FindEvent(events, "run_finished");
  ASSERT_NE(finished, nullptr);
  EXPECT_EQ((*finished)["status"], "succeeded");
  EXPECT_EQ((*finished)["rows_in"], 4);
  EXPECT_EQ((*finished)["errors"], 1);
  // Every step finished with balanced counters.
  int steps = 0;
  for (const auto& event : events) {
    if (event["event"] != "step_finished") continue;
    ++steps;
    EXPECT_EQ(
        event["rows_in"].get<int64_t>(),
        event["rows_out"].get<int64_t>() + event["filtered"].get<int64_t>() + event["errors"].get<int64_t>())
        << event.dump();
  }
  EXPECT_EQ(steps, 3);
  // The log file has the same events.
  EXPECT_EQ(JsonLines(ReadFile(RunDir() / "log.jsonl")).size(), events.size());
}

TEST_F(DriverRun, ParamFromCommandLineEnvironmentAndDefault) {
  std::string file = Orders();
  ASSERT_EQ(Etlc({"run", file, "--state-dir", State(), "--param", "min=100"}).code, kExitOk);
  EXPECT_EQ(ReadFile(P("out.csv")), "id,amount\n4,500.5\n");
  ::setenv("ETL_PARAM_MIN", "1", 1);
  Result env = Etlc({"run", file, "--state-dir", State()});
  ::unsetenv("ETL_PARAM_MIN");
  ASSERT_EQ(env.code, kExitOk) << env.err;
  EXPECT_EQ(ReadFile(P("out.csv")), "id,amount\n1,5.5\n2,50.5\n4,500.5\n");
  // --param wins over the environment.
  ::setenv("ETL_PARAM_MIN", "1", 1);
  Result both = Etlc({"run", file, "--state-dir", State(), "-p", "min=60"});
  ::unsetenv("ETL_PARAM_MIN");
  ASSERT_EQ(both.code, kExitOk) << both.err;
  EXPECT_EQ(ReadFile(P("out.csv")), "id,amount\n4,500.5\n");
}

TEST_F(DriverRun, BadParamsAreUsageErrors) {
  std::string file = Orders();
  Result bad = Etlc({"run", file, "--state-dir", State(), "--param", "min=ten"});
  EXPECT_EQ(bad.code, kExitUsage);
  EXPECT_NE(bad.err.find("--param min: `ten` is not a float"), std::string::npos) << bad.err;
  Result unknown = Etlc({"run", file, "--state-dir", State(), "--param", "mni=1"});
  EXPECT_EQ(unknown.code, kExitUsage);
  EXPECT_NE(unknown.err.find("unknown param `mni`; did you mean `min`?"), std::string::npos) << unknown.err;
  Result malformed = Etlc({"run", file, "--state-dir", State(), "--param", "min"});
  EXPECT_EQ(malformed.code, kExitUsage);
  EXPECT_NE(malformed.err.find("expected name=value"), std::string::npos) << malformed.err;
  ::setenv("ETL_PARAM_MIN", "lots", 1);
  Result env = Etlc({"run", file, "--state-dir", State()});
  ::unsetenv("ETL_PARAM_MIN");
  EXPECT_EQ(env.code, kExitUsage);
  EXPECT_NE(env.err.find("ETL_PARAM_MIN (for param `min`): `lots` is not a float"), std::string::npos)
      << env.err;
  Result missing = Etlc({"run", Orders("param min: float\n"), "--state-dir", State()});
  EXPECT_EQ(missing.code, kExitUsage);
  EXPECT_NE(missing.err.find("missing param `min`"), std::string::npos) << missing.err;
  EXPECT_FALSE(fs::exists(State()));  // nothing ran
}

TEST_F(DriverRun, PipelineSelection) {
  std::string two = Write("two.etl", "schema R { id: int }\n\npipeline alpha {\n  from csv(\"" + P("in.csv") +
                                         "\", schema: R) | into csv(\"" + P("a.csv") +
                                         "\")\n}\n\npipeline beta {\n  from csv(\"" + P("in.csv") +
                                         "\", schema: R) | into csv(\"" + P("b.csv") + "\")\n}\n");
  Result none = Etlc({"run", two, "--state-dir", State()});
  EXPECT_EQ(none.code, kExitUsage);
  EXPECT_NE(none.err.find("2 pipelines: name one of alpha, beta"), std::string::npos) << none.err;
  Result wrong = Etlc({"run", two, "bta", "--state-dir", State()});
  EXPECT_EQ(wrong.code, kExitUsage);
  EXPECT_NE(wrong.err.find("did you mean `beta`?"), std::string::npos) << wrong.err;
  Result beta = Etlc({"run", two, "beta", "--state-dir", State()});
  ASSERT_EQ(beta.code, kExitOk) << beta.err;
  EXPECT_TRUE(fs::exists(P("b.csv")));
  EXPECT_FALSE(fs::exists(P("a.csv")));
}

TEST_F(DriverRun, CompileErrorsExitOne) {
  std::string bad = Write("bad.etl", "schema R { id: int }\npipeline p {\n  from csv(\"" + P("in.csv") +
                                         "\", schema: R) | filter idd > 1 | into stdout()\n}\n");
  Result r = Etlc({"run", bad, "--state-dir", State()});
  EXPECT_EQ(r.code, kExitCompileErrors);
  EXPECT_NE(r.err.find("error[E"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(State()));
}

TEST_F(DriverRun, UsageErrors) {
  std::string file = Orders();
  for (std::vector<std::string> args : {
           std::vector<std::string>{"run"},
           {"run", file, "p", "extra"},
           {"run", file, "--workers", "0"},
           {"run", file, "--workers", "many"},
           {"run", file, "--log-format", "xml"},
           {"run", file, "--timeout", "soon"},
           {"run", file, "--max-errors", "-1"},
           {"run", file, "--seed", "x"},
           {"run", P("missing.etl")},
       }) {
    Result r = Etlc(args);
    EXPECT_EQ(r.code, kExitUsage) << args.back() << ": " << r.err;
  }
  Result jit = Etlc({"run", file, "--jit=fast"});
  EXPECT_EQ(jit.code, kExitUsage);
  EXPECT_NE(jit.err.find("--jit `fast`: expected on, off or auto"), std::string::npos) << jit.err;
  EXPECT_EQ(Etlc({"run", "--help"}).code, kExitOk);
}

TEST_F(DriverRun, RunFailuresExitThree) {
  fs::remove(P("in.csv"));
  Result r = Etlc({"run", Orders(), "--state-dir", State()});
  EXPECT_EQ(r.code, kExitRunFailed);
  EXPECT_NE(r.err.find("etlc run: error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("in.csv"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(P("out.csv")));
  // With JSON logs: run_finished says failed, then one plain line says why.
  Result json = Etlc({"run", Orders(), "--state-dir", State() + "2", "--log-format", "json"});
  EXPECT_EQ(json.code, kExitRunFailed);
  auto events = JsonLines(json.err);
  const nlohmann::json* finished = FindEvent(events, "run_finished");
  ASSERT_NE(finished, nullptr) << json.err;
  EXPECT_EQ((*finished)["status"], "failed");
  std::string last = json.err.substr(json.err.rfind('\n', json.err.size() - 2) + 1);
  EXPECT_TRUE(last.starts_with("etlc run: error: ")) << json.err;
}

TEST_F(DriverRun, MaxErrorsFromTheCommandLine) {
  Write("in.csv", "id,amount\n1,a\n2,b\n3,50.5\n");
  Result r = Etlc({"run", Orders(), "--state-dir", State(), "--max-errors", "1"});
  EXPECT_EQ(r.code, kExitRunFailed) << r.err;
  EXPECT_NE(r.err.find("etlc run: error: "), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(P("out.csv")));  // the sink left no partial file
}

TEST_F(DriverRun, TimeoutCancelsTheRun) {
  std::string file = Write("slow.etl",
                           "schema G { id: int, name: string }\npipeline p {\n"
                           "  from generate(count: 2000000000, schema: G) | into csv(\"" +
                               P("g.csv") + "\")\n}\n");
  Result r = Etlc({"run", file, "--state-dir", State(), "--timeout", "200ms", "--workers", "1"});
  EXPECT_EQ(r.code, kExitRunFailed) << r.err;
  EXPECT_NE(r.err.find("timed out"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(P("g.csv")));
}

TEST_F(DriverRun, StdoutSinkWritesToTheCommandsOutput) {
  std::string file =
      Write("show.etl", "schema R { id: int, amount: float }\npipeline p {\n  from csv(\"" + P("in.csv") +
                            "\", schema: R) | into stdout(format: \"jsonl\")\n}\n");
  Result r = Etlc({"run", file, "--state-dir", State(), "--log-format", "json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "{\"id\":1,\"amount\":5.5}\n{\"id\":2,\"amount\":50.5}\n{\"id\":4,\"amount\":500.5}\n");
  EXPECT_EQ(r.err.find("amount\":5.5"), std::string::npos);  // not mixed into the log
}

TEST_F(DriverRun, SigintCancelsTheRunCleanly) {
  std::string file = Write("slow.etl",
                           "schema G { id: int, name: string }\npipeline p {\n"
                           "  from generate(count: 2000000000, schema: G) | into csv(\"" +
                               P("g.csv") + "\")\n}\n");
  // Interrupt once the run has logged its first event: by then the handler is installed.
  std::atomic<bool> done{false};
  std::thread interrupter([&] {
    while (!done.load()) {
      fs::path runs = fs::path(State()) / "runs";
      std::error_code ec;
      if (fs::exists(runs, ec)) {
        for (const auto& run : fs::directory_iterator(runs, ec)) {
          if (fs::file_size(run.path() / "log.jsonl", ec) > 0 && !ec) {
            ::raise(SIGINT);
            return;
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  Result r = Etlc({"run", file, "--state-dir", State(), "--workers", "2"});
  done = true;
  interrupter.join();
  EXPECT_EQ(r.code, kExitRunFailed) << r.err;
  EXPECT_NE(r.err.find("etlc run: error: cancelled (interrupted: SIGINT)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" cancelled after "), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(P("g.csv")));
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
  // The default action is back once the run is over.
  struct sigaction now {};
  sigaction(SIGINT, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);
}

TEST_F(DriverRun, ProgressLineOnlyOnATerminal) {
  // A pseudo-terminal stands in for stderr's fd: only isatty() is asked of it.
  int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  int terminal = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(terminal, 0);
  std::string file = Write("slow.etl",
                           "schema G { id: int, name: string }\npipeline p {\n"
                           "  from generate(count: 2000000000, schema: G) | into csv(\"" +
                               P("g.csv") + "\")\n}\n");
  std::istringstream in;
  std::ostringstream out, err;
  Io io{in, out, err, -1, terminal};
  int code = RunEtlc({"run", file, "--state-dir", State(), "--timeout", "1500ms"}, io);
  ::close(terminal);
  ::close(master);
  EXPECT_EQ(code, kExitRunFailed);
  std::string text = err.str();
  // Drawn in place, erased before the summary.
  EXPECT_NE(text.find("\r"), std::string::npos) << text;
  EXPECT_TRUE(std::regex_search(text, std::regex("\r[0-9,]+ rows read, [0-9,]+ rows/s\x1b\\[K"))) << text;
  EXPECT_NE(text.find("\r\x1b[K"), std::string::npos) << text;
  EXPECT_LT(text.rfind("\x1b[K"), text.find("step "));
  // Not on a non-terminal (the other tests: err_fd -1).
  Result plain = Etlc({"run", Orders(), "--state-dir", State()});
  EXPECT_EQ(plain.err.find("\x1b[K"), std::string::npos);
}

TEST_F(DriverRun, RunsAPlanJson) {
  std::string plan = P("plan.json");
  ASSERT_EQ(Etlc({"compile", Orders(), "-o", plan}).code, kExitOk);
  Result r = Etlc({"run", plan, "--state-dir", State(), "--param", "min=100"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(ReadFile(P("out.csv")), "id,amount\n4,500.5\n");
}

TEST(RunParams, ParsesEachType) {
  using ast::Value;
  EXPECT_EQ(ParseParamValue(ast::IntType(), "-42")->int_value, -42);
  EXPECT_FALSE(ParseParamValue(ast::IntType(), "4.2"));
  EXPECT_FALSE(ParseParamValue(ast::IntType(), "99999999999999999999"));
  EXPECT_DOUBLE_EQ(ParseParamValue(ast::FloatType(), "1.5")->float_value, 1.5);
  EXPECT_DOUBLE_EQ(ParseParamValue(ast::DecimalType(10, 2), "12.50")->float_value, 12.5);
  EXPECT_TRUE(ParseParamValue(ast::BoolType(), "TRUE")->bool_value);
  EXPECT_FALSE(ParseParamValue(ast::BoolType(), "yes"));
  EXPECT_EQ(ParseParamValue(ast::StringType(), "a b")->string_value, "a b");
  auto date = ParseParamValue(ast::DateType(), "2024-01-31");
  ASSERT_TRUE(date);
  EXPECT_EQ(date->kind, Value::Kind::Date);
  EXPECT_EQ(date->int_value, 19753);
  EXPECT_FALSE(ParseParamValue(ast::DateType(), "2024-02-30"));
  auto ts = ParseParamValue(ast::TimestampType(), "2024-01-31T12:00:00Z");
  ASSERT_TRUE(ts);
  EXPECT_EQ(ts->kind, Value::Kind::Timestamp);
  EXPECT_EQ(ts->int_value, 1706702400'000000);
  auto duration = ParseParamValue(ast::DurationType(), "15m");
  ASSERT_TRUE(duration);
  EXPECT_EQ(duration->kind, Value::Kind::Duration);
  EXPECT_EQ(duration->int_value, 900'000'000);
  EXPECT_EQ(ParseParamValue(ast::MakeType(ast::TypeKind::Int, true), "null")->kind, Value::Kind::Null);
  EXPECT_FALSE(ParseParamValue(ast::IntType(), "null"));
  EXPECT_FALSE(ParseParamValue(ast::ListType(ast::IntType()), "[1]"));
  EXPECT_EQ(ParamEnvName("min_amount"), "ETL_PARAM_MIN_AMOUNT");
}

TEST(RunParams, ResolveOrderAndMessages) {
  ir::Plan plan;
  plan.params.push_back({"since", ast::DateType(), std::nullopt, true});
  plan.params.push_back({"limit", ast::IntType(), ast::Value::Int(10), false});
  std::map<std::string, std::string> environment = {{"ETL_PARAM_SINCE", "2024-01-01"}};
  EnvLookup env = [&](const std::string& name) -> std::optional<std::string> {
    auto it = environment.find(name);
    if (it == environment.end()) return std::nullopt;
    return it->second;
  };
  std::map<std::string, ast::Value, std::less<>> params;
  std::string error;
  ASSERT_TRUE(ResolveParams(plan, {}, env, params, error)) << error;
  EXPECT_EQ(params["since"].int_value, 19723);
  EXPECT_EQ(params["limit"].int_value, 10);
  params.clear();
  ASSERT_TRUE(ResolveParams(plan, {"limit=3", "since=2024-01-02", "limit=4"}, env, params, error)) << error;
  EXPECT_EQ(params["limit"].int_value, 4);
  EXPECT_EQ(params["since"].int_value, 19724);
  environment.clear();
  EXPECT_FALSE(ResolveParams(plan, {}, env, params, error));
  EXPECT_EQ(
      error,
      "missing param `since`: give --param since=VALUE (a date like 2024-01-31) or set ETL_PARAM_SINCE");
  EXPECT_FALSE(ResolveParams(plan, {"since=31/01/2024"}, env, params, error));
  EXPECT_EQ(error, "--param since: `31/01/2024` is not a date like 2024-01-31");
  EXPECT_FALSE(ResolveParams(plan, {"x=1"}, env, params, error));
  EXPECT_EQ(error, "unknown param `x` (params: since, limit)");
}

TEST(RunSignals, FirstSignalCancelsThenDefaultIsBack) {
  struct sigaction mine {
  }, seen{};
  mine.sa_handler = SIG_IGN;
  sigaction(SIGTERM, &mine, nullptr);
  std::atomic<bool> cancel{false};
  {
    CancelOnSignals guard(cancel);
    ::raise(SIGTERM);
    EXPECT_TRUE(cancel.load());
    EXPECT_EQ(CancelOnSignals::Received(), SIGTERM);
    // SA_RESETHAND: a second signal would now take the default action.
    sigaction(SIGTERM, nullptr, &seen);
    EXPECT_EQ(seen.sa_handler, SIG_DFL);
  }
  // The previous handler is restored.
  sigaction(SIGTERM, nullptr, &seen);
  EXPECT_EQ(seen.sa_handler, SIG_IGN);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGTERM, &dfl, nullptr);
}

}  // namespace
}  // namespace etl::driver
