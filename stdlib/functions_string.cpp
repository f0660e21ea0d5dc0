// String functions (language.md §7): len lower upper trim ltrim rtrim substr replace split
// starts_with ends_with contains concat format pad_left pad_right regex_extract regex_replace.
#include "stdlib/catalog.h"
#include "stdlib/function_support.h"

namespace etl::stdlib::catalog {

using namespace fn;
using ast::BoolType;
using ast::IntType;
using ast::ListType;
using ast::StringType;

namespace {

// Counts the `{}` placeholders of a format string; nullopt when a brace is unbalanced.
std::optional<size_t> CountPlaceholders(const std::string& text) {
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{') {
      if (i + 1 < text.size() && text[i + 1] == '{') {
        ++i;
      } else if (i + 1 < text.size() && text[i + 1] == '}') {
        ++count;
        ++i;
      } else {
        return std::nullopt;
      }
    } else if (text[i] == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        ++i;
      } else {
        return std::nullopt;
      }
    }
  }
  return count;
}

FunctionSpec Unary(std::string name, std::string summary, std::string doc, std::string example) {
  return Make(name, "string", {name + "(s: string) -> string"}, {Param("s", "string", "The text.")},
              std::move(summary), std::move(doc), {Example("name: string", example)},
              Sigs({{{StringType()}, 1, StringType()}}));
}

FunctionSpec Pad(std::string name, std::string side) {
  return Make(name, "string", {name + "(s: string, width: int, fill: string = \" \") -> string"},
              {Param("s", "string", "The text."), Param("width", "int", "The length to reach, in characters."),
               Param("fill", "string", "The padding character.", "\" \"")},
              "Pad a string on the " + side + " to a width.",
              "Adds `fill` on the " + side + " until `s` is `width` characters long (Unicode code points); "
              "a longer `s` is returned unchanged.",
              {Example("id: int", "derive code = " + name + "(string(id), 8, \"0\")")},
              [](const CallContext& call) -> TypeRef {
                TypeRef result = MatchSigs(call, {{{StringType(), IntType(), StringType()}, 2, StringType()}});
                if (!result) return nullptr;
                if (const ast::Value* width = Const(call, 1); width && width->kind == ast::Value::Kind::Int &&
                                                              width->int_value < 0) {
                  return Invalid(call, 1, "the width must not be negative");
                }
                if (const ast::Value* fill = Const(call, 2); fill && fill->kind == ast::Value::Kind::String &&
                                                            fill->string_value.empty()) {
                  return Invalid(call, 2, "the fill must not be empty");
                }
                return result;
              });
}

}  // namespace

