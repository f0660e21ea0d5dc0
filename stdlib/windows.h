// What the window specs share: the `on:` field check and the window bounds record.
#pragma once

#include "stdlib/spec.h"

namespace etl::stdlib::support {

// The fields a window adds to an aggregate's output: {window_start, window_end} (timestamps).
TypeRef WindowBoundsType();
// Validates `on:` (a non-null timestamp field of the input); false after reporting.
bool CheckWindowTimeField(const StepBindContext& ctx);

}  // namespace etl::stdlib::support
