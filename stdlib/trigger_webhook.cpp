// on webhook(path): a trigger.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec WebhookTrigger() {
  StepSpec spec;
  spec.name = "webhook";
  spec.kind = StepKind::Trigger;
  spec.summary = "Run the pipeline when an HTTP request arrives at a path of `etlc serve`.";
  spec.doc =
      "`etlc serve` answers `POST <path>` (an operator token) with 202 and queues a run. A "
      "`param body: string` of the file receives the request body as JSON text (read it with "
      "`parse_json(body)`), and `param path: string` the path (docs/serve.md).";
  spec.params = {Required(params::kPath, "string", "The URL path, starting with `/`, e.g. `\"/hooks/orders\"`.", true)};
  spec.output_doc = "The trigger event: `{path: string, body: json, received: timestamp}`.";
  spec.examples = {
      Program("schema Order { id: int, amount: float }",
              "on webhook(\"/hooks/orders\")\n"
              "from csv(\"orders.csv\", schema: Order) | into stdout()"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    if (auto path = ConstString(ctx, params::kPath); path && (path->empty() || (*path)[0] != '/')) {
      ctx.Error(params::kPath, "a webhook path starts with `/`, e.g. \"/hooks/orders\"");
      return ast::ErrorType();
    }
    return ast::RecordType({{"path", ast::StringType(), false},
                            {"body", ast::JsonType(), false},
                            {"received", ast::TimestampType(), false}});
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
