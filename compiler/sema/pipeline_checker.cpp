// Pipelines: settings, bindings, chains of operators, step binding against stdlib specs,
// ports, and the DAG checks (unknown steps and ports, cycles, flows without a sink,
// union and join schemas, unused steps).
#include <fmt/format.h>

#include "compiler/sema/checker.h"
#include "compiler/sema/cron.h"

namespace etl::sema {

using ast::OpKind;
using ast::TypeKind;
using diag::Code;
using Mode = ExprEnv::Mode;

namespace {

std::string Quoted(const TypeRef& type) { return "`" + ast::ToString(type) + "`"; }

// Replaces or appends a field (derive, explode).
void SetField(std::vector<ast::Field>& fields, const std::string& name, TypeRef type) {
  for (auto& field : fields) {
    if (field.name == name) {
      field.type = std::move(type);
      field.has_default = false;
      return;
    }
  }
  fields.push_back({name, std::move(type), false});
}

// The first difference between two record types, for union and given diagnostics.
std::string FirstDifference(const TypeRef& want, const TypeRef& have) {
  for (size_t i = 0; i < want->fields.size() && i < have->fields.size(); ++i) {
    if (want->fields[i].name != have->fields[i].name && have->FindField(want->fields[i].name) &&
        want->fields.size() == have->fields.size()) {
      return fmt::format("field {} is `{}` here but `{}` in the first stream (fields are matched by position)", i + 1,
                         have->fields[i].name, want->fields[i].name);
    }
  }
  for (const auto& field : want->fields) {
    const ast::Field* other = have->FindField(field.name);
    if (!other) return fmt::format("field `{}` is missing", field.name);
    if (!ast::SameType(ast::Unnamed(field.type), ast::Unnamed(other->type))) {
      return fmt::format("field `{}` is {} here but {} in the first stream", field.name, Quoted(other->type),
                         Quoted(field.type));
    }
  }
  for (const auto& field : have->fields) {
    if (!want->FindField(field.name)) return fmt::format("field `{}` is not in the first stream", field.name);
  }
  return "";
}

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
        bound.value = ParseDefault(param.default_value);
        if (auto t = ast::ParseType(param.type)) bound.type = *t;
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

namespace {

// Checks one pipeline body; owns the state of the DAG walk.
class PipelineChecker {
 public:
  PipelineChecker(Checker& checker, PipelineInfo& info, const ModuleScope& scope)
      : c_(checker), info_(info), scope_(scope) {}

  void Run() {
    ast::PipelineDecl& p = *info_.decl;
    errors_before_ = c_.program_.diagnostics.ErrorCount();
    CheckSettings(p);
    for (auto& statement : p.statements) {
      if (statement.kind != ast::Statement::Kind::Binding) continue;
      auto [it, inserted] = info_.steps.emplace(statement.name.text, StepInfo{});
      if (!inserted) {
        auto& d = c_.Report(Code::DuplicateStep, statement.name.range,
                            fmt::format("step `{}` is defined twice in pipeline `{}`", statement.name.text, p.name.text));
        d.notes.push_back({"the first definition is here", it->second.statement->name.range});
        continue;
      }
      it->second.statement = &statement;
    }
    bool any_sink = false;
    for (auto& statement : p.statements) {
      if (statement.kind == ast::Statement::Kind::Binding) {
        auto it = info_.steps.find(statement.name.text);
        if (it != info_.steps.end() && it->second.statement == &statement) {
          Ensure(it->second);
          any_sink |= it->second.is_sink;
        }
      } else if (statement.kind == ast::Statement::Kind::Flow) {
        StepInfo flow;
        flow.statement = &statement;
        CheckChain(statement.chain, flow);
        any_sink |= flow.is_sink;
        if (!flow.is_sink && !HasErrors(flow)) {
          auto& d = c_.Report(Code::FlowWithoutSink, statement.chain.range,
                              "this flow does not end in a sink, so its records go nowhere");
          d.notes.push_back({"write them somewhere: `| into jsonl(\"out.jsonl\")`, or name the step: `name = ...`", {}});
        }
      }
    }
    // Completeness checks (unused steps, no sink) only make sense once the pipeline is
    // otherwise correct: after an error they are usually its echo.
    bool clean = c_.program_.diagnostics.ErrorCount() == errors_before_ && !c_.ScopeOf(p).module->has_syntax_errors;
    for (auto& [name, step] : info_.steps) {
      if (!clean) break;
      if (!step.used && !step.is_sink && step.statement) {
        c_.Report(Code::UnusedStep, step.statement->name.range,
                  fmt::format("step `{}` is never used", name))
            .notes.push_back({"send it somewhere (`| into ...`) or remove it", {}});
      }
    }
    if (!any_sink && !p.name.Empty() && clean) {
      c_.Report(Code::EmptyPipeline, p.name.range, fmt::format("pipeline `{}` has no flow that ends in a sink", p.name.text))
          .notes.push_back({"add one, e.g. `from csv(\"in.csv\", schema: S) | into stdout()`", {}});
    }
  }