void AddStringFunctions(std::vector<FunctionSpec>& out) {
  out.push_back(Make(
      "len", "string",
      {"len(s: string) -> int", "len(l: list<T>) -> int", "len(m: map<T>) -> int"},
      {Param("value", "string | list<T> | map<T>", "The string, list or map.")},
      "The length of a string (in characters), list or map.",
      "For a string, counts Unicode code points (not bytes); for a list, elements; for a map, keys.",
      {Example("name: string, tags: list<string>", "derive name_length = len(name), tag_count = len(tags)")},
      [](const CallContext& call) -> TypeRef {
        if (call.arg_types.size() != 1) return nullptr;
        const TypeRef& t = call.arg_types[0];
        bool ok = Is(t, TypeKind::String) || Is(t, TypeKind::List) || Is(t, TypeKind::Map) || Is(t, TypeKind::Bytes);
        return ok ? IntType() : nullptr;
      }));
  out.push_back(Unary("lower", "Lower-case a string.", "Unicode-aware lower-casing (`\"ÉTÉ\"` -> `\"été\"`).",
                      "derive key = lower(name)"));
  out.push_back(Unary("upper", "Upper-case a string.", "Unicode-aware upper-casing.", "derive shout = upper(name)"));
  out.push_back(Unary("trim", "Remove leading and trailing whitespace.", "Whitespace is Unicode white space.",
                      "derive name = trim(name)"));
  out.push_back(Unary("ltrim", "Remove leading whitespace.", "Whitespace is Unicode white space.",
                      "derive name = ltrim(name)"));
  out.push_back(Unary("rtrim", "Remove trailing whitespace.", "Whitespace is Unicode white space.",
                      "derive name = rtrim(name)"));
  {
    auto spec = Make("substr", "string", {"substr(s: string, start: int, length: int) -> string", "substr(s: string, start: int) -> string"},
                     {Param("s", "string", "The text."), Param("start", "int", "The first character, counted from 0."),
                      Param("length", "int", "How many characters; omitted: to the end.")},
                     "A part of a string.",
                     "Positions count Unicode code points from 0. A start past the end gives `\"\"`; a negative "
                     "start or length is a record error.",
                     {Example("code: string", "derive country = substr(code, 0, 2), rest = substr(code, 3)")},
                     Sigs({{{StringType(), IntType(), IntType()}, 2, StringType()}}));
    spec.params[2].required = false;
    out.push_back(std::move(spec));
  }
  out.push_back(Make("replace", "string", {"replace(s: string, from: string, to: string) -> string"},
                     {Param("s", "string", "The text."), Param("from", "string", "The text to find (not a regex)."),
                      Param("to", "string", "Its replacement.")},
                     "Replace every occurrence of a text.", "Plain text matching; see `regex_replace` for patterns.",
                     {Example("phone: string", "derive phone = replace(phone, \" \", \"\")")},
                     Sigs({{{StringType(), StringType(), StringType()}, 3, StringType()}})));
  out.push_back(Make("split", "string", {"split(s: string, separator: string) -> list<string>"},
                     {Param("s", "string", "The text."), Param("separator", "string", "The separator (not a regex).")},
                     "Split a string into a list.",
                     "`split(\"a,b,,c\", \",\")` is `[\"a\", \"b\", \"\", \"c\"]`; an empty separator splits into characters.",
                     {Example("tags: string", "derive tag_list = split(tags, \",\")\n  | explode tag_list as tag")},
                     Sigs({{{StringType(), StringType()}, 2, ListType(StringType())}})));
  out.push_back(Make("starts_with", "string", {"starts_with(s: string, prefix: string) -> bool"},
                     {Param("s", "string", "The text."), Param("prefix", "string", "The prefix.")},
                     "Whether a string starts with a prefix.", "Compares bytes, case-sensitively.",
                     {Example("url: string", "filter starts_with(url, \"https://\")")},
                     Sigs({{{StringType(), StringType()}, 2, BoolType()}})));
  out.push_back(Make("ends_with", "string", {"ends_with(s: string, suffix: string) -> bool"},
                     {Param("s", "string", "The text."), Param("suffix", "string", "The suffix.")},
                     "Whether a string ends with a suffix.", "Compares bytes, case-sensitively.",
                     {Example("file: string", "filter ends_with(file, \".csv\")")},
                     Sigs({{{StringType(), StringType()}, 2, BoolType()}})));
  out.push_back(Make(
      "contains", "string", {"contains(s: string, part: string) -> bool", "contains(l: list<T>, x: T) -> bool"},
      {Param("haystack", "string | list<T>", "The string or list to search."),
       Param("needle", "string | T", "The text or element to find.")},
      "Whether a string contains a text, or a list an element.",
      "For strings, a plain substring test; for lists, element equality (`x in l` is the same).",
      {Example("note: string, tags: list<string>", "filter contains(note, \"urgent\") or contains(tags, \"vip\")")},
      [](const CallContext& call) -> TypeRef {
        if (call.arg_types.size() != 2) return nullptr;
        const TypeRef& a = call.arg_types[0];
        const TypeRef& b = call.arg_types[1];
        if (Is(a, TypeKind::String) && Fits(b, StringType())) return BoolType();
        if (Is(a, TypeKind::List) && !ast::IsError(a) && Fits(b, a->element)) return BoolType();
        if (ast::IsError(a) && IsUsable(b)) return BoolType();
        return nullptr;
      }));
  out.push_back(Make("concat", "string", {"concat(s: string, ...) -> string"},
                     {Param("parts", "string", "One or more strings.")}, "Join strings end to end.",
                     "`concat(a, b)` is `a + b`; with many parts it reads better.",
                     {Example("first: string, last: string", "derive full = concat(first, \" \", last)")},
                     [](const CallContext& call) -> TypeRef {
                       if (call.arg_types.empty()) return nullptr;
                       for (const auto& t : call.arg_types) {
                         if (!Fits(t, StringType())) return nullptr;
                       }
                       return StringType();
                     }));
  out.push_back(Make(
      "format", "string", {"format(fmt: string, args: any...) -> string"},
      {Param("fmt", "string", "The template: `{}` is replaced by the next argument, `{{` and `}}` are braces."),
       Param("args", "any", "The values, of any type (null prints as `null`).")},
      "Build a string from a template.",
      "Values are printed like `string(x)`. A constant template is checked at compile time: its "
      "placeholders must match the number of arguments.",
      {Example("id: int, amount: float", "derive label = format(\"order {} ({})\", id, amount)")},
      [](const CallContext& call) -> TypeRef {
        if (call.arg_types.empty() || !Fits(call.arg_types[0], StringType())) return nullptr;
        for (size_t i = 1; i < call.arg_types.size(); ++i) {
          if (!IsUsable(call.arg_types[i])) return nullptr;
        }
        const ast::Value* fmt = Const(call, 0);
        if (fmt && fmt->kind == ast::Value::Kind::String) {
          auto count = CountPlaceholders(fmt->string_value);
          if (!count) return Invalid(call, 0, "unbalanced brace in the format; write `{{` or `}}` for a brace");
          if (*count != call.arg_types.size() - 1) {
            return Invalid(call, 0, "the format has " + std::to_string(*count) + " placeholder" +
                                        (*count == 1 ? "" : "s") + " but " +
                                        std::to_string(call.arg_types.size() - 1) + " value" +
                                        (call.arg_types.size() == 2 ? " is" : "s are") + " given");
          }
        }
        return StringType();
      }));
  out.push_back(Pad("pad_left", "left"));
  out.push_back(Pad("pad_right", "right"));
  out.push_back(Make(
      "regex_extract", "string", {"regex_extract(s: string, pattern: string, group: int = 0) -> string?"},
      {Param("s", "string", "The text."), Param("pattern", "string", "An RE2 regular expression."),
       Param("group", "int", "The capture group to return (0: the whole match).", "0")},
      "The first match of a regular expression, or null.",
      "Returns the text of `group` in the first match, or null when nothing matches. A constant "
      "pattern is validated at compile time (RE2 syntax), and so is the group number.",
      {Example("email: string", "derive domain = regex_extract(email, \"@(.+)$\", 1) ?? \"unknown\"")},
      [](const CallContext& call) -> TypeRef {
        TypeRef result = MatchSigs(call, {{{StringType(), StringType(), IntType()}, 2, fn::Opt(StringType())}});
        if (!result) return nullptr;
        auto groups = CheckRegex(call, 1);
        if (!groups) return ast::ErrorType();
        if (const ast::Value* group = Const(call, 2); group && group->kind == ast::Value::Kind::Int) {
          if (group->int_value < 0 || (*groups >= 0 && group->int_value > *groups)) {
            return Invalid(call, 2, "group " + std::to_string(group->int_value) + " does not exist: the pattern has " +
                                        std::to_string(*groups) + " capture group" + (*groups == 1 ? "" : "s"));
          }
        }
        return result;
      }));
  out.push_back(Make(
      "regex_replace", "string", {"regex_replace(s: string, pattern: string, replacement: string) -> string"},
      {Param("s", "string", "The text."), Param("pattern", "string", "An RE2 regular expression."),
       Param("replacement", "string", "The replacement; `\\\\1` inserts capture group 1.")},
      "Replace every match of a regular expression.",
      "A constant pattern is validated at compile time (RE2 syntax).",
      {Example("phone: string", "derive digits = regex_replace(phone, \"[^0-9]\", \"\")")},
      [](const CallContext& call) -> TypeRef {
        TypeRef result = MatchSigs(call, {{{StringType(), StringType(), StringType()}, 3, StringType()}});
        if (!result) return nullptr;
        return CheckRegex(call, 1) ? result : ast::ErrorType();
      }));
}

}  // namespace etl::stdlib::catalog
