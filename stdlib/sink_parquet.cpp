// parquet(path, compression:) as a sink.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec ParquetSink() {
  StepSpec spec;
  spec.name = "parquet";
  spec.kind = StepKind::Sink;
  spec.summary = "Write records to a Parquet file.";
  spec.doc =
      "One column per field with the matching Parquet logical type (lists and records as nested "
      "groups, json as a UTF-8 string). The file is written atomically.";
  spec.params = {
      Required(params::kPath, "string", "The file to write.", true),
      Optional(params::kCompression, "string", "\"snappy\"", "`\"none\"`, `\"snappy\"`, `\"zstd\"` or `\"gzip\"`."),
  };
  spec.output_doc = "The `done` record: `{target: string, rows: int, bytes: int}`.";
  spec.examples = {
      Program("schema Order { id: int, amount: float }",
              "from csv(\"orders.csv\", schema: Order) | into parquet(\"out/orders.parquet\", compression: \"zstd\")"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    if (!CheckChoice(ctx, params::kCompression, {"none", "snappy", "zstd", "gzip"})) return ast::ErrorType();
    return DoneType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
