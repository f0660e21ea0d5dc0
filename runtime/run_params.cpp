#include "runtime/run_params.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <set>

#include "compiler/diag/diagnostic.h"
#include "runtime/jsonl_scalars.h"
#include "runtime/source_csv_convert.h"

namespace etl::runtime {

using ast::TypeKind;
using ast::Value;

std::optional<Value> ParseParamValue(const ast::TypeRef& type, std::string_view text) {
  if (!type) return std::nullopt;
  if (type->nullable && text == "null") return Value::Null();
  Value value;
  switch (type->kind) {
    case TypeKind::Int: {
      auto v = ParseIntText(text);
      if (!v) return std::nullopt;
      return Value::Int(*v);
    }
    case TypeKind::Float:
    case TypeKind::Decimal: {  // decimal params are carried as floats for now
      auto v = runtime::ParseFloatText(text);
      if (!v) return std::nullopt;
      return Value::Float(*v);
    }
    case TypeKind::Bool: {
      auto v = runtime::ParseBoolText(text);
      if (!v) return std::nullopt;
      return Value::Bool(*v);
    }
    case TypeKind::String:
    case TypeKind::Secret:
      return Value::String(std::string(text));
    case TypeKind::Date: {
      auto v = runtime::ParseIsoDate(text);
      if (!v) return std::nullopt;
      value.kind = Value::Kind::Date;
      value.int_value = *v;
      return value;
    }
    case TypeKind::Timestamp: {
      auto v = runtime::ParseIsoTimestamp(text);
      if (!v) return std::nullopt;
      value.kind = Value::Kind::Timestamp;
      value.int_value = *v;
      return value;
    }
    case TypeKind::Duration: {
      auto v = runtime::ParseDurationText(text);
      if (!v) return std::nullopt;
      value.kind = Value::Kind::Duration;
      value.int_value = *v;
      return value;
    }
    default:
      return std::nullopt;  // lists, records, json...: not expressible as one word
  }
}

std::string ExpectedParamText(const ast::TypeRef& type) {
  if (!type) return "a value";
  std::string text;
  switch (type->kind) {
    case TypeKind::Int:
      text = "an int like 42";
      break;
    case TypeKind::Float:
      text = "a float like 1.5";
      break;
    case TypeKind::Decimal:
      text = "a decimal like 12.50";
      break;
    case TypeKind::Bool:
      text = "a bool (true or false)";
      break;
    case TypeKind::String:
      text = "a string";
      break;
    case TypeKind::Secret:
      text = "a secret string";
      break;
    case TypeKind::Date:
      text = "a date like 2024-01-31";
      break;
    case TypeKind::Timestamp:
      text = "a timestamp like 2024-01-31T12:00:00Z";
      break;
    case TypeKind::Duration:
      text = "a duration like 15m or 1h30m";
      break;
    default:
      return fmt::format("`{}`, which cannot be given on the command line", ast::ToString(type));
  }
  if (type->nullable) text += " or null";
  return text;
}

std::string ParamEnvName(std::string_view param) {
  std::string name = "ETL_PARAM_";
  for (char c : param) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

bool ResolveParams(const ir::Plan& plan, const std::vector<std::string>& args, const EnvLookup& env,
                   std::map<std::string, Value, std::less<>>& params, std::string& error) {
  std::vector<std::string> names;
  for (const ir::Param& param : plan.params) names.push_back(param.name);
  std::map<std::string, std::string, std::less<>> given;
  for (const std::string& arg : args) {
    size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      error = fmt::format("--param `{}`: expected name=value", arg);
      return false;
    }
    std::string name = arg.substr(0, eq);
    bool known = false;
    for (const std::string& n : names) known = known || n == name;
    if (!known) {
      error = fmt::format("unknown param `{}`", name);
      auto closest = diag::ClosestNames(name, names);
      if (!closest.empty()) {
        error += fmt::format("; did you mean `{}`?", closest[0]);
      } else if (names.empty()) {
        error += " (the program declares no params)";
      } else {
        error += fmt::format(" (params: {})", fmt::join(names, ", "));
      }
      return false;
    }
    given[name] = arg.substr(eq + 1);  // the last --param for a name wins
  }
  for (const ir::Param& param : plan.params) {
    std::optional<std::string> text;
    std::string origin;
    if (auto it = given.find(param.name); it != given.end()) {
      text = it->second;
      origin = fmt::format("--param {}", param.name);
    } else if (auto from_env = env(ParamEnvName(param.name))) {
      text = *from_env;
      origin = fmt::format("{} (for param `{}`)", ParamEnvName(param.name), param.name);
    }
    if (text) {
      std::optional<Value> value = ParseParamValue(param.type, *text);
      if (!value) {
        error = fmt::format("{}: `{}` is not {}", origin, *text, ExpectedParamText(param.type));
        return false;
      }
      params[param.name] = std::move(*value);
    } else if (param.default_value) {
      params[param.name] = *param.default_value;
    } else {  // required: declared without a default
      error = fmt::format("missing param `{}`: give --param {}=VALUE ({}) or set {}", param.name, param.name,
                          ExpectedParamText(param.type), ParamEnvName(param.name));
      return false;
    }
  }
  return true;
}

}  // namespace etl::runtime
