// Binding of the database sinks (sqlite, postgres).
#include "runtime/io_factory.h"

namespace etl::runtime {

BoundSink BindDatabaseSink(const ir::Node& node, const IoBindContext& ctx, std::string* error) {
  (void)ctx;
  if (error) *error = "`" + node.id + "`: sink `" + node.step + "` is not supported by this build yet";
  return {};
}

}  // namespace etl::runtime
