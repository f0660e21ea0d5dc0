// Other functions (language.md §11, stdlib/functions_other.cpp): coalesce, uuid, env,
// parse_json, to_json, keys, lookup.
#include <algorithm>
#include <cstdlib>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runtime/fn_registry.h"
#include "runtime/value_json.h"

namespace etl::runtime {

namespace {

using Value = ast::Value;
using VK = Value::Kind;
using Args = std::span<const Value>;

bool Coalesce(Args a, const FnCall&, Value& out, ValueError&) {
  out = Value::Null();
  for (const Value& v : a) {
    if (v.kind != VK::Null) {
      out = v;
      break;
    }
  }
  return true;
}
bool Uuid(Args, const FnCall&, Value& out, ValueError&) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  uint64_t hi = generator(), lo = generator();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;                 // version 4
  lo = (lo & ~(0xC0ULL << 56)) | (0x80ULL << 56);     // RFC 4122 variant
  out = Value::String(fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF,
                                  lo >> 48, lo & 0xFFFFFFFFFFFFULL));
  return true;
}
bool Env(Args a, const FnCall&, Value& out, ValueError&) {
  const char* v = std::getenv(a[0].string_value.c_str());
  out = v ? Value::String(v) : Value::Null();
  return true;
}
bool ParseJson(Args a, const FnCall&, Value& out, ValueError& err) {
  nlohmann::json doc = nlohmann::json::parse(a[0].string_value, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    err = {"json", "not valid JSON: " + ast::ToLiteral(a[0])};
    return false;
  }
  out = Value::String(doc.dump());
  return true;
}
bool ToJson(Args a, const FnCall& call, Value& out, ValueError&) {
  out = call.arg_types[0]->kind == ast::TypeKind::Json && a[0].kind != VK::Null ? a[0] : Value::String(ValueToJson(a[0]));
  return true;
}
bool Keys(Args a, const FnCall&, Value& out, ValueError&) {
  out = Value();
  out.kind = VK::List;
  for (const auto& [key, value] : a[0].fields) out.items.push_back(Value::String(key));
  // Sorted bytewise (the spec), so the result does not depend on insertion order.
  std::sort(out.items.begin(), out.items.end(),
            [](const Value& x, const Value& y) { return x.string_value < y.string_value; });
  return true;
}
bool Lookup(Args a, const FnCall&, Value& out, ValueError&) {
  const Value* v = a[0].Find(a[1].string_value);
  out = v ? *v : Value::Null();
  return true;
}

constexpr FunctionImpl kFunctions[] = {
    {"coalesce", Coalesce, true}, {"uuid", Uuid},       {"env", Env},       {"parse_json", ParseJson},
    {"to_json", ToJson, true},    {"keys", Keys},       {"lookup", Lookup},
};

}  // namespace

std::span<const FunctionImpl> OtherFunctions() { return kFunctions; }

}  // namespace etl::runtime
