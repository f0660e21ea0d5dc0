// A range-free structural dump of a module: two modules with the same shape mean the same
// program. `etlc fmt` and the formatter's tests use it to prove formatting kept the meaning.
#pragma once

#include <string>

#include "compiler/ast/ast.h"

namespace etl::format {

// One line per node, indented by depth; literal values and names included, source ranges,
// comments and sema annotations left out.
std::string AstShape(const ast::Module& module);

}  // namespace etl::format
