// Pipelines: bindings, chains of operators and their output schemas, ports, and the DAG
// checks (unknown steps and ports, cycles, flows without a sink, union and join schemas,
// unused steps). Settings: settings_checker.cpp; step calls: step_binding.cpp.
#include <fmt/format.h>

#include "compiler/sema/checker.h"

namespace etl::sema {

using ast::OpKind;
using ast::TypeKind;
using diag::Code;
using Mode = ExprEnv::Mode;

namespace {

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

// Checks one pipeline body; owns the state of the DAG walk.
class PipelineChecker {
 public:
  PipelineChecker(Checker& checker, PipelineInfo& info, const ModuleScope& scope)
      : c_(checker), info_(info), scope_(scope) {}

  void Run() {
    ast::PipelineDecl& p = *info_.decl;
    errors_before_ = c_.program_.diagnostics.ErrorCount();
    c_.CheckSettings(p, scope_);
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
