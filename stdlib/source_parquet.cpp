// parquet(path, schema:) as a source.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec ParquetSource() {
  StepSpec spec;
  spec.name = "parquet";
  spec.kind = StepKind::Source;
  spec.summary = "Read records from Parquet files.";
  spec.doc =
      "Columns are matched to the schema's fields by name; the path may be a glob. For now the "
      "schema is required: the compiler does not yet read Parquet footers to infer it.";
  spec.params = {
      Required(params::kPath, "string", "The file to read, or a glob of files.", true),
      Required(params::kSchema, "schema", "The record type."),
  };
  spec.output_doc = "The `schema:` record type.";
  spec.examples = {
      Program("schema Trip { id: int, distance: float, started: timestamp }",
              "from parquet(\"trips/*.parquet\", schema: Trip) | into csv(\"out/trips.csv\")"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    TypeRef schema = SchemaArg(ctx, params::kSchema);
    return schema ? schema : ast::ErrorType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