 private:
  bool HasErrors(const StepInfo& step) const { return step.main && ast::IsError(step.main); }

  void Ensure(StepInfo& step) {
    if (step.checked || step.checking) return;
    step.checking = true;
    stack_.push_back(step.statement->name.text);
    CheckChain(step.statement->chain, step);
    stack_.pop_back();
    step.checking = false;
    step.checked = true;
  }

  // The type of `step` or `step.port`; reports unknown steps, ports and cycles.
  TypeRef Resolve(ast::StreamRef& ref) {
    auto it = info_.steps.find(ref.step.text);
    if (it == info_.steps.end()) {
      auto& d = c_.Report(Code::UnknownStep, ref.step.range, fmt::format("unknown step `{}`", ref.step.text));
      std::vector<std::string> names;
      for (const auto& [n, s] : info_.steps) names.push_back(n);
      diag::SuggestName(d, ref.step.text, names);
      return ast::ErrorType();
    }
    StepInfo& step = it->second;
    step.used = true;
    if (step.checking) {
      std::string path;
      bool on = false;
      for (const auto& s : stack_) {
        on |= s == ref.step.text;
        if (on) path += s + " -> ";
      }
      path += ref.step.text;
      auto& d = c_.Report(Code::PipelineCycle, ref.step.range,
                          fmt::format("steps form a cycle: {}", path));
      d.notes.push_back({"a pipeline is a DAG: a step cannot consume its own output", {}});
      return ast::ErrorType();
    }
    Ensure(step);
    if (!ref.port) {
      if (!step.main) {
        auto& d = c_.Report(Code::UnknownPort, ref.range,
                            fmt::format("route `{}` has no main output; use one of its ports", ref.step.text));
        std::string ports;
        for (const auto& [port, t] : step.ports) {
          if (port != "errors") ports += (ports.empty() ? "" : ", ") + fmt::format("`{}.{}`", ref.step.text, port);
        }
        d.notes.push_back({"ports: " + ports, {}});
        return ast::ErrorType();
      }
      return step.main;
    }
    auto port = step.ports.find(ref.port->text);
    if (port == step.ports.end()) {
      auto& d = c_.Report(Code::UnknownPort, ref.port->range,
                          fmt::format("step `{}` has no port `{}`", ref.step.text, ref.port->text));
      std::vector<std::string> names;
      for (const auto& [n, t] : step.ports) names.push_back(n);
      diag::SuggestName(d, ref.port->text, names);
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      d.notes.push_back({fmt::format("ports of `{}`: {}", ref.step.text, list), {}});
      return ast::ErrorType();
    }
    return port->second;
  }

