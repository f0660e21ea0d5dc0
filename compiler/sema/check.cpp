// Declarations: scopes across imports, duplicate names, types, schemas, consts, params, fns.
#include <fmt/format.h>

#include <cctype>

#include "compiler/sema/checker.h"

namespace etl::sema {

using diag::Code;

ast::Decl* ModuleScope::Lookup(const std::string& name) const {
  if (auto it = own.find(name); it != own.end()) return it->second;
  for (const ModuleScope* import : unqualified) {
    if (auto it = import->own.find(name); it != import->own.end()) return it->second;
  }
  return nullptr;
}

std::vector<std::string> ModuleScope::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, decl] : own) names.push_back(name);
  for (const ModuleScope* import : unqualified) {
    for (const auto& [name, decl] : import->own) names.push_back(name);
  }
  for (const auto& [alias, scope] : aliases) names.push_back(alias);
  return names;
}

Checker::Checker(Program& program) : program_(program) {}

const ModuleScope& Checker::ScopeOf(const ast::Decl& decl) const {
  auto it = decl_module_.find(&decl);
  return scopes_[it == decl_module_.end() ? 0 : it->second];
}

namespace {

std::string_view DeclWhat(const ast::Decl& decl) { return ast::Spelling(decl.kind); }

bool IsBuiltinTypeName(const std::string& name) {
  static const std::set<std::string> names = {"int",  "float",     "bool",     "string", "bytes", "date",
                                              "timestamp", "duration", "json", "secret", "decimal", "list", "map"};
  return names.count(name) > 0;
}

}  // namespace

