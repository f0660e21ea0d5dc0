// Typed conversion of JSON values (as parsed by JsonlReader) into ast::Value, with precise
// record errors ("field `qty`: expected int, found string \"two\""). The rules are those the
// columnar jsonl source must follow; they are documented in docs/dev/runtime-jsonl.md.
#pragma once

#include <simdjson.h>

#include <cstdint>
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
  // The field index of `key`, or -1 for a key the schema does not have (ignored).
  int Match(std::string_view key);
  // Starts a new object (resets the order guess).
  void Reset() { next_ = 0; }
  size_t size() const { return names_.size(); }

 private:
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
