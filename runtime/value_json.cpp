#include "runtime/value_json.h"

#include <fmt/format.h>

#include <cmath>

#include "runtime/sink_format.h"

namespace etl::runtime {

void AppendJsonString(std::string& out, std::string_view text) {
  // Written in place (sink_format.cpp's WriteJsonString: 8 bytes tested at a time); the
  // room for the worst case (every byte escaped) is cut back at once.
  size_t used = out.size();
  out.resize(used + JsonStringRoom(text.size()));
  char* end = WriteJsonString(out.data() + used, text);
  out.resize(static_cast<size_t>(end - out.data()));
}

namespace {

void Append(std::string& out, const ast::Value& value) {
  using VK = ast::Value::Kind;
  switch (value.kind) {
    case VK::Null: out += "null"; break;
    case VK::Bool: out += value.bool_value ? "true" : "false"; break;
    case VK::Int: out += std::to_string(value.int_value); break;
    case VK::Float:
      if (!std::isfinite(value.float_value)) {
        out += "null";
      } else {
        out += fmt::format("{}", value.float_value);
      }
      break;
    case VK::String: AppendJsonString(out, value.string_value); break;
    case VK::Decimal: out += ast::DecimalText(value.decimal_value, value.scale); break;  // an exact number
    case VK::Date:
    case VK::Timestamp: {
      std::string literal = ast::ToLiteral(value);  // "@2024-01-31..." without quotes
      AppendJsonString(out, literal.substr(1));
      break;
    }
    case VK::Duration: AppendJsonString(out, ast::ToLiteral(value)); break;
    case VK::List:
      out += '[';
      for (size_t i = 0; i < value.items.size(); ++i) {
        if (i) out += ',';
        Append(out, value.items[i]);
      }
      out += ']';
      break;
    case VK::Record:
      out += '{';
      for (size_t i = 0; i < value.fields.size(); ++i) {
        if (i) out += ',';
        AppendJsonString(out, value.fields[i].first);
        out += ':';
        Append(out, value.fields[i].second);
      }
      out += '}';
      break;
  }
}

}  // namespace

std::string ValueToJson(const ast::Value& value) {
  std::string out;
  Append(out, value);
  return out;
}

}  // namespace etl::runtime
