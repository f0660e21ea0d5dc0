// stdout(format:) as a sink.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec StdoutSink() {
  StepSpec spec;
  spec.name = "stdout";
  spec.kind = StepKind::Sink;
  spec.summary = "Print records to the standard output.";
  spec.doc =
      "`format: \"table\"` prints an aligned text table (for people); `format: \"jsonl\"` prints one "
      "JSON object per line (for other programs).";
  spec.params = {Optional(params::kFormat, "string", "\"table\"", "`\"table\"` or `\"jsonl\"`.")};
  spec.output_doc = "The `done` record: `{target: string, rows: int, bytes: int}` (target is `stdout`).";
  spec.examples = {
      Program("schema Order { id: int, amount: float }",
              "from csv(\"orders.csv\", schema: Order) | take 10 | into stdout()"),
      Program("schema Order { id: int, amount: float }",
              "from csv(\"orders.csv\", schema: Order) | into stdout(format: \"jsonl\")"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    if (!CheckChoice(ctx, params::kFormat, {"table", "jsonl"})) return ast::ErrorType();
    return DoneType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
