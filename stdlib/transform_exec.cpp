// exec(command, output:) as a transform.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec ExecTransform() {
  StepSpec spec;
  spec.name = "exec";
  spec.kind = StepKind::Transform;
  spec.summary = "Pipe records through a program, as JSON lines in and out.";
  spec.doc =
      "Runs `command` with `/bin/sh -c`, writes every input record to its stdin as one JSON object "
      "per line and reads the records it prints on stdout (any number per input record). Lets any "
      "language (Python, R, jq, ...) take part in a pipeline. A printed line that does not match "
      "`output:` is a record error; a non-zero exit fails the step.";
  spec.params = {
      Required(params::kCommand, "string", "The command line to run.", true),
      Optional(params::kOutput, "schema", "", "The record type the program prints; omitted: the input type."),
  };
  spec.output_doc = "The `output:` record type, or the input record type when `output:` is omitted.";
  spec.examples = {
      Program("schema Order { id: int, amount: float }\nschema Scored { id: int, amount: float, score: float }",
              "from csv(\"orders.csv\", schema: Order)\n"
              "  | exec(\"python3 score.py\", output: Scored)\n"
              "  | filter score > 0.5\n"
              "  | into stdout()"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    if (TypeRef schema = SchemaArg(ctx, params::kOutput)) return schema;
    return ctx.input ? ctx.input : ast::ErrorType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
