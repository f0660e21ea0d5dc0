// csv(path, header:, delimiter:, null:, quote:) as a sink.
#include "stdlib/catalog.h"
#include "stdlib/file_sources.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec CsvSink() {
  StepSpec spec;
  spec.name = "csv";
  spec.kind = StepKind::Sink;
  spec.summary = "Write records to a CSV file.";
  spec.doc =
      "Writes one row per record, columns in field order, with a header row unless `header: false`. "
      "Fields are quoted when they hold the delimiter, a quote or a newline. Lists, maps and records "
      "are written as JSON text.\n\n"
      "The file is written atomically: to a temporary name, renamed on commit.";
  spec.params = {Required(params::kPath, "string", "The file to write (its directory must exist).", true)};
  for (auto& param : CsvDialectParams()) spec.params.push_back(std::move(param));
  spec.output_doc = "The `done` record: `{target: string, rows: int, bytes: int}`.";
  spec.examples = {
      Program("schema Order { id: int, customer: string, amount: float }",
              "from csv(\"orders.csv\", schema: Order)\n"
              "  | filter amount > 100.0\n"
              "  | into csv(\"out/big.csv\", delimiter: \";\")"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    if (!CheckCsvDialect(ctx)) return ast::ErrorType();
    return DoneType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
