#include "stdlib/step_support.h"

#include <algorithm>

namespace etl::stdlib::support {

using ast::ExprKind;
using ast::Value;

ParamSpec Required(std::string_view name, std::string type, std::string doc, bool positional) {
  ParamSpec param;
  param.name = std::string(name);
  param.type = std::move(type);
  param.required = true;
  param.positional = positional;
  param.doc = std::move(doc);
  return param;
}

ParamSpec Optional(std::string_view name, std::string type, std::string default_value, std::string doc) {
  ParamSpec param;
  param.name = std::string(name);
  param.type = std::move(type);
  param.default_value = std::move(default_value);
  param.doc = std::move(doc);
  return param;
}

ParamSpec Secret(ParamSpec param) {
  param.secret = true;
  return param;
}

namespace {

const Value* ConstValue(const StepBindContext& ctx, std::string_view param, Value::Kind kind) {
  const BoundArg* arg = ctx.Arg(param);
  if (!arg || !arg->value || arg->value->kind != kind) return nullptr;
  return &*arg->value;
}

diag::SourceRange RangeOf(const StepBindContext& ctx, std::string_view param) {
  const BoundArg* arg = ctx.Arg(param);
  return arg && arg->range.Valid() ? arg->range : ctx.call_range;
}

void ReportUnknownField(const StepBindContext& ctx, const std::string& name, const TypeRef& record,
                        diag::SourceRange range) {
  if (!ctx.diagnostics) return;
  std::string message = "unknown field `" + name + "`";
  if (record && !record->name.empty()) message += " in `" + record->name + "`";
  auto& diagnostic = ctx.diagnostics->Report(diag::Code::UnknownField, range, message);
  auto names = record ? record->FieldNames() : std::vector<std::string>{};
  diag::SuggestName(diagnostic, name, names);
  if (!names.empty()) {
    std::string list;
    for (const auto& field : names) list += (list.empty() ? "`" : ", `") + field + "`";
    diagnostic.notes.push_back({"available fields: " + list, {}});
  }
}

// A key written in `keys: [..]`: a string literal or a bare name.
std::optional<std::string> KeyName(const ast::Expr& expr) {
  if (expr.kind == ExprKind::StringLit && expr.parts.empty()) return expr.text;
  if (expr.kind == ExprKind::NameRef) return expr.text;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ConstString(const StepBindContext& ctx, std::string_view param) {
  const Value* value = ConstValue(ctx, param, Value::Kind::String);
  return value ? std::optional<std::string>(value->string_value) : std::nullopt;
}

std::optional<int64_t> ConstInt(const StepBindContext& ctx, std::string_view param) {
  const Value* value = ConstValue(ctx, param, Value::Kind::Int);
  return value ? std::optional<int64_t>(value->int_value) : std::nullopt;
}

std::optional<bool> ConstBool(const StepBindContext& ctx, std::string_view param) {
  const Value* value = ConstValue(ctx, param, Value::Kind::Bool);
  return value ? std::optional<bool>(value->bool_value) : std::nullopt;
}

std::optional<int64_t> ConstDuration(const StepBindContext& ctx, std::string_view param) {
  const Value* value = ConstValue(ctx, param, Value::Kind::Duration);
  return value ? std::optional<int64_t>(value->int_value) : std::nullopt;
}

std::optional<std::string> FieldArgName(const BoundArg& arg) {
  if (arg.value && arg.value->kind == Value::Kind::String) return arg.value->string_value;
  if (arg.expr) return KeyName(*arg.expr);
  return std::nullopt;
}

const ast::Field* ResolveFieldArg(const StepBindContext& ctx, std::string_view param, const TypeRef& record) {
  const BoundArg* arg = ctx.Arg(param);
  if (!arg) return nullptr;
  auto name = FieldArgName(*arg);
  if (!name) {
    ctx.Error(param, "`" + std::string(param) + ":` takes a field name, e.g. `" + std::string(param) + ": ts`");
    return nullptr;
  }
  if (ast::IsError(record)) return nullptr;  // the input already failed: do not cascade
  const ast::Field* field = record->FindField(*name);
  if (!field) ReportUnknownField(ctx, *name, record, RangeOf(ctx, param));
  return field;
}

bool CheckKeyFields(const StepBindContext& ctx, const std::vector<std::string>& keys, const TypeRef& record,
                    diag::SourceRange range) {
  if (ast::IsError(record)) return true;
  bool ok = true;
  for (const auto& key : keys) {
    if (record->FindField(key)) continue;
    ReportUnknownField(ctx, key, record, range.Valid() ? range : ctx.call_range);
    ok = false;
  }
  return ok;
}

bool CheckSingleChar(const StepBindContext& ctx, std::string_view param) {
  auto text = ConstString(ctx, param);
  if (!text || text->size() == 1) return true;
  ctx.Error(param, "`" + std::string(param) + ":` must be exactly one character, found \"" + *text + "\"");
  return false;
}

bool CheckChoice(const StepBindContext& ctx, std::string_view param, const std::vector<std::string>& choices) {
  auto text = ConstString(ctx, param);
  if (!text || std::find(choices.begin(), choices.end(), *text) != choices.end()) return true;
  std::string expected;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i) expected += i + 1 == choices.size() ? " or " : ", ";
    expected += "\"" + choices[i] + "\"";
  }
  ctx.Error(param, "`" + std::string(param) + ":` must be " + expected + ", found \"" + *text + "\"");
  return false;
}

bool CheckPositive(const StepBindContext& ctx, std::string_view param) {
  const BoundArg* arg = ctx.Arg(param);
  if (!arg || !arg->value) return true;
  const Value& value = *arg->value;
  if ((value.kind == Value::Kind::Int || value.kind == Value::Kind::Duration) && value.int_value <= 0) {
    ctx.Error(param, "`" + std::string(param) + ":` must be greater than zero, found " + ast::ToLiteral(value));
    return false;
  }
  return true;
}

std::optional<WriteMode> ParseWriteMode(const StepBindContext& ctx, std::string_view param, const TypeRef& input) {
  static const std::vector<std::string> kModes = {"append", "replace", "upsert", "scd2"};
  const BoundArg* arg = ctx.Arg(param);
  WriteMode mode{"append", {}, ctx.call_range};
  if (!arg) return mode;
  mode.range = arg->range.Valid() ? arg->range : ctx.call_range;
  const ast::Expr* expr = arg->expr;
  const ast::Expr* keys_expr = nullptr;
  if (arg->value && arg->value->kind == Value::Kind::String) {
    mode.name = arg->value->string_value;
  } else if (expr && (expr->kind == ExprKind::NameRef || expr->kind == ExprKind::StringLit)) {
    mode.name = expr->text;
  } else if (expr && expr->kind == ExprKind::Call && !expr->children.empty() &&
             expr->children[0]->kind == ExprKind::NameRef) {
    mode.name = expr->children[0]->text;
    for (const auto& call_arg : expr->args) {
      if ((call_arg.name && call_arg.name->text != "keys") || keys_expr) {
        ctx.Error(param, "`" + mode.name + "(...)` takes one argument: `keys: [\"id\"]`");
        return std::nullopt;
      }
      keys_expr = call_arg.value.get();
    }
  } else {
    ctx.Error(param, "expected a write mode: `append`, `replace`, `upsert(keys: [..])` or `scd2(keys: [..])`");
    return std::nullopt;
  }
  if (std::find(kModes.begin(), kModes.end(), mode.name) == kModes.end()) {
    if (ctx.diagnostics) {
      auto& diagnostic = ctx.diagnostics->Report(
          diag::Code::InvalidArgumentValue, mode.range,
          "unknown write mode `" + mode.name + "`; expected `append`, `replace`, `upsert(keys: [..])` or `scd2(keys: [..])`");
      diag::SuggestName(diagnostic, mode.name, kModes);
    }
    return std::nullopt;
  }
  bool keyed = mode.name == "upsert" || mode.name == "scd2";
  if (!keyed) {
    if (keys_expr) {
      ctx.Error(param, "`" + mode.name + "` takes no keys");
      return std::nullopt;
    }
    return mode;
  }
  if (!keys_expr || keys_expr->kind != ExprKind::ListLit || keys_expr->children.empty()) {
    ctx.Error(param, "`" + mode.name + "` needs the key fields: `" + mode.name + "(keys: [\"id\"])`");
    return std::nullopt;
  }
  bool ok = true;
  for (const auto& key : keys_expr->children) {
    auto name = KeyName(*key);
    if (!name) {
      ctx.Error(param, "a key of `" + mode.name + "` must be a field name");
      return std::nullopt;
    }
    mode.keys.push_back(*name);
    ok = CheckKeyFields(ctx, {*name}, input, key->range) && ok;
  }
  if (!ok) return std::nullopt;
  return mode;
}

TypeRef SchemaArg(const StepBindContext& ctx, std::string_view param) {
  const BoundArg* arg = ctx.Arg(param);
  if (!arg) return nullptr;
  return arg->schema ? arg->schema : ast::ErrorType();
}

std::string Program(std::string_view decls, std::string_view pipeline_body) {
  std::string text;
  if (!decls.empty()) {
    text += decls;
    text += "\n\n";
  }
  text += "pipeline example {\n";
  // Indent every line of the body by two spaces.
  size_t start = 0;
  while (start <= pipeline_body.size()) {
    size_t end = pipeline_body.find('\n', start);
    if (end == std::string_view::npos) end = pipeline_body.size();
    std::string_view line = pipeline_body.substr(start, end - start);
    if (!line.empty()) text += "  " + std::string(line);
    text += "\n";
    start = end + 1;
  }
  text += "}\n";
  return text;
}

}  // namespace etl::stdlib::support
