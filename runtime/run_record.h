// How `etlc run` records a run in the run store (runtime/run_store.h): the run row at the
// start, the final status, step metrics and the error file's records at the end.
// docs/dev/run-store.md.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "runtime/executor.h"
#include "runtime/run_store.h"

namespace etl::runtime {

// Reads the error file at `path` (JSON lines, runtime/error_file.h) into `store` for
// `run_id`, `batch` records per transaction, after the first `skip` records (a resumed run:
// an earlier attempt stored them). A missing file is no records. An error message when a
// line cannot be read or the store fails.
std::optional<std::string> StoreErrorFile(RunStore& store, const std::string& run_id,
                                          const std::string& path, uint64_t skip = 0, size_t batch = 10000);

// `{"name": value, ...}` of a run's params.
std::string ParamsJson(const std::map<std::string, ast::Value, std::less<>>& params);

// A new run's id, `YYYYMMDDTHHMMSSZ-<6 hex>` of its start time: ids sort by start time,
// and the random suffix keeps them unique within one state directory.
std::string MakeRunId(int64_t now_us);

// Writes a run's end to the store: the buffered events, the error file's records (after the
// first `errors_stored`, which an earlier attempt stored), the final status and step
// metrics. A problem message when the store is incomplete (the run itself is done).
std::optional<std::string> RecordRunEnd(RunStore& store, StoreEventRecorder& events, const std::string& run_id,
                                        const std::string& error_file, const RunResult& result,
                                        uint64_t errors_stored);

// The plan hash stored with a run: xxHash64 (seed 0) of the plan JSON, 16 hex digits.
std::string PlanHash(std::string_view plan_json);

}  // namespace etl::runtime
