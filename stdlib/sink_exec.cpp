// exec(command) as a sink.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec ExecSink() {
  StepSpec spec;
  spec.name = "exec";
  spec.kind = StepKind::Sink;
  spec.summary = "Pipe records into a program as JSON lines.";
  spec.doc =
      "Runs `command` with `/bin/sh -c` and writes every record to its stdin as one JSON object per "
      "line. The step succeeds when the program exits with status 0 after reading everything.";
  spec.params = {Required(params::kCommand, "string", "The command line to run.", true)};
  spec.output_doc = "The `done` record: `{target: string, rows: int, bytes: int}`.";
  spec.examples = {
      Program("schema Order { id: int, amount: float }",
              "from csv(\"orders.csv\", schema: Order) | into exec(\"python3 load.py\")"),
  };
  spec.output = [](const StepBindContext&) { return DoneType(); };
  return spec;
}

}  // namespace etl::stdlib::catalog
