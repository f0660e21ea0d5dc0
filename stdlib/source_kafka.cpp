// kafka(brokers, topic, group:, schema:) as a source.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec KafkaSource() {
  StepSpec spec;
  spec.name = "kafka";
  spec.kind = StepKind::Source;
  spec.summary = "Consume JSON records from a Kafka topic (an unbounded stream).";
  spec.doc =
      "Each message value is one JSON object matched to the schema like a jsonl line. Offsets are "
      "committed once the records are acknowledged downstream, so a crash replays instead of "
      "losing data. The stream is unbounded: aggregate it with a `window`.";
  spec.params = {
      Required(params::kBrokers, "string", "Bootstrap servers, `\"host1:9092,host2:9092\"`.", true),
      Required(params::kTopic, "string", "The topic to consume.", true),
      Optional(params::kGroup, "string", "\"etl\"", "The consumer group."),
      Secret(Optional(params::kPassword, "string", "", "SASL password, when the cluster needs one.")),
      Required(params::kSchema, "schema", "The record type of each message."),
  };
  spec.output_doc = "The `schema:` record type.";
  spec.examples = {
      Program("schema Click { user: string, page: string, ts: timestamp }",
              "from kafka(\"localhost:9092\", \"clicks\", schema: Click)\n"
              "  | aggregate by page window tumbling(1m, on: ts) { views = count() }\n"
              "  | into stdout()"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    TypeRef schema = SchemaArg(ctx, params::kSchema);
    return schema ? schema : ast::ErrorType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