void Checker::Run() {
  if (program_.modules.empty()) return;
  scopes_.resize(program_.modules.size());
  // 1. Own declarations of every module, duplicates reported at the second one.
  for (size_t m = 0; m < program_.modules.size(); ++m) {
    ModuleScope& scope = scopes_[m];
    scope.module = program_.modules[m].get();
    std::map<std::string, ast::Decl*> tests;
    for (auto& decl : program_.modules[m]->decls) {
      decl_module_[decl.get()] = m;
      if (decl->kind == ast::DeclKind::Import) continue;
      if (auto* test = decl->As<ast::TestDecl>()) {
        auto [it, inserted] = tests.emplace(test->title, test);
        if (!inserted) {
          auto& d = Report(Code::DuplicateDeclaration, test->title_range,
                           fmt::format("a test named \"{}\" is already declared", test->title));
          d.notes.push_back({"the first one is here", it->second->As<ast::TestDecl>()->title_range});
        }
        continue;
      }
      if (decl->name.Empty()) continue;
      if (decl->kind == ast::DeclKind::Schema && IsBuiltinTypeName(decl->name.text)) {
        Report(Code::DuplicateDeclaration, decl->name.range,
               fmt::format("`{}` is a built-in type and cannot be redeclared", decl->name.text));
        continue;
      }
      if (decl->kind == ast::DeclKind::Fn && stdlib::FindFunction(decl->name.text) != nullptr) {
        Report(Code::DuplicateDeclaration, decl->name.range,
               fmt::format("`{}` is a standard library function; choose another name", decl->name.text));
        continue;
      }
      auto [it, inserted] = scope.own.emplace(decl->name.text, decl.get());
      if (!inserted) {
        auto& d = Report(Code::DuplicateDeclaration, decl->name.range,
                         fmt::format("`{}` is already declared as a {}", decl->name.text, DeclWhat(*it->second)));
        d.notes.push_back({"the first declaration is here", it->second->name.range});
      }
    }
  }
  // 2. Imports.
  for (size_t m = 0; m < program_.modules.size(); ++m) {
    ModuleScope& scope = scopes_[m];
    for (auto& decl : program_.modules[m]->decls) {
      auto* import = decl->As<ast::ImportDecl>();
      if (!import || import->resolved_file == diag::kNoFile) continue;
      const ModuleScope* target = nullptr;
      for (size_t t = 0; t < program_.modules.size(); ++t) {
        if (program_.modules[t]->file == import->resolved_file) target = &scopes_[t];
      }
      if (!target) continue;
      if (import->name.Empty()) {
        for (const auto& [name, imported] : target->own) {
          if (auto local = scope.own.find(name); local != scope.own.end()) {
            auto& d = Report(Code::DuplicateDeclaration, local->second->name.range,
                             fmt::format("`{}` is already declared in the imported file `{}`", name, import->path));
            d.notes.push_back({"the imported declaration is here", imported->name.range});
            d.notes.push_back({fmt::format("rename one, or import the file with a name: `import \"{}\" as lib`", import->path), {}});
            continue;
          }
          for (const ModuleScope* other : scope.unqualified) {
            if (other->own.count(name)) {
              Report(Code::DuplicateDeclaration, import->path_range,
                     fmt::format("`{}` is declared in two imported files", name))
                  .notes.push_back({"import one of them with `as` to qualify its names", {}});
            }
          }
        }
        scope.unqualified.push_back(target);
      } else if (!scope.aliases.emplace(import->name.text, target).second || scope.own.count(import->name.text)) {
        Report(Code::DuplicateDeclaration, import->name.range,
               fmt::format("`{}` is already declared in this file", import->name.text));
      }
    }
  }
  // 3. Declarations, in order; schemas, consts and fns are also checked on demand
  //    (a const may use one declared below it).
  for (auto& module : program_.modules) {
    for (auto& decl : module->decls) {
      switch (decl->kind) {
        case ast::DeclKind::Schema: SchemaType(*decl->As<ast::SchemaDecl>()); break;
        case ast::DeclKind::Const: ConstType(*decl->As<ast::ConstDecl>()); break;
        case ast::DeclKind::Fn: FnResult(*decl->As<ast::FnDecl>()); break;
        case ast::DeclKind::Param: ParamType(*decl->As<ast::ParamDecl>()); break;
        default: break;
      }
    }
  }
  for (auto& module : program_.modules) {
    for (auto& decl : module->decls) {
      if (auto* pipeline = decl->As<ast::PipelineDecl>()) CheckPipeline(*pipeline);
    }
  }
  for (auto& module : program_.modules) {
    for (auto& decl : module->decls) {
      if (auto* test = decl->As<ast::TestDecl>()) CheckTest(*test);
    }
  }
  // 4. Unused declarations of the root file (imported libraries are meant to have extras),
  //    only when it is otherwise correct.
  if (program_.diagnostics.HasErrors() || program_.Root().has_syntax_errors) return;
  for (auto& decl : program_.Root().decls) {
    if (decl->kind != ast::DeclKind::Const && decl->kind != ast::DeclKind::Fn &&
        decl->kind != ast::DeclKind::Param && decl->kind != ast::DeclKind::Schema) {
      continue;
    }
    if (used_decls_.count(decl.get()) || decl->name.Empty()) continue;
    auto registered = scopes_[0].own.find(decl->name.text);
    if (registered == scopes_[0].own.end() || registered->second != decl.get()) continue;
    if (decl->name.text.front() == '_') continue;
    Report(Code::UnusedDeclaration, decl->name.range,
           fmt::format("{} `{}` is never used", DeclWhat(*decl), decl->name.text))
        .notes.push_back({"remove it, or prefix its name with `_` to keep it", {}});
  }
}

