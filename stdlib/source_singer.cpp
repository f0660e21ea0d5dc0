// singer(tap, config:, stream:, schema:) as a source.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec SingerSource() {
  StepSpec spec;
  spec.name = "singer";
  spec.kind = StepKind::Source;
  spec.summary = "Run a Singer tap and read the RECORD messages of one stream.";
  spec.doc =
      "Runs the tap executable with `--config` (and the saved `--state` of the previous run); "
      "RECORD messages of `stream` become records, STATE messages are saved in the run store when "
      "the records are committed. The tap's SCHEMA messages are checked against `schema:` at run time.";
  spec.params = {
      Required(params::kTap, "string", "The tap executable, e.g. `\"tap-github\"`.", true),
      Required(params::kConfig, "string", "Path of the tap's JSON config file."),
      Optional(params::kStream, "string", "", "The stream to read; required when the tap emits several."),
      Required(params::kSchema, "schema", "The record type of the stream's records."),
  };
  spec.output_doc = "The `schema:` record type.";
  spec.examples = {
      Program("schema Commit { sha: string, message: string }",
              "from singer(\"tap-github\", config: \"github.json\", stream: \"commits\", schema: Commit)\n"
              "  | into jsonl(\"out/commits.jsonl\")"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    TypeRef schema = SchemaArg(ctx, params::kSchema);
    return schema ? schema : ast::ErrorType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
