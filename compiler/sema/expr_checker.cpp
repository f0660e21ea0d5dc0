// Expressions: name resolution, static types, nullability, secrets, aggregates.
#include <fmt/format.h>
#include <re2/re2.h>

#include "compiler/sema/checker.h"

namespace etl::sema {

using ast::BinaryOp;
using ast::Expr;
using ast::ExprKind;
using ast::TypeKind;
using diag::Code;
using Mode = ExprEnv::Mode;

namespace {

std::string Quoted(const TypeRef& type) { return "`" + ast::ToString(type) + "`"; }

bool IsKind(const TypeRef& type, TypeKind kind) { return type && type->kind == kind; }

// The numeric type of `a op b` for + - * / %, or nullptr.
TypeRef NumericResult(const TypeRef& a, const TypeRef& b) {
  if (!ast::IsNumeric(a) || !ast::IsNumeric(b)) return nullptr;
  if (a->kind == TypeKind::Float || b->kind == TypeKind::Float) {
    if (a->kind == TypeKind::Decimal || b->kind == TypeKind::Decimal) return nullptr;
    return ast::FloatType();
  }
  if (a->kind == TypeKind::Decimal || b->kind == TypeKind::Decimal) {
    return ast::WithNullable(ast::CommonType(ast::WithNullable(a, false), ast::WithNullable(b, false)), false);
  }
  return ast::IntType();
}

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
  TypeRef have = Check(expr, env);
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
  TypeRef type = Check(expr, env);
  if (ast::IsError(type)) return;
  if (type->kind != TypeKind::Bool) {
    Report(Code::NotBool, expr.range, fmt::format("{} must be `bool`, found {}", what, Quoted(type)));
  } else if (type->nullable) {
    ReportNullable(expr, what);
  }
}

namespace {

// Checks one expression tree; a small class so the helpers share the environment.
class ExprChecker {
 public:
  ExprChecker(Checker& checker, const ExprEnv& env) : c_(checker), env_(env) {}

  TypeRef Check(Expr& expr) {
    TypeRef type = Visit(expr);
    if (!type) type = ast::ErrorType();
    expr.type = type;
    return type;
  }

