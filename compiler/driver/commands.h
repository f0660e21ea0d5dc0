// The subcommands of etlc; each parses its own options (see docs/cli.md).
#pragma once

#include <string>
#include <vector>

#include "compiler/driver/cli.h"

namespace etl::driver {

// `etlc check FILE...`: parse and type-check, print diagnostics.
int RunCheck(const std::vector<std::string>& args, Io& io);
// `etlc compile FILE -o plan.json`: check and lower to the plan JSON (or re-emit a plan).
int RunCompile(const std::vector<std::string>& args, Io& io);
// `etlc graph FILE --format dot|mermaid|json`: the DAG of a pipeline.
int RunGraph(const std::vector<std::string>& args, Io& io);
// `etlc explain FILE`: every step with its input and output schema.
int RunExplain(const std::vector<std::string>& args, Io& io);
// `etlc fmt FILE... [--check] [--write]`: canonical formatting.
int RunFmt(const std::vector<std::string>& args, Io& io);
// `etlc docs [--out DIR]`: the reference of every step and function.
int RunDocs(const std::vector<std::string>& args, Io& io);
// `etlc infer DATA_FILE`: an inferred `schema` declaration for a CSV or JSONL file.
int RunInfer(const std::vector<std::string>& args, Io& io);
// `etlc run FILE [PIPELINE] [--param k=v] [--workers N]`: compile and execute a pipeline.
int RunRun(const std::vector<std::string>& args, Io& io);
// `etlc runs [--state-dir DIR] [--limit N] [--pipeline NAME]`: the recorded runs, newest first.
int RunRuns(const std::vector<std::string>& args, Io& io);
// `etlc logs RUN [--level L] [--step ID] [--format text|json]`: a recorded run's log.
int RunLogs(const std::vector<std::string>& args, Io& io);
// `etlc errors RUN [--step ID] [--code CODE] [--limit N] [--format text|json]`: its error table.
int RunErrors(const std::vector<std::string>& args, Io& io);
// `etlc gc --keep DURATION [--dry-run]`: deletes runs that finished longer ago.
int RunGc(const std::vector<std::string>& args, Io& io);
// `etlc inspect STATE_DIR [--repair] [--format text|json]`: checks persisted runs.
int RunInspect(const std::vector<std::string>& args, Io& io);
// `etlc test FILE`: run the file's `test` blocks (language.md §9).
int RunTest(const std::vector<std::string>& args, Io& io);
// `etlc serve [DIR]`: scheduler, triggers and the REST + WebSocket API (docs/serve.md).
int RunServe(const std::vector<std::string>& args, Io& io);
// `etlc token create|list|revoke`: the API tokens of `etlc serve`.
int RunToken(const std::vector<std::string>& args, Io& io);
// `etlc backfill PIPELINE --from T --to T`: runs for past fire times of a pipeline.
int RunBackfill(const std::vector<std::string>& args, Io& io);
// `etlc lsp`: the language server on stdio (docs/editors.md).
int RunLsp(const std::vector<std::string>& args, Io& io);

}  // namespace etl::driver
