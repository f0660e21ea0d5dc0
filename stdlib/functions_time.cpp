// Time functions (language.md §7): now date year month day hour parse_timestamp
// format_timestamp trunc diff.
#include <algorithm>

#include "stdlib/catalog.h"
#include "stdlib/function_support.h"

namespace etl::stdlib::catalog {

using namespace fn;
using ast::DateType;
using ast::DurationType;
using ast::IntType;
using ast::StringType;
using ast::TimestampType;

namespace {

FunctionSpec Part(const std::string& name, const std::string& what, const std::string& range) {
  return Make(name, "time", {name + "(t: timestamp) -> int", name + "(t: date) -> int"},
              {Param("t", "date | timestamp", "The date or timestamp (UTC).")}, "The " + what + " of a date or timestamp.",
              "In UTC; " + range + ".",
              {Example("ts: timestamp", "derive ts_" + name + " = " + name + "(ts)")},
              [](const CallContext& call) -> TypeRef {
                if (call.arg_types.size() != 1 || !IsTime(call.arg_types[0])) return nullptr;
                return IntType();
              });
}

}  // namespace

void AddTimeFunctions(std::vector<FunctionSpec>& out) {
  {
    auto spec = Make("now", "time", {"now() -> timestamp"}, {}, "The current time (UTC).",
                     "The time the run started, the same for every record of a run (so reruns and "
                     "parallel workers agree). Never constant-folded.",
                     {Example("id: int", "derive loaded_at = now()")},
                     Sigs({{{}, 0, TimestampType()}}));
    spec.pure = false;
    out.push_back(std::move(spec));
  }
  out.push_back(Make("date", "time", {"date(t: timestamp) -> date", "date(s: string) -> date", "date(d: date) -> date"},
                     {Param("value", "timestamp | string | date", "A timestamp (its UTC day) or a `YYYY-MM-DD` string.")},
                     "The date of a timestamp, or a date parsed from a string.",
                     "A string that is not a valid `YYYY-MM-DD` date is a record error.",
                     {Example("ts: timestamp", "aggregate by day = date(ts) { orders = count() }")},
                     [](const CallContext& call) -> TypeRef {
                       if (call.arg_types.size() != 1) return nullptr;
                       const TypeRef& t = call.arg_types[0];
                       return IsTime(t) || Is(t, TypeKind::String) ? DateType() : nullptr;
                     }));
  out.push_back(Part("year", "year", "e.g. 2024"));
  out.push_back(Part("month", "month", "1 to 12"));
  out.push_back(Part("day", "day of the month", "1 to 31"));
  out.push_back(Part("hour", "hour", "0 to 23 (0 for a date)"));
  out.push_back(Make(
      "parse_timestamp", "time", {"parse_timestamp(s: string, fmt: string) -> timestamp", "parse_timestamp(s: string) -> timestamp"},
      {Param("s", "string", "The text."),
       Param("fmt", "string", "A strptime format (`%Y %m %d %H %M %S %f %z ...`); omitted: ISO-8601.")},
      "Parse a timestamp from text.",
      "Without a zone in the text (`%z`), the time is UTC. A text that does not match is a record "
      "error. A constant format is validated at compile time.",
      {Example("created: string", "derive created_at = parse_timestamp(created, \"%d/%m/%Y %H:%M\")")},
      [](const CallContext& call) -> TypeRef {
        TypeRef result = MatchSigs(call, {{{StringType(), StringType()}, 1, TimestampType()}});
        if (!result) return nullptr;
        return CheckTimeFormat(call, 1) ? result : ast::ErrorType();
      }));
  out.back().params[1].required = false;
  out.push_back(Make(
      "format_timestamp", "time", {"format_timestamp(t: timestamp, fmt: string) -> string", "format_timestamp(d: date, fmt: string) -> string"},
      {Param("t", "timestamp | date", "The time to print (UTC)."), Param("fmt", "string", "A strftime format.")},
      "Print a timestamp or date with a format.", "A constant format is validated at compile time.",
      {Example("ts: timestamp", "derive month = format_timestamp(ts, \"%Y-%m\")")},
      [](const CallContext& call) -> TypeRef {
        if (call.arg_types.size() != 2 || !IsTime(call.arg_types[0]) || !Fits(call.arg_types[1], StringType())) {
          return nullptr;
        }
        return CheckTimeFormat(call, 1) ? StringType() : ast::ErrorType();
      }));
  out.push_back(Make(
      "trunc", "time", {"trunc(t: timestamp, unit: string) -> timestamp", "trunc(d: date, unit: string) -> date"},
      {Param("t", "timestamp | date", "The time to truncate."),
       Param("unit", "string", "`\"second\"`, `\"minute\"`, `\"hour\"`, `\"day\"`, `\"week\"` (Monday), `\"month\"` or `\"year\"`.")},
      "Truncate a time to the start of its second, minute, hour, day, week, month or year.",
      "`trunc(@2024-03-15T10:42:00Z, \"month\")` is `@2024-03-01T00:00:00Z`. A constant unit is validated.",
      {Example("ts: timestamp", "aggregate by hour = trunc(ts, \"hour\") { events = count() }")},
      [](const CallContext& call) -> TypeRef {
        if (call.arg_types.size() != 2 || !IsTime(call.arg_types[0]) || !Fits(call.arg_types[1], StringType())) {
          return nullptr;
        }
        static const std::vector<std::string> kUnits = {"second", "minute", "hour", "day", "week", "month", "year"};
        if (const ast::Value* unit = Const(call, 1); unit && unit->kind == ast::Value::Kind::String &&
                                                    std::find(kUnits.begin(), kUnits.end(), unit->string_value) == kUnits.end()) {
          return Invalid(call, 1, "unknown unit \"" + unit->string_value +
                                      "\"; expected \"second\", \"minute\", \"hour\", \"day\", \"week\", \"month\" or \"year\"");
        }
        return call.arg_types[0];
      }));
  out.push_back(Make(
      "diff", "time", {"diff(a: timestamp, b: timestamp) -> duration", "diff(a: date, b: date) -> duration"},
      {Param("a", "timestamp | date", "The later time."), Param("b", "timestamp | date", "The earlier time (same type as `a`).")},
      "The duration from `b` to `a` (`a - b`).", "Negative when `a` is before `b`. Same as `a - b`.",
      {Example("started: timestamp, ended: timestamp", "derive took = diff(ended, started)\n  | filter took > 5m")},
      [](const CallContext& call) -> TypeRef {
        if (call.arg_types.size() != 2) return nullptr;
        const TypeRef& a = call.arg_types[0];
        const TypeRef& b = call.arg_types[1];
        bool timestamps = Is(a, TypeKind::Timestamp) && Is(b, TypeKind::Timestamp);
        bool dates = Is(a, TypeKind::Date) && Is(b, TypeKind::Date);
        return timestamps || dates ? DurationType() : nullptr;
      }));
}

}  // namespace etl::stdlib::catalog
