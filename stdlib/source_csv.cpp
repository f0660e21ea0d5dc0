// csv(path, schema:, header:, delimiter:, null:, quote:) as a source.
#include "stdlib/catalog.h"
#include "stdlib/file_sources.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec CsvSource() {
  StepSpec spec;
  spec.name = "csv";
  spec.kind = StepKind::Source;
  spec.summary = "Read records from CSV files.";
  spec.doc =
      "Reads RFC 4180 CSV: quoted fields may hold delimiters, quotes (doubled) and newlines. "
      "The path may be a glob (`\"in/*.csv\"`): every matching file is read, in name order.\n\n"
      "Columns are matched to the schema's fields by name when `header` is true, by position "
      "otherwise. A value that does not fit its field's type is a record error on `.errors` "
      "(with the file and line), never a silent null.";
  spec.params = {
      Required(params::kPath, "string", "The file to read, or a glob of files.", true),
      Optional(params::kSchema, "schema", "",
               "The record type. Omitted: the compiler samples the file (up to 1000 records) and infers it; "
               "`etlc infer FILE` prints the inferred schema."),
  };
  for (auto& param : CsvDialectParams()) spec.params.push_back(std::move(param));
  spec.output_doc =
      "The `schema:` record type; without `schema:`, the type inferred from the file (int, float, bool, "
      "date, timestamp or string per column, nullable where an empty value was seen).";
  spec.examples = {
      Program("schema Order { id: int, customer: string, amount: float }",
              "from csv(\"orders.csv\", schema: Order) | into stdout()"),
      Program("schema Reading { sensor: string, value: float? }",
              "from csv(\"readings/*.tsv\", schema: Reading, delimiter: \"\\t\", header: false)\n"
              "  | filter value is not null\n"
              "  | into jsonl(\"out/readings.jsonl\")"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    if (!CheckCsvDialect(ctx)) return ast::ErrorType();
    return FileSourceOutput(ctx, "csv");
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
