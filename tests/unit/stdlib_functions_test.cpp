// Every function's typing rule on good and bad argument types, nullability, and
// constant-argument validation.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "stdlib/spec.h"

namespace etl::stdlib {
namespace {

using ast::TypeRef;
using ast::Value;

TypeRef T(const std::string& spelling) {
  if (spelling == "null") return ast::NullType();
  if (spelling == "secret") return ast::SecretType();
  if (spelling == "<error>") return ast::ErrorType();
  auto type = ast::ParseType(spelling);
  EXPECT_TRUE(type) << "bad type spelling in the test: " << spelling;
  return type ? *type : ast::ErrorType();
}

CallContext Call(const std::string& name, const std::vector<std::string>& args,
                 std::vector<std::optional<Value>> values = {}) {
  CallContext call;
  call.function = name;
  for (const auto& arg : args) call.arg_types.push_back(T(arg));
  values.resize(args.size());
  call.arg_values = std::move(values);
  call.arg_ranges.resize(args.size(), diag::SourceRange{0, 0, 1});
  return call;
}

struct Case {
  std::string function;
  bool aggregate;
  std::vector<std::string> args;
  std::string result;  // ToString of the result type; "" when the arguments must not fit
};

// Good and bad argument types for every function (at least one of each per function).
const std::vector<Case> kCases = {
    // strings
    {"len", false, {"string"}, "int"}, {"len", false, {"list<float>"}, "int"}, {"len", false, {"map<int>"}, "int"},
    {"len", false, {"int"}, ""}, {"len", false, {"string?"}, ""}, {"len", false, {"string", "string"}, ""},
    {"lower", false, {"string"}, "string"}, {"lower", false, {"int"}, ""},
    {"upper", false, {"string"}, "string"}, {"upper", false, {"string?"}, ""},
    {"trim", false, {"string"}, "string"}, {"trim", false, {}, ""},
    {"ltrim", false, {"string"}, "string"}, {"ltrim", false, {"bool"}, ""},
    {"rtrim", false, {"string"}, "string"}, {"rtrim", false, {"date"}, ""},
    {"substr", false, {"string", "int", "int"}, "string"}, {"substr", false, {"string", "int"}, "string"},
    {"substr", false, {"string", "float"}, ""}, {"substr", false, {"string"}, ""},
    {"replace", false, {"string", "string", "string"}, "string"}, {"replace", false, {"string", "string"}, ""},
    {"split", false, {"string", "string"}, "list<string>"}, {"split", false, {"list<string>", "string"}, ""},
    {"starts_with", false, {"string", "string"}, "bool"}, {"starts_with", false, {"string", "int"}, ""},
    {"ends_with", false, {"string", "string"}, "bool"}, {"ends_with", false, {"string?", "string"}, ""},
    {"contains", false, {"string", "string"}, "bool"}, {"contains", false, {"list<int>", "int"}, "bool"},
    {"contains", false, {"list<float>", "int"}, "bool"}, {"contains", false, {"list<int>", "string"}, ""},
    {"contains", false, {"list<int?>", "int?"}, "bool"}, {"contains", false, {"int", "int"}, ""},
    {"concat", false, {"string", "string", "string"}, "string"}, {"concat", false, {"string", "int"}, ""},
    {"concat", false, {}, ""},
    {"format", false, {"string", "int", "float?"}, "string"}, {"format", false, {"int"}, ""},
    {"format", false, {"string", "secret"}, ""},
    {"pad_left", false, {"string", "int"}, "string"}, {"pad_left", false, {"string", "int", "string"}, "string"},
    {"pad_left", false, {"int", "int"}, ""},
    {"pad_right", false, {"string", "int", "string"}, "string"}, {"pad_right", false, {"string", "string"}, ""},
    {"regex_extract", false, {"string", "string"}, "string?"}, {"regex_extract", false, {"string", "string", "int"}, "string?"},
    {"regex_extract", false, {"string", "int"}, ""},
    {"regex_replace", false, {"string", "string", "string"}, "string"}, {"regex_replace", false, {"string", "string"}, ""},
    // numbers
    {"abs", false, {"int"}, "int"}, {"abs", false, {"float"}, "float"}, {"abs", false, {"decimal(10, 2)"}, "decimal(10, 2)"},
    {"abs", false, {"string"}, ""}, {"abs", false, {"int?"}, ""},
    {"round", false, {"float"}, "float"}, {"round", false, {"float", "int"}, "float"}, {"round", false, {"int"}, "int"},
    {"round", false, {"float", "float"}, ""}, {"round", false, {"string"}, ""},
    {"floor", false, {"float"}, "float"}, {"floor", false, {"int"}, "int"}, {"floor", false, {"bool"}, ""},
    {"ceil", false, {"float"}, "float"}, {"ceil", false, {"float?"}, ""},
    {"min", false, {"int", "int"}, "int"}, {"min", false, {"int", "float"}, "float"},
    {"min", false, {"date", "date", "date"}, "date"}, {"min", false, {"int", "string"}, ""},
    {"min", false, {"float", "decimal(10, 2)"}, ""}, {"min", false, {"int?", "int"}, ""},
    {"min", false, {"json", "json"}, ""},
    {"max", false, {"string", "string"}, "string"}, {"max", false, {"list<int>", "list<int>"}, ""},
    {"pow", false, {"float", "int"}, "float"}, {"pow", false, {"int", "int"}, "float"}, {"pow", false, {"string", "int"}, ""},
    {"sqrt", false, {"float"}, "float"}, {"sqrt", false, {"int"}, "float"}, {"sqrt", false, {"decimal(10, 2)"}, ""},
    // time
    {"now", false, {}, "timestamp"}, {"now", false, {"int"}, ""},
    {"date", false, {"timestamp"}, "date"}, {"date", false, {"string"}, "date"}, {"date", false, {"date"}, "date"},
    {"date", false, {"int"}, ""}, {"date", false, {"timestamp?"}, ""},
    {"year", false, {"timestamp"}, "int"}, {"year", false, {"date"}, "int"}, {"year", false, {"string"}, ""},
    {"month", false, {"date"}, "int"}, {"month", false, {"int"}, ""},
    {"day", false, {"timestamp"}, "int"}, {"day", false, {"timestamp?"}, ""},
    {"hour", false, {"timestamp"}, "int"}, {"hour", false, {"duration"}, ""},
    {"parse_timestamp", false, {"string", "string"}, "timestamp"}, {"parse_timestamp", false, {"string"}, "timestamp"},
    {"parse_timestamp", false, {"int", "string"}, ""},
    {"format_timestamp", false, {"timestamp", "string"}, "string"}, {"format_timestamp", false, {"date", "string"}, "string"},
    {"format_timestamp", false, {"string", "string"}, ""},
    {"trunc", false, {"timestamp", "string"}, "timestamp"}, {"trunc", false, {"date", "string"}, "date"},
    {"trunc", false, {"float", "string"}, ""},
    {"diff", false, {"timestamp", "timestamp"}, "duration"}, {"diff", false, {"date", "date"}, "duration"},
    {"diff", false, {"timestamp", "date"}, ""},
    // casts: nullable in, nullable out
    {"int", false, {"string"}, "int"}, {"int", false, {"float?"}, "int?"}, {"int", false, {"null"}, "int?"},
    {"int", false, {"date"}, ""}, {"int", false, {"secret"}, ""},
    {"float", false, {"int"}, "float"}, {"float", false, {"string?"}, "float?"}, {"float", false, {"list<int>"}, ""},
    {"string", false, {"date"}, "string"}, {"string", false, {"int?"}, "string?"}, {"string", false, {"secret"}, ""},
    {"bool", false, {"string"}, "bool"}, {"bool", false, {"int?"}, "bool?"}, {"bool", false, {"float"}, ""},
    {"json", false, {"{a: int}"}, "json"}, {"json", false, {"string?"}, "json?"}, {"json", false, {"secret"}, ""},
    {"decimal", false, {"string", "int"}, ""}, {"decimal", false, {"date", "int", "int"}, ""},
    // other
    {"coalesce", false, {"int?", "int"}, "int"}, {"coalesce", false, {"int?", "float?"}, "float?"},
    {"coalesce", false, {"string?", "null", "string"}, "string"}, {"coalesce", false, {"int?", "string"}, ""},
    {"coalesce", false, {"int?"}, ""},
    {"hash", false, {"string", "int?", "date"}, "int"}, {"hash", false, {}, ""}, {"hash", false, {"secret"}, ""},
    {"uuid", false, {}, "string"}, {"uuid", false, {"string"}, ""},
    {"env", false, {"string"}, "string?"}, {"env", false, {"int"}, ""},
    {"secret", false, {"string"}, "secret"}, {"secret", false, {"string?"}, ""},
    {"parse_json", false, {"string"}, "json"}, {"parse_json", false, {"json"}, ""},
    {"to_json", false, {"{a: int?}?"}, "string"}, {"to_json", false, {"secret"}, ""},
    {"keys", false, {"map<int>"}, "list<string>"}, {"keys", false, {"list<string>"}, ""},
    {"lookup", false, {"map<float>", "string"}, "float?"}, {"lookup", false, {"map<float>", "int"}, ""},
    // aggregates: nulls are skipped
    {"count", true, {}, "int"}, {"count", true, {"string?"}, "int"}, {"count", true, {"int", "int"}, ""},
    {"count_distinct", true, {"string"}, "int"}, {"count_distinct", true, {"secret"}, ""},
    {"sum", true, {"int"}, "int"}, {"sum", true, {"float?"}, "float?"}, {"sum", true, {"decimal(10, 2)"}, "decimal(38, 2)"},
    {"sum", true, {"string"}, ""},
    {"avg", true, {"int"}, "float"}, {"avg", true, {"int?"}, "float?"}, {"avg", true, {"date"}, ""},
    {"min", true, {"timestamp"}, "timestamp"}, {"min", true, {"int?"}, "int?"}, {"min", true, {"json"}, ""},
    {"max", true, {"string"}, "string"}, {"max", true, {"list<int>"}, ""},
    {"first", true, {"{a: int}"}, "{a: int}"}, {"first", true, {"secret"}, ""},
    {"last", true, {"string?"}, "string?"}, {"last", true, {"null"}, ""},
    {"list", true, {"int?"}, "list<int?>"}, {"list", true, {}, ""},
    {"stddev", true, {"float"}, "float?"}, {"stddev", true, {"string"}, ""},
    {"percentile", true, {"string", "float"}, ""},
};

TEST(StdlibFunctions, TypingRulesTableDriven) {
  for (const auto& c : kCases) {
    const FunctionSpec* spec = FindFunction(c.function, c.aggregate);
    ASSERT_NE(spec, nullptr) << c.function;
    ASSERT_EQ(spec->aggregate, c.aggregate) << c.function;
    diag::Diagnostics diagnostics;
    CallContext call = Call(c.function, c.args);
    call.diagnostics = &diagnostics;
    TypeRef result = spec->check(call);
    std::string args;
    for (const auto& a : c.args) args += a + ", ";
    if (c.result.empty()) {
      EXPECT_EQ(result, nullptr) << c.function << "(" << args << ") gave " << ast::ToString(result);
    } else {
      ASSERT_NE(result, nullptr) << c.function << "(" << args << ")";
      EXPECT_EQ(ast::ToString(result, true), c.result) << c.function << "(" << args << ")";
    }
  }
}

TEST(StdlibFunctions, EveryFunctionHasAGoodAndABadCase) {
  for (const FunctionSpec* spec : AllFunctions()) {
    bool good = false, bad = false;
    for (const auto& c : kCases) {
      if (c.function != spec->name || c.aggregate != spec->aggregate) continue;
      (c.result.empty() ? bad : good) = true;
    }
    // decimal and percentile need constants: their good cases are in the constant tests.
    if (spec->name == "decimal" || spec->name == "percentile") good = true;
    EXPECT_TRUE(good && bad) << spec->name << (spec->aggregate ? " (aggregate)" : "");
  }
}

TEST(StdlibFunctions, NoFunctionAcceptsASecret) {
  for (const FunctionSpec* spec : AllFunctions()) {
    for (size_t arity = 1; arity <= 3; ++arity) {
      for (size_t i = 0; i < arity; ++i) {
        std::vector<std::string> args(arity, "string");
        args[i] = "secret";
        CallContext call = Call(spec->name, args, std::vector<std::optional<Value>>(arity));
        EXPECT_EQ(spec->check(call), nullptr) << spec->name << " accepts a secret at " << i << "/" << arity;
      }
    }
  }
}

TEST(StdlibFunctions, NullableArgumentsAreReportedByPosition) {
  const FunctionSpec* substr = FindFunction("substr");
  CallContext call = Call("substr", {"string", "int?", "int"});
  EXPECT_EQ(substr->check(call), nullptr);
  EXPECT_EQ(NullableArguments(*substr, call), std::vector<size_t>{1});
  // A real mismatch: making arguments non-null does not help.
  CallContext mismatch = Call("substr", {"string?", "string"});
  EXPECT_TRUE(NullableArguments(*substr, mismatch).empty());
  // Fitting calls have no culprits.
  EXPECT_TRUE(NullableArguments(*substr, Call("substr", {"string", "int"})).empty());
  // Casts accept nullable values: nothing to report.
  const FunctionSpec* to_int = FindFunction("int");
  EXPECT_NE(to_int->check(Call("int", {"string?"})), nullptr);
}

// Calls `name` with constant arguments; returns the result and the E0312 count.
std::pair<TypeRef, size_t> WithConstants(const std::string& name, bool aggregate, const std::vector<std::string>& args,
                                         std::vector<std::optional<Value>> values) {
  const FunctionSpec* spec = FindFunction(name, aggregate);
  EXPECT_NE(spec, nullptr) << name;
  diag::Diagnostics diagnostics;
  CallContext call = Call(name, args, std::move(values));
  call.diagnostics = &diagnostics;
  TypeRef result = spec->check(call);
  size_t invalid = 0;
  for (const auto& d : diagnostics.All()) {
    EXPECT_EQ(d.code, diag::Code::InvalidArgumentValue) << d.message;
    EXPECT_EQ(d.range.end, 1u) << "reported at the argument";
    invalid += d.code == diag::Code::InvalidArgumentValue;
  }
  return {result, invalid};
}

TEST(StdlibFunctions, TruncUnitIsValidated) {
  auto [ok, ok_errors] = WithConstants("trunc", false, {"timestamp", "string"}, {std::nullopt, Value::String("month")});
  EXPECT_EQ(ast::ToString(ok), "timestamp");
  EXPECT_EQ(ok_errors, 0u);
  auto [bad, bad_errors] = WithConstants("trunc", false, {"timestamp", "string"}, {std::nullopt, Value::String("days")});
  EXPECT_TRUE(ast::IsError(bad));
  EXPECT_EQ(bad_errors, 1u);
}

TEST(StdlibFunctions, PercentileMustBeAConstantInZeroOne) {
  auto [ok, ok_errors] = WithConstants("percentile", true, {"float?", "float"}, {std::nullopt, Value::Float(0.95)});
  EXPECT_EQ(ast::ToString(ok), "float");
  EXPECT_EQ(ok_errors, 0u);
  EXPECT_EQ(WithConstants("percentile", true, {"int", "float"}, {std::nullopt, Value::Float(1.5)}).second, 1u);
  EXPECT_EQ(WithConstants("percentile", true, {"int", "float"}, {std::nullopt, std::nullopt}).second, 1u);
  EXPECT_EQ(WithConstants("percentile", true, {"int", "int"}, {std::nullopt, Value::Int(1)}).second, 0u);
}

TEST(StdlibFunctions, RegexPatternsAreValidated) {
  EXPECT_EQ(WithConstants("regex_replace", false, {"string", "string", "string"},
                          {std::nullopt, Value::String("[0-9]+"), std::nullopt}).second, 0u);
  EXPECT_EQ(WithConstants("regex_replace", false, {"string", "string", "string"},
                          {std::nullopt, Value::String("(ab"), std::nullopt}).second, 1u);
  EXPECT_EQ(WithConstants("regex_extract", false, {"string", "string"}, {std::nullopt, Value::String("a[b")}).second, 1u);
  // The group must exist in a constant pattern.
  EXPECT_EQ(WithConstants("regex_extract", false, {"string", "string", "int"},
                          {std::nullopt, Value::String("@(.+)$"), Value::Int(1)}).second, 0u);
  EXPECT_EQ(WithConstants("regex_extract", false, {"string", "string", "int"},
                          {std::nullopt, Value::String("@(.+)$"), Value::Int(2)}).second, 1u);
}

TEST(StdlibFunctions, DecimalPrecisionAndScale) {
  auto [ok, errors] = WithConstants("decimal", false, {"string?", "int", "int"}, {std::nullopt, Value::Int(12), Value::Int(2)});
  EXPECT_EQ(ast::ToString(ok), "decimal(12, 2)?");
  EXPECT_EQ(errors, 0u);
  EXPECT_EQ(WithConstants("decimal", false, {"float", "int", "int"}, {std::nullopt, Value::Int(39), Value::Int(2)}).second, 1u);
  EXPECT_EQ(WithConstants("decimal", false, {"float", "int", "int"}, {std::nullopt, Value::Int(0), Value::Int(0)}).second, 1u);
  EXPECT_EQ(WithConstants("decimal", false, {"float", "int", "int"}, {std::nullopt, Value::Int(5), Value::Int(6)}).second, 1u);
  EXPECT_EQ(WithConstants("decimal", false, {"float", "int", "int"}, {std::nullopt, Value::Int(5), Value::Int(-1)}).second, 1u);
  EXPECT_EQ(WithConstants("decimal", false, {"float", "int", "int"}, {std::nullopt, std::nullopt, Value::Int(1)}).second, 1u);
}

TEST(StdlibFunctions, TimeFormatsAreValidated) {
  EXPECT_EQ(WithConstants("parse_timestamp", false, {"string", "string"}, {std::nullopt, Value::String("%Y-%m-%d %H:%M:%S%z")}).second, 0u);
  EXPECT_EQ(WithConstants("parse_timestamp", false, {"string", "string"}, {std::nullopt, Value::String("%Y-%q")}).second, 1u);
  EXPECT_EQ(WithConstants("format_timestamp", false, {"timestamp", "string"}, {std::nullopt, Value::String("100%")}).second, 1u);
  EXPECT_EQ(WithConstants("format_timestamp", false, {"timestamp", "string"}, {std::nullopt, Value::String("100%%")}).second, 0u);
}

TEST(StdlibFunctions, FormatPlaceholdersMatchArguments) {
  EXPECT_EQ(WithConstants("format", false, {"string", "int", "int"}, {Value::String("{} of {}")}).second, 0u);
  EXPECT_EQ(WithConstants("format", false, {"string", "int"}, {Value::String("{} of {}")}).second, 1u);
  EXPECT_EQ(WithConstants("format", false, {"string"}, {Value::String("{{literal}}")}).second, 0u);
  EXPECT_EQ(WithConstants("format", false, {"string", "int"}, {Value::String("{x}")}).second, 1u);
}

TEST(StdlibFunctions, PadFillAndWidth) {
  EXPECT_EQ(WithConstants("pad_left", false, {"string", "int", "string"}, {std::nullopt, Value::Int(5), Value::String("")}).second, 1u);
  EXPECT_EQ(WithConstants("pad_left", false, {"string", "int"}, {std::nullopt, Value::Int(-1)}).second, 1u);
}

TEST(StdlibFunctions, ProbingReportsNothing) {
  const FunctionSpec* trunc = FindFunction("trunc");
  CallContext call = Call("trunc", {"timestamp", "string"}, {std::nullopt, Value::String("days")});
  call.diagnostics = nullptr;  // sema probing: must not crash nor report
  EXPECT_TRUE(ast::IsError(trunc->check(call)));
}

TEST(StdlibFunctions, PurityFlags) {
  for (const char* name : {"now", "uuid", "env", "secret"}) EXPECT_FALSE(FindFunction(name)->pure) << name;
  for (const char* name : {"len", "date", "coalesce", "hash"}) EXPECT_TRUE(FindFunction(name)->pure) << name;
}

}  // namespace
}  // namespace etl::stdlib
