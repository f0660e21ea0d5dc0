#include "stdlib/function_support.h"

#include <re2/re2.h>

#include <cstring>

#include "stdlib/step_support.h"

namespace etl::stdlib::fn {

using ast::IsError;

bool Is(const TypeRef& type, TypeKind kind) {
  return IsError(type) || (type->kind == kind && !type->nullable);
}

bool IsNumber(const TypeRef& type) {
  return IsError(type) || (ast::IsNumeric(type) && !type->nullable);
}

bool IsTime(const TypeRef& type) { return Is(type, TypeKind::Date) || Is(type, TypeKind::Timestamp); }

bool IsNonNull(const TypeRef& type) {
  return IsError(type) || (!type->nullable && type->kind != TypeKind::Null && type->kind != TypeKind::Secret);
}

bool IsUsable(const TypeRef& type) { return IsError(type) || type->kind != TypeKind::Secret; }

bool Fits(const TypeRef& arg, const TypeRef& param) {
  return IsUsable(arg) && ast::IsAssignable(arg, param);
}

bool AnyError(const CallContext& call) {
  for (const auto& type : call.arg_types) {
    if (IsError(type)) return true;
  }
  return false;
}

TypeRef MatchSigs(const CallContext& call, const std::vector<Sig>& sigs) {
  for (const auto& sig : sigs) {
    size_t n = call.arg_types.size();
    if (n < sig.required || n > sig.params.size()) continue;
    bool fits = true;
    for (size_t i = 0; i < n && fits; ++i) fits = Fits(call.arg_types[i], sig.params[i]);
    if (fits) return sig.result;
  }
  return nullptr;
}

Check Sigs(std::vector<Sig> sigs) {
  return [sigs = std::move(sigs)](const CallContext& call) { return MatchSigs(call, sigs); };
}

const ast::Value* Const(const CallContext& call, size_t i) {
  if (i >= call.arg_values.size() || !call.arg_values[i]) return nullptr;
  return &*call.arg_values[i];
}

TypeRef Invalid(const CallContext& call, size_t i, std::string message) {
  if (call.diagnostics) {
    diag::SourceRange range =
        i < call.arg_ranges.size() && call.arg_ranges[i].Valid() ? call.arg_ranges[i] : call.call_range;
    call.diagnostics->Report(diag::Code::InvalidArgumentValue, range, std::move(message));
  }
  return ast::ErrorType();
}

std::optional<int> CheckRegex(const CallContext& call, size_t i) {
  const ast::Value* value = Const(call, i);
  if (!value || value->kind != ast::Value::Kind::String) return -1;
  RE2::Options options;
  options.set_log_errors(false);
  RE2 pattern(value->string_value, options);
  if (!pattern.ok()) {
    Invalid(call, i, "invalid regular expression: " + pattern.error());
    return std::nullopt;
  }
  return pattern.NumberOfCapturingGroups();
}

bool CheckTimeFormat(const CallContext& call, size_t i) {
  const ast::Value* value = Const(call, i);
  if (!value || value->kind != ast::Value::Kind::String) return true;
  // The directives of strftime/strptime that the runtime supports (plus %f: microseconds).
  static const char* kDirectives = "YmdHMSfzZjaAbBpyeIlTDFsuwUW%n t";
  const std::string& text = value->string_value;
  for (size_t k = 0; k < text.size(); ++k) {
    if (text[k] != '%') continue;
    if (k + 1 == text.size()) {
      Invalid(call, i, "the format ends with a lone `%`");
      return false;
    }
    char directive = text[++k];
    if (directive == ':' && k + 1 < text.size() && text[k + 1] == 'z') {
      ++k;
      continue;
    }
    if (directive == '\0' || !std::strchr(kDirectives, directive)) {
      Invalid(call, i, std::string("unknown format directive `%") + directive +
                           "`; use %Y %m %d %H %M %S %f %z %Z %j %a %A %b %B %p %y %e %I %T %D %F %s or %%");
      return false;
    }
  }
  return true;
}

ParamSpec Param(std::string_view name, std::string type, std::string doc, std::string default_value) {
  ParamSpec param;
  param.name = std::string(name);
  param.type = std::move(type);
  param.required = default_value.empty();
  param.default_value = std::move(default_value);
  param.positional = true;
  param.doc = std::move(doc);
  return param;
}

FunctionSpec Make(std::string name, std::string category, std::vector<std::string> signatures,
                  std::vector<ParamSpec> params, std::string summary, std::string doc,
                  std::vector<std::string> examples, Check check) {
  FunctionSpec spec;
  spec.name = std::move(name);
  spec.category = std::move(category);
  spec.signatures = std::move(signatures);
  spec.params = std::move(params);
  spec.summary = std::move(summary);
  spec.doc = std::move(doc);
  spec.examples = std::move(examples);
  spec.check = std::move(check);
  return spec;
}

std::string Example(std::string_view fields, std::string_view ops) {
  return support::Program("schema Row { " + std::string(fields) + " }",
                          "from csv(\"rows.csv\", schema: Row)\n  | " + std::string(ops) + "\n  | into stdout()");
}

TypeRef Opt(const TypeRef& type) { return ast::WithNullable(type, true); }

}  // namespace etl::stdlib::fn
