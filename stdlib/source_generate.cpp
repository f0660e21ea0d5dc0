// generate(count:, schema:, seed:) as a source.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec GenerateSource() {
  StepSpec spec;
  spec.name = "generate";
  spec.kind = StepKind::Source;
  spec.summary = "Generate synthetic records of a schema (tests, demos, benchmarks).";
  spec.doc =
      "Emits `count` records whose fields hold pseudo-random values of their types (nullable "
      "fields are sometimes null). The same `seed` gives the same records, so runs are "
      "reproducible.";
  spec.params = {
      Required(params::kCount, "int", "How many records to generate (at least 1)."),
      Required(params::kSchema, "schema", "The record type to generate."),
      Optional(params::kSeed, "int", "0", "The random seed."),
  };
  spec.output_doc = "The `schema:` record type.";
  spec.examples = {
      Program("schema Order { id: int, customer: string, amount: float }",
              "from generate(count: 1000, schema: Order, seed: 42) | into csv(\"out/orders.csv\")"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    if (!CheckPositive(ctx, params::kCount)) return ast::ErrorType();
    TypeRef schema = SchemaArg(ctx, params::kSchema);
    return schema ? schema : ast::ErrorType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
