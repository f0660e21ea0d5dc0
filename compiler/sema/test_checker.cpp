// `test "name" for pipeline { given ...; expect ... }` blocks (language.md §9).
#include <fmt/format.h>

#include "compiler/sema/checker.h"

namespace etl::sema {

using diag::Code;

void Checker::CheckGivenRecords(ast::Expr& expr, const TypeRef& record, const ExprEnv& env, const std::string& step) {
  if (expr.kind != ast::ExprKind::ListLit) {
    TypeRef type = Check(expr, env);
    if (ast::IsError(type) || ast::IsAssignable(type, ast::ListType(record))) return;
    Report(Code::InvalidTestItem, expr.range,
           fmt::format("`given {}` needs a list of records, found `{}`", step, ast::ToString(type)))
        .notes.push_back({fmt::format("write `given {} = [{{...}}, {{...}}]`", step), {}});
    return;
  }
  // Element by element, field by field, so each mistake is reported where it is.
  for (auto& element : expr.children) {
    if (element->kind != ast::ExprKind::RecordLit) {
      CheckAs(*element, record, env, fmt::format("a record given for `{}`", step));
      continue;
    }
    std::set<std::string> present;
    for (auto& field : element->fields) {
      if (!field.value) continue;
      present.insert(field.name.text);
      const ast::Field* want = record->FindField(field.name.text);
      if (!want) {
        auto& d = Report(Code::UnknownField, field.name.range,
                         fmt::format("`{}` has no field `{}`", step, field.name.text));
        diag::SuggestName(d, field.name.text, record->FieldNames());
        Check(*field.value, env);
        continue;
      }
      CheckAs(*field.value, want->type, env, fmt::format("field `{}`", field.name.text));
    }
    for (const auto& field : record->fields) {
      if (present.count(field.name) || field.has_default || field.type->nullable) continue;
      Report(Code::TypeMismatch, element->range,
             fmt::format("this record has no `{}`, which `{}` requires (type `{}`)", field.name, step,
                         ast::ToString(field.type)));
    }
    element->type = record;
  }
  expr.type = ast::ListType(record);
}

void Checker::CheckTest(ast::TestDecl& test) {
  const ModuleScope& scope = ScopeOf(test);
  const ast::Decl* decl = scope.Lookup(test.pipeline.text);
  if (!decl || decl->kind != ast::DeclKind::Pipeline) {
    auto& d = Report(Code::UnknownPipeline, test.pipeline.range, fmt::format("unknown pipeline `{}`", test.pipeline.text));
    std::vector<std::string> names;
    for (const auto& n : scope.Names()) {
      if (const ast::Decl* x = scope.Lookup(n); x && x->kind == ast::DeclKind::Pipeline) names.push_back(n);
    }
    diag::SuggestName(d, test.pipeline.text, names);
    return;
  }
  const PipelineInfo* info = nullptr;
  for (const auto& [key, candidate] : pipelines_) {
    if (candidate.decl == decl) info = &candidate;
  }
  if (!info) return;
  ExprEnv env;
  env.mode = ExprEnv::Mode::Test;
  env.scope = &scope;
  for (const auto& [name, step] : info->steps) {
    env.test_steps.insert(name);
    // A step whose type already failed is an Error stream: no second error about it.
    auto stream = [](const TypeRef& type) { return ast::IsError(type) ? ast::ErrorType() : ast::ListType(type); };
    if (step.main) env.test_streams[name] = stream(step.main);
    for (const auto& [port, type] : step.ports) {
      if (type) env.test_streams[name + "." + port] = stream(type);
    }
  }
  std::vector<std::string> step_names(env.test_steps.begin(), env.test_steps.end());
  auto resolve_stream = [&](ast::StreamRef& ref) -> TypeRef {
    if (!env.test_steps.count(ref.step.text)) {
      auto& d = Report(Code::UnknownStep, ref.step.range,
                       fmt::format("pipeline `{}` has no step `{}`", test.pipeline.text, ref.step.text));
      diag::SuggestName(d, ref.step.text, step_names);
      return ast::ErrorType();
    }
    auto it = env.test_streams.find(ref.ToString());
    if (it == env.test_streams.end()) {
      if (ref.port) {
        auto& d = Report(Code::UnknownPort, ref.port->range,
                         fmt::format("step `{}` has no port `{}`", ref.step.text, ref.port->text));
        std::vector<std::string> ports;
        for (const auto& [k, t] : env.test_streams) {
          if (k.rfind(ref.step.text + ".", 0) == 0) ports.push_back(k.substr(ref.step.text.size() + 1));
        }
        diag::SuggestName(d, ref.port->text, ports);
      } else {
        Report(Code::UnknownPort, ref.range, fmt::format("step `{}` has no main output; name a port", ref.step.text));
      }
      return ast::ErrorType();
    }
    return it->second;
  };
  std::set<std::string> given;
  for (auto& item : test.items) {
    switch (item.kind) {
      case ast::TestItem::Kind::Given: {
        if (!item.expr) break;
        auto it = info->steps.find(item.name.text);
        if (it == info->steps.end()) {
          auto& d = Report(Code::UnknownStep, item.name.range,
                           fmt::format("pipeline `{}` has no step `{}`", test.pipeline.text, item.name.text));
          diag::SuggestName(d, item.name.text, step_names);
          break;
        }
        if (!given.insert(item.name.text).second) {
          Report(Code::InvalidTestItem, item.name.range, fmt::format("`given {}` appears twice", item.name.text));
          break;
        }
        if (it->second.main && ast::IsError(it->second.main)) {
          ExprEnv values;
          values.mode = ExprEnv::Mode::Const;
          values.scope = &scope;
          Check(*item.expr, values);
          break;
        }
        if (!it->second.main || it->second.is_sink) {
          Report(Code::InvalidTestItem, item.name.range,
                 fmt::format("`given` replaces the records a step emits; `{}` is a {}", item.name.text,
                             it->second.is_sink ? "sink" : "route (give its input instead)"));
          break;
        }
        ExprEnv records;
        records.mode = ExprEnv::Mode::Const;
        records.scope = &scope;
        CheckGivenRecords(*item.expr, it->second.main, records, item.name.text);
        break;
      }
      case ast::TestItem::Kind::ExpectRows: {
        resolve_stream(item.stream);
        if (item.expr) {
          ExprEnv count;
          count.mode = ExprEnv::Mode::Const;
          count.scope = &scope;
          CheckAs(*item.expr, ast::IntType(), count, "a row count");
        }
        break;
      }
      case ast::TestItem::Kind::ExpectEmpty:
        resolve_stream(item.stream);
        break;
      case ast::TestItem::Kind::Expect:
        if (item.expr) {
          TypeRef type = Check(*item.expr, env);
          if (!ast::IsError(type) && type->kind != ast::TypeKind::Bool) {
            Report(Code::NotBool, item.expr->range,
                   fmt::format("`expect` needs a `bool` condition, found `{}`", ast::ToString(type)))
                .notes.push_back({"compare it: `expect step[0].field == value`", {}});
          }
        }
        break;
    }
  }
}

}  // namespace etl::sema
