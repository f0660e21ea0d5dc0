// OpenRunStore: which backend a `--store` value means.
#include <string_view>

#include "runtime/run_store.h"
#include "runtime/run_store_postgres_conn.h"

namespace etl::runtime {

std::unique_ptr<RunStore> OpenRunStore(const std::string& store, const std::string& state_dir,
                                       std::string& error) {
  if (store.empty()) return OpenSqliteRunStore(RunStorePath(state_dir), error);
  std::string_view s(store);
  if (s.starts_with("postgres://") || s.starts_with("postgresql://"))
    return OpenPostgresRunStore(store, error);
  error =
      "--store: expected a postgres:// or postgresql:// URL (or nothing, for the SQLite store of the state "
      "directory), not `" +
      RedactPostgresUrl(store) + "`";
  return nullptr;
}

}  // namespace etl::runtime
