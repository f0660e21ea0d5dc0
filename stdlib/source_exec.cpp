// exec(command, output:) as a source.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec ExecSource() {
  StepSpec spec;
  spec.name = "exec";
  spec.kind = StepKind::Source;
  spec.summary = "Run a program and read the JSON lines it prints.";
  spec.doc =
      "Runs `command` with `/bin/sh -c`; every line it prints on stdout is one JSON object, matched "
      "to `output:` like a jsonl line. Its stderr goes to the run's log; a non-zero exit fails the step.";
  spec.params = {
      Required(params::kCommand, "string", "The command line to run.", true),
      Required(params::kOutput, "schema", "The record type of the lines it prints."),
  };
  spec.output_doc = "The `output:` record type.";
  spec.examples = {
      Program("schema Rate { currency: string, rate: float }",
              "from exec(\"python3 fetch_rates.py\", output: Rate) | into csv(\"out/rates.csv\")"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    TypeRef schema = SchemaArg(ctx, params::kOutput);
    return schema ? schema : ast::ErrorType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
