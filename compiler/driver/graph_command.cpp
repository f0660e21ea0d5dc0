// `etlc graph FILE --format dot|mermaid|json` and `etlc explain FILE`.
#include <functional>

#include <fmt/format.h>

#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"
#include "compiler/driver/plan_loader.h"
#include "compiler/ir/explain.h"
#include "compiler/ir/graph.h"

namespace etl::driver {
namespace {

// Common shape of graph and explain: FILE (an .etl or a plan.json) and --pipeline.
int RunOnPlan(const CommandInfo& info, po::options_description& options, const std::vector<std::string>& args,
              Io& io, const std::function<int(const ir::Plan&, const po::variables_map&)>& render) {
  options.add_options()("pipeline", po::value<std::string>()->value_name("NAME"), "only this pipeline");
  AddColorOption(options);
  po::variables_map vm;
  std::vector<std::string> files;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::One, args, vm, files, io)) return *done;
  if (vm.count("format") && !ir::ParseGraphFormat(vm["format"].as<std::string>())) {
    return UsageError(info.name, "--format must be dot, mermaid or json", io);
  }

  DiagnosticPrinter printer(io, DiagnosticFormat::Text, ColorOption(vm));
  std::optional<ir::Plan> plan;
  int code = PlanFor(info.name, files[0], printer, io, plan);
  printer.Finish();
  if (code != kExitOk) return code;
  if (vm.count("pipeline")) {
    code = KeepPipeline(info.name, vm["pipeline"].as<std::string>(), io, *plan);
    if (code != kExitOk) return code;
  }
  return render(*plan, vm);
}

}  // namespace

int RunGraph(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"graph", "FILE [--format dot|mermaid|json] [options]",
                   "Prints the DAG of FILE's pipelines (FILE may also be a plan.json): Graphviz DOT\n"
                   "(the default), Mermaid (renders on GitHub) or JSON."};
  po::options_description options("options");
  options.add_options()("format", po::value<std::string>()->value_name("FORMAT")->default_value("dot"),
                        "dot, mermaid or json");
  return RunOnPlan(info, options, args, io, [&](const ir::Plan& plan, const po::variables_map& vm) {
    io.out << ir::RenderGraph(plan, *ir::ParseGraphFormat(vm["format"].as<std::string>()));
    return kExitOk;
  });
}

int RunExplain(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"explain", "FILE [options]",
                   "Prints every step of FILE's pipelines (FILE may also be a plan.json) with its\n"
                   "input and output schemas, port by port."};
  po::options_description options("options");
  return RunOnPlan(info, options, args, io, [&](const ir::Plan& plan, const po::variables_map&) {
    io.out << ir::Explain(plan);
    return kExitOk;
  });
}

}  // namespace etl::driver
