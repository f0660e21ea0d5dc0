// Byte keys for the stateful operators (aggregate, dedup, join, count_distinct): a value of
// any column encodes to canonical bytes (equal values, equal bytes), and KeyTable maps such
// keys to dense ids with the bytes interned in one arena, so a lookup allocates nothing per
// record once the table has grown.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/column.h"

namespace etl::runtime {

// Appends row `row` of `column` to `out` as canonical key bytes: a null tag, then the value
// (fixed-width bytes, or a length-prefixed string; lists, maps and records as their JSON
// text). -0.0 encodes as 0.0 so they group together.
void EncodeKey(const Column& column, size_t row, std::string& out);

// Appends row `row` of `column` (the builder's layout) to `builder`.
void AppendFrom(ColumnBuilder& builder, const Column& column, size_t row);

// A fast hash of key bytes.
uint64_t HashKey(std::string_view key);

// An open-addressing hash table from byte keys to dense ids 0, 1, 2, ... in insertion order.
class KeyTable {
 public:
  static constexpr uint32_t kMissing = UINT32_MAX;
  // The id of `key`, inserting it when new (`*inserted` says which).
  uint32_t FindOrInsert(std::string_view key, bool* inserted) { return FindOrInsert(key, HashKey(key), inserted); }
  // The same, with `hash` = HashKey(key) computed already (a partitioned aggregate hashes
  // a key once, to choose its partition and to find it there).
  uint32_t FindOrInsert(std::string_view key, uint64_t hash, bool* inserted);
  // The id of `key`, or kMissing.
  uint32_t Find(std::string_view key) const;
  // The bytes of key `id`.
  std::string_view Key(uint32_t id) const { return std::string_view(arena_).substr(offsets_[id], lengths_[id]); }
  size_t Size() const { return offsets_.size(); }
  // Bytes held (arena and index), for memory budgets.
  size_t MemoryBytes() const;
  void Clear();

 private:
  void Rehash(size_t capacity);
  std::string arena_;              // every key's bytes, back to back
  std::vector<uint32_t> offsets_;  // per id: where its bytes start in arena_
  std::vector<uint32_t> lengths_;  // per id
  std::vector<uint64_t> hashes_;   // per id
  std::vector<uint32_t> slots_;    // id + 1, 0 = empty; size is a power of two
};

}  // namespace etl::runtime
