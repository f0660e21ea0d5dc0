// window tumbling(size, on:) in `aggregate`.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"
#include "stdlib/windows.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec TumblingWindow() {
  StepSpec spec;
  spec.name = "tumbling";
  spec.kind = StepKind::Window;
  spec.summary = "Fixed, non-overlapping time windows for `aggregate`.";
  spec.doc =
      "Groups records into consecutive windows of `size` by the timestamp field `on`, aligned to "
      "the Unix epoch (`5m` windows start at :00, :05, ...). Each window is emitted once the "
      "input's event time has passed its end, so an unbounded stream can be aggregated.";
  spec.params = {
      Required(params::kSize, "duration", "The window length, greater than zero.", true),
      Required(params::kOn, "field", "The record's event time: a non-null `timestamp` field of the input."),
  };
  spec.output_doc =
      "`{window_start: timestamp, window_end: timestamp}`: the aggregate's output holds these right after its keys.";
  spec.examples = {
      Program("schema Click { user: string, ts: timestamp }",
              "from jsonl(\"clicks.jsonl\", schema: Click)\n"
              "  | aggregate by user window tumbling(5m, on: ts) { clicks = count() }\n"
              "  | into stdout()"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    bool ok = CheckPositive(ctx, params::kSize);
    ok = CheckWindowTimeField(ctx) && ok;
    return ok ? WindowBoundsType() : ast::ErrorType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
