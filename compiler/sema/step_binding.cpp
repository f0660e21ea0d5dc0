// Binding a step call (`csv("in.csv", schema: Order)`) against its stdlib spec: the step
// kind, positional and named arguments, parameter types and special spellings (schema,
// field, fields, mode), secrets, defaults, and finally the spec's typing rule.
#include <fmt/format.h>

#include "compiler/sema/checker.h"

namespace etl::sema {

using ast::TypeKind;
using diag::Code;
using Mode = ExprEnv::Mode;

namespace {

// Parses a spec default spelling into a value (strings, numbers, booleans, null).
std::optional<ast::Value> ParseDefault(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (text == "true" || text == "false") return ast::Value::Bool(text == "true");
  if (text == "null") return ast::Value::Null();
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    std::string out;
    for (size_t i = 1; i + 1 < text.size(); ++i) {
      if (text[i] == '\\' && i + 2 < text.size()) {
        char c = text[++i];
        out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
      } else {
        out += text[i];
      }
    }
    return ast::Value::String(out);
  }
  try {
    size_t used = 0;
    if (text.find_first_of(".eE") == std::string::npos) {
      int64_t v = std::stoll(text, &used);
      if (used == text.size()) return ast::Value::Int(v);
    } else {
      double v = std::stod(text, &used);
      if (used == text.size()) return ast::Value::Float(v);
    }
  } catch (...) {
  }
  return std::nullopt;
}

// A call-shaped option such as `mode: upsert(keys: ["id"])` as a constant:
// a record whose field "$call" names the option and whose other fields are its arguments.
std::optional<ast::Value> FoldOptionCall(Checker& c, const ast::Expr& e) {
  if (e.kind != ast::ExprKind::Call || e.children.empty() || e.children[0]->kind != ast::ExprKind::NameRef) {
    return std::nullopt;
  }
  ast::Value record;
  record.kind = ast::Value::Kind::Record;
  record.fields.emplace_back("$call", ast::Value::String(e.children[0]->text));
  size_t position = 0;
  for (const auto& arg : e.args) {
    if (!arg.value) return std::nullopt;
    auto v = c.Fold(*arg.value);
    if (!v) return std::nullopt;
    record.fields.emplace_back(arg.name ? arg.name->text : std::to_string(position++), std::move(*v));
  }
  return record;
}

bool IsOptionCall(const ast::Expr& e) {
  return e.kind == ast::ExprKind::Call && !e.children.empty() && e.children[0]->kind == ast::ExprKind::NameRef &&
         !stdlib::FindFunction(e.children[0]->text) && !stdlib::FindFunction(e.children[0]->text, true);
}

}  // namespace

