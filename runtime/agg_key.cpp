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

namespace {

// The 64x64 -> 128 multiply folded to 64 bits (as in wyhash): one multiply mixes 16 bytes.
inline uint64_t Mix(uint64_t a, uint64_t b) {
  unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

constexpr uint64_t kSeed0 = 0xa0761d6478bd642fULL, kSeed1 = 0xe7037ed1a0b428dbULL, kSeed2 = 0x8ebc6af09c88c6e3ULL;

}  // namespace

uint64_t HashKey(std::string_view key) {
  // wyhash-style: short keys (the common case) cost two overlapping loads and two multiplies.
  const char* p = key.data();
  size_t n = key.size();
  uint64_t h = kSeed2 ^ n;
  while (n > 16) {
    h = Mix(Load64(p) ^ kSeed0 ^ h, Load64(p + 8) ^ kSeed1);
    p += 16;
    n -= 16;
  }
  uint64_t a = 0, b = 0;
  if (n >= 8) {
    a = Load64(p);
    b = Load64(p + n - 8);
  } else if (n >= 4) {
    a = Load32(p);
    b = Load32(p + n - 4);
  } else if (n > 0) {
    a = (uint64_t{static_cast<uint8_t>(p[0])} << 16) | (uint64_t{static_cast<uint8_t>(p[n >> 1])} << 8) |
        static_cast<uint8_t>(p[n - 1]);
  }
  return Mix(Mix(a ^ kSeed0 ^ h, b ^ kSeed1), kSeed2 ^ key.size());
}

uint32_t KeyTable::FindOrInsert(std::string_view key, uint64_t hash, bool* inserted) {
  if ((offsets_.size() + 1) * 2 > slots_.size()) Rehash(slots_.empty() ? 64 : slots_.size() * 2);
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
