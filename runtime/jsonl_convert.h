// Typed conversion of JSON values (as parsed by JsonlReader) into ast::Value, with precise
// record errors ("field `qty`: expected int, found string \"two\""). The rules are those the
// columnar jsonl source must follow; they are documented in docs/dev/runtime-jsonl.md.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/types.h"
#include "compiler/ast/value.h"

namespace etl::runtime {

// Maps JSON object keys to a record type's field indexes. Built once per record type; a
// lookup first tries the field after the previous match (keys usually come in schema
// order), so matching a record costs one string compare per key in the common case.
class JsonFieldMatcher {
 public:
  explicit JsonFieldMatcher(const ast::Type& record);
  // The field index of `key`, or -1 for a key the schema does not have (ignored). Inline
  // for the expected key: libc's memcmp call (and the loop around it) cost more than the
  // comparison of a few-byte key itself (profiled: 76 instructions per key on T4).
  int Match(std::string_view key) {
    if (next_ < names_.size() && SameText(names_[next_], key)) {
      int index = static_cast<int>(next_);
      next_ = next_ + 1 < names_.size() ? next_ + 1 : 0;
      return index;
    }
    return MatchOthers(key);
  }
  // Starts a new object (resets the order guess).
  void Reset() { next_ = 0; }
  size_t size() const { return names_.size(); }

 private:
  // Equal bytes, compared in at most two loads of 1, 2, 4 or 8 bytes (overlapping) for a
  // key of up to 16 bytes: no call, no byte loop.
  static bool SameText(std::string_view a, std::string_view b) {
    size_t n = a.size();
    if (n != b.size()) return false;
    const char* p = a.data();
    const char* q = b.data();
    if (n >= 8) {
      for (size_t i = 0; i + 8 < n; i += 8) {
        if (Load<uint64_t>(p + i) != Load<uint64_t>(q + i)) return false;
      }
      return Load<uint64_t>(p + n - 8) == Load<uint64_t>(q + n - 8);
    }
    if (n >= 4) return Load<uint32_t>(p) == Load<uint32_t>(q) && Load<uint32_t>(p + n - 4) == Load<uint32_t>(q + n - 4);
    if (n >= 2) return Load<uint16_t>(p) == Load<uint16_t>(q) && Load<uint16_t>(p + n - 2) == Load<uint16_t>(q + n - 2);
    return n == 0 || *p == *q;
  }
  template <typename T>
  static T Load(const char* p) {
    T value;
    std::memcpy(&value, p, sizeof value);
    return value;
  }
  // Match for a key that is not the expected one: tries the other fields in order.
  int MatchOthers(std::string_view key);

  std::vector<std::string_view> names_;  // views into the record type's field names
  size_t next_ = 0;
};

// Supplies the default of a missing non-nullable field that has one (`qty: int = 1`), or
// nullptr; the plan holds the defaults, the reader does not.
using JsonFieldDefault = std::function<const ast::Value*(const ast::Type& record, int field)>;

// Converts `json` to a value of `type`. `field` names the value in error messages ("qty",
// "items[2].sku"). Returns false with `error` set when the value does not fit the type.
bool JsonToValue(simdjson::dom::element json, const ast::TypeRef& type, std::string_view field, ast::Value& out,
                 std::string& error);

// Converts one JSON-lines record (an object) to a Record value with the fields of `record`
// in schema order. Unknown keys are ignored; a repeated key: the last one wins.
bool JsonRecordToValue(simdjson::dom::object json, const ast::Type& record, ast::Value& out, std::string& error,
                       const JsonFieldDefault& defaults = {});

// "string \"two\"", "float 1.5", "array": how an error message shows a JSON value.
std::string DescribeJsonValue(simdjson::dom::element json);

}  // namespace etl::runtime
