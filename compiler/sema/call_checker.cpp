// Calls: user fns (arguments bound by position or name, recursion) and stdlib functions
// (typed by their specs, aggregates only in `aggregate`, the nullability protocol of spec.h).
#include <fmt/format.h>

#include "compiler/sema/expr_checker.h"

namespace etl::sema {

using ast::BinaryOp;
using ast::Expr;
using ast::ExprKind;
using ast::TypeKind;
using diag::Code;
using Mode = ExprEnv::Mode;

TypeRef ExprChecker::Call(Expr& e) {
  if (e.children.empty()) return ast::ErrorType();
  Expr& callee = *e.children[0];
  std::string name;
  const ModuleScope* scope = env_.scope;
  diag::SourceRange name_range = callee.range;
  if (callee.kind == ExprKind::NameRef) {
    name = callee.text;
  } else if (callee.kind == ExprKind::FieldAccess && !callee.children.empty() &&
             callee.children[0]->kind == ExprKind::NameRef && env_.scope->aliases.count(callee.children[0]->text)) {
    scope = env_.scope->aliases.at(callee.children[0]->text);
    callee.children[0]->ref.kind = ast::RefKind::Module;
    name = callee.text;
    name_range = callee.name_range;
  } else {
    Check(callee);
    c_.Report(Code::NotCallable, callee.range, "only functions can be called");
    for (auto& arg : e.args) {
      if (arg.value) Check(*arg.value);
    }
    return ast::ErrorType();
  }
  callee.type = ast::ErrorType();
  if (callee.kind == ExprKind::NameRef) {
    bool is_field = env_.input && (env_.mode == Mode::Row || env_.mode == Mode::Aggregate) &&
                    env_.input->FieldIndex(name) >= 0;
    bool is_fn_param = false;
    if (env_.fn) {
      for (const auto& p : env_.fn->params) is_fn_param |= p.name.text == name;
    }
    if (is_field || is_fn_param) {
      c_.Report(Code::NotCallable, callee.range,
                fmt::format("`{}` is a {}, not a function", name, is_field ? "field" : "parameter"));
      for (auto& arg : e.args) {
        if (arg.value) Check(*arg.value);
      }
      return ast::ErrorType();
    }
  }
  // A user fn (local or imported) first; then the standard library.
  ast::Decl* decl = scope == env_.scope ? scope->Lookup(name) : (scope->own.count(name) ? scope->own.at(name) : nullptr);
  if (auto* fn = decl ? decl->As<ast::FnDecl>() : nullptr) return UserCall(e, *fn, name_range);
  if (scope == env_.scope) {
    bool aggregate_form = env_.mode == Mode::Aggregate && aggregate_depth_ == 0;
    const stdlib::FunctionSpec* spec = stdlib::FindFunction(name, aggregate_form);
    if (aggregate_form && spec && !spec->aggregate) spec = nullptr;
    if (aggregate_form && !spec) spec = stdlib::FindFunction(name, false);
    // min/max with one argument in an aggregate are the aggregates; with two the scalars.
    if (spec && spec->aggregate && e.args.size() >= 2 && (name == "min" || name == "max")) {
      spec = stdlib::FindFunction(name, false);
    }
    if (!spec) spec = stdlib::FindFunction(name, true);
    if (spec) return BuiltinCall(e, *spec, name_range);
  }
  for (auto& arg : e.args) {
    if (arg.value) Check(*arg.value);
  }
  if (decl) {
    c_.Report(Code::NotCallable, name_range, fmt::format("{} `{}` is not a function", ast::Spelling(decl->kind), name));
    return ast::ErrorType();
  }
  if (scope != env_.scope) {
    auto& d = c_.Report(Code::UnknownImportMember, name_range,
                        fmt::format("`{}` has no fn `{}`", callee.children[0]->text, name));
    std::vector<std::string> names;
    for (const auto& [n, dd] : scope->own) {
      if (dd->kind == ast::DeclKind::Fn) names.push_back(n);
    }
    diag::SuggestName(d, name, names);
    return ast::ErrorType();
  }
  if (c_.DeclaredButBroken(name)) return ast::ErrorType();
  auto& d = c_.Report(Code::UnknownFunction, name_range, fmt::format("unknown function `{}`", name));
  std::vector<std::string> names;
  for (const auto* f : stdlib::AllFunctions()) names.push_back(f->name);
  for (const auto& [n, dd] : scope->own) {
    if (dd->kind == ast::DeclKind::Fn) names.push_back(n);
  }
  diag::SuggestName(d, name, names);
  return ast::ErrorType();
}

TypeRef ExprChecker::UserCall(Expr& e, ast::FnDecl& fn, diag::SourceRange name_range) {
  c_.used_decls_.insert(&fn);
  e.ref.kind = ast::RefKind::Fn;
  e.ref.decl = &fn;
  if (c_.state_[&fn] == 1) {
    c_.Report(Code::RecursiveDefinition, name_range,
              fmt::format("fn `{}` calls itself here; fns are inlined, so they cannot be recursive", fn.name.text))
        .notes.push_back({"the fn is declared here", fn.name.range});
    for (auto& arg : e.args) {
      if (arg.value) Check(*arg.value);
    }
    return ast::ErrorType();
  }
  TypeRef result = c_.FnResult(fn);
  // Arguments: positional, then named by parameter name.
  std::vector<ast::Expr*> bound(fn.params.size(), nullptr);
  size_t position = 0;
  for (auto& arg : e.args) {
    if (!arg.value) continue;
    size_t index = position;
    if (arg.name) {
      index = fn.params.size();
      for (size_t i = 0; i < fn.params.size(); ++i) {
        if (fn.params[i].name.text == arg.name->text) index = i;
      }
      if (index == fn.params.size()) {
        auto& d = c_.Report(Code::UnknownArgument, arg.name->range,
                            fmt::format("fn `{}` has no parameter `{}`", fn.name.text, arg.name->text));
        std::vector<std::string> names;
        for (const auto& p : fn.params) names.push_back(p.name.text);
        diag::SuggestName(d, arg.name->text, names);
        Check(*arg.value);
        continue;
      }
    } else {
      ++position;
    }
    if (index >= fn.params.size()) {
      c_.Report(Code::TooManyArguments, arg.range,
                fmt::format("fn `{}` takes {} argument{}, but more were given", fn.name.text, fn.params.size(),
                            fn.params.size() == 1 ? "" : "s"));
      Check(*arg.value);
      continue;
    }
    if (bound[index]) {
      c_.Report(Code::DuplicateArgument, arg.range,
                fmt::format("parameter `{}` is given twice", fn.params[index].name.text));
      Check(*arg.value);
      continue;
    }
    bound[index] = arg.value.get();
    const auto& type = fn.params[index].type;
    TypeRef want = type && type->resolved ? type->resolved : ast::ErrorType();
    c_.RequireFit(*arg.value, Check(*arg.value), want,
                  fmt::format("parameter `{}` of `{}`", fn.params[index].name.text, fn.name.text));
  }
  for (size_t i = 0; i < fn.params.size(); ++i) {
    if (!bound[i]) {
      c_.Report(Code::MissingArgument, e.range,
                fmt::format("missing argument `{}` in call to `{}`", fn.params[i].name.text, fn.name.text))
          .notes.push_back({"the fn is declared here", fn.name.range});
    }
  }
  return result;
}

TypeRef ExprChecker::BuiltinCall(Expr& e, const stdlib::FunctionSpec& spec, diag::SourceRange name_range) {
  e.ref.kind = ast::RefKind::Fn;
  e.ref.builtin = spec.name;
  bool aggregate_here = env_.mode == Mode::Aggregate && aggregate_depth_ == 0;
  if (spec.aggregate && !aggregate_here) {
    auto& d = c_.Report(Code::AggregateOutside, name_range,
                        aggregate_depth_ > 0
                            ? fmt::format("aggregate function `{}` cannot be nested in another aggregate", spec.name)
                            : fmt::format("aggregate function `{}` can only be used in an `aggregate {{ }}` block", spec.name));
    if (aggregate_depth_ == 0) d.notes.push_back({"group first: `| aggregate by key { total = sum(x) }`", {}});
    for (auto& arg : e.args) {
      if (arg.value) Check(*arg.value);
    }
    return ast::ErrorType();
  }
  // secret("NAME") names a secret that connectors read when they open: a const may hold it.
  if (!spec.pure && env_.mode == Mode::Const && spec.name != "secret") {
    c_.Report(Code::NotConstant, name_range,
              fmt::format("`{}()` is evaluated at run time; it cannot be used in a constant", spec.name));
  }
  if (spec.aggregate) ++aggregate_depth_;
  stdlib::CallContext ctx;
  ctx.function = spec.name;
  ctx.call_range = e.range;
  ctx.in_aggregate = spec.aggregate;
  ctx.diagnostics = &c_.program_.diagnostics;
  bool failed = false;
  // Positional arguments in order, then named ones at their parameter's position.
  std::vector<Expr*> args;
  for (auto& arg : e.args) {
    if (!arg.value) continue;
    size_t index = args.size();
    if (arg.name) {
      index = spec.params.size();
      for (size_t i = 0; i < spec.params.size(); ++i) {
        if (spec.params[i].name == arg.name->text) index = i;
      }
      if (index == spec.params.size()) {
        auto& d = c_.Report(Code::UnknownArgument, arg.name->range,
                            fmt::format("`{}` has no parameter `{}`", spec.name, arg.name->text));
        std::vector<std::string> names;
        for (const auto& p : spec.params) names.push_back(p.name);
        diag::SuggestName(d, arg.name->text, names);
        failed = true;
        Check(*arg.value);
        continue;
      }
    }
    if (index < args.size() && args[index]) {
      c_.Report(Code::DuplicateArgument, arg.range, fmt::format("argument `{}` is given twice", arg.name ? arg.name->text : ""));
      failed = true;
      Check(*arg.value);
      continue;
    }
    if (index >= args.size()) args.resize(index + 1, nullptr);
    args[index] = arg.value.get();
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i]) continue;
    c_.Report(Code::MissingArgument, e.range,
              fmt::format("missing argument `{}` of `{}`", i < spec.params.size() ? spec.params[i].name : "?", spec.name));
    failed = true;
  }
  for (Expr* arg : args) {
    if (!arg) continue;
    TypeRef type = Check(*arg);
    if (RejectSecret(*arg, fmt::format("a call of `{}`", spec.name))) failed = true;
    if (ast::IsError(type)) failed = true;
    ctx.arg_types.push_back(type);
    ctx.arg_values.push_back(ast::IsError(type) ? std::nullopt : c_.Fold(*arg));
    ctx.arg_ranges.push_back(arg->range);
  }
  if (spec.aggregate) --aggregate_depth_;
  bool variadic = false;
  for (const auto& signature : spec.signatures) variadic |= signature.find("...") != std::string::npos;
  if (!failed && !variadic && args.size() > spec.params.size()) {
    c_.Report(Code::TooManyArguments, args[spec.params.size()]->range,
              fmt::format("`{}` takes {} argument{}, but {} were given", spec.name, spec.params.size(),
                          spec.params.size() == 1 ? "" : "s", args.size()))
        .notes.push_back({"expected " + (spec.signatures.empty() ? spec.name : spec.signatures[0]), {}});
    return ast::ErrorType();
  }
  if (failed) return ast::ErrorType();
  TypeRef result = spec.check ? spec.check(ctx) : nullptr;
  if (result) return result;
  // No signature fits. If making some arguments non-null would fit, that is the problem.
  stdlib::CallContext probe = ctx;
  probe.diagnostics = nullptr;
  auto nullable = stdlib::NullableArguments(spec, probe);
  if (!nullable.empty()) {
    for (size_t i : nullable) {
      if (i < args.size() && args[i]) c_.ReportNullable(*args[i], fmt::format("`{}`", spec.name));
    }
    return ast::ErrorType();
  }
  std::string found;
  for (size_t i = 0; i < ctx.arg_types.size(); ++i) found += (i ? ", " : "") + ast::ToString(ctx.arg_types[i]);
  // With one signature, point at the first argument that does not fit its parameter.
  diag::SourceRange where = e.range;
  if (spec.signatures.size() <= 1) {
    for (size_t i = 0; i < args.size() && i < spec.params.size(); ++i) {
      auto want = ast::ParseType(spec.params[i].type);
      if (args[i] && want && !ast::IsAssignable(ctx.arg_types[i], *want)) {
        where = args[i]->range;
        break;
      }
    }
  }
  auto& d = c_.Report(Code::TypeMismatch, where,
                      fmt::format("no form of `{}` takes ({})", spec.name, found));
  for (const auto& signature : spec.signatures) d.notes.push_back({"expected " + signature, {}});
  return ast::ErrorType();
}

}  // namespace etl::sema
