// What `etlc serve` and `etlc backfill` share: the project directory, the state directory
// and the run store a command works on, from its DIR and --state-dir/--store options.
#pragma once

#include <optional>
#include <string>

#include "compiler/driver/command.h"
#include "server/service.h"

namespace etl::driver {

// Sets options.project_dir (DIR made absolute and canonical), options.state_dir (--state-dir,
// else DIR/.etl, absolute) and options.store (--store, else ETL_STORE). A usage error's exit
// code when DIR is not a directory.
std::optional<int> ResolveProject(std::string_view command, const std::string& dir, const po::variables_map& vm,
                                  server::ServiceOptions& options, Io& io);

// Creates the state directory and makes the project the working directory (pipelines name
// files relative to it). An exit code when either fails.
std::optional<int> EnterProject(std::string_view command, const server::ServiceOptions& options, Io& io);

}  // namespace etl::driver
