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
      "Events are sent to `etlc serve` with `POST /api/v1/events/<name>` (the body is the JSON "
      "payload); each one queues a run of every pipeline listening. A `param payload: string` of "
      "the file receives the payload as JSON text, and `param name: string` the event's name "
      "(docs/serve.md).";
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
