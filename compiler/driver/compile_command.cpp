// `etlc compile FILE -o plan.json [--dump ast|typed|plan|llvm] [--pipeline NAME] [--step ID]`.
#include "compiler/driver/commands.h"

#include <fmt/format.h>

#include "compiler/ast/dump.h"
#include "compiler/driver/command.h"
#include "compiler/driver/plan_loader.h"
#include "compiler/ir/json.h"
#include "compiler/ir/lower.h"
#include "compiler/jit/jit.h"
#include "runtime/step_kernel.h"

namespace etl::driver {

namespace {

// `--dump llvm`: the JIT's IR of each step with expressions (or of step `only`).
int DumpLlvm(const ir::Plan& plan, const std::string& only, Io& io) {
  bool found = false;
  for (const ir::Pipeline& pipeline : plan.pipelines) {
    for (const ir::Node& node : pipeline.nodes) {
      if (!only.empty() && node.id != only) continue;
      runtime::NodeExprs exprs;
      std::string why;
      if (!runtime::ExprsOfNode(node, &exprs, &why) || exprs.exprs.exprs.empty()) {
        if (only.empty()) continue;
        return UsageError("compile", fmt::format("step `{}` has no expressions to compile", only), io);
      }
      found = true;
      std::string text;
      io.out << fmt::format("; pipeline `{}`, step `{}` ({})\n", pipeline.name, node.id, ir::Spelling(node.kind));
      if (jit::DumpLlvm(exprs.exprs, exprs.conditions, exprs.mode, &text, &why)) {
        io.out << text;
        if (!text.empty() && text.back() != '\n') io.out << "\n";
      } else {
        io.out << fmt::format("; not compiled, interpreted: {}\n", why.empty() ? "nothing to compile" : why);
      }
    }
  }
  if (!found && !only.empty()) return UsageError("compile", fmt::format("no step `{}`", only), io);
  return kExitOk;
}

}  // namespace

int RunCompile(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"compile", "FILE [-o plan.json] [options]",
                   "Checks FILE and writes its plan (the DAG IR, versioned JSON: docs/spec/plan.md)\n"
                   "to -o FILE, or to stdout without -o.\n"
                   "FILE may also be a plan.json, which is loaded, validated and written back.\n"
                   "--dump shows a stage on stdout: `ast` (as parsed), `typed` (after checking),\n"
                   "`plan` (the plan JSON) or `llvm` (the JIT's optimised LLVM IR of every step with\n"
                   "expressions, or of --step ID)."};
  po::options_description options("options");
  options.add_options()("output,o", po::value<std::string>()->value_name("FILE"),
                        "where to write the plan JSON (default, or `-`: stdout)")(
      "dump", po::value<std::string>()->value_name("STAGE"), "print a stage: ast, typed, plan or llvm")(
      "pipeline", po::value<std::string>()->value_name("NAME"), "keep only this pipeline in the plan")(
      "step", po::value<std::string>()->value_name("ID"), "--dump llvm: only this step (a plan node id)");
  AddColorOption(options);
  po::variables_map vm;
  std::vector<std::string> files;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::One, args, vm, files, io)) return *done;
  std::string dump = vm.count("dump") ? vm["dump"].as<std::string>() : "";
  if (!dump.empty() && dump != "ast" && dump != "typed" && dump != "plan" && dump != "llvm") {
    return UsageError("compile", "--dump must be ast, typed, plan or llvm", io);
  }
  if (vm.count("step") && dump != "llvm") return UsageError("compile", "--step needs --dump llvm", io);
  std::optional<std::string> pipeline;
  if (vm.count("pipeline")) pipeline = vm["pipeline"].as<std::string>();

  const std::string& path = files[0];
  DiagnosticPrinter printer(io, DiagnosticFormat::Text, ColorOption(vm));
  std::optional<ir::Plan> plan;
  if (IsPlanFile(path)) {
    if (dump == "ast" || dump == "typed") return UsageError("compile", "--dump ast|typed needs an .etl FILE", io);
    int code = LoadPlanFile("compile", path, io, plan);
    if (code != kExitOk) return code;
  } else {
    std::unique_ptr<sema::Program> program = sema::LoadProgram(path);
    if (!program || program->modules.empty()) {
      return UsageError("compile", fmt::format("cannot read `{}`", path), io);
    }
    if (dump == "ast") io.out << ast::DumpAst(program->Root(), program->sources);
    sema::Check(*program);
    program->diagnostics.Sort();
    printer.Print(program->sources, program->diagnostics);
    if (dump == "typed") io.out << ast::DumpAst(program->Root(), program->sources);
    if (printer.Errors() == 0) {
      diag::Diagnostics lowering;
      plan = ir::Lower(*program, lowering);
      printer.Print(program->sources, lowering);
    }
    printer.Finish();
    if (printer.Errors() > 0 || !plan) return kExitCompileErrors;
  }
  if (pipeline) {
    int code = KeepPipeline("compile", *pipeline, io, *plan);
    if (code != kExitOk) return code;
  }
  if (dump == "llvm") return DumpLlvm(*plan, vm.count("step") ? vm["step"].as<std::string>() : "", io);
  std::string json = ir::PlanToJson(*plan);
  if (dump == "plan") io.out << json;
  // The plan goes to -o FILE; without -o to stdout, unless a stage was dumped there.
  std::string output = vm.count("output") ? vm["output"].as<std::string>() : dump.empty() ? "-" : "";
  if (!output.empty()) {
    if (output == "-") {
      if (dump == "plan") return kExitOk;  // already printed
      io.out << json;
    } else {
      std::string error;
      if (!WriteFileAtomically(output, json, error)) {
        io.err << fmt::format("etlc compile: error: {}\n", error);
        return kExitUsage;
      }
    }
  }
  return kExitOk;
}

}  // namespace etl::driver
