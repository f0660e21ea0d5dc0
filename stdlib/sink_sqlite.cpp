// sqlite(path, table:, mode:) as a sink.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec SqliteSink() {
  StepSpec spec;
  spec.name = "sqlite";
  spec.kind = StepKind::Sink;
  spec.summary = "Write records to a SQLite table, in transactions.";
  spec.doc =
      "Creates the table when it does not exist (columns typed from the fields). Modes: `append`, "
      "`replace` (empty the table first, same transaction) and `upsert(keys: [..])` "
      "(`INSERT ... ON CONFLICT DO UPDATE`; the keys need a unique index, created with the table).";
  spec.params = {
      Required(params::kPath, "string", "The database file (created if missing).", true),
      Required(params::kTable, "string", "The table to write."),
      Optional(params::kMode, "mode", "append", "`append`, `replace` or `upsert(keys: [..])`."),
  };
  spec.output_doc = "The `done` record: `{target: string, rows: int, bytes: int}`.";
  spec.examples = {
      Program("schema Order { id: int, amount: float }",
              "from csv(\"orders.csv\", schema: Order)\n"
              "  | into sqlite(\"out/shop.db\", table: \"orders\", mode: upsert(keys: [\"id\"]))"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    auto mode = ParseWriteMode(ctx, params::kMode, ctx.input);
    if (!mode) return ast::ErrorType();
    if (mode->name == "scd2") {
      ctx.Error(params::kMode, "`sqlite` supports `append`, `replace` and `upsert(keys: [..])`, not `scd2`");
      return ast::ErrorType();
    }
    return DoneType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
