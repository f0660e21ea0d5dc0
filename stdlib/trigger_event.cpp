// on event(name): a trigger.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec EventTrigger() {
  StepSpec spec;
  spec.name = "event";
  spec.kind = StepKind::Trigger;
  spec.summary = "Run the pipeline when a named event is emitted.";
  spec.doc =
      "Events are emitted through the API of `etlc serve` (`POST /api/events/<name>`) or by other "
      "pipelines; each one starts a run with the event's JSON payload.";
  spec.params = {Required(params::kName, "string", "The event name, e.g. `\"orders-loaded\"`.", true)};
  spec.output_doc = "The trigger event: `{name: string, payload: json, at: timestamp}`.";
  spec.examples = {
      Program("schema Order { id: int, amount: float }",
              "on event(\"orders-loaded\")\n"
              "from csv(\"orders.csv\", schema: Order) | into stdout()"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    if (auto name = ConstString(ctx, params::kName); name && name->empty()) {
      ctx.Error(params::kName, "the event name is empty");
      return ast::ErrorType();
    }
    return ast::RecordType({{"name", ast::StringType(), false},
                            {"payload", ast::JsonType(), false},
                            {"at", ast::TimestampType(), false}});
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