  void CheckChain(ast::Chain& chain, StepInfo& out) {
    TypeRef current = Head(chain.head);
    chain.head.output_type = current;
    std::string head_name = chain.head.kind == ast::Head::Kind::Ref && !chain.head.refs.empty()
                                ? chain.head.refs[0].step.text
                                : "";
    binding_name_ = out.statement && out.statement->kind == ast::Statement::Kind::Binding ? out.statement->name.text : "";
    out.ports.clear();
    out.ports["errors"] = stdlib::ErrorsType();
    out.is_sink = false;
    for (size_t i = 0; i < chain.ops.size(); ++i) {
      ast::Op& op = chain.ops[i];
      op.input_type = current;
      if (out.is_sink == false && i > 0 && chain.ops[i - 1].kind == OpKind::Route) {
        c_.Report(Code::StepKindMisuse, op.keyword_range,
                  "`route` splits records into ports; continue from one of them (`name.port | ...`)");
        current = ast::ErrorType();
      }
      out.is_sink = false;
      current = Op(op, current, out, head_name);
      op.output_type = current;
    }
    out.main = current;
    if (!chain.ops.empty() && chain.ops.back().kind == OpKind::Route) out.main = nullptr;
    if (out.is_sink) out.ports["done"] = current;
  }

  TypeRef Head(ast::Head& head) {
    switch (head.kind) {
      case ast::Head::Kind::From:
        return head.source ? c_.BindStep(*head.source, stdlib::StepKind::Source, nullptr, scope_) : ast::ErrorType();
      case ast::Head::Kind::Ref:
        return head.refs.empty() ? ast::ErrorType() : Resolve(head.refs[0]);
      case ast::Head::Kind::Union: {
        TypeRef first;
        for (auto& ref : head.refs) {
          TypeRef type = Resolve(ref);
          if (ast::IsError(type)) return ast::ErrorType();
          if (!first) {
            first = type;
            continue;
          }
          std::string difference = FirstDifference(first, type);
          if (!difference.empty()) {
            auto& d = c_.Report(Code::UnionSchemaMismatch, ref.range,
                                fmt::format("`union` needs streams with the same fields: `{}` differs from `{}`",
                                            ref.ToString(), head.refs[0].ToString()));
            d.notes.push_back({difference, {}});
            d.notes.push_back({"align them first with `select` or `derive`", {}});
            return ast::ErrorType();
          }
        }
        if (head.refs.size() < 2 && !head.refs.empty()) {
          c_.Report(Code::UnionSchemaMismatch, head.range, "`union` needs at least two streams");
        }
        return first ? first : ast::ErrorType();
      }
    }
    return ast::ErrorType();
  }

  ExprEnv RowEnv(const TypeRef& input, const ast::Op& op) {
    ExprEnv env;
    env.mode = Mode::Row;
    env.scope = &scope_;
    env.input = input;
    env.input_what = fmt::format("the input of `{}`", ast::Spelling(op.kind));
    return env;
  }

