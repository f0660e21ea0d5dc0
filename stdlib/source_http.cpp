// http(url, paginate:, records:, schema:) as a source.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

namespace {

// `paginate:` is "none", "link", or a record naming one strategy.
bool CheckPaginate(const StepBindContext& ctx) {
  const BoundArg* arg = ctx.Arg(params::kPaginate);
  if (!arg || !arg->value) return true;
  const ast::Value& value = *arg->value;
  if (value.kind == ast::Value::Kind::String) return CheckChoice(ctx, params::kPaginate, {"none", "link"});
  const char* expected =
      "`paginate:` must be \"none\", \"link\", `{next: \"$.next\"}`, `{cursor: \"$.cursor\", param: \"cursor\"}` "
      "or `{page: \"page\"}`";
  if (value.kind != ast::Value::Kind::Record) {
    ctx.Error(params::kPaginate, expected);
    return false;
  }
  int strategies = 0;
  for (const auto& [name, field] : value.fields) {
    bool known = name == "next" || name == "cursor" || name == "page" || name == "param";
    if (!known || field.kind != ast::Value::Kind::String) {
      ctx.Error(params::kPaginate, expected);
      return false;
    }
    strategies += name != "param";
  }
  if (strategies != 1 || (value.Find("param") && !value.Find("cursor"))) {
    ctx.Error(params::kPaginate, expected);
    return false;
  }
  return true;
}

}  // namespace

StepSpec HttpSource() {
  StepSpec spec;
  spec.name = "http";
  spec.kind = StepKind::Source;
  spec.summary = "Read records from a JSON HTTP API, following pagination.";
  spec.doc =
      "Requests `url` and takes the records at the JSONPath `records:` of each JSON response "
      "(`\"$\"`: the response is the array itself). Pagination: `\"link\"` follows RFC 8288 "
      "`Link: rel=\"next\"` headers; `{next: \"$.next\"}` follows a next URL found in the body; "
      "`{cursor: \"$.cursor\", param: \"cursor\"}` passes a cursor back as a query parameter; "
      "`{page: \"page\"}` increments a page number until a page is empty.";
  spec.params = {
      Secret(Required(params::kUrl, "string", "The first URL to request.", true)),
      Optional(params::kMethod, "string", "\"GET\"", "`\"GET\"` or `\"POST\"`."),
      Optional(params::kHeaders, "map<string>", "{}", "Extra request headers."),
      Secret(Optional(params::kToken, "string", "", "A bearer token sent as `Authorization: Bearer ...`; usually `secret(\"API_TOKEN\")`.")),
      Optional(params::kPaginate, "any", "\"none\"", "The pagination strategy (see above)."),
      Optional(params::kRecords, "string", "\"$\"", "JSONPath of the records array in each response."),
      Required(params::kSchema, "schema", "The record type of each element."),
  };
  spec.output_doc = "The `schema:` record type.";
  spec.examples = {
      Program("schema Issue { id: int, title: string, state: string }",
              "from http(\"https://api.example.com/issues\", records: \"$.items\", paginate: {next: \"$.next\"},\n"
              "          token: secret(\"API_TOKEN\"), schema: Issue)\n"
              "  | into jsonl(\"out/issues.jsonl\")"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    TypeRef schema = SchemaArg(ctx, params::kSchema);
    if (!schema) return ast::ErrorType();
    bool ok = CheckChoice(ctx, params::kMethod, {"GET", "POST"});
    ok = CheckPaginate(ctx) && ok;
    if (auto path = ConstString(ctx, params::kRecords); path && (path->empty() || (*path)[0] != '$')) {
      ctx.Error(params::kRecords, "`records:` is a JSONPath starting with `$`, e.g. \"$.items\"");
      ok = false;
    }
    return ok ? schema : ast::ErrorType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