TypeRef Checker::ResolveType(ast::TypeExpr& type, const ModuleScope& scope) {
  TypeRef result;
  switch (type.kind) {
    case ast::TypeExpr::Kind::Decimal: {
      if (type.name.name.text != "decimal" || type.name.module) {
        Report(Code::InvalidType, type.range, fmt::format("`{}` takes no arguments in parentheses; only `decimal(p, s)` does",
                                                          type.name.ToString()));
        result = ast::ErrorType();
      } else if (type.precision < 1 || type.precision > 38 || type.scale < 0 || type.scale > type.precision) {
        Report(Code::InvalidType, type.range,
               fmt::format("`decimal({}, {})` is out of range: precision must be 1..38 and scale 0..precision",
                           type.precision, type.scale));
        result = ast::ErrorType();
      } else {
        result = ast::DecimalType(static_cast<int>(type.precision), static_cast<int>(type.scale));
      }
      break;
    }
    case ast::TypeExpr::Kind::Generic: {
      const std::string& name = type.name.name.text;
      TypeRef element = type.args.empty() ? ast::ErrorType() : ResolveType(*type.args[0], scope);
      if ((name != "list" && name != "map") || type.name.module) {
        Report(Code::InvalidType, type.range,
               fmt::format("`{}` takes no type arguments; only `list<T>` and `map<T>` do", type.name.ToString()));
        result = ast::ErrorType();
      } else if (type.args.size() != 1) {
        Report(Code::InvalidType, type.range, fmt::format("`{}` takes exactly one type argument", name));
        result = ast::ErrorType();
      } else if (element->kind == ast::TypeKind::Secret) {
        Report(Code::SecretLeak, type.args[0]->range, "a `secret` cannot be stored in a list or map");
        result = ast::ErrorType();
      } else {
        result = name == "list" ? ast::ListType(element) : ast::MapType(element);
      }
      break;
    }
    case ast::TypeExpr::Kind::Record: {
      std::vector<ast::Field> fields;
      std::set<std::string> seen;
      for (auto& field : type.fields) {
        TypeRef field_type = field.type ? ResolveType(*field.type, scope) : ast::ErrorType();
        if (!seen.insert(field.name.text).second) {
          Report(Code::DuplicateField, field.name.range, fmt::format("field `{}` is declared twice", field.name.text));
          continue;
        }
        if (field_type->kind == ast::TypeKind::Secret) {
          Report(Code::SecretLeak, field.type->range,
                 fmt::format("field `{}` cannot be a `secret`: secrets never flow into records", field.name.text));
        }
        fields.push_back({field.name.text, field_type, field.default_value != nullptr});
      }
      result = ast::RecordType(std::move(fields));
      break;
    }
    case ast::TypeExpr::Kind::Named: {
      const std::string& name = type.name.name.text;
      if (!type.name.module) {
        static const std::map<std::string, ast::TypeKind> builtins = {
            {"int", ast::TypeKind::Int},           {"float", ast::TypeKind::Float},
            {"bool", ast::TypeKind::Bool},         {"string", ast::TypeKind::String},
            {"bytes", ast::TypeKind::Bytes},       {"date", ast::TypeKind::Date},
            {"timestamp", ast::TypeKind::Timestamp}, {"duration", ast::TypeKind::Duration},
            {"json", ast::TypeKind::Json},         {"secret", ast::TypeKind::Secret}};
        if (auto it = builtins.find(name); it != builtins.end()) {
          result = ast::MakeType(it->second);
          break;
        }
        if (name == "list" || name == "map" || name == "decimal") {
          Report(Code::InvalidType, type.range,
                 name == "decimal" ? std::string("`decimal` needs a precision and scale: `decimal(10, 2)`")
                                   : fmt::format("`{}` needs an element type: `{}<string>`", name, name));
          result = ast::ErrorType();
          break;
        }
      }
      const ModuleScope* where = &scope;
      if (type.name.module) {
        auto it = scope.aliases.find(type.name.module->text);
        if (it == scope.aliases.end()) {
          auto& d = Report(Code::UnknownName, type.name.module->range,
                           fmt::format("unknown import alias `{}`", type.name.module->text));
          std::vector<std::string> aliases;
          for (const auto& [alias, s] : scope.aliases) aliases.push_back(alias);
          diag::SuggestName(d, type.name.module->text, aliases);
          result = ast::ErrorType();
          break;
        }
        where = it->second;
      }
      ast::Decl* decl = type.name.module ? where->own.count(name) ? where->own.at(name) : nullptr : where->Lookup(name);
      if (auto* schema = decl ? decl->As<ast::SchemaDecl>() : nullptr) {
        used_decls_.insert(decl);
        result = SchemaType(*schema);
        break;
      }
      std::vector<std::string> candidates = {"int", "float", "bool", "string", "bytes", "date",
                                             "timestamp", "duration", "json", "secret", "decimal", "list", "map"};
      for (const auto& [n, d] : where->own) {
        if (d->kind == ast::DeclKind::Schema) candidates.push_back(n);
      }
      for (const ModuleScope* import : where->unqualified) {
        for (const auto& [n, d] : import->own) {
          if (d->kind == ast::DeclKind::Schema) candidates.push_back(n);
        }
      }
      if (!decl && !type.name.module && DeclaredButBroken(name)) {
        result = ast::ErrorType();
        break;
      }
      Code code = type.name.module ? Code::UnknownImportMember : Code::UnknownType;
      std::string message = decl ? fmt::format("`{}` is a {}, not a type", name, DeclWhat(*decl))
                                 : type.name.module
                                       ? fmt::format("`{}` has no schema `{}`", type.name.module->text, name)
                                       : fmt::format("unknown type `{}`", name);
      auto& d = Report(code, type.name.name.range, message);
          diag::SuggestName(d, name, candidates);
      result = ast::ErrorType();
      break;
    }
  }
  if (type.nullable) result = ast::WithNullable(result, true);
  type.resolved = result;
  return result;
}