  TypeRef Op(ast::Op& op, const TypeRef& input, StepInfo& out, const std::string& head_name) {
    bool sink_like = op.kind == OpKind::Into;
    if (ast::IsError(input) && op.kind != OpKind::Join) {
      // The input already failed: skip the op's expressions to avoid cascades, but still
      // resolve references so unknown steps are reported.
      if (sink_like) out.is_sink = true;
      return sink_like ? stdlib::DoneType() : ast::ErrorType();
    }
    ExprEnv env = RowEnv(input, op);
    switch (op.kind) {
      case OpKind::Filter: {
        if (!op.expr) return ast::ErrorType();
        c_.CheckCondition(*op.expr, env, "the condition of `filter`");
        auto narrowed = NonNullFields(*op.expr);
        if (narrowed.empty()) return input;
        std::vector<ast::Field> fields = input->fields;
        for (auto& field : fields) {
          if (narrowed.count(field.name)) field.type = ast::WithNullable(field.type, false);
        }
        return ast::RecordType(std::move(fields), input->name);
      }
      case OpKind::Derive: {
        std::vector<ast::Field> fields = input->fields;
        for (auto& assignment : op.assignments) {
          if (!assignment.value) continue;
          env.input = ast::RecordType(fields);
          TypeRef type = c_.Check(*assignment.value, env);
          SetField(fields, assignment.name.text, FieldType(*assignment.value, type, assignment.name.text));
        }
        return ast::RecordType(std::move(fields));
      }
      case OpKind::Select: {
        std::vector<ast::Field> fields;
        std::set<std::string> seen;
        for (auto& item : op.assignments) {
          TypeRef type;
          if (!item.value) {
            const ast::Field* field = input->FindField(item.name.text);
            if (!field) {
              auto& d = c_.Report(Code::UnknownField, item.name.range, fmt::format("unknown field `{}`", item.name.text));
              diag::SuggestName(d, item.name.text, input->FieldNames());
              continue;
            }
            type = field->type;
          } else {
            type = FieldType(*item.value, c_.Check(*item.value, env), item.name.text);
          }
          if (!seen.insert(item.name.text).second) {
            c_.Report(Code::DuplicateField, item.name.range,
                      fmt::format("`select` lists `{}` twice", item.name.text));
            continue;
          }
          fields.push_back({item.name.text, type, false});
        }
        return ast::RecordType(std::move(fields));
      }
      case OpKind::Drop: {
        std::vector<ast::Field> fields = input->fields;
        for (auto& name : op.names) {
          auto it = std::find_if(fields.begin(), fields.end(), [&](const ast::Field& f) { return f.name == name.text; });
          if (it == fields.end()) {
            auto& d = c_.Report(Code::UnknownField, name.range, fmt::format("unknown field `{}`", name.text));
            diag::SuggestName(d, name.text, input->FieldNames());
            continue;
          }
          fields.erase(it);
        }
        return ast::RecordType(std::move(fields));
      }
      case OpKind::Rename: {
        std::vector<ast::Field> fields = input->fields;
        for (auto& item : op.renames) {
          auto it = std::find_if(fields.begin(), fields.end(), [&](const ast::Field& f) { return f.name == item.from.text; });
          if (it == fields.end()) {
            auto& d = c_.Report(Code::UnknownField, item.from.range, fmt::format("unknown field `{}`", item.from.text));
            diag::SuggestName(d, item.from.text, input->FieldNames());
            continue;
          }
          if (item.from.text != item.to.text &&
              std::any_of(fields.begin(), fields.end(), [&](const ast::Field& f) { return f.name == item.to.text; })) {
            c_.Report(Code::DuplicateField, item.to.range,
                      fmt::format("cannot rename `{}` to `{}`: a field `{}` already exists", item.from.text, item.to.text,
                                  item.to.text))
                .notes.push_back({fmt::format("drop it first: `| drop {}`", item.to.text), {}});
            continue;
          }
          it->name = item.to.text;
        }
        return ast::RecordType(std::move(fields));
      }
      case OpKind::Route: {
        std::set<std::string> seen;
        bool else_seen = false;
        if (op.branches.empty()) c_.Report(Code::InvalidRoute, op.keyword_range, "`route` needs at least one branch");
        for (size_t i = 0; i < op.branches.size(); ++i) {
          auto& branch = op.branches[i];
          if (!seen.insert(branch.name.text).second || branch.name.text == "errors") {
            c_.Report(Code::InvalidRoute, branch.name.range,
                      branch.name.text == "errors" ? std::string("`errors` is the error port of every step; name this branch otherwise")
                                                   : fmt::format("branch `{}` appears twice", branch.name.text));
          }
          bool later_else = false;
          for (size_t j = i + 1; j < op.branches.size(); ++j) later_else |= !op.branches[j].condition;
          if (!branch.condition) {
            if (else_seen || (i + 1 != op.branches.size() && !later_else)) {
              c_.Report(Code::InvalidRoute, branch.range,
                        else_seen ? std::string("`route` can have only one `else` branch")
                                  : std::string("the `else` branch must come last: branches are tried in order"));
            }
            else_seen = true;
          } else {
            c_.CheckCondition(*branch.condition, env, fmt::format("the condition of branch `{}`", branch.name.text));
          }
          out.ports[branch.name.text] = input;
        }
        return input;
      }
      case OpKind::Explode: {
        if (!op.expr || op.names.empty()) return ast::ErrorType();
        TypeRef list = c_.Check(*op.expr, env);
        if (ast::IsError(list)) return ast::ErrorType();
        if (list->kind != TypeKind::List) {
          c_.Report(Code::NotAList, op.expr->range,
                    fmt::format("`explode` needs a list, found {}", Quoted(list)));
          return ast::ErrorType();
        }
        std::vector<ast::Field> fields = input->fields;
        TypeRef element = list->element && !ast::IsError(list->element) ? list->element : ast::JsonType();
        SetField(fields, op.names[0].text, element);
        return ast::RecordType(std::move(fields));
      }
      case OpKind::Aggregate: return Aggregate(op, input, env);
      case OpKind::Dedup: {
        for (auto& key : op.exprs) {
          TypeRef type = c_.Check(*key, env);
          if (!ast::IsError(type) && !ast::IsHashable(type)) {
            c_.Report(Code::NotOrderable, key->range, fmt::format("cannot deduplicate by a {}", Quoted(type)));
          }
        }
        return input;
      }
      case OpKind::Sort: {
        for (auto& key : op.sort_keys) {
          if (!key.expr) continue;
          TypeRef type = c_.Check(*key.expr, env);
          if (!ast::IsError(type) && !ast::IsOrderable(type)) {
            c_.Report(Code::NotOrderable, key.expr->range, fmt::format("values of type {} cannot be sorted", Quoted(type)));
          }
        }
        return input;
      }
      case OpKind::Take: return input;
      case OpKind::Join: return Join(op, input, head_name);
      case OpKind::Validate: {
        for (auto& rule : op.rules) {
          if (rule.condition) c_.CheckCondition(*rule.condition, env, "a `validate` rule");
        }
        return input;
      }
      case OpKind::Into: {
        out.is_sink = true;
        if (op.call) c_.BindStep(*op.call, stdlib::StepKind::Sink, input, scope_);
        return stdlib::DoneType();
      }
      case OpKind::Call: {
        if (!op.call) return ast::ErrorType();
        // A sink step called without `into` still ends the flow.
        if (!stdlib::FindStep(op.call->callee.name.text, stdlib::StepKind::Transform) &&
            stdlib::FindStep(op.call->callee.name.text, stdlib::StepKind::Sink)) {
          c_.Report(Code::StepKindMisuse, op.call->callee.range,
                    fmt::format("`{}` is a sink; write `| into {}(...)`", op.call->callee.name.text,
                                op.call->callee.name.text));
          out.is_sink = true;
          return stdlib::DoneType();
        }
        return c_.BindStep(*op.call, stdlib::StepKind::Transform, input, scope_);
      }
    }
    return ast::ErrorType();
  }

