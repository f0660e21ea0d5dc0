// sqlite(path, query: | table:, schema:) as a source.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec SqliteSource() {
  StepSpec spec;
  spec.name = "sqlite";
  spec.kind = StepKind::Source;
  spec.summary = "Read the rows of a SQLite query or table.";
  spec.doc =
      "Opens the database file read-only and runs `query:` (or reads `table:`). Columns are "
      "matched to the schema's fields by name; SQLite's dynamic values are converted to the "
      "field types, and a value that does not convert is a record error.";
  spec.params = {
      Required(params::kPath, "string", "The database file.", true),
      Optional(params::kQuery, "string", "", "The SQL query to run."),
      Optional(params::kTable, "string", "", "A table to read entirely."),
      Required(params::kSchema, "schema", "The record type of the rows."),
  };
  spec.output_doc = "The `schema:` record type.";
  spec.examples = {
      Program("schema User { id: int, email: string, created: timestamp }",
              "from sqlite(\"app.db\", query: \"select id, email, created from users\", schema: User)\n"
              "  | into csv(\"out/users.csv\")"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    TypeRef schema = SchemaArg(ctx, params::kSchema);
    if (!schema) return ast::ErrorType();
    bool query = ctx.Arg(params::kQuery), table = ctx.Arg(params::kTable);
    if (query == table) {
      ctx.Error("", query ? "give either `query:` or `table:`, not both" : "`sqlite` needs `query:` or `table:`");
      return ast::ErrorType();
    }
    return schema;
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