TypeRef Checker::SchemaType(ast::SchemaDecl& schema) {
  if (state_[&schema] == 2) return schema.type;
  if (state_[&schema] == 1) {
    Report(Code::RecursiveDefinition, schema.name.range,
           fmt::format("schema `{}` contains itself; use `json` or a list for recursive data", schema.name.text));
    return ast::ErrorType();
  }
  state_[&schema] = 1;
  const ModuleScope& scope = ScopeOf(schema);
  std::vector<ast::Field> fields;
  std::set<std::string> seen;
  for (auto& field : schema.fields) {
    TypeRef type = field.type ? ResolveType(*field.type, scope) : ast::ErrorType();
    if (!seen.insert(field.name.text).second) {
      Report(Code::DuplicateField, field.name.range,
             fmt::format("field `{}` is declared twice in schema `{}`", field.name.text, schema.name.text));
      continue;
    }
    if (type->kind == ast::TypeKind::Secret) {
      Report(Code::SecretLeak, field.type->range,
             fmt::format("field `{}` cannot be a `secret`: secrets never flow into records", field.name.text));
    }
    if (field.default_value) {
      ExprEnv env;
      env.mode = ExprEnv::Mode::Const;
      env.scope = &scope;
      CheckAs(*field.default_value, type, env, fmt::format("the default of `{}`", field.name.text));
    }
    fields.push_back({field.name.text, type, field.default_value != nullptr});
  }
  schema.type = ast::RecordType(std::move(fields), schema.name.text);
  state_[&schema] = 2;
  return schema.type;
}

TypeRef Checker::ConstType(ast::ConstDecl& decl) {
  if (state_[&decl] == 2) return decl.resolved_type ? decl.resolved_type : ast::ErrorType();
  if (state_[&decl] == 1) {
    Report(Code::RecursiveDefinition, decl.name.range, fmt::format("const `{}` is defined in terms of itself", decl.name.text));
    return ast::ErrorType();
  }
  state_[&decl] = 1;
  const ModuleScope& scope = ScopeOf(decl);
  ExprEnv env;
  env.mode = ExprEnv::Mode::Const;
  env.scope = &scope;
  TypeRef type;
  if (decl.type) {
    type = ResolveType(*decl.type, scope);
    if (decl.value) CheckAs(*decl.value, type, env, fmt::format("const `{}`", decl.name.text));
  } else {
    type = decl.value ? Check(*decl.value, env) : ast::ErrorType();
  }
  if (decl.value && !ast::IsError(decl.value->type)) decl.folded = Fold(*decl.value);
  decl.resolved_type = type;
  state_[&decl] = 2;
  return type;
}

