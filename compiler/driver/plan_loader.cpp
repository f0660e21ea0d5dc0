#include "compiler/driver/plan_loader.h"

#include <fmt/format.h>

#include "compiler/ir/json.h"
#include "compiler/ir/lower.h"

namespace etl::driver {

bool IsPlanFile(std::string_view path) { return path.size() >= 5 && path.substr(path.size() - 5) == ".json"; }

int LoadPlanFile(std::string_view command, const std::string& path, Io& io, std::optional<ir::Plan>& plan) {
  std::optional<std::string> text = ReadInput(path, io);
  if (!text) return UsageError(command, fmt::format("cannot read `{}`", path), io);
  std::string error;
  plan = ir::PlanFromJson(*text, &error);
  if (!plan) {
    io.err << fmt::format("{}: error: invalid plan: {}\n", path, error);
    return kExitCompileErrors;
  }
  return kExitOk;
}

int PlanFor(std::string_view command, const std::string& path, DiagnosticPrinter& printer, Io& io,
            std::optional<ir::Plan>& plan) {
  if (IsPlanFile(path)) return LoadPlanFile(command, path, io, plan);
  std::unique_ptr<sema::Program> program = LoadAndCheck(path);
  if (!program) return UsageError(command, fmt::format("cannot read `{}`", path), io);
  printer.Print(program->sources, program->diagnostics);
  if (program->diagnostics.HasErrors()) return kExitCompileErrors;
  diag::Diagnostics lowering;
  plan = ir::Lower(*program, lowering);
  printer.Print(program->sources, lowering);
  return plan ? kExitOk : kExitCompileErrors;
}

int KeepPipeline(std::string_view command, const std::string& name, Io& io, ir::Plan& plan) {
  std::vector<std::string> names;
  for (const ir::Pipeline& pipeline : plan.pipelines) names.push_back(pipeline.name);
  if (plan.Find(name) == nullptr) {
    std::string message = fmt::format("no pipeline `{}`", name);
    auto closest = diag::ClosestNames(name, names);
    if (!closest.empty()) message += fmt::format("; did you mean `{}`?", closest[0]);
    else if (!names.empty()) message += fmt::format(" (pipelines: {})", fmt::join(names, ", "));
    return UsageError(command, message, io);
  }
  std::erase_if(plan.pipelines, [&](const ir::Pipeline& pipeline) { return pipeline.name != name; });
  std::erase_if(plan.tests, [&](const ir::Test& test) { return test.pipeline != name; });
  return kExitOk;
}

}  // namespace etl::driver
