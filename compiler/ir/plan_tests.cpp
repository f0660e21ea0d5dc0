// Plan::tests helpers (in the plan library: the runtime and the JSON reader use them
// without the lowering).
#include "compiler/ir/plan.h"

namespace etl::ir {

std::string_view Spelling(TestExpect::Kind kind) {
  switch (kind) {
    case TestExpect::Kind::Rows: return "rows";
    case TestExpect::Kind::Empty: return "empty";
    case TestExpect::Kind::Condition: return "condition";
  }
  return "?";
}

TypeRef Test::StreamsRecord() const {
  std::vector<ast::Field> fields;
  for (const auto& stream : streams) fields.push_back({stream.name, stream.type, false});
  return ast::RecordType(std::move(fields));
}

}  // namespace etl::ir
