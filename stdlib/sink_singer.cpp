// singer(target, config:) as a sink.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec SingerSink() {
  StepSpec spec;
  spec.name = "singer";
  spec.kind = StepKind::Sink;
  spec.summary = "Send records to a Singer target.";
  spec.doc =
      "Runs the target executable with `--config` and writes a SCHEMA message (the input record "
      "type as JSON Schema) followed by one RECORD message per record, for the stream `stream`.";
  spec.params = {
      Required(params::kTarget, "string", "The target executable, e.g. `\"target-snowflake\"`.", true),
      Required(params::kConfig, "string", "Path of the target's JSON config file."),
      Optional(params::kStream, "string", "\"records\"", "The stream name written in the messages."),
  };
  spec.output_doc = "The `done` record: `{target: string, rows: int, bytes: int}`.";
  spec.examples = {
      Program("schema Order { id: int, amount: float }",
              "from csv(\"orders.csv\", schema: Order)\n"
              "  | into singer(\"target-jsonl\", config: \"target.json\", stream: \"orders\")"),
  };
  spec.output = [](const StepBindContext&) { return DoneType(); };
  return spec;
}

}  // namespace etl::stdlib::catalog