  // The type stored in a record field: secrets and untyped nulls cannot be stored.
  TypeRef FieldType(const ast::Expr& value, const TypeRef& type, const std::string& name) {
    if (type->kind == TypeKind::Secret) {
      c_.Report(Code::SecretLeak, value.range,
                fmt::format("field `{}` would hold a `secret`; secrets never flow into records", name));
      return ast::ErrorType();
    }
    if (type->kind == TypeKind::Null) {
      c_.Report(Code::InvalidType, value.range,
                fmt::format("field `{}` would have no type (it is always `null`); give it one, e.g. `string(null)`", name));
      return ast::ErrorType();
    }
    return type;
  }

  TypeRef Aggregate(ast::Op& op, const TypeRef& input, ExprEnv& env) {
    std::vector<ast::Field> keys;
    for (auto& key : op.keys) {
      if (!key.value) continue;
      TypeRef type = c_.Check(*key.value, env);
      std::string name = key.name.text;
      if (name.empty()) {
        if (key.value->kind == ast::ExprKind::NameRef && key.value->ref.kind == ast::RefKind::Field) {
          name = key.value->text;
          key.name.text = name;
        } else if (!ast::IsError(type)) {
          c_.Report(Code::UnnamedAggregateKey, key.value->range,
                    fmt::format("name this key: `by key = {}`", c_.Text(key.value->range)));
          continue;
        } else {
          continue;
        }
      }
      if (!ast::IsError(type) && !ast::IsHashable(type)) {
        c_.Report(Code::NotOrderable, key.value->range, fmt::format("cannot group by a {}", Quoted(type)));
      }
      keys.push_back({name, FieldType(*key.value, type, name), false});
    }
    std::vector<ast::Field> fields = keys;
    if (op.call) {
      TypeRef window = c_.BindStep(*op.call, stdlib::StepKind::Window, input, scope_, &env);
      if (!ast::IsError(window)) {
        for (const auto& field : window->fields) fields.push_back(field);
      }
    }
    ExprEnv agg = env;
    agg.mode = Mode::Aggregate;
    agg.keys = &keys;
    std::set<std::string> seen;
    for (const auto& field : fields) seen.insert(field.name);
    for (auto& output : op.assignments) {
      if (!output.value) continue;
      TypeRef type = c_.Check(*output.value, agg);
      if (!seen.insert(output.name.text).second) {
        c_.Report(Code::DuplicateField, output.name.range,
                  fmt::format("`{}` is already a field of the aggregate's output", output.name.text));
        continue;
      }
      fields.push_back({output.name.text, FieldType(*output.value, type, output.name.text), false});
    }
    if (op.assignments.empty() && keys.empty()) {
      c_.Report(Code::NotAggregate, op.keyword_range, "`aggregate` needs keys (`by k`) or outputs (`{ n = count() }`)");
    }
    return ast::RecordType(std::move(fields));
  }

