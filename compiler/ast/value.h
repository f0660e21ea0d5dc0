// Compile-time constant values: consts, literal step arguments, test records.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "compiler/ast/types.h"

namespace etl::ast {

// A constant, as folded by sema from literals, consts and pure functions of them.
struct Value {
  enum class Kind { Null, Int, Float, Bool, String, Duration, Date, Timestamp, List, Record, Decimal };
  Kind kind = Kind::Null;
  int64_t int_value = 0;  // Int; Duration (us); Date (days); Timestamp (us)
  double float_value = 0;
  bool bool_value = false;
  int scale = 0;               // Decimal: digits after the point
  __int128 decimal_value = 0;  // Decimal: the unscaled value (value * 10^scale), exact
  std::string string_value;
  std::vector<Value> items;                             // List
  std::vector<std::pair<std::string, Value>> fields;    // Record

  static Value Null() { return {}; }
  static Value Int(int64_t v) { Value x; x.kind = Kind::Int; x.int_value = v; return x; }
  static Value Float(double v) { Value x; x.kind = Kind::Float; x.float_value = v; return x; }
  static Value Bool(bool v) { Value x; x.kind = Kind::Bool; x.bool_value = v; return x; }
  static Value String(std::string v) { Value x; x.kind = Kind::String; x.string_value = std::move(v); return x; }
  static Value Decimal(__int128 unscaled, int scale) {
    Value x;
    x.kind = Kind::Decimal;
    x.decimal_value = unscaled;
    x.scale = scale;
    return x;
  }
  const Value* Find(std::string_view field) const {
    for (auto& [name, value] : fields) if (name == field) return &value;
    return nullptr;
  }
};

// Renders a value in etl literal syntax (`"a"`, `1.5`, `[1, 2]`, `{a: 1}`, `30s`, `@2024-01-31`);
// a decimal as its exact digits with `scale` fraction digits (`12.30`).
std::string ToLiteral(const Value& value);

// The exact text of an unscaled decimal with `scale` fraction digits ("-12.30" for -1230, 2).
std::string DecimalText(__int128 unscaled, int scale);

}  // namespace etl::ast