TypeRef Checker::BindStep(ast::StepCall& call, stdlib::StepKind kind, const TypeRef& input, const ModuleScope& scope,
                          const ExprEnv* row_env) {
  const std::string& name = call.callee.name.text;
  const stdlib::StepSpec* spec = call.callee.module ? nullptr : stdlib::FindStep(name, kind);
  ExprEnv arg_env;
  arg_env.mode = Mode::Arg;
  arg_env.scope = &scope;
  if (!spec) {
    auto others = call.callee.module ? std::vector<const stdlib::StepSpec*>{} : stdlib::FindSteps(name);
    if (!others.empty()) {
      const auto* other = others.front();
      std::string fix;
      switch (other->kind) {
        case stdlib::StepKind::Source: fix = fmt::format("start a chain with it: `from {}(...)`", name); break;
        case stdlib::StepKind::Sink: fix = fmt::format("write with it: `| into {}(...)`", name); break;
        case stdlib::StepKind::Transform: fix = fmt::format("use it in a chain: `| {}(...)`", name); break;
        case stdlib::StepKind::Trigger: fix = fmt::format("use it in a setting: `on {}(...)`", name); break;
        case stdlib::StepKind::Window: fix = fmt::format("use it in an aggregate: `window {}(...)`", name); break;
      }
      Report(Code::StepKindMisuse, call.callee.range,
             fmt::format("`{}` is a {}, not a {}", name, stdlib::Spelling(other->kind), stdlib::Spelling(kind)))
          .notes.push_back({fix, {}});
    } else {
      auto& d = Report(Code::UnknownStepKind, call.callee.range,
                       fmt::format("unknown {} `{}`", stdlib::Spelling(kind), call.callee.ToString()));
      std::vector<std::string> names;
      for (const auto* step : stdlib::AllSteps()) {
        if (step->kind == kind) names.push_back(step->name);
      }
      diag::SuggestName(d, name, names);
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      d.notes.push_back({fmt::format("available: {}", list), {}});
    }
    // The arguments are not checked: without a spec their meaning is unknown, and
    // reporting them would only add noise to the real mistake.
    return ast::ErrorType();
  }
  call.resolved = spec->name;
  // Match arguments to parameters: positional ones in order, then by name.
  std::vector<ast::Argument*> given(spec->params.size(), nullptr);
  size_t next_positional = 0;
  bool failed = false;
  for (auto& arg : call.args) {
    size_t index = spec->params.size();
    if (arg.name) {
      for (size_t i = 0; i < spec->params.size(); ++i) {
        if (spec->params[i].name == arg.name->text) index = i;
      }
      if (index == spec->params.size()) {
        auto& d = Report(Code::UnknownArgument, arg.name->range,
                         fmt::format("`{}` has no parameter `{}`", name, arg.name->text));
        std::vector<std::string> names;
        for (const auto& p : spec->params) names.push_back(p.name);
        diag::SuggestName(d, arg.name->text, names);
        failed = true;
        continue;
      }
    } else {
      while (next_positional < spec->params.size() &&
             (!spec->params[next_positional].positional || given[next_positional])) {
        ++next_positional;
      }
      if (next_positional >= spec->params.size() || !spec->params[next_positional].positional) {
        Report(Code::TooManyArguments, arg.range,
               fmt::format("too many positional arguments for `{}`; name the argument (`name: value`)", name));
        failed = true;
        continue;
      }
      index = next_positional++;
    }
    if (given[index]) {
      Report(Code::DuplicateArgument, arg.range, fmt::format("argument `{}` is given twice", spec->params[index].name));
      failed = true;
      continue;
    }
    given[index] = &arg;
  }
  stdlib::StepBindContext ctx;
  ctx.step = spec->name;
  ctx.input = input;
  ctx.call_range = call.range;
  ctx.diagnostics = &program_.diagnostics;
  call.bound.clear();
  for (size_t i = 0; i < spec->params.size(); ++i) {
    const stdlib::ParamSpec& param = spec->params[i];
    ast::Argument* arg = given[i];
    if (!arg) {
      if (param.required) {
        auto& d = Report(Code::MissingArgument, call.callee.range,
                         fmt::format("`{}` needs the argument `{}`", name, param.name));
        d.notes.push_back({fmt::format("`{}`: {} ({})", param.name, param.doc, param.type), {}});
        failed = true;
      } else if (!param.default_value.empty()) {
        ast::BoundStepArg bound;
        bound.param = param.name;
        if (param.type == "mode") {  // a bare mode name (`append`), bound like a given one
          bound.value = ast::Value::String(param.default_value);
          bound.type = ast::JsonType();
        } else {
          bound.value = ParseDefault(param.default_value);
          if (auto t = ast::ParseType(param.type)) bound.type = *t;
        }
        call.bound.push_back(std::move(bound));
      }
      continue;
    }
    if (!arg->value) continue;
    ast::Expr& value = *arg->value;
    stdlib::BoundArg bound_arg;
    bound_arg.param = &param;
    bound_arg.range = value.range;
    bound_arg.expr = &value;
    TypeRef type;
    if (param.type == "schema") {
      // A schema name (possibly `alias.Schema`) or an inline record type written as a record literal.
      const ast::Decl* decl = nullptr;
      if (value.kind == ast::ExprKind::NameRef) {
        decl = scope.Lookup(value.text);
      } else if (value.kind == ast::ExprKind::FieldAccess && !value.children.empty() &&
                 value.children[0]->kind == ast::ExprKind::NameRef && scope.aliases.count(value.children[0]->text)) {
        const ModuleScope* target = scope.aliases.at(value.children[0]->text);
        auto it = target->own.find(value.text);
        decl = it == target->own.end() ? nullptr : it->second;
      }
      if (!decl && value.kind == ast::ExprKind::FieldAccess && !value.children.empty() &&
          value.children[0]->kind == ast::ExprKind::NameRef && scope.aliases.count(value.children[0]->text)) {
        const ModuleScope* target = scope.aliases.at(value.children[0]->text);
        auto& d = Report(Code::UnknownImportMember, value.name_range,
                         fmt::format("`{}` has no schema `{}`", value.children[0]->text, value.text));
        std::vector<std::string> schemas;
        for (const auto& [n, x] : target->own) {
          if (x->kind == ast::DeclKind::Schema) schemas.push_back(n);
        }
        diag::SuggestName(d, value.text, schemas);
        failed = true;
        continue;
      }
      if (auto* schema = decl ? const_cast<ast::SchemaDecl*>(decl->As<ast::SchemaDecl>()) : nullptr) {
        used_decls_.insert(decl);
        type = SchemaType(*schema);
        value.ref.kind = ast::RefKind::Schema;
        value.ref.decl = decl;
        value.type = type;
        bound_arg.schema = type;
      } else {
        std::string written = Text(value.range);
        if (!decl && DeclaredButBroken(written)) {
          failed = true;
          continue;
        }
        auto& d = Report(Code::UnknownType, value.range,
                         decl ? fmt::format("`{}` is a {}, not a schema", written, ast::Spelling(decl->kind))
                              : fmt::format("unknown schema `{}`", written));
        std::vector<std::string> schemas;
        for (const auto& n : scope.Names()) {
          if (const ast::Decl* s = scope.Lookup(n); s && s->kind == ast::DeclKind::Schema) schemas.push_back(n);
        }
        diag::SuggestName(d, written, schemas);
        failed = true;
        continue;
      }
    } else if (param.type == "field" || param.type == "fields") {
      // Field names of the input: a bare name (`on: ts`) or strings (`keys: ["id"]`).
      std::vector<ast::Expr*> names;
      if (param.type == "fields" && value.kind == ast::ExprKind::ListLit) {
        for (auto& child : value.children) names.push_back(child.get());
      } else {
        names.push_back(&value);
      }
      ast::Value list;
      list.kind = ast::Value::Kind::List;
      for (ast::Expr* n : names) {
        std::string field;
        if (n->kind == ast::ExprKind::NameRef) field = n->text;
        else if (n->kind == ast::ExprKind::StringLit && n->parts.empty()) field = n->text;
        else {
          Report(Code::TypeMismatch, n->range, fmt::format("`{}` expects a field name", param.name));
          failed = true;
          continue;
        }
        int slot = input ? input->FieldIndex(field) : -1;
        if (slot < 0) {
          if (!input || ast::IsError(input)) continue;
          auto& d = Report(Code::UnknownField, n->range, fmt::format("unknown field `{}`", field));
          diag::SuggestName(d, field, input->FieldNames());
          failed = true;
          continue;
        }
        n->ref.kind = ast::RefKind::Field;
        n->ref.slot = slot;
        n->type = input->fields[static_cast<size_t>(slot)].type;
        if (param.type == "field") type = n->type;
        list.items.push_back(ast::Value::String(field));
      }
      if (param.type == "fields") {
        type = ast::ListType(ast::StringType());
        value.type = type;
        bound_arg.value = list;
      } else if (!list.items.empty()) {
        bound_arg.value = list.items.front();
      }
    } else if (param.type == "mode" || IsOptionCall(value)) {
      // A mode the step interprets: a bare name, a string, or an option call.
      if (value.kind == ast::ExprKind::NameRef) {
        bound_arg.value = ast::Value::String(value.text);
      } else if (value.kind == ast::ExprKind::StringLit && value.parts.empty()) {
        bound_arg.value = ast::Value::String(value.text);
      } else if (value.kind == ast::ExprKind::Call) {
        for (auto& option_arg : value.args) {
          if (option_arg.value) Check(*option_arg.value, arg_env);
        }
        bound_arg.value = FoldOptionCall(*this, value);
      } else {
        Check(value, arg_env);
        bound_arg.value = Fold(value);
      }
      type = ast::JsonType();
      value.type = type;
    } else {
      std::optional<TypeRef> want = param.type == "any" ? std::nullopt : ast::ParseType(param.type);
      const ExprEnv& env = row_env ? *row_env : arg_env;
      if (want) {
        TypeRef checked_type = Check(value, env);
        if (checked_type->kind == TypeKind::Secret) {
          if (!param.secret) {
            Report(Code::SecretLeak, value.range,
                   fmt::format("a `secret` cannot be passed to `{}`: that parameter is not marked secret", param.name));
            failed = true;
          }
          type = checked_type;
        } else {
          // Re-check through CheckAs for the precise mismatch diagnostics.
          size_t before = program_.diagnostics.All().size();
          if (!ast::IsError(checked_type) && !ast::IsAssignable(checked_type, *want)) {
            CheckAs(value, *want, env, fmt::format("argument `{}` of `{}`", param.name, name));
          }
          failed |= program_.diagnostics.All().size() != before;
          type = checked_type;
        }
      } else {
        type = Check(value, env);
        if (type->kind == TypeKind::Secret && !param.secret) {
          Report(Code::SecretLeak, value.range,
                 fmt::format("a `secret` cannot be passed to `{}`: that parameter is not marked secret", param.name));
          failed = true;
        }
      }
      if (ast::IsError(type)) failed = true;
      if (!ast::IsError(type) && type->kind != TypeKind::Secret) bound_arg.value = Fold(value);
    }
    bound_arg.type = type;
    ast::BoundStepArg bound;
    bound.param = param.name;
    bound.expr = &value;
    bound.value = bound_arg.value;
    bound.type = bound_arg.schema ? bound_arg.schema : type;
    call.bound.push_back(std::move(bound));
    ctx.args.push_back(std::move(bound_arg));
  }
  if (failed) return ast::ErrorType();
  if (!spec->output) return input ? input : ast::ErrorType();
  TypeRef output = spec->output(ctx);
  return output ? output : ast::ErrorType();
}

}  // namespace etl::sema
