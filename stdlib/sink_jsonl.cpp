// jsonl(path) as a sink.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec JsonlSink() {
  StepSpec spec;
  spec.name = "jsonl";
  spec.kind = StepKind::Sink;
  spec.summary = "Write records as JSON Lines (one JSON object per line).";
  spec.doc =
      "Each record becomes one JSON object with its fields in order. Dates and timestamps are "
      "ISO-8601 strings, durations are strings like `\"90s\"`, decimals are JSON numbers, null is "
      "`null`. The file is written atomically.";
  spec.params = {Required(params::kPath, "string", "The file to write.", true)};
  spec.output_doc = "The `done` record: `{target: string, rows: int, bytes: int}`.";
  spec.examples = {
      Program("schema Order { id: int, amount: float }",
              "orders = from csv(\"orders.csv\", schema: Order)\n"
              "orders | into jsonl(\"out/orders.jsonl\")\n"
              "orders.errors | into jsonl(\"out/rejects.jsonl\")"),
  };
  spec.output = [](const StepBindContext&) { return DoneType(); };
  return spec;
}

}  // namespace etl::stdlib::catalog
