// http(url, method:, batch:, headers:, token:) as a sink.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec HttpSink() {
  StepSpec spec;
  spec.name = "http";
  spec.kind = StepKind::Sink;
  spec.summary = "Send records to an HTTP endpoint as JSON.";
  spec.doc =
      "Sends the records in batches: each request body is a JSON array of up to `batch` records "
      "(with `batch: 1`, a single JSON object). A 5xx answer or a network error is retried with "
      "backoff; a 4xx answer sends the batch's records to `.errors`.";
  spec.params = {
      Secret(Required(params::kUrl, "string", "The endpoint.", true)),
      Optional(params::kMethod, "string", "\"POST\"", "`\"POST\"`, `\"PUT\"` or `\"PATCH\"`."),
      Optional(params::kBatch, "int", "100", "Records per request (at least 1)."),
      Optional(params::kHeaders, "map<string>", "{}", "Extra request headers."),
      Secret(Optional(params::kToken, "string", "", "A bearer token; usually `secret(\"API_TOKEN\")`.")),
  };
  spec.output_doc = "The `done` record: `{target: string, rows: int, bytes: int}`.";
  spec.examples = {
      Program("schema Alert { id: int, message: string }",
              "from jsonl(\"alerts.jsonl\", schema: Alert)\n"
              "  | into http(\"https://hooks.example.com/alerts\", batch: 50, token: secret(\"HOOK_TOKEN\"))"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    bool ok = CheckChoice(ctx, params::kMethod, {"POST", "PUT", "PATCH"});
    ok = CheckPositive(ctx, params::kBatch) && ok;
    return ok ? DoneType() : ast::ErrorType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
