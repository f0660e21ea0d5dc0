// `etlc test FILE [--filter TEXT] [--workers N] [--format text|json]` (language.md §9):
// compiles FILE (or loads a plan.json), runs each of its `test` blocks with the runtime's
// test runner and reports like `cargo test`. docs/testing.md.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <charconv>
#include <ostream>

#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"
#include "compiler/driver/jit_setup.h"
#include "compiler/driver/plan_loader.h"
#include "compiler/jit/jit.h"
#include "runtime/test_runner.h"

namespace etl::driver {
namespace {

// `file:line:col` of a location (the plan's source when the location has no file).
std::string Where(const ir::Location& location, const std::string& source) {
  return fmt::format("{}:{}:{}", location.file.empty() ? source : location.file, location.line, location.col);
}

// One test's line, then what failed under it (printed as each test finishes).
void PrintResult(const ir::Plan& plan, const runtime::TestResult& result, Io& io) {
  io.out << fmt::format("test \"{}\" ... {}\n", result.title, result.passed ? "ok" : "FAILED");
  if (!result.failure.empty()) io.out << fmt::format("  {}: {}\n", Where(result.location, plan.source), result.failure);
  for (const auto& expect : result.expects) {
    if (expect.passed) continue;
    io.out << fmt::format("  {}: expected {}, {}\n", Where(expect.location, plan.source), expect.text, expect.message);
    for (const auto& row : expect.rows) io.out << fmt::format("      {}\n", row);
  }
  for (const auto& note : result.notes) io.out << fmt::format("  note: {}\n", note);
  io.out.flush();
}

nlohmann::ordered_json LocationJson(const ir::Location& location, const std::string& source) {
  return {{"file", location.file.empty() ? source : location.file}, {"line", location.line}, {"col", location.col}};
}

void PrintJson(const ir::Plan& plan, const std::vector<runtime::TestResult>& results, size_t filtered_out, Io& io) {
  using Json = nlohmann::ordered_json;
  Json tests = Json::array();
  size_t passed = 0;
  for (const auto& result : results) {
    if (result.passed) ++passed;
    Json expects = Json::array();
    for (const auto& expect : result.expects) {
      Json e = Json::object();
      e["kind"] = std::string(ir::Spelling(expect.kind));
      e["text"] = expect.text;
      e["location"] = LocationJson(expect.location, plan.source);
      e["passed"] = expect.passed;
      e["message"] = expect.passed ? Json(nullptr) : Json(expect.message);
      if (expect.kind != ir::TestExpect::Kind::Condition) e["rows"] = expect.row_count;
      e["shown"] = expect.rows;
      expects.push_back(std::move(e));
    }
    Json t = Json::object();
    t["title"] = result.title;
    t["pipeline"] = result.pipeline;
    t["location"] = LocationJson(result.location, plan.source);
    t["passed"] = result.passed;
    t["failure"] = result.failure.empty() ? Json(nullptr) : Json(result.failure);
    t["expects"] = std::move(expects);
    t["notes"] = result.notes;
    t["duration_ms"] = static_cast<double>(result.duration_us) / 1000.0;
    tests.push_back(std::move(t));
  }
  Json out = Json::object();
  out["source"] = plan.source;
  out["tests"] = std::move(tests);
  out["passed"] = passed;
  out["failed"] = results.size() - passed;
  out["filtered_out"] = filtered_out;
  io.out << out.dump(2) << "\n";
}

}  // namespace

int RunTest(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"test", "FILE [options]",
                   "Runs the `test` blocks of FILE (language.md §9): each replaces the steps it names\n"
                   "in `given` by its records, runs the pipeline without writing any sink, and checks\n"
                   "its `expect` lines. Tests of imported files are not run. FILE may be a plan.json.\n"
                   "Exit status: 0 all tests passed (or none), 1 compile errors, 2 usage, 3 a test failed."};
  po::options_description options("options");
  options.add_options()("filter", po::value<std::string>()->value_name("TEXT"),
                        "run only the tests whose title contains TEXT")(
      "workers,w", po::value<std::string>()->value_name("N"), "worker threads per test (default: 1)")(
      "format", po::value<std::string>()->value_name("FORMAT")->default_value("text"),
      "report as `text` or `json` (on stdout)")(
      "jit", po::value<std::string>()->value_name("MODE")->implicit_value("on"),
      "compile expressions to machine code: --jit (= on), --jit=off or --jit=auto (default: each "
      "pipeline's `jit` setting)");
  AddColorOption(options);
  po::variables_map vm;
  std::vector<std::string> files;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::One, JoinJitMode(args), vm, files, io)) return *done;
  std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json") return UsageError("test", "--format must be text or json", io);
  runtime::TestRunOptions run;
  if (vm.count("workers")) {
    std::string text = vm["workers"].as<std::string>();
    size_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > 1024) {
      return UsageError("test", fmt::format("--workers `{}`: expected a number from 1 to 1024", text), io);
    }
    run.workers = n;
  }
  if (vm.count("jit")) {
    std::string mode = vm["jit"].as<std::string>();
    run.jit = runtime::ParseJitMode(mode);
    if (!run.jit) return UsageError("test", fmt::format("--jit `{}`: expected on, off or auto", mode), io);
  }
  std::string filter = vm.count("filter") ? vm["filter"].as<std::string>() : "";

  std::optional<ir::Plan> plan;
  {
    DiagnosticPrinter printer(io, DiagnosticFormat::Text, ColorOption(vm));
    int code = PlanFor("test", files[0], printer, io, plan);
    if (printer.Errors() > 0 || printer.Warnings() > 0) printer.Finish();
    if (code != kExitOk) return code;
  }
  for (const auto& param : plan->params) {
    if (param.required && !param.default_value) {
      // Tests are self-contained: a param without a default has no value here.
      return UsageError("test", fmt::format("param `{}` has no default; tests need one", param.name), io);
    }
  }
  // One compiler for every test (no object cache: tests leave nothing behind).
  std::unique_ptr<runtime::KernelCompiler> jit;
  bool wants_jit = run.jit ? *run.jit != runtime::JitMode::Off : false;
  for (const ir::Pipeline& pipeline : plan->pipelines) {
    if (!run.jit && (pipeline.settings.jit == "on" || pipeline.settings.jit == "auto")) wants_jit = true;
  }
  if (wants_jit && !plan->tests.empty()) {
    std::string why;
    jit = jit::MakeKernelCompiler(jit::JitOptions{}, &why);
    if (!jit) io.err << fmt::format("etlc test: warning: the JIT is not available ({}); tests are interpreted\n", why);
    run.jit_compiler = jit.get();
  }
  bool text = format == "text";
  if (plan->tests.empty() && text) {
    io.out << "no tests\n";
    return kExitOk;
  }
  std::vector<const ir::Test*> selected;
  for (const auto& test : plan->tests) {
    if (filter.empty() || test.title.find(filter) != std::string::npos) selected.push_back(&test);
  }
  size_t filtered_out = plan->tests.size() - selected.size();
  if (text) {
    io.out << fmt::format("running {} test{} from {}\n", selected.size(), selected.size() == 1 ? "" : "s", plan->source);
  }
  std::vector<runtime::TestResult> results;
  size_t passed = 0;
  for (const ir::Test* test : selected) {
    results.push_back(runtime::RunTest(*plan, *test, run));
    if (results.back().passed) ++passed;
    if (text) PrintResult(*plan, results.back(), io);
  }
  if (text) {
    std::string summary = fmt::format("{} passed, {} failed", passed, results.size() - passed);
    if (filtered_out > 0) summary += fmt::format(", {} filtered out", filtered_out);
    io.out << summary << "\n";
  } else {
    PrintJson(*plan, results, filtered_out, io);
  }
  return passed == results.size() ? kExitOk : kExitRunFailed;
}

}  // namespace etl::driver
