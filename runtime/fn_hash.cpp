// hash(values...) (stdlib/functions_other.cpp): xxHash64 (seed 0) of a canonical encoding
// of the values, so a hash is the same on every machine and in every run. xxHash64 is
// written out here (the published algorithm, ~40 lines) rather than adding a dependency.
#include <bit>
#include <cmath>
#include <cstring>

#include "runtime/fn_hash.h"
#include "runtime/fn_registry.h"
#include "runtime/value_json.h"

namespace etl::runtime {

namespace {

constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kPrime3 = 0x165667B19E3779F9ULL;
constexpr uint64_t kPrime4 = 0x85EBCA77C2B2AE63ULL;
constexpr uint64_t kPrime5 = 0x27D4EB2F165667C5ULL;

uint64_t Read64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian machines only (x86-64, arm64), as the canonical encoding is
}
uint32_t Read32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t Round(uint64_t acc, uint64_t input) { return std::rotl(acc + input * kPrime2, 31) * kPrime1; }
uint64_t Merge(uint64_t acc, uint64_t value) { return (acc ^ Round(0, value)) * kPrime1 + kPrime4; }

}  // namespace

uint64_t XxHash64(std::string_view data, uint64_t seed) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const unsigned char* end = p + data.size();
  uint64_t h;
  if (data.size() >= 32) {
    uint64_t v1 = seed + kPrime1 + kPrime2, v2 = seed + kPrime2, v3 = seed, v4 = seed - kPrime1;
    for (; p + 32 <= end; p += 32) {
      v1 = Round(v1, Read64(p));
      v2 = Round(v2, Read64(p + 8));
      v3 = Round(v3, Read64(p + 16));
      v4 = Round(v4, Read64(p + 24));
    }
    h = std::rotl(v1, 1) + std::rotl(v2, 7) + std::rotl(v3, 12) + std::rotl(v4, 18);
    h = Merge(Merge(Merge(Merge(h, v1), v2), v3), v4);
  } else {
    h = seed + kPrime5;
  }
  h += data.size();
  for (; p + 8 <= end; p += 8) h = std::rotl(h ^ Round(0, Read64(p)), 27) * kPrime1 + kPrime4;
  if (p + 4 <= end) {
    h = std::rotl(h ^ (uint64_t{Read32(p)} * kPrime1), 23) * kPrime2 + kPrime3;
    p += 4;
  }
  for (; p < end; ++p) h = std::rotl(h ^ (*p * kPrime5), 11) * kPrime1;
  h ^= h >> 33;
  h *= kPrime2;
  h ^= h >> 29;
  h *= kPrime3;
  h ^= h >> 32;
  return h;
}

void AppendCanonical(std::string& out, const ast::Value& value) {
  using VK = ast::Value::Kind;
  auto append64 = [&](uint64_t v) {
    char bytes[8];
    std::memcpy(bytes, &v, 8);
    out.append(bytes, 8);
  };
  out += static_cast<char>(value.kind);  // the kind tag keeps 1 and "1" apart
  switch (value.kind) {
    case VK::Null: break;
    case VK::Bool: out += value.bool_value ? '\1' : '\0'; break;
    case VK::Int:
    case VK::Duration:
    case VK::Date:
    case VK::Timestamp: append64(static_cast<uint64_t>(value.int_value)); break;
    case VK::Float: {
      // -0.0 hashes like 0.0 and every NaN alike, as they compare.
      double v = value.float_value == 0 ? 0.0 : std::isnan(value.float_value) ? std::nan("") : value.float_value;
      append64(std::bit_cast<uint64_t>(v));
      break;
    }
    case VK::Decimal: {
      // Trailing fraction zeros dropped, so 1.0 and 1.00 (equal values) hash alike.
      __int128 v = value.decimal_value;
      int scale = value.scale;
      while (scale > 0 && v % 10 == 0) {
        v /= 10;
        --scale;
      }
      append64(static_cast<uint64_t>(scale));
      append64(static_cast<uint64_t>(static_cast<unsigned __int128>(v)));
      append64(static_cast<uint64_t>(static_cast<unsigned __int128>(v) >> 64));
      break;
    }
    case VK::String:
      append64(value.string_value.size());
      out += value.string_value;
      break;
    case VK::List:
      append64(value.items.size());
      for (const auto& item : value.items) AppendCanonical(out, item);
      break;
    case VK::Record:
      append64(value.fields.size());
      for (const auto& [name, item] : value.fields) {
        append64(name.size());
        out += name;
        AppendCanonical(out, item);
      }
      break;
  }
}

namespace {

bool Hash(std::span<const ast::Value> args, const FnCall&, ast::Value& out, ValueError&) {
  std::string encoded;
  for (const auto& arg : args) AppendCanonical(encoded, arg);
  out = ast::Value::Int(static_cast<int64_t>(XxHash64(encoded, 0)));
  return true;
}

constexpr FunctionImpl kFunctions[] = {{"hash", Hash, true}};

}  // namespace

std::span<const FunctionImpl> HashFunctions() { return kFunctions; }

}  // namespace etl::runtime
