// on file(glob): a trigger.
#include "stdlib/catalog.h"
#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace support;

StepSpec FileTrigger() {
  StepSpec spec;
  spec.name = "file";
  spec.kind = StepKind::Trigger;
  spec.summary = "Run the pipeline when a file matching a glob appears.";
  spec.doc =
      "`etlc serve` checks the glob every poll interval and queues a run for each new (or "
      "changed) matching file once it has stopped growing (the same size and time in two "
      "checks); each file once, remembered across restarts. A `param path: string` of the file "
      "receives the file's path (`from csv(path, ...)` reads just that file); `size` and "
      "`modified` params get the rest. `etlc run` ignores triggers.";
  spec.params = {Required(params::kGlob, "string", "The files to watch, e.g. `\"incoming/*.csv\"`.", true)};
  spec.output_doc = "The trigger event: `{path: string, size: int, modified: timestamp}`.";
  spec.examples = {
      Program("schema Order { id: int, amount: float }",
              "on file(\"incoming/*.csv\")\n"
              "from csv(\"incoming/*.csv\", schema: Order) | into jsonl(\"out/orders.jsonl\")"),
  };
  spec.output = [](const StepBindContext& ctx) -> TypeRef {
    if (auto glob = ConstString(ctx, params::kGlob); glob && glob->empty()) {
      ctx.Error(params::kGlob, "the glob is empty");
      return ast::ErrorType();
    }
    return ast::RecordType({{"path", ast::StringType(), false},
                            {"size", ast::IntType(), false},
                            {"modified", ast::TimestampType(), false}});
  };
  return spec;
}

}  // namespace etl::stdlib::catalog
