#include "runtime/agg_key.h"

#include <cstring>

#include "runtime/value_json.h"

namespace etl::runtime {

namespace {

template <typename T>
void AppendRaw(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

}  // namespace

void EncodeKey(const Column& column, size_t row, std::string& out) {
  if (column.IsNull(row)) {
    out.push_back('\0');
    return;
  }
  out.push_back('\1');
  switch (column.layout) {
    case Layout::Bool: out.push_back(static_cast<char>(column.bools[row])); break;
    case Layout::Int64: AppendRaw(out, column.ints[row]); break;
    case Layout::Int128: AppendRaw(out, column.wide[row]); break;
    case Layout::Int32: AppendRaw(out, column.days[row]); break;
    case Layout::Float64: {
      double value = column.floats[row];
      AppendRaw(out, value == 0.0 ? 0.0 : value);
      break;
    }
    case Layout::String: {
      std::string_view text = column.String(row);
      AppendRaw(out, static_cast<uint32_t>(text.size()));
      out.append(text);
      break;
    }
    case Layout::List:
    case Layout::Map:
    case Layout::Record: {
      std::string text = ValueToJson(column.Get(row));
      AppendRaw(out, static_cast<uint32_t>(text.size()));
      out.append(text);
      break;
    }
  }
}

void AppendFrom(ColumnBuilder& builder, const Column& column, size_t row) {
  if (column.IsNull(row)) {
    builder.AppendNull();
    return;
  }
  switch (column.layout) {
    case Layout::Bool: builder.AppendBool(column.bools[row] != 0); break;
    case Layout::Int64: builder.AppendInt(column.ints[row]); break;
    case Layout::Int128: builder.AppendWide(column.wide[row]); break;
    case Layout::Int32: builder.AppendDate(column.days[row]); break;
    case Layout::Float64: builder.AppendFloat(column.floats[row]); break;
    case Layout::String: builder.AppendString(column.String(row)); break;
    case Layout::List:
    case Layout::Map:
    case Layout::Record: builder.AppendValue(column.Get(row)); break;
  }
}

uint64_t HashKey(std::string_view key) {
  // FNV-1a over 8-byte words, then a murmur finaliser: cheap and good enough for keys.
  uint64_t h = 0xcbf29ce484222325ULL ^ key.size();
  size_t i = 0;
  for (; i + 8 <= key.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, key.data() + i, 8);
    h = (h ^ word) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  for (; i < key.size(); ++i) h = (h ^ static_cast<uint8_t>(key[i])) * 0x100000001b3ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

uint32_t KeyTable::FindOrInsert(std::string_view key, bool* inserted) {
  if ((offsets_.size() + 1) * 2 > slots_.size()) Rehash(slots_.empty() ? 64 : slots_.size() * 2);
  uint64_t hash = HashKey(key);
  size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    uint32_t slot = slots_[i];
    if (slot == 0) {
      uint32_t id = static_cast<uint32_t>(offsets_.size());
      offsets_.push_back(static_cast<uint32_t>(arena_.size()));
      lengths_.push_back(static_cast<uint32_t>(key.size()));
      hashes_.push_back(hash);
      arena_.append(key);
      slots_[i] = id + 1;
      *inserted = true;
      return id;
    }
    if (hashes_[slot - 1] == hash && Key(slot - 1) == key) {
      *inserted = false;
      return slot - 1;
    }
  }
}

uint32_t KeyTable::Find(std::string_view key) const {
  if (slots_.empty()) return kMissing;
  uint64_t hash = HashKey(key);
  size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    uint32_t slot = slots_[i];
    if (slot == 0) return kMissing;
    if (hashes_[slot - 1] == hash && Key(slot - 1) == key) return slot - 1;
  }
}

size_t KeyTable::MemoryBytes() const {
  return arena_.capacity() + offsets_.capacity() * 4 + lengths_.capacity() * 4 + hashes_.capacity() * 8 +
         slots_.capacity() * 4;
}

void KeyTable::Clear() {
  arena_.clear();
  offsets_.clear();
  lengths_.clear();
  hashes_.clear();
  slots_.clear();
}

void KeyTable::Rehash(size_t capacity) {
  slots_.assign(capacity, 0);
  size_t mask = capacity - 1;
  for (uint32_t id = 0; id < hashes_.size(); ++id) {
    size_t i = hashes_[id] & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = id + 1;
  }
}

}  // namespace etl::runtime
