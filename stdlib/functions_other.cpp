// Other functions (language.md §7): coalesce hash uuid env secret parse_json to_json keys
// lookup. (len and contains of lists are in functions_string.cpp: one spec per name.)
#include "stdlib/catalog.h"
#include "stdlib/function_support.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::catalog {

using namespace fn;
using ast::StringType;

namespace {

FunctionSpec Impure(FunctionSpec spec) {
  spec.pure = false;
  return spec;
}

}  // namespace

void AddOtherFunctions(std::vector<FunctionSpec>& out) {
  out.push_back(Make(
      "coalesce", "other", {"coalesce(a: T?, ..., z: T) -> T", "coalesce(a: T?, ..., z: T?) -> T?"},
      {Param("values", "T?", "Two or more values of one type (after widening).")},
      "The first value that is not null.",
      "The result is non-null when any argument is non-null (`coalesce(a, b, 0)` is never null). "
      "`coalesce(a, b)` is the same as `a ?? b`.",
      {Example("nickname: string?, name: string", "derive shown = coalesce(nickname, name)")},
      [](const CallContext& call) -> TypeRef {
        if (call.arg_types.size() < 2) return nullptr;
        TypeRef common;
        bool all_nullable = true;
        for (const auto& t : call.arg_types) {
          if (!IsUsable(t)) return nullptr;
          common = common ? ast::CommonType(common, t) : t;
          if (!common) return nullptr;
          if (!ast::IsError(t) && !t->nullable) all_nullable = false;
        }
        if (ast::IsError(common)) return common;
        return ast::WithNullable(common, all_nullable);
      }));
  out.push_back(Make("hash", "other", {"hash(values: any...) -> int"},
                     {Param("values", "any", "One or more values (nulls allowed).")},
                     "A stable 64-bit hash of one or more values.",
                     "The same values give the same hash on every machine and run (xxHash64 of a canonical "
                     "encoding), e.g. for sampling or surrogate keys.",
                     {Example("customer: string, day: date", "derive key = hash(customer, day)\n  | filter key % 10 == 0")},
                     [](const CallContext& call) -> TypeRef {
                       if (call.arg_types.empty()) return nullptr;
                       for (const auto& t : call.arg_types) {
                         if (!IsUsable(t) || !ast::IsHashable(t)) return nullptr;
                       }
                       return ast::IntType();
                     }));
  out.push_back(Impure(Make("uuid", "other", {"uuid() -> string"}, {}, "A random UUID (version 4).",
                            "A new value for every call; never constant-folded.",
                            {Example("name: string", "derive id = uuid()")}, Sigs({{{}, 0, StringType()}}))));
  out.push_back(Impure(Make("env", "other", {"env(name: string) -> string?"},
                            {Param("name", "string", "The environment variable.")},
                            "The value of an environment variable, or null when it is not set.",
                            "Read when the run starts. For passwords and tokens use `secret(name)`, which "
                            "can never leak into records or logs.",
                            {Example("id: int", "derive region = env(\"REGION\") ?? \"eu\"")},
                            Sigs({{{StringType()}, 1, Opt(StringType())}}))));
  out.push_back(Impure(Make(
      "secret", "other", {"secret(name: string) -> secret"},
      {Param("name", "string", "The secret's name (an environment variable, or a key of the secret store).")},
      "A secret value for a connector parameter marked secret.",
      "A `secret` can only be passed to step parameters marked secret (or bound to a `const`/`param` "
      "of type secret first); it never reaches a record, a log line or an error message: using it "
      "anywhere else is a compile error (E0304).",
      {support::Program("schema Order { id: int, amount: float }",
                        "from postgres(secret(\"PG_URL\"), table: \"orders\", schema: Order) | into stdout()")},
      Sigs({{{StringType()}, 1, ast::SecretType()}}))));
  out.push_back(Make("parse_json", "other", {"parse_json(s: string) -> json"},
                     {Param("s", "string", "JSON text.")}, "Parse JSON text into a dynamic value.",
                     "Text that is not valid JSON is a record error. Read fields with `.name` or `[\"name\"]`.",
                     {Example("payload: string", "derive data = parse_json(payload)\n  | derive kind = string(data.kind)")},
                     Sigs({{{StringType()}, 1, ast::JsonType()}})));
  out.push_back(Make("to_json", "other", {"to_json(x: any?) -> string"},
                     {Param("x", "any", "Any value (null gives `\"null\"`; never a secret).")},
                     "The JSON text of any value.", "Records become objects, lists arrays; null gives `\"null\"`.",
                     {Example("id: int, tags: list<string>", "derive tags_text = to_json(tags)")},
                     [](const CallContext& call) -> TypeRef {
                       if (call.arg_types.size() != 1 || !IsUsable(call.arg_types[0])) return nullptr;
                       return StringType();
                     }));
  out.push_back(Make("keys", "other", {"keys(m: map<T>) -> list<string>"}, {Param("m", "map<T>", "The map.")},
                     "The keys of a map, sorted.", "Sorted bytewise, so the result does not depend on insertion order.",
                     {Example("labels: map<string>", "derive label_names = keys(labels)")},
                     [](const CallContext& call) -> TypeRef {
                       if (call.arg_types.size() != 1 || !Is(call.arg_types[0], TypeKind::Map)) return nullptr;
                       return ast::ListType(StringType());
                     }));
  out.push_back(Make("lookup", "other", {"lookup(m: map<T>, key: string) -> T?"},
                     {Param("m", "map<T>", "The map."), Param("key", "string", "The key.")},
                     "The value of a key in a map, or null.", "Same as `m[key]`.",
                     {Example("labels: map<string>", "derive team = lookup(labels, \"team\") ?? \"none\"")},
                     [](const CallContext& call) -> TypeRef {
                       if (call.arg_types.size() != 2 || !Is(call.arg_types[0], TypeKind::Map) ||
                           !Fits(call.arg_types[1], StringType())) {
                         return nullptr;
                       }
                       const TypeRef& map = call.arg_types[0];
                       return ast::IsError(map) ? map : Opt(map->element);
                     }));
}

}  // namespace etl::stdlib::catalog
