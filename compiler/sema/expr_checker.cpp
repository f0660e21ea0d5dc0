// Expressions: name resolution, literals, fields and indexing, if/match, nullability and
// secrets (operators: operator_checker.cpp; calls: call_checker.cpp).
#include <fmt/format.h>

#include "compiler/sema/expr_checker.h"

namespace etl::sema {

using ast::BinaryOp;
using ast::Expr;
using ast::ExprKind;
using ast::TypeKind;
using diag::Code;
using Mode = ExprEnv::Mode;

namespace {

std::string FieldList(const TypeRef& record) {
  std::string out;
  if (!record) return out;
  for (size_t i = 0; i < record->fields.size() && i < 12; ++i) {
    out += (i ? ", " : "") + record->fields[i].name;
  }
  if (record->fields.size() > 12) out += fmt::format(", ... ({} more)", record->fields.size() - 12);
  return out;
}

}  // namespace

void Checker::ReportNullable(const Expr& expr, const std::string& what) {
  std::string text = Text(expr.range);
  auto& d = Report(Code::NullableUse, expr.range,
                   fmt::format("{} is {}, which may be null, but {} needs a non-null value", "`" + text + "`",
                               Quoted(expr.type), what));
  d.notes.push_back({fmt::format("give a default: `{} ?? <default>`", text), {}});
  if (expr.kind == ExprKind::NameRef && expr.ref.kind == ast::RefKind::Field) {
    d.notes.push_back({fmt::format("or drop the records without one first: `| filter {} is not null`", text), {}});
  }
  std::string fallback = "\"\"";
  switch (expr.type->kind) {
    case TypeKind::Int: fallback = "0"; break;
    case TypeKind::Float: fallback = "0.0"; break;
    case TypeKind::Bool: fallback = "false"; break;
    case TypeKind::List: fallback = "[]"; break;
    default: break;
  }
  d.fixes.push_back({fmt::format("add `?? {}`", fallback), expr.range, fmt::format("({} ?? {})", text, fallback)});
}

TypeRef Checker::CheckAs(Expr& expr, const TypeRef& want, const ExprEnv& env, const std::string& what) {
  return RequireFit(expr, Check(expr, env), want, what);
}

TypeRef Checker::RequireFit(Expr& expr, const TypeRef& have, const TypeRef& want, const std::string& what) {
  if (ast::IsError(have) || ast::IsError(want)) return want ? want : have;
  if (ast::IsAssignable(have, want)) return want;
  if (have->nullable && ast::IsAssignable(ast::WithNullable(have, false), want)) {
    ReportNullable(expr, what);
    return want;
  }
  if (have->kind == TypeKind::Secret) {
    Report(Code::SecretLeak, expr.range, fmt::format("a `secret` cannot be used as {}", what));
    return want;
  }
  if (have->kind == TypeKind::Null) {
    Report(Code::NullableUse, expr.range,
           fmt::format("`null` given where {} needs a non-null {}", what, Quoted(want)))
        .notes.push_back({fmt::format("declare it nullable (`{}?`) to allow nulls", ast::ToString(want)), {}});
    return want;
  }
  auto& d = Report(Code::TypeMismatch, expr.range,
                   fmt::format("mismatched types: {} expects {}, found {}", what, Quoted(want), Quoted(have)));
  if (have->kind == TypeKind::Float && want->kind == TypeKind::Int) {
    d.notes.push_back({"floats never narrow to ints implicitly; convert with `int(...)` or `round(...)`", {}});
  } else if (want->kind == TypeKind::String && have->kind != TypeKind::Record) {
    d.notes.push_back({fmt::format("convert it with `string({})`", Text(expr.range)), {}});
  } else if (have->kind == TypeKind::Record && want->kind == TypeKind::Record) {
    for (const auto& field : want->fields) {
      const ast::Field* got = have->FindField(field.name);
      if (!got && !field.has_default && !field.type->nullable) {
        d.notes.push_back({fmt::format("field `{}` is missing", field.name), {}});
        break;
      }
      if (got && !ast::IsAssignable(got->type, field.type)) {
        d.notes.push_back({fmt::format("field `{}` has type {}, expected {}", field.name, Quoted(got->type),
                                       Quoted(field.type)),
                           {}});
        break;
      }
    }
    for (const auto& field : have->fields) {
      if (!want->FindField(field.name)) {
        d.notes.push_back({fmt::format("field `{}` is not in {}", field.name, Quoted(want)), {}});
        break;
      }
    }
  }
  return want;
}

void Checker::CheckCondition(Expr& expr, const ExprEnv& env, const std::string& what) {
  RequireCondition(expr, Check(expr, env), what);
}

void Checker::RequireCondition(Expr& expr, const TypeRef& type, const std::string& what) {
  if (ast::IsError(type)) return;
  if (type->kind != TypeKind::Bool) {
    Report(Code::NotBool, expr.range, fmt::format("{} must be `bool`, found {}", what, Quoted(type)));
  } else if (type->nullable) {
    ReportNullable(expr, what);
  }
}

TypeRef ExprChecker::Check(Expr& expr) {
  TypeRef type = Visit(expr);
  if (!type) type = ast::ErrorType();
  expr.type = type;
  return type;
}

TypeRef ExprChecker::Visit(Expr& e) {
  switch (e.kind) {
    case ExprKind::IntLit: return ast::IntType();
    case ExprKind::FloatLit: return ast::FloatType();
    case ExprKind::BoolLit: return ast::BoolType();
    case ExprKind::NullLit: return ast::NullType();
    case ExprKind::DurationLit: return ast::DurationType();
    case ExprKind::DateLit: return ast::DateType();
    case ExprKind::TimestampLit: return ast::TimestampType();
    case ExprKind::StringLit: return StringLit(e);
    case ExprKind::ListLit: return ListLit(e);
    case ExprKind::RecordLit: return RecordLit(e);
    case ExprKind::NameRef: return NameRef(e);
    case ExprKind::FieldAccess: return FieldAccess(e);
    case ExprKind::Index: return Index(e);
    case ExprKind::Call: return Call(e);
    case ExprKind::Unary: return Unary(e);
    case ExprKind::Binary: return Binary(e);
    case ExprKind::IsNull: return IsNull(e);
    case ExprKind::If: return If(e);
    case ExprKind::Match: return Match(e);
    case ExprKind::Paren: return e.children.empty() ? ast::ErrorType() : Check(*e.children[0]);
  }
  return ast::ErrorType();
}

bool ExprChecker::RejectSecret(const Expr& e, const std::string& where) {
  if (!IsKind(e.type, TypeKind::Secret)) return false;
  c_.Report(Code::SecretLeak, e.range,
            fmt::format("a `secret` cannot be used in {}: it may only be passed to a connector parameter marked secret",
                        where));
  return true;
}

TypeRef ExprChecker::StringLit(Expr& e) {
  for (auto& part : e.parts) {
    if (!part.expr) continue;
    Check(*part.expr);
    RejectSecret(*part.expr, "an interpolated string");
  }
  return ast::StringType();
}

TypeRef ExprChecker::ListLit(Expr& e) {
  // An empty list fits any list type (its element type is unknown, hence Error).
  TypeRef element = e.children.empty() ? ast::ErrorType() : nullptr;
  for (auto& child : e.children) {
    TypeRef type = Check(*child);
    if (RejectSecret(*child, "a list")) continue;
    if (!element) {
      element = type;
      continue;
    }
    TypeRef common = ast::CommonType(element, type);
    if (!common) {
      c_.Report(Code::IncompatibleElements, child->range,
                fmt::format("list elements have incompatible types: {} and {}", Quoted(element), Quoted(type)));
      return ast::ErrorType();
    }
    element = common;
  }
  return ast::ListType(element);
}

TypeRef ExprChecker::RecordLit(Expr& e) {
  std::vector<ast::Field> fields;
  std::set<std::string> seen;
  for (auto& field : e.fields) {
    TypeRef type = field.value ? Check(*field.value) : ast::ErrorType();
    if (field.value) RejectSecret(*field.value, "a record");
    if (!seen.insert(field.name.text).second) {
      c_.Report(Code::DuplicateField, field.name.range, fmt::format("field `{}` is given twice", field.name.text));
      continue;
    }
    fields.push_back({field.name.text, type, false});
  }
  return ast::RecordType(std::move(fields));
}

// Every name visible here, for suggestions.
std::vector<std::string> ExprChecker::Candidates() const {
  std::vector<std::string> names;
  if (env_.input) {
    for (const auto& f : env_.input->fields) names.push_back(f.name);
  }
  if (env_.right) names.push_back(env_.right_name);
  if (env_.fn) {
    for (const auto& p : env_.fn->params) names.push_back(p.name.text);
  }
  for (const auto& s : env_.test_steps) names.push_back(s);
  for (const auto& n : env_.scope->Names()) names.push_back(n);
  return names;
}

TypeRef ExprChecker::UseDecl(Expr& e, ast::Decl* decl) {
  c_.used_decls_.insert(decl);
  e.ref.decl = decl;
  if (auto* constant = decl->As<ast::ConstDecl>()) {
    e.ref.kind = ast::RefKind::Const;
    if (c_.state_[decl] == 1) {
      c_.Report(Code::RecursiveDefinition, e.range,
                fmt::format("const `{}` is used in its own definition", constant->name.text))
          .notes.push_back({"the const is declared here", constant->name.range});
      return ast::ErrorType();
    }
    return c_.ConstType(*constant);
  }
  if (auto* param = decl->As<ast::ParamDecl>()) {
    e.ref.kind = ast::RefKind::Param;
    if (env_.mode == Mode::Const) {
      c_.Report(Code::NotConstant, e.range,
                fmt::format("param `{}` is only known at run time; it cannot be used in a constant", e.text));
    }
    return c_.ParamType(*param);
  }
  if (decl->As<ast::SchemaDecl>()) {
    e.ref.kind = ast::RefKind::Schema;
    c_.Report(Code::TypeMismatch, e.range,
              fmt::format("schema `{}` is a type, not a value", e.text));
    return ast::ErrorType();
  }
  if (decl->As<ast::FnDecl>()) {
    e.ref.kind = ast::RefKind::Fn;
    c_.Report(Code::TypeMismatch, e.range, fmt::format("fn `{}` must be called: `{}(...)`", e.text, e.text));
    return ast::ErrorType();
  }
  c_.Report(Code::TypeMismatch, e.range,
            fmt::format("{} `{}` is not a value", ast::Spelling(decl->kind), e.text));
  return ast::ErrorType();
}

TypeRef ExprChecker::NameRef(Expr& e) {
  const std::string& name = e.text;
  // 1. Fields of the record flowing into the step.
  if (env_.input && (env_.mode == Mode::Row || env_.mode == Mode::Aggregate)) {
    int slot = env_.input->FieldIndex(name);
    if (slot >= 0) {
      e.ref.kind = ast::RefKind::Field;
      e.ref.slot = slot;
      if (env_.mode == Mode::Aggregate && aggregate_depth_ == 0) return KeyOutsideAggregate(e);
      return env_.input->fields[static_cast<size_t>(slot)].type;
    }
  }
  // 2. The right side of a join, by its name (as a record: `other.field`), or its fields.
  if (env_.right) {
    if (name == env_.right_name) {
      e.ref.kind = ast::RefKind::Step;
      e.ref.side = 1;
      return env_.right;
    }
    int slot = env_.right->FieldIndex(name);
    if (slot >= 0) {
      e.ref.kind = ast::RefKind::Field;
      e.ref.slot = slot;
      e.ref.side = 1;
      return env_.right->fields[static_cast<size_t>(slot)].type;
    }
    if (!env_.left_name.empty() && name == env_.left_name) {
      e.ref.kind = ast::RefKind::Step;
      e.ref.side = 0;
      return env_.input;
    }
  }
  // 3. Parameters of the enclosing fn.
  if (env_.fn) {
    for (size_t i = 0; i < env_.fn->params.size(); ++i) {
      if (env_.fn->params[i].name.text == name) {
        e.ref.kind = ast::RefKind::FnParam;
        e.ref.slot = static_cast<int>(i);
        const auto& type = env_.fn->params[i].type;
        return type && type->resolved ? type->resolved : ast::ErrorType();
      }
    }
  }
  // 4. Steps, in test expectations.
  if (env_.mode == Mode::Test && env_.test_steps.count(name)) {
    e.ref.kind = ast::RefKind::Step;
    auto it = env_.test_streams.find(name);
    if (it == env_.test_streams.end()) {
      c_.Report(Code::UnknownPort, e.range,
                fmt::format("step `{}` has no main output; name one of its ports: `{}.<port>`", name, name));
      return ast::ErrorType();
    }
    return it->second;
  }
  // 5. Declarations.
  if (ast::Decl* decl = env_.scope->Lookup(name)) return UseDecl(e, decl);
  if (env_.scope->aliases.count(name)) {
    e.ref.kind = ast::RefKind::Module;
    return ast::ErrorType();  // only valid as the base of `alias.member` (handled there)
  }
  if (c_.DeclaredButBroken(name)) return ast::ErrorType();
  bool field_context = env_.input && (env_.mode == Mode::Row || env_.mode == Mode::Aggregate);
  auto& d = c_.Report(field_context ? Code::UnknownField : Code::UnknownName, e.range,
                      field_context ? fmt::format("unknown field `{}`", name) : fmt::format("unknown name `{}`", name));
  diag::SuggestName(d, name, Candidates());
  if (field_context) {
    d.notes.push_back({fmt::format("{} has fields: {}", env_.input_what.empty() ? "the input" : env_.input_what,
                                   FieldList(env_.input)),
                       {}});
  } else if (env_.mode == Mode::FnBody) {
    d.notes.push_back({"a fn sees only its parameters, consts and params; pass fields as arguments", {}});
  }
  return ast::ErrorType();
}

// In an aggregate output, a field outside an aggregate call must be a key.
TypeRef ExprChecker::KeyOutsideAggregate(Expr& e) {
  if (env_.keys) {
    for (const auto& key : *env_.keys) {
      if (key.name == e.text) return key.type;
    }
  }
  c_.Report(Code::NotAggregate, e.range,
            fmt::format("`{}` is neither a key nor inside an aggregate function", e.text))
      .notes.push_back({fmt::format("aggregate it, e.g. `first({})`, or add it to `by`", e.text), {}});
  return ast::ErrorType();
}

TypeRef ExprChecker::FieldAccess(Expr& e) {
  if (e.children.empty()) return ast::ErrorType();
  Expr& base = *e.children[0];
  // `alias.member` of an import.
  if (base.kind == ExprKind::NameRef && !(env_.input && env_.input->FieldIndex(base.text) >= 0) && env_.scope->aliases.count(base.text) &&
      !env_.scope->Lookup(base.text)) {
    const ModuleScope* target = env_.scope->aliases.at(base.text);
    base.ref.kind = ast::RefKind::Module;
    base.type = ast::ErrorType();
    auto it = target->own.find(e.text);
    if (it == target->own.end()) {
      auto& d = c_.Report(Code::UnknownImportMember, e.name_range,
                          fmt::format("`{}` has no member `{}`", base.text, e.text));
      std::vector<std::string> names;
      for (const auto& [n, decl] : target->own) names.push_back(n);
      diag::SuggestName(d, e.text, names);
      return ast::ErrorType();
    }
    return UseDecl(e, it->second);
  }
  // `step.port` in tests.
  if (env_.mode == Mode::Test && base.kind == ExprKind::NameRef && env_.test_steps.count(base.text) &&
      !env_.scope->Lookup(base.text)) {
    std::string key = base.text + "." + e.text;
    base.ref.kind = ast::RefKind::Step;
    base.type = ast::ErrorType();
    auto it = env_.test_streams.find(key);
    if (it == env_.test_streams.end()) {
      auto& d = c_.Report(Code::UnknownPort, e.name_range, fmt::format("step `{}` has no port `{}`", base.text, e.text));
      std::vector<std::string> ports;
      for (const auto& [k, t] : env_.test_streams) {
        if (k.rfind(base.text + ".", 0) == 0) ports.push_back(k.substr(base.text.size() + 1));
      }
      diag::SuggestName(d, e.text, ports);
      return ast::ErrorType();
    }
    e.ref.kind = ast::RefKind::Port;
    return it->second;
  }
  TypeRef type = Check(base);
  if (ast::IsError(type)) return type;
  if (type->kind == TypeKind::Json) return ast::JsonType();
  if (type->kind == TypeKind::Map) return ast::WithNullable(type->element, true);
  if (type->kind != TypeKind::Record) {
    c_.Report(Code::NotIndexable, e.range, fmt::format("{} has no fields (looking for `{}`)", Quoted(type), e.text));
    return ast::ErrorType();
  }
  if (type->nullable && !e.safe) {
    auto& d = c_.Report(Code::NullableUse, base.range,
                        fmt::format("`{}` is {}, which may be null; use `?.` to read `{}`", c_.Text(base.range),
                                    Quoted(type), e.text));
    d.fixes.push_back({"use `?.`", {e.name_range.file, base.range.end, e.name_range.begin}, "?."});
  } else if (!type->nullable && e.safe) {
    c_.Report(Code::UnnecessaryNullCheck, e.range,
              fmt::format("`{}` is never null; `?.` is not needed", c_.Text(base.range)));
  }
  int slot = type->FieldIndex(e.text);
  if (slot < 0) {
    auto& d = c_.Report(Code::UnknownField, e.name_range,
                        fmt::format("unknown field `{}` in {}", e.text, Quoted(type)));
    diag::SuggestName(d, e.text, type->FieldNames());
    d.notes.push_back({fmt::format("{} has fields: {}", Quoted(type), FieldList(type)), {}});
    return ast::ErrorType();
  }
  // A field of the join's right side (`other.field`) resolves to that field directly.
  if (base.kind == ExprKind::NameRef && base.ref.kind == ast::RefKind::Step) {
    e.ref.kind = ast::RefKind::Field;
    e.ref.slot = slot;
    e.ref.side = base.ref.side;
  }
  TypeRef field = type->fields[static_cast<size_t>(slot)].type;
  return (type->nullable && e.safe) ? ast::WithNullable(field, true) : field;
}

TypeRef ExprChecker::Index(Expr& e) {
  if (e.children.size() < 2) return ast::ErrorType();
  TypeRef base = Check(*e.children[0]);
  TypeRef index = Check(*e.children[1]);
  if (ast::IsError(base) || ast::IsError(index)) return ast::ErrorType();
  if (base->nullable) {
    c_.ReportNullable(*e.children[0], "indexing");
    return ast::ErrorType();
  }
  auto require = [&](const TypeRef& want, const char* what) {
    if (index->nullable && ast::IsAssignable(ast::WithNullable(index, false), want)) {
      c_.ReportNullable(*e.children[1], what);
    } else if (!ast::IsAssignable(index, want)) {
      c_.Report(Code::TypeMismatch, e.children[1]->range,
                fmt::format("{} must be {}, found {}", what, Quoted(want), Quoted(index)));
    }
  };
  switch (base->kind) {
    case TypeKind::List:
      require(ast::IntType(), "a list index");
      return base->element;
    case TypeKind::Map:
      require(ast::StringType(), "a map key");
      return ast::WithNullable(base->element, true);
    case TypeKind::Json:
      return ast::JsonType();
    case TypeKind::Record: {
      require(ast::StringType(), "a record key");
      const Expr& key = *e.children[1];
      if (key.kind == ExprKind::StringLit && key.parts.empty()) {
        const ast::Field* field = base->FindField(key.text);
        if (!field) {
          auto& d = c_.Report(Code::UnknownField, key.range, fmt::format("unknown field `{}` in {}", key.text, Quoted(base)));
          diag::SuggestName(d, key.text, base->FieldNames());
          return ast::ErrorType();
        }
        return field->type;
      }
      // A dynamic key: the record is used as a map of its (common) field type.
      TypeRef common;
      for (const auto& field : base->fields) {
        common = common ? ast::CommonType(common, field.type) : field.type;
        if (!common) break;
      }
      if (!common) {
        c_.Report(Code::NotIndexable, e.children[0]->range,
                  fmt::format("{} cannot be indexed by a computed key: its fields have different types", Quoted(base)));
        return ast::ErrorType();
      }
      return ast::WithNullable(common, true);
    }
    default:
      c_.Report(Code::NotIndexable, e.children[0]->range, fmt::format("{} cannot be indexed", Quoted(base)));
      return ast::ErrorType();
  }
}

TypeRef ExprChecker::IsNull(Expr& e) {
  if (e.children.empty()) return ast::BoolType();
  TypeRef type = Check(*e.children[0]);
  if (!ast::IsError(type) && !type->nullable && type->kind != TypeKind::Json) {
    c_.Report(Code::UnnecessaryNullCheck, e.range,
              fmt::format("`{}` is {} and never null; this is always {}", c_.Text(e.children[0]->range), Quoted(type),
                          e.negated ? "true" : "false"));
  }
  return ast::BoolType();
}

TypeRef ExprChecker::If(Expr& e) {
  if (e.children.size() < 3) return ast::ErrorType();
  // Checked by this checker, so that inside an aggregate call it still is inside it.
  c_.RequireCondition(*e.children[0], Check(*e.children[0]), "the condition of `if`");
  TypeRef a = Check(*e.children[1]);
  TypeRef b = Check(*e.children[2]);
  TypeRef common = ast::CommonType(a, b);
  if (!common) {
    c_.Report(Code::IncompatibleElements, e.children[2]->range,
              fmt::format("`if` branches have incompatible types: {} and {}", Quoted(a), Quoted(b)));
    return ast::ErrorType();
  }
  return common;
}

TypeRef ExprChecker::Match(Expr& e) {
  if (e.children.empty()) return ast::ErrorType();
  TypeRef subject = Check(*e.children[0]);
  TypeRef result;
  bool wildcard = false, seen_true = false, seen_false = false;
  for (auto& arm : e.arms) {
    if (arm.wildcard) wildcard = true;
    for (auto& pattern : arm.patterns) {
      TypeRef type = Check(*pattern);
      if (pattern->kind == ExprKind::BoolLit) (pattern->bool_value ? seen_true : seen_false) = true;
      if (!ast::IsError(subject) && !ast::IsError(type) && !ast::CommonType(subject, type)) {
        c_.Report(Code::TypeMismatch, pattern->range,
                  fmt::format("pattern of type {} cannot match a value of type {}", Quoted(type), Quoted(subject)));
      }
      if (pattern->kind == ExprKind::NullLit && !ast::IsError(subject) && !subject->nullable) {
        c_.Report(Code::UnnecessaryNullCheck, pattern->range,
                  fmt::format("{} is never null; this arm never matches", Quoted(subject)));
      }
    }
    if (!arm.value) continue;
    TypeRef value = Check(*arm.value);
    if (!result) {
      result = value;
      continue;
    }
    TypeRef common = ast::CommonType(result, value);
    if (!common) {
      c_.Report(Code::IncompatibleElements, arm.value->range,
                fmt::format("`match` arms have incompatible types: {} and {}", Quoted(result), Quoted(value)));
      return ast::ErrorType();
    }
    result = common;
  }
  bool exhaustive = wildcard || (IsKind(subject, TypeKind::Bool) && !subject->nullable && seen_true && seen_false);
  if (!exhaustive && !ast::IsError(subject)) {
    auto& d = c_.Report(Code::NonExhaustiveMatch, e.range.Valid() ? diag::SourceRange{e.range.file, e.range.begin, e.range.begin + 5} : e.range,
                        "`match` does not cover every value");
    d.notes.push_back({"add a last arm `_ => <value>` for the other values", {}});
  }
  return result ? result : ast::ErrorType();
}

TypeRef Checker::Check(Expr& expr, const ExprEnv& env) { return ExprChecker(*this, env).Check(expr); }

std::set<std::string> NonNullFields(const ast::Expr& predicate) {
  std::set<std::string> fields;
  const Expr* e = &predicate;
  while (e->kind == ExprKind::Paren && !e->children.empty()) e = e->children[0].get();
  if (e->kind == ExprKind::Binary && e->binary_op == BinaryOp::And && e->children.size() == 2) {
    for (const auto& child : e->children) {
      auto more = NonNullFields(*child);
      fields.insert(more.begin(), more.end());
    }
  } else if (e->kind == ExprKind::IsNull && e->negated && !e->children.empty() &&
             e->children[0]->kind == ExprKind::NameRef && e->children[0]->ref.kind == ast::RefKind::Field) {
    fields.insert(e->children[0]->text);
  } else if (e->kind == ExprKind::Binary && e->binary_op == BinaryOp::Ne && e->children.size() == 2) {
    const Expr* l = e->children[0].get();
    const Expr* r = e->children[1].get();
    if (l->kind == ExprKind::NullLit) std::swap(l, r);
    if (r->kind == ExprKind::NullLit && l->kind == ExprKind::NameRef && l->ref.kind == ast::RefKind::Field) {
      fields.insert(l->text);
    }
  }
  return fields;
}

}  // namespace etl::sema
