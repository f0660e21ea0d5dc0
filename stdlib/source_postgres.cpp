// postgres(url, query: | table:, incremental:, schema:) as a source.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec PostgresSource() {
  StepSpec spec;
  spec.name = "postgres";
  spec.kind = StepKind::Source;
  spec.summary = "Read the rows of a PostgreSQL query or table.";
  spec.doc =
      "Give exactly one of `query:` (any SELECT) or `table:`. Columns are matched to the schema's "
      "fields by name. The schema is required: the compiler does not connect to the database.\n\n"
      "With `incremental: column`, each run reads only rows whose column is greater than the "
      "largest value seen by the previous successful run (kept in the run store).";
  spec.params = {
      Secret(Required(params::kUrl, "string", "A connection URL, `postgres://user@host:5432/db`; usually `secret(\"PG_URL\")`.",
                      true)),
      Optional(params::kQuery, "string", "", "The SQL query to run."),
      Optional(params::kTable, "string", "", "A table (or `schema.table`) to read entirely."),
      Optional(params::kIncremental, "field", "",
               "A field of the schema (orderable: int, date, timestamp, ...) that only grows; enables incremental reads."),
      Required(params::kSchema, "schema", "The record type of the rows."),
  };
  spec.output_doc = "The `schema:` record type.";
  spec.examples = {
      Program("schema Order { id: int, amount: float, updated: timestamp }",
              "from postgres(secret(\"PG_URL\"), table: \"orders\", incremental: updated, schema: Order)\n"
              "  | into jsonl(\"out/orders.jsonl\")"),
      Program("schema Total { country: string, total: float }",
              "from postgres(secret(\"PG_URL\"), query: \"select country, sum(amount) as total from orders group by 1\", schema: Total)\n"
              "  | into stdout()"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    TypeRef schema = SchemaArg(ctx, params::kSchema);
    if (!schema) return ast::ErrorType();
    bool query = ctx.Arg(params::kQuery), table = ctx.Arg(params::kTable);
    if (query == table) {
      ctx.Error("", query ? "give either `query:` or `table:`, not both" : "`postgres` needs `query:` or `table:`");
      return ast::ErrorType();
    }
    if (ctx.Arg(params::kIncremental)) {
      const ast::Field* field = ResolveFieldArg(ctx, params::kIncremental, schema);
      if (!field) return ast::ErrorType();
      if (!ast::IsOrderable(field->type)) {
        ctx.Error(params::kIncremental, "`incremental:` needs an orderable field; `" + field->name + "` is `" +
                                            ast::ToString(field->type) + "`");
        return ast::ErrorType();
      }
    }
    return schema;
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
