// The dedup operator (language.md §4 "dedup"): keeps the first record of each key; later
// ones are filtered. With `within d` a key is forgotten d after it was first seen, measured
// on the processing clock (read once per batch), so memory stays bounded on a stream.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "runtime/op_common.h"

namespace etl::runtime {

// The processing clock: microseconds since the epoch.
using DedupClock = std::function<int64_t()>;

// Binds a dedup node; null and `error` set on a bind error. `clock` (default: the system
// clock) is what `within` measures; tests pass their own.
std::unique_ptr<Step> MakeDedup(const ir::Node& node, const StepContext& ctx, std::string* error,
                                DedupClock clock = nullptr);

}  // namespace etl::runtime
