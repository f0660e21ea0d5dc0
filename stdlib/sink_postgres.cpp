// postgres(url, table:, mode:) as a sink.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec PostgresSink() {
  StepSpec spec;
  spec.name = "postgres";
  spec.kind = StepKind::Sink;
  spec.summary = "Write records to a PostgreSQL table, in transactions.";
  spec.doc =
      "Columns are the record's fields, by name. Modes:\n\n"
      "- `append` inserts every record;\n"
      "- `replace` empties the table and inserts, in one transaction;\n"
      "- `upsert(keys: [\"id\"])` inserts or updates rows by the key fields "
      "(`INSERT ... ON CONFLICT (keys) DO UPDATE`);\n"
      "- `scd2(keys: [\"id\"])` keeps history (slowly changing dimension type 2): a changed record "
      "closes the current row (`valid_to`) and inserts a new current one.\n\n"
      "Keys must be fields of the input. Writes are committed per batch in a transaction, so a "
      "resumed run does not duplicate rows.";
  spec.params = {
      Secret(Required(params::kUrl, "string", "A connection URL; usually `secret(\"PG_URL\")`.", true)),
      Required(params::kTable, "string", "The table to write (`schema.table` allowed)."),
      Optional(params::kMode, "mode", "append",
               "`append`, `replace`, `upsert(keys: [..])` or `scd2(keys: [..])`."),
  };
  spec.output_doc = "The `done` record: `{target: string, rows: int, bytes: int}`.";
  spec.examples = {
      Program("schema Customer { id: int, name: string, country: string }",
              "from csv(\"customers.csv\", schema: Customer)\n"
              "  | into postgres(secret(\"PG_URL\"), table: \"customers\", mode: upsert(keys: [\"id\"]))"),
      Program("schema Order { id: int, amount: float }",
              "from csv(\"orders.csv\", schema: Order)\n"
              "  | into postgres(secret(\"PG_URL\"), table: \"orders\", mode: append)"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    if (!ParseWriteMode(ctx, params::kMode, ctx.input)) return ast::ErrorType();
    return DoneType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
