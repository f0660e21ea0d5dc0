#include "compiler/ir/json_codec.h"

#include <cmath>
#include <utility>

namespace etl::ir::json_codec {

std::string Child(const std::string& pointer, std::string_view key) {
  std::string out = pointer + "/";
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Child(const std::string& pointer, size_t index) { return pointer + "/" + std::to_string(index); }

const Json& Member(const Json& object, const char* key, const std::string& pointer) {
  if (!object.is_object()) throw ReadError(pointer, "expected an object");
  auto it = object.find(key);
  if (it == object.end()) throw ReadError(Child(pointer, key), "missing");
  return *it;
}

std::string StringMember(const Json& object, const char* key, const std::string& pointer) {
  const Json& value = Member(object, key, pointer);
  if (!value.is_string()) throw ReadError(Child(pointer, key), "expected a string");
  return value.get<std::string>();
}

int64_t IntMember(const Json& object, const char* key, const std::string& pointer) {
  const Json& value = Member(object, key, pointer);
  if (!value.is_number_integer()) throw ReadError(Child(pointer, key), "expected an integer");
  return value.get<int64_t>();
}

bool BoolMember(const Json& object, const char* key, const std::string& pointer) {
  const Json& value = Member(object, key, pointer);
  if (!value.is_boolean()) throw ReadError(Child(pointer, key), "expected true or false");
  return value.get<bool>();
}

const Json& ArrayMember(const Json& object, const char* key, const std::string& pointer) {
  const Json& value = Member(object, key, pointer);
  if (!value.is_array()) throw ReadError(Child(pointer, key), "expected an array");
  return value;
}

namespace {

int Int32(int64_t value, const std::string& pointer) {
  if (value < -1 || value > 1000000000) throw ReadError(pointer, "integer out of range");
  return static_cast<int>(value);
}

}  // namespace

// ---------------------------------------------------------------- types

Json TypeToJson(const TypeRef& type) { return ast::ToString(type, /*expand=*/true); }

TypeRef TypeFromJson(const Json& json, const std::string& pointer) {
  if (!json.is_string()) throw ReadError(pointer, "expected a type spelling (a string)");
  auto type = ast::ParseType(json.get<std::string>());
  if (!type) throw ReadError(pointer, "unknown or malformed type `" + json.get<std::string>() + "`");
  return *type;
}

// ---------------------------------------------------------------- values

Json ValueToJson(const Value& value) {
  switch (value.kind) {
    case Value::Kind::Null:
      return nullptr;
    case Value::Kind::Int:
      return value.int_value;
    case Value::Kind::Float:
      // JSON has no NaN or infinity; they get a tagged spelling so they survive a round trip.
      if (std::isnan(value.float_value)) return Json{{"float", "nan"}};
      if (std::isinf(value.float_value)) return Json{{"float", value.float_value > 0 ? "inf" : "-inf"}};
      return value.float_value;
    case Value::Kind::Bool:
      return value.bool_value;
    case Value::Kind::String:
      return value.string_value;
    case Value::Kind::Duration:
      return Json{{"duration_us", value.int_value}};
    case Value::Kind::Date:
      return Json{{"date_days", value.int_value}};
    case Value::Kind::Timestamp:
      return Json{{"timestamp_us", value.int_value}};
    case Value::Kind::Decimal:
      // Exact text; its fraction digits are the scale ("12.30" is 1230 at scale 2).
      return Json{{"decimal", ast::DecimalText(value.decimal_value, value.scale)}};
    case Value::Kind::List: {
      Json items = Json::array();
      for (const auto& item : value.items) items.push_back(ValueToJson(item));
      return items;
    }
    case Value::Kind::Record: {
      Json fields = Json::object();
      for (const auto& [name, field] : value.fields) fields[name] = ValueToJson(field);
      return Json{{"record", std::move(fields)}};
    }
  }
  return nullptr;
}

Value ValueFromJson(const Json& json, const std::string& pointer) {
  Value value;
  if (json.is_null()) return value;
  if (json.is_boolean()) return Value::Bool(json.get<bool>());
  if (json.is_number_integer()) {
    if (json.is_number_unsigned() && json.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      throw ReadError(pointer, "integer out of range");
    }
    return Value::Int(json.get<int64_t>());
  }
  if (json.is_number_float()) return Value::Float(json.get<double>());
  if (json.is_string()) return Value::String(json.get<std::string>());
  if (json.is_array()) {
    value.kind = Value::Kind::List;
    for (size_t i = 0; i < json.size(); ++i) value.items.push_back(ValueFromJson(json[i], Child(pointer, i)));
    return value;
  }
  if (json.is_object() && json.size() == 1) {
    auto first = json.begin();
    const std::string key = first.key();
    const Json& inner = first.value();
    std::string at = Child(pointer, key);
    if (key == "record") {
      if (!inner.is_object()) throw ReadError(at, "expected an object of fields");
      value.kind = Value::Kind::Record;
      for (const auto& [name, field] : inner.items()) value.fields.emplace_back(name, ValueFromJson(field, Child(at, name)));
      return value;
    }
    if (key == "float") {
      std::string text = inner.is_string() ? inner.get<std::string>() : "";
      if (text == "nan") return Value::Float(std::nan(""));
      if (text == "inf") return Value::Float(INFINITY);
      if (text == "-inf") return Value::Float(-INFINITY);
      throw ReadError(at, "expected \"nan\", \"inf\" or \"-inf\"");
    }
    if (key == "decimal") {
      std::string text = inner.is_string() ? inner.get<std::string>() : "";
      size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
      __int128 unscaled = 0;
      int digits = 0, significant = 0, scale = -1;
      for (; i < text.size(); ++i) {
        if (text[i] == '.' && scale < 0) {
          scale = 0;
          continue;
        }
        bool digit = text[i] >= '0' && text[i] <= '9';
        if (digit) ++digits;
        if (digit && (unscaled != 0 || text[i] != '0')) ++significant;  // leading zeros ("0.05") do not count
        if (!digit || significant > 38) throw ReadError(at, "expected decimal text like \"-12.30\"");
        unscaled = unscaled * 10 + (text[i] - '0');
        if (scale >= 0) ++scale;
      }
      if (digits == 0 || scale == 0) throw ReadError(at, "expected decimal text like \"-12.30\"");
      return Value::Decimal(text[0] == '-' ? -unscaled : unscaled, scale < 0 ? 0 : scale);
    }
    Value::Kind kind;
    if (key == "duration_us") {
      kind = Value::Kind::Duration;
    } else if (key == "date_days") {
      kind = Value::Kind::Date;
    } else if (key == "timestamp_us") {
      kind = Value::Kind::Timestamp;
    } else {
      throw ReadError(pointer, "unknown value tag `" + key + "`");
    }
    if (!inner.is_number_integer()) throw ReadError(at, "expected an integer");
    value.kind = kind;
    value.int_value = inner.get<int64_t>();
    return value;
  }
  throw ReadError(pointer, "not a plan value");
}

// ---------------------------------------------------------------- expressions

namespace {

Json ExprList(const std::vector<Expr>& items, size_t from, size_t to) {
  Json out = Json::array();
  for (size_t i = from; i < to && i < items.size(); ++i) out.push_back(ExprToJson(items[i]));
  return out;
}

std::vector<Expr> ExprsFromJson(const Json& array, const std::string& pointer) {
  if (!array.is_array()) throw ReadError(pointer, "expected an array");
  std::vector<Expr> out;
  for (size_t i = 0; i < array.size(); ++i) out.push_back(ExprFromJson(array[i], Child(pointer, i)));
  return out;
}

ast::BinaryOp ParseBinaryOp(const std::string& text, const std::string& pointer) {
#define ETL_IR_BINARY_PARSE(name, spelling) \
  if (text == spelling) return ast::BinaryOp::name;
  ETL_BINARY_OPS(ETL_IR_BINARY_PARSE)
#undef ETL_IR_BINARY_PARSE
  throw ReadError(pointer, "unknown binary operator `" + text + "`");
}

}  // namespace

Json ExprToJson(const Expr& expr) {
  Json out = Json::object();
  out["kind"] = std::string(Spelling(expr.kind));
  out["type"] = TypeToJson(expr.type);
  const auto& c = expr.children;
  auto child = [&](size_t i) { return i < c.size() ? ExprToJson(c[i]) : Json(nullptr); };
  switch (expr.kind) {
    case ExprKind::Literal:
      out["value"] = ValueToJson(expr.value);
      break;
    case ExprKind::Field:
      out["name"] = expr.name;
      out["slot"] = expr.slot;
      out["side"] = expr.side;
      break;
    case ExprKind::Param:
      out["name"] = expr.name;
      break;
    case ExprKind::Call:
      out["fn"] = expr.name;
      out["args"] = ExprList(c, 0, c.size());
      break;
    case ExprKind::Unary:
      out["op"] = std::string(ast::Spelling(expr.unary_op));
      out["arg"] = child(0);
      break;
    case ExprKind::Binary:
      out["op"] = std::string(ast::Spelling(expr.binary_op));
      out["left"] = child(0);
      out["right"] = child(1);
      break;
    case ExprKind::IsNull:
      out["negated"] = expr.negated;
      out["arg"] = child(0);
      break;
    case ExprKind::If:
      out["cond"] = child(0);
      out["then"] = child(1);
      out["else"] = child(2);
      break;
    case ExprKind::Match: {
      out["subject"] = child(0);
      Json arms = Json::array();
      size_t at = 1;
      for (int count : expr.arm_patterns) {
        size_t n = static_cast<size_t>(count);
        Json arm = Json::object();
        arm["patterns"] = ExprList(c, at, at + n);
        arm["value"] = child(at + n);
        arms.push_back(std::move(arm));
        at += n + 1;
      }
      out["arms"] = std::move(arms);
      break;
    }
    case ExprKind::List:
      out["items"] = ExprList(c, 0, c.size());
      break;
    case ExprKind::Record: {
      Json fields = Json::array();
      for (size_t i = 0; i < c.size(); ++i) {
        fields.push_back(Json{{"name", i < expr.names.size() ? expr.names[i] : ""}, {"value", ExprToJson(c[i])}});
      }
      out["fields"] = std::move(fields);
      break;
    }
    case ExprKind::Index:
      out["target"] = child(0);
      out["index"] = child(1);
      break;
    case ExprKind::GetField:
      out["target"] = child(0);
      out["name"] = expr.name;
      out["slot"] = expr.slot;
      out["safe"] = expr.safe;
      break;
    case ExprKind::Widen:
      out["arg"] = child(0);
      break;
    case ExprKind::Interpolate:
      out["parts"] = ExprList(c, 0, c.size());
      break;
    case ExprKind::AggregateRef:
      out["index"] = expr.slot;
      break;
  }
  return out;
}

Expr ExprFromJson(const Json& json, const std::string& pointer) {
  Expr expr;
  std::string kind = StringMember(json, "kind", pointer);
  if (!ParseExprKind(kind, &expr.kind)) throw ReadError(Child(pointer, "kind"), "unknown expression kind `" + kind + "`");
  expr.type = TypeFromJson(Member(json, "type", pointer), Child(pointer, "type"));
  auto sub = [&](const char* key) {
    expr.children.push_back(ExprFromJson(Member(json, key, pointer), Child(pointer, key)));
  };
  switch (expr.kind) {
    case ExprKind::Literal:
      expr.value = ValueFromJson(Member(json, "value", pointer), Child(pointer, "value"));
      break;
    case ExprKind::Field:
      expr.name = StringMember(json, "name", pointer);
      if (IntMember(json, "slot", pointer) < 0) throw ReadError(Child(pointer, "slot"), "a field slot must be >= 0");
      expr.slot = Int32(IntMember(json, "slot", pointer), Child(pointer, "slot"));
      expr.side = Int32(IntMember(json, "side", pointer), Child(pointer, "side"));
      if (expr.side != 0 && expr.side != 1) throw ReadError(Child(pointer, "side"), "expected 0 (left) or 1 (right)");
      break;
    case ExprKind::Param:
      expr.name = StringMember(json, "name", pointer);
      break;
    case ExprKind::Call:
      expr.name = StringMember(json, "fn", pointer);
      expr.children = ExprsFromJson(Member(json, "args", pointer), Child(pointer, "args"));
      break;
    case ExprKind::Unary: {
      std::string op = StringMember(json, "op", pointer);
      if (op == "-") {
        expr.unary_op = ast::UnaryOp::Neg;
      } else if (op == "not") {
        expr.unary_op = ast::UnaryOp::Not;
      } else {
        throw ReadError(Child(pointer, "op"), "unknown unary operator `" + op + "`");
      }
      sub("arg");
      break;
    }
    case ExprKind::Binary:
      expr.binary_op = ParseBinaryOp(StringMember(json, "op", pointer), Child(pointer, "op"));
      sub("left");
      sub("right");
      break;
    case ExprKind::IsNull:
      expr.negated = BoolMember(json, "negated", pointer);
      sub("arg");
      break;
    case ExprKind::If:
      sub("cond");
      sub("then");
      sub("else");
      break;
    case ExprKind::Match: {
      sub("subject");
      const Json& arms = ArrayMember(json, "arms", pointer);
      for (size_t i = 0; i < arms.size(); ++i) {
        std::string at = Child(Child(pointer, "arms"), i);
        auto patterns = ExprsFromJson(Member(arms[i], "patterns", at), Child(at, "patterns"));
        expr.arm_patterns.push_back(static_cast<int>(patterns.size()));
        for (auto& pattern : patterns) expr.children.push_back(std::move(pattern));
        expr.children.push_back(ExprFromJson(Member(arms[i], "value", at), Child(at, "value")));
      }
      break;
    }
    case ExprKind::List:
      expr.children = ExprsFromJson(Member(json, "items", pointer), Child(pointer, "items"));
      break;
    case ExprKind::Record: {
      const Json& fields = ArrayMember(json, "fields", pointer);
      for (size_t i = 0; i < fields.size(); ++i) {
        std::string at = Child(Child(pointer, "fields"), i);
        expr.names.push_back(StringMember(fields[i], "name", at));
        expr.children.push_back(ExprFromJson(Member(fields[i], "value", at), Child(at, "value")));
      }
      break;
    }
    case ExprKind::Index:
      sub("target");
      sub("index");
      break;
    case ExprKind::GetField:
      sub("target");
      expr.name = StringMember(json, "name", pointer);
      expr.slot = Int32(IntMember(json, "slot", pointer), Child(pointer, "slot"));
      expr.safe = BoolMember(json, "safe", pointer);
      break;
    case ExprKind::Widen:
      sub("arg");
      break;
    case ExprKind::Interpolate:
      expr.children = ExprsFromJson(Member(json, "parts", pointer), Child(pointer, "parts"));
      break;
    case ExprKind::AggregateRef:
      expr.slot = Int32(IntMember(json, "index", pointer), Child(pointer, "index"));
      if (expr.slot < 0) throw ReadError(Child(pointer, "index"), "must be >= 0");
      break;
  }
  return expr;
}

// ---------------------------------------------------------------- ports and arguments

Json PortToJson(const Port& port) {
  Json out = Json::object();
  out["port"] = port.name;
  out["type"] = TypeToJson(port.type);
  // The schema name is not part of the expanded spelling; keep it for explain and tools.
  if (port.type && !port.type->name.empty()) out["schema"] = port.type->name;
  return out;
}

Port PortFromJson(const Json& json, const std::string& pointer) {
  Port port;
  port.name = StringMember(json, "port", pointer);
  if (port.name.empty()) throw ReadError(Child(pointer, "port"), "a port name must not be empty");
  port.type = TypeFromJson(Member(json, "type", pointer), Child(pointer, "type"));
  if (port.type->kind != ast::TypeKind::Record) throw ReadError(Child(pointer, "type"), "a port's type must be a record");
  if (json.contains("schema")) {
    std::string schema = StringMember(json, "schema", pointer);
    auto named = std::make_shared<ast::Type>(*port.type);
    named->name = schema;
    port.type = named;
  }
  return port;
}

Json StepArgToJson(const StepArg& arg) {
  Json out = Json::object();
  out["name"] = arg.name;
  out["type"] = TypeToJson(arg.type);
  if (arg.type && !arg.type->name.empty()) out["schema"] = arg.type->name;
  if (arg.value) out["value"] = ValueToJson(*arg.value);
  if (arg.expr) out["expr"] = ExprToJson(*arg.expr);
  return out;
}

StepArg StepArgFromJson(const Json& json, const std::string& pointer) {
  StepArg arg;
  arg.name = StringMember(json, "name", pointer);
  arg.type = TypeFromJson(Member(json, "type", pointer), Child(pointer, "type"));
  if (json.contains("schema")) {
    auto named = std::make_shared<ast::Type>(*arg.type);
    named->name = StringMember(json, "schema", pointer);
    arg.type = named;
  }
  if (json.contains("value")) arg.value = ValueFromJson(json["value"], Child(pointer, "value"));
  if (json.contains("expr")) arg.expr = ExprFromJson(json["expr"], Child(pointer, "expr"));
  if (arg.value && arg.expr) throw ReadError(pointer, "an argument has either `value` or `expr`, not both");
  return arg;
}

}  // namespace etl::ir::json_codec