  TypeRef Join(ast::Op& op, const TypeRef& left, const std::string& head_name) {
    TypeRef right = Resolve(op.join_with);
    op.right_type = right;
    if (ast::IsError(left) || ast::IsError(right) || !op.expr) return ast::ErrorType();
    ExprEnv env = RowEnv(left, op);
    env.right = right;
    env.right_name = op.join_with.port ? op.join_with.port->text : op.join_with.step.text;
    env.left_name = head_name == env.right_name ? "" : head_name;
    c_.CheckCondition(*op.expr, env, "the condition of `join`");
    // Equality keys with the same name on both sides are kept once (from the left).
    std::set<std::string> shared_keys;
    CollectSharedKeys(*op.expr, shared_keys);
    std::vector<ast::Field> fields = left->fields;
    for (const auto& field : right->fields) {
      if (shared_keys.count(field.name)) continue;
      if (left->FindField(field.name)) {
        std::string left_name = !head_name.empty()      ? "`" + head_name + "`"
                                : !binding_name_.empty() ? "the left input of `" + binding_name_ + "`"
                                                         : std::string("the left input");
        auto& d = c_.Report(Code::JoinFieldClash, op.keyword_range,
                            fmt::format("field `{}` is in both {} and `{}`", field.name, left_name,
                                        op.join_with.ToString()));
        d.notes.push_back({fmt::format("rename one side first, e.g. `| rename {} as {}_{}` on `{}`", field.name,
                                       op.join_with.step.text, field.name, op.join_with.ToString()),
                           {}});
        continue;
      }
      fields.push_back({field.name, op.left_join ? ast::WithNullable(field.type, true) : field.type, false});
    }
    return ast::RecordType(std::move(fields));
  }

  static void CollectSharedKeys(const ast::Expr& e, std::set<std::string>& keys) {
    if (e.kind == ast::ExprKind::Paren && !e.children.empty()) return CollectSharedKeys(*e.children[0], keys);
    if (e.kind != ast::ExprKind::Binary || e.children.size() != 2) return;
    if (e.binary_op == ast::BinaryOp::And) {
      CollectSharedKeys(*e.children[0], keys);
      CollectSharedKeys(*e.children[1], keys);
      return;
    }
    if (e.binary_op != ast::BinaryOp::Eq) return;
    const ast::Expr& a = *e.children[0];
    const ast::Expr& b = *e.children[1];
    auto field = [](const ast::Expr& x, int& side) -> std::string {
      if ((x.kind == ast::ExprKind::NameRef || x.kind == ast::ExprKind::FieldAccess) && x.ref.kind == ast::RefKind::Field) {
        side = x.ref.side;
        return x.text;
      }
      return "";
    };
    int sa = -1, sb = -1;
    std::string na = field(a, sa), nb = field(b, sb);
    if (!na.empty() && na == nb && sa != sb) keys.insert(na);
  }