 private:
  TypeRef Visit(Expr& e) {
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

  bool RejectSecret(const Expr& e, const std::string& where) {
    if (!IsKind(e.type, TypeKind::Secret)) return false;
    c_.Report(Code::SecretLeak, e.range,
              fmt::format("a `secret` cannot be used in {}: it may only be passed to a connector parameter marked secret",
                          where));
    return true;
  }

  TypeRef StringLit(Expr& e) {
    for (auto& part : e.parts) {
      if (!part.expr) continue;
      Check(*part.expr);
      RejectSecret(*part.expr, "an interpolated string");
    }
    return ast::StringType();
  }

  TypeRef ListLit(Expr& e) {
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

  TypeRef RecordLit(Expr& e) {
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
  std::vector<std::string> Candidates() const {
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

  TypeRef UseDecl(Expr& e, ast::Decl* decl) {
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

  TypeRef NameRef(Expr& e) {
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
  TypeRef KeyOutsideAggregate(Expr& e) {
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

  TypeRef FieldAccess(Expr& e) {
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

  TypeRef Index(Expr& e) {
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

  TypeRef Unary(Expr& e) {
    if (e.children.empty()) return ast::ErrorType();
    Expr& operand = *e.children[0];
    TypeRef type = Check(operand);
    if (ast::IsError(type)) return type;
    if (RejectSecret(operand, "an expression")) return ast::ErrorType();
    if (e.unary_op == ast::UnaryOp::Not) {
      if (type->kind != TypeKind::Bool) {
        c_.Report(Code::InvalidOperands, e.range, fmt::format("`not` needs a `bool`, found {}", Quoted(type)));
        return ast::ErrorType();
      }
      if (type->nullable) c_.ReportNullable(operand, "`not`");
      return ast::BoolType();
    }
    if (!ast::IsNumeric(type) && type->kind != TypeKind::Duration) {
      c_.Report(Code::InvalidOperands, e.range, fmt::format("cannot negate {}", Quoted(type)));
      return ast::ErrorType();
    }
    if (type->nullable) c_.ReportNullable(operand, "`-`");
    return ast::WithNullable(type, false);
  }

  TypeRef IsNull(Expr& e) {
    if (e.children.empty()) return ast::BoolType();
    TypeRef type = Check(*e.children[0]);
    if (!ast::IsError(type) && !type->nullable && type->kind != TypeKind::Json) {
      c_.Report(Code::UnnecessaryNullCheck, e.range,
                fmt::format("`{}` is {} and never null; this is always {}", c_.Text(e.children[0]->range), Quoted(type),
                            e.negated ? "true" : "false"));
    }
    return ast::BoolType();
  }

  TypeRef If(Expr& e) {
    if (e.children.size() < 3) return ast::ErrorType();
    c_.CheckCondition(*e.children[0], env_, "the condition of `if`");
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

  TypeRef Match(Expr& e) {
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

  TypeRef Binary(Expr& e) {
    if (e.children.size() < 2) return ast::ErrorType();
    Expr& l = *e.children[0];
    Expr& r = *e.children[1];
    TypeRef a = Check(l);
    TypeRef b = Check(r);
    BinaryOp op = e.binary_op;
    std::string spelling(ast::Spelling(op));
    if (ast::IsError(a) || ast::IsError(b)) return op >= BinaryOp::Eq && op <= BinaryOp::Match ? ast::BoolType() : ast::ErrorType();
    if (RejectSecret(l, fmt::format("`{}`", spelling)) || RejectSecret(r, fmt::format("`{}`", spelling))) {
      return ast::ErrorType();
    }
    auto invalid = [&](const std::string& why) {
      auto& d = c_.Report(Code::InvalidOperands, e.range,
                          fmt::format("`{}` cannot be applied to {} and {}", spelling, Quoted(a), Quoted(b)));
      if (!why.empty()) d.notes.push_back({why, {}});
      return ast::ErrorType();
    };
    auto non_null = [&](Expr& side, const TypeRef& type) {
      if (type->nullable && type->kind != TypeKind::Null) {
        c_.ReportNullable(side, fmt::format("`{}`", spelling));
        return false;
      }
      return true;
    };
    switch (op) {
      case BinaryOp::And:
      case BinaryOp::Or: {
        for (auto* side : {&l, &r}) {
          if (side->type->kind != TypeKind::Bool) {
            c_.Report(Code::InvalidOperands, side->range,
                      fmt::format("`{}` needs `bool` operands, found {}", spelling, Quoted(side->type)));
            return ast::BoolType();
          }
        }
        non_null(l, a);
        non_null(r, b);
        return ast::BoolType();
      }
      case BinaryOp::Eq:
      case BinaryOp::Ne:
        if (!ast::CommonType(a, b)) return invalid("compare values of the same type (convert one side first)"), ast::BoolType();
        if (!ast::IsHashable(a)) return invalid(""), ast::BoolType();
        return ast::BoolType();
      case BinaryOp::Lt:
      case BinaryOp::Le:
      case BinaryOp::Gt:
      case BinaryOp::Ge: {
        TypeRef common = ast::CommonType(a, b);
        if (!common || !ast::IsOrderable(common) || a->kind == TypeKind::Null || b->kind == TypeKind::Null) {
          return invalid(common ? "values of this type have no order" : "compare values of the same type"), ast::BoolType();
        }
        non_null(l, a) && non_null(r, b);
        return ast::BoolType();
      }
      case BinaryOp::In:
      case BinaryOp::NotIn: {
        if (b->kind != TypeKind::List) {
          return invalid(fmt::format("`{}` needs a list on its right: `x in [1, 2]`", spelling)), ast::BoolType();
        }
        non_null(r, b);
        if (!IsKind(b->element, TypeKind::Error) && !ast::CommonType(ast::WithNullable(a, false), b->element)) {
          c_.Report(Code::InvalidOperands, e.range,
                    fmt::format("{} cannot be in a list of {}", Quoted(a), Quoted(b->element)));
        }
        return ast::BoolType();
      }
      case BinaryOp::Match: {
        if (a->kind != TypeKind::String || b->kind != TypeKind::String) {
          return invalid("`~` matches a string against a regular expression string"), ast::BoolType();
        }
        non_null(l, a);
        non_null(r, b);
        if (r.kind == ExprKind::StringLit && r.parts.empty()) {
          RE2::Options options;
          options.set_log_errors(false);
          RE2 regex(r.text, options);
          if (!regex.ok()) {
            c_.Report(Code::InvalidArgumentValue, r.range,
                      fmt::format("invalid regular expression: {}", regex.error()));
          }
        }
        return ast::BoolType();
      }
      case BinaryOp::Coalesce: {
        if (!a->nullable && a->kind != TypeKind::Json) {
          c_.Report(Code::UnnecessaryNullCheck, l.range,
                    fmt::format("`{}` is {} and never null; `??` is not needed", c_.Text(l.range), Quoted(a)));
        }
        if (a->kind == TypeKind::Null) return b;
        TypeRef common = ast::CommonType(ast::WithNullable(a, false), b);
        if (!common) {
          c_.Report(Code::IncompatibleElements, r.range,
                    fmt::format("the default after `??` must be {}, found {}", Quoted(ast::WithNullable(a, false)), Quoted(b)));
          return ast::WithNullable(a, false);
        }
        return common;
      }
      case BinaryOp::Add:
      case BinaryOp::Sub:
      case BinaryOp::Mul:
      case BinaryOp::Div:
      case BinaryOp::Mod:
        break;
    }
    // Arithmetic and concatenation: operands must be non-null.
    if (a->kind == TypeKind::Null || b->kind == TypeKind::Null) return invalid("`null` has no arithmetic");
    if (!non_null(l, a) || !non_null(r, b)) return ast::ErrorType();
    TypeRef x = ast::WithNullable(a, false), y = ast::WithNullable(b, false);
    if (TypeRef numeric = NumericResult(x, y)) {
      if (op == BinaryOp::Mod && numeric->kind == TypeKind::Decimal) return numeric;
      return numeric;
    }
    if (ast::IsNumeric(x) && ast::IsNumeric(y)) {
      return invalid("`float` and `decimal` do not mix implicitly; convert one with `float(...)` or `decimal(...)`");
    }
    auto is = [](const TypeRef& t, TypeKind k) { return t->kind == k; };
    switch (op) {
      case BinaryOp::Add:
        if (is(x, TypeKind::String) && is(y, TypeKind::String)) return ast::StringType();
        if (is(x, TypeKind::List) && is(y, TypeKind::List)) {
          if (TypeRef common = ast::CommonType(x, y)) return common;
          return invalid("both lists must have the same element type");
        }
        if ((is(x, TypeKind::Timestamp) || is(x, TypeKind::Date)) && is(y, TypeKind::Duration)) return x;
        if (is(x, TypeKind::Duration) && (is(y, TypeKind::Timestamp) || is(y, TypeKind::Date))) return y;
        if (is(x, TypeKind::Duration) && is(y, TypeKind::Duration)) return x;
        if (is(x, TypeKind::String) || is(y, TypeKind::String)) {
          return invalid("`+` joins two strings; convert the other side with `string(...)` or use \"${...}\"");
        }
        return invalid("");
      case BinaryOp::Sub:
        if ((is(x, TypeKind::Timestamp) || is(x, TypeKind::Date)) && is(y, TypeKind::Duration)) return x;
        if (is(x, TypeKind::Timestamp) && is(y, TypeKind::Timestamp)) return ast::DurationType();
        if (is(x, TypeKind::Date) && is(y, TypeKind::Date)) return ast::DurationType();
        if (is(x, TypeKind::Duration) && is(y, TypeKind::Duration)) return x;
        return invalid("");
      case BinaryOp::Mul:
        if (is(x, TypeKind::Duration) && is(y, TypeKind::Int)) return x;
        if (is(x, TypeKind::Int) && is(y, TypeKind::Duration)) return y;
        return invalid("");
      case BinaryOp::Div:
        if (is(x, TypeKind::Duration) && is(y, TypeKind::Int)) return x;
        if (is(x, TypeKind::Duration) && is(y, TypeKind::Duration)) return ast::FloatType();
        return invalid("");
      default:
        return invalid("");
    }
  }

  TypeRef Call(Expr& e) {
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

  TypeRef UserCall(Expr& e, ast::FnDecl& fn, diag::SourceRange name_range) {
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
      c_.CheckAs(*arg.value, want, env_, fmt::format("parameter `{}` of `{}`", fn.params[index].name.text, fn.name.text));
      if (aggregate_depth_ == 0 && env_.mode == Mode::Aggregate) {
        // fn arguments in an aggregate output are checked like any other expression
      }
    }
    for (size_t i = 0; i < fn.params.size(); ++i) {
      if (!bound[i]) {
        c_.Report(Code::MissingArgument, e.range,
                  fmt::format("missing argument `{}` in call to `{}`", fn.params[i].name.text, fn.name.text))
            .notes.push_back({"the fn is declared here", fn.name.range});
      }
    }
    (void)name_range;
    return result;
  }

  TypeRef BuiltinCall(Expr& e, const stdlib::FunctionSpec& spec, diag::SourceRange name_range) {
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

  Checker& c_;
  const ExprEnv& env_;
  int aggregate_depth_ = 0;
};

}  // namespace

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
