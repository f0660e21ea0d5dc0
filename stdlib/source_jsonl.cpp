// jsonl(path, schema:) as a source.
#include "stdlib/catalog.h"
#include "stdlib/file_sources.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec JsonlSource() {
  StepSpec spec;
  spec.name = "jsonl";
  spec.kind = StepKind::Source;
  spec.summary = "Read records from JSON Lines files (one JSON object per line).";
  spec.doc =
      "Each non-blank line is one JSON object; keys are matched to the schema's fields by name. "
      "A missing key is null (an error for a non-null field without a default); extra keys are "
      "ignored. A line that is not a JSON object, or a value of the wrong type, is a record error. "
      "The path may be a glob.";
  spec.params = {
      Required(params::kPath, "string", "The file to read, or a glob of files.", true),
      Optional(params::kSchema, "schema", "",
               "The record type. Omitted: inferred from a sample of the file (objects become records, "
               "arrays lists, values of mixed kinds `json`)."),
  };
  spec.output_doc = "The `schema:` record type, or the type inferred from the file.";
  spec.examples = {
      Program("schema Click { user: string, page: string, ts: timestamp }",
              "from jsonl(\"clicks.jsonl\", schema: Click) | into stdout(format: \"jsonl\")"),
  };
  spec.output = [](const StepBindContext& ctx) { return FileSourceOutput(ctx, "jsonl"); };
  return spec;
}

}  // namespace etl::stdlib::catalog