  void CheckSettings(ast::PipelineDecl& p) {
    std::map<ast::SettingKind, const ast::Setting*> seen;
    for (auto& statement : p.statements) {
      if (statement.kind != ast::Statement::Kind::Setting) continue;
      ast::Setting& s = statement.setting;
      bool repeatable = s.kind == ast::SettingKind::After || s.kind == ast::SettingKind::Trigger;
      ast::SettingKind family = s.kind == ast::SettingKind::ScheduleEvery ? ast::SettingKind::Schedule : s.kind;
      if (!repeatable) {
        auto [it, inserted] = seen.emplace(family, &s);
        if (!inserted) {
          c_.Report(Code::DuplicateSetting, s.range, fmt::format("`{}` is set twice", ast::Spelling(family)))
              .notes.push_back({"the first one is here", it->second->range});
          continue;
        }
      }
      switch (s.kind) {
        case ast::SettingKind::Schedule: {
          std::string error = ValidateCron(s.text);
          if (!error.empty()) {
            c_.Report(Code::InvalidSetting, s.text_range, fmt::format("invalid cron schedule \"{}\": {}", s.text, error))
                .notes.push_back({"five fields: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\"", {}});
          }
          break;
        }
        case ast::SettingKind::ScheduleEvery:
        case ast::SettingKind::Timeout:
          if (s.duration_us <= 0) c_.Report(Code::InvalidSetting, s.range, "the duration must be positive");
          break;
        case ast::SettingKind::After:
          for (auto& target : s.after) {
            for (auto& name : target.pipelines) {
              const ast::Decl* decl = scope_.Lookup(name.text);
              if (!decl || decl->kind != ast::DeclKind::Pipeline) {
                auto& d = c_.Report(Code::UnknownPipeline, name.range, fmt::format("unknown pipeline `{}`", name.text));
                std::vector<std::string> names;
                for (const auto& n : scope_.Names()) {
                  if (const ast::Decl* x = scope_.Lookup(n); x && x->kind == ast::DeclKind::Pipeline) names.push_back(n);
                }
                diag::SuggestName(d, name.text, names);
              } else if (decl == &p) {
                c_.Report(Code::InvalidSetting, name.range, fmt::format("pipeline `{}` cannot run after itself", name.text));
              }
            }
          }
          break;
        case ast::SettingKind::Trigger:
          if (s.trigger) c_.BindStep(*s.trigger, stdlib::StepKind::Trigger, nullptr, scope_);
          break;
        case ast::SettingKind::Retry:
          if (s.number < 0) c_.Report(Code::InvalidSetting, s.range, "`retry` needs a count of 0 or more");
          break;
        case ast::SettingKind::MaxErrors:
          break;
        case ast::SettingKind::Persist:
          if (s.mode.text != "disk" && s.mode.text != "memory") {
            auto& d = c_.Report(Code::InvalidSetting, s.mode.range,
                                fmt::format("`persist` is `disk` or `memory`, not `{}`", s.mode.text));
            diag::SuggestName(d, s.mode.text, {"disk", "memory"});
          }
          break;
        case ast::SettingKind::Jit:
          if (s.mode.text != "on" && s.mode.text != "off" && s.mode.text != "auto") {
            auto& d = c_.Report(Code::InvalidSetting, s.mode.range,
                                fmt::format("`jit` is `on`, `off` or `auto`, not `{}`", s.mode.text));
            diag::SuggestName(d, s.mode.text, {"on", "off", "auto"});
          }
          break;
        case ast::SettingKind::Concurrency:
          if (s.number < 1) {
            c_.Report(Code::InvalidSetting, s.text_range.Valid() ? s.text_range : s.range,
                      "`concurrency` must be at least 1");
          }
          break;
      }
    }
  }

  Checker& c_;
  PipelineInfo& info_;
  const ModuleScope& scope_;
  std::vector<std::string> stack_;
  size_t errors_before_ = 0;
  std::string binding_name_;  // the binding whose chain is being checked ("" for a flow)
};

}  // namespace

void Checker::CheckPipeline(ast::PipelineDecl& pipeline) {
  PipelineInfo& info = pipelines_[fmt::format("{}#{}", pipeline.name.text, static_cast<const void*>(&pipeline))];
  info.decl = &pipeline;
  PipelineChecker(*this, info, ScopeOf(pipeline)).Run();
}

}  // namespace etl::sema
