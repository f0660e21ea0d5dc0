// window session(gap, on:) in `aggregate`.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"
#include "stdlib/windows.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec SessionWindow() {
  StepSpec spec;
  spec.name = "session";
  spec.kind = StepKind::Window;
  spec.summary = "Windows of activity per key, closed after a gap of inactivity.";
  spec.doc =
      "For each group key, consecutive records less than `gap` apart (by `on`) form one session; a "
      "session ends `gap` after its last record. `window_start` is its first record's time, "
      "`window_end` its last record's time plus `gap`.";
  spec.params = {
      Required(params::kGap, "duration", "The inactivity that closes a session, greater than zero.", true),
      Required(params::kOn, "field", "The record's event time: a non-null `timestamp` field of the input."),
  };
  spec.output_doc =
      "`{window_start: timestamp, window_end: timestamp}`: the aggregate's output holds these right after its keys.";
  spec.examples = {
      Program("schema Click { user: string, page: string, ts: timestamp }",
              "from jsonl(\"clicks.jsonl\", schema: Click)\n"
              "  | aggregate by user window session(30m, on: ts) { pages = count(), visited = list(page) }\n"
              "  | into stdout()"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    bool ok = CheckPositive(ctx, params::kGap);
    ok = CheckWindowTimeField(ctx) && ok;
    return ok ? WindowBoundsType() : ast::ErrorType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
