// kafka(brokers, topic, key:) as a sink.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec KafkaSink() {
  StepSpec spec;
  spec.name = "kafka";
  spec.kind = StepKind::Sink;
  spec.summary = "Produce records to a Kafka topic as JSON messages.";
  spec.doc =
      "Each record is one message whose value is the record as a JSON object. With `key: field`, "
      "the field's value (as text) is the message key, so records with the same key keep their "
      "order in one partition. Delivery is acknowledged before the input is.";
  spec.params = {
      Required(params::kBrokers, "string", "Bootstrap servers, `\"host1:9092,host2:9092\"`.", true),
      Required(params::kTopic, "string", "The topic to write.", true),
      Optional(params::kKey, "field", "", "A field of the input used as the message key."),
      Secret(Optional(params::kPassword, "string", "", "SASL password, when the cluster needs one.")),
  };
  spec.output_doc = "The `done` record: `{target: string, rows: int, bytes: int}`.";
  spec.examples = {
      Program("schema Order { id: int, customer: string, amount: float }",
              "from csv(\"orders.csv\", schema: Order) | into kafka(\"localhost:9092\", \"orders\", key: customer)"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    if (ctx.Arg(params::kKey) && !ResolveFieldArg(ctx, params::kKey, ctx.input)) return ast::ErrorType();
    return DoneType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
