// Stdlib scalar functions through the interpreter (language.md §11, docs/reference/functions.md).
#include <cstdlib>

#include "runtime_eval_util.h"

namespace etl::runtime::testing {
namespace {

Value Call(const char* name, std::vector<Expr> args, TypeRef type, const EvalContext& ctx = {}) {
  return Eval1(ir::CallExpr(name, std::move(args), std::move(type)), ctx);
}
#define EXPECT_CALL_VALUE(call, expected) \
  do {                                    \
    Value got_ = (call);                  \
    EXPECT_TRUE(Same(got_, expected)) << #call << " = " << ast::ToLiteral(got_); \
  } while (0)

TEST(EvalFunctions, Strings) {
  auto s = ast::StringType();
  auto i = ast::IntType();
  auto b = ast::BoolType();
  EXPECT_CALL_VALUE(Call("len", {Str("été")}, i), Value::Int(3));
  EXPECT_CALL_VALUE(Call("len", {Str("")}, i), Value::Int(0));
  EXPECT_CALL_VALUE(Call("lower", {Str("AbC")}, s), Value::String("abc"));
  EXPECT_CALL_VALUE(Call("upper", {Str("abc")}, s), Value::String("ABC"));
  EXPECT_CALL_VALUE(Call("trim", {Str("  a b \n")}, s), Value::String("a b"));
  EXPECT_CALL_VALUE(Call("ltrim", {Str("  a ")}, s), Value::String("a "));
  EXPECT_CALL_VALUE(Call("rtrim", {Str("  a ")}, s), Value::String("  a"));
  // Unicode: simple case mapping and the White_Space property; invalid UTF-8 passes through.
  EXPECT_CALL_VALUE(Call("lower", {Str("ÉTÉ Straße ΣΑΣ")}, s), Value::String("été straße σασ"));
  EXPECT_CALL_VALUE(Call("upper", {Str("été ǆ σ")}, s), Value::String("ÉTÉ Ǆ Σ"));
  EXPECT_CALL_VALUE(Call("upper", {Str("a\xff\xc3" "b")}, s), Value::String("A\xff\xc3" "B"));
  EXPECT_CALL_VALUE(Call("trim", {Str("\u00a0\u3000 x y\u2003\t")}, s), Value::String("x y"));
  EXPECT_CALL_VALUE(Call("ltrim", {Str("\u2028é ")}, s), Value::String("é "));
  EXPECT_CALL_VALUE(Call("rtrim", {Str(" é\u00a0")}, s), Value::String(" é"));
  EXPECT_CALL_VALUE(Call("trim", {Str("\u00e9")}, s), Value::String("é"));  // é is not space
  EXPECT_CALL_VALUE(Call("substr", {Str("héllo"), Int(1), Int(3)}, s), Value::String("éll"));
  EXPECT_CALL_VALUE(Call("substr", {Str("héllo"), Int(2)}, s), Value::String("llo"));
  EXPECT_CALL_VALUE(Call("substr", {Str("ab"), Int(5)}, s), Value::String(""));
  EXPECT_CALL_VALUE(Call("substr", {Str("ab"), Int(-1)}, s), Value::String("error:argument"));
  EXPECT_CALL_VALUE(Call("replace", {Str("a-b-c"), Str("-"), Str("+")}, s), Value::String("a+b+c"));
  EXPECT_CALL_VALUE(Call("split", {Str("a,b,,c"), Str(",")}, T("list<string>")),
                    ListV({Value::String("a"), Value::String("b"), Value::String(""), Value::String("c")}));
  EXPECT_CALL_VALUE(Call("split", {Str("aé"), Str("")}, T("list<string>")), ListV({Value::String("a"), Value::String("é")}));
  EXPECT_CALL_VALUE(Call("starts_with", {Str("abc"), Str("ab")}, b), Value::Bool(true));
  EXPECT_CALL_VALUE(Call("ends_with", {Str("abc"), Str("ab")}, b), Value::Bool(false));
  EXPECT_CALL_VALUE(Call("contains", {Str("abc"), Str("b")}, b), Value::Bool(true));
  EXPECT_CALL_VALUE(Call("contains", {ir::LiteralExpr(ListV({Value::Int(1), Value::Int(2)}), T("list<int>")), Int(2)}, b), Value::Bool(true));
  EXPECT_CALL_VALUE(Call("concat", {Str("a"), Str("b"), Str("c")}, s), Value::String("abc"));
  EXPECT_CALL_VALUE(Call("format", {Str("{} and {}, {{x}}"), Int(1), Float(2.5)}, s), Value::String("1 and 2.5, {x}"));
  EXPECT_CALL_VALUE(Call("format", {Str("n={}"), Null(T("int?"))}, s), Value::String("n=null"));
  EXPECT_CALL_VALUE(Call("pad_left", {Str("7"), Int(3), Str("0")}, s), Value::String("007"));
  EXPECT_CALL_VALUE(Call("pad_right", {Str("é"), Int(3)}, s), Value::String("é  "));
  EXPECT_CALL_VALUE(Call("pad_left", {Str("long"), Int(2)}, s), Value::String("long"));
}

TEST(EvalFunctions, Numbers) {
  auto i = ast::IntType();
  auto f = ast::FloatType();
  EXPECT_CALL_VALUE(Call("abs", {Int(-3)}, i), Value::Int(3));
  EXPECT_CALL_VALUE(Call("abs", {Int(std::numeric_limits<int64_t>::min())}, i), Value::String("error:overflow"));
  EXPECT_CALL_VALUE(Call("abs", {Float(-0.0)}, f), Value::Float(0.0));
  EXPECT_CALL_VALUE(Call("round", {Float(2.5)}, f), Value::Float(3.0));
  EXPECT_CALL_VALUE(Call("round", {Float(-2.5)}, f), Value::Float(-3.0));
  EXPECT_CALL_VALUE(Call("round", {Float(1.2345), Int(2)}, f), Value::Float(1.23));
  EXPECT_CALL_VALUE(Call("floor", {Float(2.7)}, f), Value::Float(2.0));
  EXPECT_CALL_VALUE(Call("ceil", {Float(2.1)}, f), Value::Float(3.0));
  EXPECT_CALL_VALUE(Call("min", {Int(3), Int(1), Int(2)}, i), Value::Int(1));
  EXPECT_CALL_VALUE(Call("max", {Str("a"), Str("b")}, ast::StringType()), Value::String("b"));
  EXPECT_CALL_VALUE(Call("pow", {Float(2), Float(10)}, f), Value::Float(1024.0));
  EXPECT_CALL_VALUE(Call("sqrt", {Float(9)}, f), Value::Float(3.0));
  EXPECT_CALL_VALUE(Call("sqrt", {Float(-1)}, f), Value::String("error:argument"));
}

TEST(EvalFunctions, Time) {
  auto ts = [](int64_t us) { return ir::LiteralExpr(Kinded(VK::Timestamp, us), ast::TimestampType()); };
  const int64_t t = 1710499320000000;  // 2024-03-15T10:42:00Z
  auto i = ast::IntType();
  EvalContext ctx;
  ctx.now_us = t;
  EXPECT_CALL_VALUE(Call("now", {}, ast::TimestampType(), ctx), Kinded(VK::Timestamp, t));
  EXPECT_CALL_VALUE(Call("year", {ts(t)}, i), Value::Int(2024));
  EXPECT_CALL_VALUE(Call("month", {ts(t)}, i), Value::Int(3));
  EXPECT_CALL_VALUE(Call("day", {ts(t)}, i), Value::Int(15));
  EXPECT_CALL_VALUE(Call("hour", {ts(t)}, i), Value::Int(10));
  EXPECT_CALL_VALUE(Call("year", {ts(-1)}, i), Value::Int(1969));
  EXPECT_CALL_VALUE(Call("date", {ts(t)}, ast::DateType()), Kinded(VK::Date, 19797));
  EXPECT_CALL_VALUE(Call("date", {Str("2024-03-15")}, ast::DateType()), Kinded(VK::Date, 19797));
  EXPECT_CALL_VALUE(Call("date", {Str("2024-02-31")}, ast::DateType()), Value::String("error:cast"));
  EXPECT_CALL_VALUE(Call("trunc", {ts(t), Str("month")}, ast::TimestampType()), Kinded(VK::Timestamp, 19783LL * 86400000000LL));
  EXPECT_CALL_VALUE(Call("trunc", {ts(t), Str("hour")}, ast::TimestampType()), Kinded(VK::Timestamp, t - 42 * 60000000LL));
  EXPECT_CALL_VALUE(Call("trunc", {ts(t), Str("week")}, ast::TimestampType()), Kinded(VK::Timestamp, 19793LL * 86400000000LL));  // Monday 03-11
  EXPECT_CALL_VALUE(Call("diff", {ts(t), ts(t - 5)}, ast::DurationType()), Kinded(VK::Duration, 5));
}

TEST(EvalFunctions, Casts) {
  EXPECT_CALL_VALUE(Call("int", {Str(" 42 ")}, ast::IntType()), Value::Int(42));
  EXPECT_CALL_VALUE(Call("int", {Str("abc")}, ast::IntType()), Value::String("error:cast"));
  EXPECT_CALL_VALUE(Call("int", {Float(-2.9)}, ast::IntType()), Value::Int(-2));
  EXPECT_CALL_VALUE(Call("int", {Float(1e300)}, ast::IntType()), Value::String("error:cast"));
  EXPECT_CALL_VALUE(Call("int", {Bool(true)}, ast::IntType()), Value::Int(1));
  EXPECT_CALL_VALUE(Call("float", {Str("1e3")}, ast::FloatType()), Value::Float(1000.0));
  EXPECT_CALL_VALUE(Call("float", {Str("x")}, ast::FloatType()), Value::String("error:cast"));
  EXPECT_CALL_VALUE(Call("string", {Float(2.0)}, ast::StringType()), Value::String("2.0"));
  EXPECT_CALL_VALUE(Call("string", {ir::LiteralExpr(Kinded(VK::Duration, 5400000000), ast::DurationType())}, ast::StringType()), Value::String("1h30m"));
  EXPECT_CALL_VALUE(Call("string", {Null(T("int?"))}, T("string?")), Value::Null());
  EXPECT_CALL_VALUE(Call("bool", {Str("Yes")}, ast::BoolType()), Value::Bool(true));
  EXPECT_CALL_VALUE(Call("bool", {Int(2)}, ast::BoolType()), Value::String("error:cast"));
  EXPECT_CALL_VALUE(Call("json", {Str("a\"b")}, ast::JsonType()), Value::String("\"a\\\"b\""));
}

TEST(EvalFunctions, Other) {
  EXPECT_CALL_VALUE(Call("coalesce", {Null(T("int?")), Null(T("int?")), Int(3)}, ast::IntType()), Value::Int(3));
  EXPECT_CALL_VALUE(Call("to_json", {Null(T("int?"))}, ast::StringType()), Value::String("null"));
  EXPECT_CALL_VALUE(Call("to_json", {ir::LiteralExpr(ListV({Value::Int(1), Value::Int(2)}), T("list<int>"))}, ast::StringType()),
                    Value::String("[1,2]"));
  EXPECT_CALL_VALUE(Call("parse_json", {Str("{\"a\": 1}")}, ast::JsonType()), Value::String("{\"a\":1}"));
  EXPECT_CALL_VALUE(Call("parse_json", {Str("{")}, ast::JsonType()), Value::String("error:json"));
  ::setenv("ETL_EVAL_TEST_VAR", "v1", 1);
  EXPECT_CALL_VALUE(Call("env", {Str("ETL_EVAL_TEST_VAR")}, T("string?")), Value::String("v1"));
  EXPECT_CALL_VALUE(Call("env", {Str("ETL_EVAL_TEST_UNSET_VAR")}, T("string?")), Value::Null());
  Value map = Rec({{"x", Value::Float(1.0)}, {"y", Value::Float(2.0)}});
  Value unsorted = Rec({{"k2", Value::Float(1.0)}, {"k10", Value::Float(2.0)}, {"K", Value::Float(3.0)}});
  EXPECT_CALL_VALUE(Call("keys", {ir::LiteralExpr(unsorted, T("map<float>"))}, T("list<string>")),
                    ListV({Value::String("K"), Value::String("k10"), Value::String("k2")}));
  EXPECT_CALL_VALUE(Call("json", {Null(T("int?"))}, T("json?")), Value::Null());
  EXPECT_CALL_VALUE(Call("keys", {ir::LiteralExpr(map, T("map<float>"))}, T("list<string>")), ListV({Value::String("x"), Value::String("y")}));
  EXPECT_CALL_VALUE(Call("lookup", {ir::LiteralExpr(map, T("map<float>")), Str("y")}, T("float?")), Value::Float(2.0));
  EXPECT_CALL_VALUE(Call("lookup", {ir::LiteralExpr(map, T("map<float>")), Str("z")}, T("float?")), Value::Null());
  // uuid: version 4, a new value per row.
  Batch two = MakeRows("{id: int}", {Rec({{"id", Value::Int(1)}}), Rec({{"id", Value::Int(2)}})});
  Result r = RunExpr(ir::CallExpr("uuid", {}, ast::StringType()), two);
  ASSERT_EQ(r.values.size(), 2u);
  EXPECT_EQ(r.values[0].string_value.size(), 36u);
  EXPECT_EQ(r.values[0].string_value[14], '4');
  EXPECT_NE(r.values[0].string_value, r.values[1].string_value);
}

}  // namespace
}  // namespace etl::runtime::testing
