// regex_extract and regex_replace (stdlib/functions_string.cpp), on RE2 through the
// compiled-pattern cache. A bad pattern taken from the data is a record error.
#include <re2/re2.h>

#include "runtime/fn_registry.h"
#include "runtime/regex_cache.h"

namespace etl::runtime {

namespace {

using Value = ast::Value;
using Args = std::span<const Value>;

const re2::RE2* Pattern(const Value& pattern, ValueError& err) {
  std::string message;
  const re2::RE2* regex = CompileRegex(pattern.string_value, &message);
  if (!regex) err = {"regex", message};
  return regex;
}

// regex_extract(s, pattern, group = 0): the group's text in the first match, or null.
bool RegexExtract(Args a, const FnCall&, Value& out, ValueError& err) {
  const re2::RE2* regex = Pattern(a[1], err);
  if (!regex) return false;
  int64_t group = a.size() > 2 ? a[2].int_value : 0;
  if (group < 0 || group > regex->NumberOfCapturingGroups()) {
    err = {"argument", "regex_extract: the pattern has no group " + std::to_string(group)};
    return false;
  }
  std::vector<re2::StringPiece> groups(static_cast<size_t>(group) + 1);
  const std::string& text = a[0].string_value;
  if (!regex->Match(text, 0, text.size(), re2::RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size())) ||
      groups.back().data() == nullptr) {  // no match, or the group did not take part in it
    out = Value::Null();
    return true;
  }
  out = Value::String(std::string(groups.back().data(), groups.back().size()));
  return true;
}

// regex_replace(s, pattern, replacement): every match replaced; `\1` inserts group 1.
bool RegexReplace(Args a, const FnCall&, Value& out, ValueError& err) {
  const re2::RE2* regex = Pattern(a[1], err);
  if (!regex) return false;
  std::string rewrite_error;
  if (!regex->CheckRewriteString(a[2].string_value, &rewrite_error)) {
    err = {"argument", "regex_replace: " + rewrite_error};
    return false;
  }
  std::string text = a[0].string_value;
  re2::RE2::GlobalReplace(&text, *regex, a[2].string_value);
  out = Value::String(std::move(text));
  return true;
}

constexpr FunctionImpl kFunctions[] = {
    {"regex_extract", RegexExtract},
    {"regex_replace", RegexReplace},
};

}  // namespace

std::span<const FunctionImpl> RegexFunctions() { return kFunctions; }

}  // namespace etl::runtime
