// parse_timestamp, format_timestamp and hash through the interpreter, checked against the
// C library's strftime output (GNU date) and published xxHash64 values.
#include "runtime/fn_hash.h"
#include "runtime_eval_util.h"

namespace etl::runtime::testing {
namespace {

Value Call(const char* name, std::vector<Expr> args, TypeRef type) {
  return Eval1(ir::CallExpr(name, std::move(args), std::move(type)), EvalContext{});
}
Expr Ts(int64_t us) { return ir::LiteralExpr(Kinded(VK::Timestamp, us), ast::TimestampType()); }
int64_t At(int64_t y, unsigned m, unsigned d, int64_t hh = 0, int64_t mm = 0, int64_t ss = 0, int64_t us = 0) {
  return ast::DaysFromCivil(y, m, d) * 86400000000LL + ((hh * 60 + mm) * 60 + ss) * 1000000 + us;
}
#define EXPECT_CALL_VALUE(call, expected) \
  do {                                    \
    Value got_ = (call);                  \
    EXPECT_TRUE(Same(got_, expected)) << #call << " = " << ast::ToLiteral(got_); \
  } while (0)

TEST(EvalTimeFormat, FormatMatchesStrftime) {
  // Expected text from: date -u -d "2024-03-05 14:07:09" "+%Y-%m-%d %H:%M:%S %z %Z %j %a %A %b %B %p %y %e %I %l %T %D %F %u %w %U %W %s %%"
  EXPECT_CALL_VALUE(Call("format_timestamp",
                         {Ts(At(2024, 3, 5, 14, 7, 9)),
                          Str("%Y-%m-%d %H:%M:%S %z %Z %j %a %A %b %B %p %y %e %I %l %T %D %F %u %w %U %W %s %%")},
                         ast::StringType()),
                    Value::String("2024-03-05 14:07:09 +0000 UTC 065 Tue Tuesday Mar March PM 24  5 02  2 14:07:09 "
                                  "03/05/24 2024-03-05 2 2 09 10 1709647629 %"));
  EXPECT_CALL_VALUE(Call("format_timestamp", {Ts(At(2024, 3, 5, 0, 0, 0, 120)), Str("%H:%M:%S.%f%:z")}, ast::StringType()),
                    Value::String("00:00:00.000120+00:00"));
  // Week numbers at year starts (date -u -d 2024-01-01 "+%U %W" = "00 01"; 2023-01-01: "01 00").
  EXPECT_CALL_VALUE(Call("format_timestamp", {Ts(At(2024, 1, 1)), Str("%U %W")}, ast::StringType()), Value::String("00 01"));
  EXPECT_CALL_VALUE(Call("format_timestamp", {Ts(At(2023, 1, 1)), Str("%U %W %j")}, ast::StringType()),
                    Value::String("01 00 001"));
  // Before 1970 and a date argument.
  EXPECT_CALL_VALUE(Call("format_timestamp", {Ts(At(1969, 12, 31, 23, 59, 59)), Str("%F %T")}, ast::StringType()),
                    Value::String("1969-12-31 23:59:59"));
  Expr day = ir::LiteralExpr(Kinded(VK::Date, ast::DaysFromCivil(2024, 2, 29)), ast::DateType());
  EXPECT_CALL_VALUE(Call("format_timestamp", {day, Str("%d.%m.%Y")}, ast::StringType()), Value::String("29.02.2024"));
  EXPECT_CALL_VALUE(Call("format_timestamp", {Ts(0), Str("%Q")}, ast::StringType()), Value::String("error:argument"));
}

TEST(EvalTimeFormat, ParseWithAndWithoutFormat) {
  TypeRef t = ast::TimestampType();
  EXPECT_CALL_VALUE(Call("parse_timestamp", {Str("05/03/2024 14:07"), Str("%d/%m/%Y %H:%M")}, t),
                    Kinded(VK::Timestamp, At(2024, 3, 5, 14, 7)));
  EXPECT_CALL_VALUE(Call("parse_timestamp", {Str("Mar 5 2024 2:07 PM"), Str("%b %e %Y %I:%M %p")}, t),
                    Kinded(VK::Timestamp, At(2024, 3, 5, 14, 7)));
  EXPECT_CALL_VALUE(Call("parse_timestamp", {Str("2024-03-05 14:07:09 -0130"), Str("%F %T %z")}, t),
                    Kinded(VK::Timestamp, At(2024, 3, 5, 15, 37, 9)));
  EXPECT_CALL_VALUE(Call("parse_timestamp", {Str("2024-065"), Str("%Y-%j")}, t), Kinded(VK::Timestamp, At(2024, 3, 5)));
  EXPECT_CALL_VALUE(Call("parse_timestamp", {Str("1709647629"), Str("%s")}, t), Kinded(VK::Timestamp, At(2024, 3, 5, 14, 7, 9)));
  EXPECT_CALL_VALUE(Call("parse_timestamp", {Str("12:00:00.5"), Str("%H:%M:%S.%f")}, t),
                    Kinded(VK::Timestamp, At(1970, 1, 1, 12, 0, 0, 500000)));
  // ISO-8601 without a format; no zone means UTC; a bare date is midnight.
  EXPECT_CALL_VALUE(Call("parse_timestamp", {Str("2024-03-05T14:07:09+02:00")}, t), Kinded(VK::Timestamp, At(2024, 3, 5, 12, 7, 9)));
  EXPECT_CALL_VALUE(Call("parse_timestamp", {Str("2024-03-05 14:07:09")}, t), Kinded(VK::Timestamp, At(2024, 3, 5, 14, 7, 9)));
  EXPECT_CALL_VALUE(Call("parse_timestamp", {Str("2024-03-05")}, t), Kinded(VK::Timestamp, At(2024, 3, 5)));
  // Text that does not match, or a day that does not exist: a record error.
  EXPECT_CALL_VALUE(Call("parse_timestamp", {Str("2024-02-30"), Str("%F")}, t), Value::String("error:cast"));
  EXPECT_CALL_VALUE(Call("parse_timestamp", {Str("2024-03-05 extra"), Str("%F")}, t), Value::String("error:cast"));
  EXPECT_CALL_VALUE(Call("parse_timestamp", {Str("13:00 PM"), Str("%I:%M %p")}, t), Value::String("error:cast"));
  EXPECT_CALL_VALUE(Call("parse_timestamp", {Str("yesterday")}, t), Value::String("error:cast"));
}

TEST(EvalTimeFormat, FormatThenParseIsTheIdentity) {
  const char* format = "%Y-%m-%dT%H:%M:%S.%f%z";
  for (int64_t us : {At(2024, 3, 5, 14, 7, 9, 123456), At(1901, 12, 13, 20, 45, 52), At(2038, 1, 19, 3, 14, 8, 1)}) {
    Expr text = ir::CallExpr("format_timestamp", {Ts(us), Str(format)}, ast::StringType());
    EXPECT_CALL_VALUE(Call("parse_timestamp", {text, Str(format)}, ast::TimestampType()), Kinded(VK::Timestamp, us));
  }
}

TEST(Hash, XxHash64MatchesPublishedValues) {
  EXPECT_EQ(XxHash64("", 0), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(XxHash64("a", 0), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(XxHash64("abc", 0), 0x44BC2CF5AD770999ULL);
  EXPECT_EQ(XxHash64("Nobody inspects the spammish repetition", 0), 0xFBCEA83C8A378BF1ULL);  // > 32 bytes
}

TEST(Hash, EqualValuesHashAlikeAndKindsStayApart) {
  TypeRef i = ast::IntType();
  auto h = [&](std::vector<Expr> args) { return Call("hash", std::move(args), i); };
  EXPECT_TRUE(Same(h({Int(1)}), h({Int(1)})));
  EXPECT_FALSE(Same(h({Int(1)}), h({Str("1")})));
  EXPECT_FALSE(Same(h({Int(1), Int(2)}), h({Int(2), Int(1)})));
  EXPECT_FALSE(Same(h({Str("ab"), Str("c")}), h({Str("a"), Str("bc")})));
  EXPECT_TRUE(Same(h({Float(0.0)}), h({Float(-0.0)})));
  EXPECT_EQ(h({Null(ast::WithNullable(i, true))}).kind, VK::Int);  // nulls hash too
}

}  // namespace
}  // namespace etl::runtime::testing
