// PostgresRunStore: the run store in a PostgreSQL database (issue 4). This build has no
// PostgreSQL client yet.
#include "runtime/run_store.h"

namespace etl::runtime {

std::unique_ptr<RunStore> OpenPostgresRunStore(const std::string& url, std::string& error) {
  (void)url;
  error = "cannot open the PostgreSQL run store: this build has no PostgreSQL client (libpq)";
  return nullptr;
}

}  // namespace etl::runtime
