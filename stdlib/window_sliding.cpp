// window sliding(size, every, on:) in `aggregate`.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"
#include "stdlib/windows.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec SlidingWindow() {
  StepSpec spec;
  spec.name = "sliding";
  spec.kind = StepKind::Window;
  spec.summary = "Overlapping time windows of a fixed size that start every `every`.";
  spec.doc =
      "A record belongs to every window of length `size` that contains its `on` time; a window "
      "starts every `every` (aligned to the Unix epoch). `sliding(1h, 5m, on: ts)` gives the last "
      "hour, every five minutes. `every` must not exceed `size`.";
  spec.params = {
      Required(params::kSize, "duration", "The window length, greater than zero.", true),
      Required(params::kEvery, "duration", "How often a window starts: greater than zero, at most `size`.", true),
      Required(params::kOn, "field", "The record's event time: a non-null `timestamp` field of the input."),
  };
  spec.output_doc =
      "`{window_start: timestamp, window_end: timestamp}`: the aggregate's output holds these right after its keys.";
  spec.examples = {
      Program("schema Reading { sensor: string, value: float, ts: timestamp }",
              "from jsonl(\"readings.jsonl\", schema: Reading)\n"
              "  | aggregate by sensor window sliding(1h, 5m, on: ts) { mean = avg(value) }\n"
              "  | into stdout()"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    bool ok = CheckPositive(ctx, params::kSize);
    ok = CheckPositive(ctx, params::kEvery) && ok;
    auto size = ConstDuration(ctx, params::kSize), every = ConstDuration(ctx, params::kEvery);
    if (ok && size && every && *every > *size) {
      ctx.Error(params::kEvery, "`every` must not exceed the window `size` (records would fall between windows)");
      ok = false;
    }
    ok = CheckWindowTimeField(ctx) && ok;
    return ok ? WindowBoundsType() : ast::ErrorType();
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
