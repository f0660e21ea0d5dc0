// Hashing for `hash(...)` (and later hash aggregation and dedup): stable across machines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "compiler/ast/value.h"

namespace etl::runtime {

// xxHash64 of `data`.
uint64_t XxHash64(std::string_view data, uint64_t seed);

// Appends the canonical encoding of a value: a kind tag, then fixed-width little-endian
// numbers, length-prefixed strings, lists and records (field names included). Values that
// compare equal encode equally (-0.0 and 0.0, every NaN).
void AppendCanonical(std::string& out, const ast::Value& value);

}  // namespace etl::runtime
