// What the commands that read recorded runs share (`etlc logs`, `etlc errors`, `etlc gc`):
// which store (`--state-dir`, `--store`, the ETL_STORE environment variable) and which run
// a RUN argument names (`last`, an id, a unique prefix of one). docs/cli.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "compiler/driver/command.h"
#include "runtime/run_store.h"

namespace etl::driver {

// Where the store of a command is.
struct StoreArgs {
  std::string state_dir = ".etl";
  std::string store;  // "" = the SQLite store of state_dir; else a postgres:// URL
};

// Adds `--state-dir DIR` and `--store URL` to `options`.
void AddStoreOptions(po::options_description& options);

// The store options of `vm` (parsed with AddStoreOptions): `--store`, else the ETL_STORE
// environment variable, else the SQLite store of the state directory. An exit code (usage
// error printed) when --state-dir is empty.
std::optional<int> StoreArgsFrom(std::string_view command, const po::variables_map& vm, StoreArgs& args, Io& io);

// Opens the store of `args` (runtime::OpenRunStore). A SQLite store that does not exist
// yet is not created: `store` stays null and nullopt is returned (no runs). An exit code
// (3, the message printed) when it cannot be opened.
std::optional<int> OpenStoreOf(std::string_view command, const StoreArgs& args, std::unique_ptr<runtime::RunStore>& store,
                               Io& io);

// The run `spec` names in `store` (null: no store yet, so no runs): `last` (the newest
// run), a run id, or a prefix of exactly one run id. An exit code when there is none
// (2, "no run ..."), the prefix is ambiguous (2, listing the candidates) or the store
// cannot be read (3).
std::optional<int> ResolveRun(std::string_view command, runtime::RunStore* store, const StoreArgs& args,
                              const std::string& spec, runtime::StoredRun& run, Io& io);

// Prints `etlc COMMAND: error: MESSAGE` and returns kExitRunFailed (a store that cannot be
// read or written).
int StoreError(std::string_view command, std::string_view message, Io& io);

}  // namespace etl::driver