TypeRef Checker::ParamType(ast::ParamDecl& decl) {
  if (state_[&decl] == 2) return decl.resolved_type ? decl.resolved_type : ast::ErrorType();
  state_[&decl] = 1;
  const ModuleScope& scope = ScopeOf(decl);
  TypeRef type = decl.type ? ResolveType(*decl.type, scope) : ast::ErrorType();
  if (!ast::IsError(type) && type->kind != ast::TypeKind::Secret) {
    static const std::set<ast::TypeKind> scalar = {ast::TypeKind::Int,  ast::TypeKind::Float,    ast::TypeKind::Decimal,
                                                   ast::TypeKind::Bool, ast::TypeKind::String,   ast::TypeKind::Date,
                                                   ast::TypeKind::Timestamp, ast::TypeKind::Duration,
                                                   ast::TypeKind::Json, ast::TypeKind::List};
    if (!scalar.count(type->kind)) {
      Report(Code::InvalidType, decl.type->range,
             fmt::format("a param cannot have type `{}`: params are given on the command line as text",
                         ast::ToString(type)));
    }
  }
  if (decl.default_value) {
    ExprEnv env;
    env.mode = ExprEnv::Mode::Const;
    env.scope = &scope;
    if (type->kind == ast::TypeKind::Secret) env.mode = ExprEnv::Mode::Arg;  // secret("NAME") is not constant
    CheckAs(*decl.default_value, type, env, fmt::format("the default of param `{}`", decl.name.text));
    if (!ast::IsError(decl.default_value->type)) decl.default_folded = Fold(*decl.default_value);
  }
  decl.resolved_type = type;
  state_[&decl] = 2;
  return type;
}

TypeRef Checker::FnResult(ast::FnDecl& decl) {
  if (state_[&decl] == 2) return decl.result_type ? decl.result_type : ast::ErrorType();
  if (state_[&decl] == 1) {
    Report(Code::RecursiveDefinition, decl.name.range,
           fmt::format("fn `{}` calls itself; functions are inlined and cannot be recursive", decl.name.text));
    return ast::ErrorType();
  }
  state_[&decl] = 1;
  const ModuleScope& scope = ScopeOf(decl);
  std::set<std::string> seen;
  for (auto& param : decl.params) {
    if (param.type) ResolveType(*param.type, scope);
    if (!seen.insert(param.name.text).second) {
      Report(Code::DuplicateDeclaration, param.name.range,
             fmt::format("parameter `{}` is declared twice", param.name.text));
    }
  }
  TypeRef want = decl.result ? ResolveType(*decl.result, scope) : nullptr;
  ExprEnv env;
  env.mode = ExprEnv::Mode::FnBody;
  env.scope = &scope;
  env.fn = &decl;
  TypeRef body = ast::ErrorType();
  if (decl.body) {
    body = want ? CheckAs(*decl.body, want, env, fmt::format("the result of fn `{}`", decl.name.text))
                : Check(*decl.body, env);
  }
  decl.result_type = want ? want : body;
  state_[&decl] = 2;
  return decl.result_type;
}

bool Checker::DeclaredButBroken(const std::string& name) const {
  // A declaration with a syntax error is dropped by the parser; its uses are not worth
  // a second error. The source text still shows `schema Name`, `fn name`, ...
  for (const auto& module : program_.modules) {
    if (!module->has_syntax_errors) continue;
    const std::string& text = program_.sources.File(module->file).Text();
    for (const char* keyword : {"schema ", "const ", "fn ", "param ", "pipeline "}) {
      std::string needle = std::string(keyword) + name;
      for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        size_t end = at + needle.size();
        bool word_start = at == 0 || !(std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '_');
        bool word_end = end >= text.size() || !(std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_');
        if (word_start && word_end) return true;
      }
    }
  }
  return false;
}

void Check(Program& program) {
  Checker checker(program);
  checker.Run();
  program.diagnostics.Sort();
  // On a line with a syntax error the AST is a guess of the parser's recovery: whatever
  // sema says about that line is an echo of the syntax error, not a finding of its own.
  std::set<std::pair<diag::FileId, uint32_t>> broken_lines;
  auto line_of = [&](const diag::Diagnostic& d) {
    return std::make_pair(d.range.file, program.sources.File(d.range.file).Position(d.range.begin).line);
  };
  auto is_syntax = [](const diag::Diagnostic& d) { return diag::Info(d.code).id.substr(0, 3) == "E00"; };
  for (const auto& d : program.diagnostics.All()) {
    if (is_syntax(d) && d.range.Valid()) broken_lines.insert(line_of(d));
  }
  if (broken_lines.empty()) return;
  program.diagnostics.RemoveIf([&](const diag::Diagnostic& d) {
    return !is_syntax(d) && d.range.Valid() && broken_lines.count(line_of(d)) > 0;
  });
}

}  // namespace etl::sema
