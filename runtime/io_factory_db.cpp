// Binding of the database sinks (sqlite, postgres): arguments, the write mode and the
// connection URL, which usually comes from `secret("PG_URL")` and never appears in a message.
#include <cstdlib>

#include "runtime/io_factory.h"
#include "runtime/sink_postgres.h"
#include "runtime/sink_sqlite.h"

namespace etl::runtime {

namespace {

// A string argument: a constant, an expression over params and env(), or a secret (its
// environment variable, or a `param` of type secret). Null and `why` set when absent or bad.
std::optional<std::string> StringArg(const ir::Node& node, std::string_view name, const EvalContext& eval,
                                     std::string* why) {
  const ir::StepArg* found = nullptr;
  for (const ir::StepArg& arg : node.args) {
    if (arg.name == name) found = &arg;
  }
  if (!found) {
    *why = "argument `" + std::string(name) + "` is missing";
    return std::nullopt;
  }
  if (found->expr) {
    const ir::Expr& expr = *found->expr;
    if (expr.kind == ir::ExprKind::Call && expr.name == "secret") {
      if (expr.children.size() != 1 || expr.children[0].kind != ir::ExprKind::Literal ||
          expr.children[0].value.kind != ast::Value::Kind::String) {
        *why = "argument `" + std::string(name) + "`: the secret's name must be a constant string";
        return std::nullopt;
      }
      const std::string& secret = expr.children[0].value.string_value;
      const char* value = std::getenv(secret.c_str());
      if (!value) {
        *why = "argument `" + std::string(name) + "`: secret `" + secret + "` is not set (environment variable `" +
               secret + "`)";
        return std::nullopt;
      }
      return std::string(value);
    }
    if (expr.kind == ir::ExprKind::Param && expr.type && expr.type->kind == ast::TypeKind::Secret) {
      auto param = eval.params.find(expr.name);
      if (param == eval.params.end() || param->second.kind != ast::Value::Kind::String) {
        *why = "argument `" + std::string(name) + "`: secret param `" + expr.name + "` has no value";
        return std::nullopt;
      }
      return param->second.string_value;
    }
  }
  std::string problem;
  std::optional<ast::Value> value = EvaluateArg(*found, eval, &problem);
  if (!value) {
    *why = "argument `" + std::string(name) + "`: " + problem;
    return std::nullopt;
  }
  if (value->kind != ast::Value::Kind::String) {
    *why = "argument `" + std::string(name) + "` must be a string";
    return std::nullopt;
  }
  return value->string_value;
}

// The `mode:` argument: "append" / "replace", or {"$call": "upsert", "keys": [..]}.
bool ParseMode(const ir::Node& node, DbSinkOptions& options, std::string* why) {
  const ir::StepArg* found = nullptr;
  for (const ir::StepArg& arg : node.args) {
    if (arg.name == "mode") found = &arg;
  }
  if (!found || !found->value || found->value->kind == ast::Value::Kind::Null) return true;  // append
  const ast::Value& value = *found->value;
  std::string name;
  const ast::Value* keys = nullptr;
  if (value.kind == ast::Value::Kind::String) {
    name = value.string_value;
  } else if (value.kind == ast::Value::Kind::Record) {
    for (const auto& [field, item] : value.fields) {
      if (field == "$call" && item.kind == ast::Value::Kind::String) name = item.string_value;
      else if (field == "keys" || field == "0") keys = &item;
    }
  }
  if (name == "append") {
    options.mode = DbWriteMode::Append;
  } else if (name == "replace") {
    options.mode = DbWriteMode::Replace;
  } else if (name == "upsert" || name == "scd2") {
    if (name == "scd2" && node.step != "postgres") {
      *why = "argument `mode`: `scd2` is only available for `postgres`";
      return false;
    }
    options.mode = name == "upsert" ? DbWriteMode::Upsert : DbWriteMode::Scd2;
    if (!keys || keys->kind != ast::Value::Kind::List || keys->items.empty()) {
      *why = "argument `mode`: `" + name + "` needs its key fields: `" + name + "(keys: [\"id\"])`";
      return false;
    }
    for (const ast::Value& key : keys->items) {
      if (key.kind != ast::Value::Kind::String) {
        *why = "argument `mode`: the keys of `" + name + "` must be field names";
        return false;
      }
      options.keys.push_back(key.string_value);
    }
  } else {
    *why = "argument `mode`: unknown write mode `" + name + "`";
    return false;
  }
  return true;
}

}  // namespace

BoundSink BindDatabaseSink(const ir::Node& node, const IoBindContext& ctx, std::string* error) {
  BoundSink bound;
  auto fail = [&](const std::string& message) {
    if (error) *error = "`" + node.id + "`: " + message;
    return BoundSink{};
  };
  if (node.step != "sqlite" && node.step != "postgres") return fail("sink `" + node.step + "` is not a database sink");
  TypeRef schema = node.inputs.empty() ? nullptr : node.inputs[0].type;
  if (!schema || node.inputs.size() != 1 || schema->kind != ast::TypeKind::Record) {
    return fail("a sink needs exactly one record input");
  }
  std::string why;
  const bool sqlite = node.step == "sqlite";
  std::optional<std::string> location = StringArg(node, sqlite ? "path" : "url", ctx.eval, &why);
  if (!location) return fail(why);
  std::optional<std::string> table = StringArg(node, "table", ctx.eval, &why);
  if (!table) return fail(why);
  if (table->empty()) return fail("argument `table` must not be empty");
  DbSinkOptions options;
  options.table = *table;
  if (!ParseMode(node, options, &why)) return fail(why);
  for (const std::string& key : options.keys) {
    if (schema->FieldIndex(key) < 0) return fail("argument `mode`: key `" + key + "` is not a field of the input");
  }
  if (options.mode == DbWriteMode::Scd2) {
    for (const char* column : {kValidFrom, kValidTo}) {
      if (schema->FieldIndex(column) >= 0) {
        return fail("argument `mode`: `scd2` adds the column `" + std::string(column) +
                    "`, which is already a field of the input");
      }
    }
  }
  options.now_us = ctx.eval.now_us;
  options.durability = ctx.durability;
  options.durability.step = node.id;  // the staging table and progress row are per node
  bound.spec = node.step;
  if (sqlite) {
    if (location->empty()) return fail("argument `path` must not be empty");
    bound.sink = MakeSqliteSink(schema, *location, std::move(options));
  } else {
    bound.sink = MakePostgresSink(schema, *location, std::move(options), &why);
    if (!bound.sink) return fail(why);
  }
  bound.target = static_cast<DbSink&>(*bound.sink).target();
  return bound;
}

}  // namespace etl::runtime
