#include "compiler/driver/frontend.h"

#include <fstream>
#include <sstream>

#include "compiler/driver/commands.h"
#include "compiler/sema/program.h"
#include "compiler/format/formatter.h"
#include "compiler/ir/json.h"
#include "compiler/ir/lower.h"

namespace etl::driver {

FrontendResult RunFrontend(const std::string& path, const std::string& text) {
  FrontendResult result;
  sema::FileReader reader = [&](const std::string& wanted) -> std::optional<std::string> {
    if (wanted == path) return text;
    std::ifstream in(wanted, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  };
  std::unique_ptr<sema::Program> program = sema::LoadProgram(path, reader);
  if (!program || program->modules.empty()) return result;
  result.loaded = true;
  sema::Check(*program);
  for (const diag::Diagnostic& d : program->diagnostics.All()) {
    if (d.level == diag::Level::Error) ++result.errors;
    if (d.level == diag::Level::Warning) ++result.warnings;
  }
  if (result.errors == 0) {
    diag::Diagnostics lowering;
    std::optional<ir::Plan> plan = ir::Lower(*program, lowering);
    std::string error;
    result.lowered = plan && ir::PlanFromJson(ir::PlanToJson(*plan), &error).has_value();
  }
  if (!program->Root().has_syntax_errors) {
    format::FormatModule(program->Root(), program->sources);
    result.formatted = true;
  }
  return result;
}

}  // namespace etl::driver
