// A generator of random well-typed lowered expressions (compiler/ir/expr.h) and of random
// records to run them on, shared by the differential tests: runtime_eval_random_test
// (interpreter vs reference evaluator, the basic set) and jit_random_test (JIT vs
// interpreter, the extended set). Expressions are typed as the front end types them
// (compiler/sema): arithmetic and ordering only on non-null operands, `??` for nullable
// fields, nullable values through casts, `if` with a null branch and `==`/`is null`/`in`.
// The basic set draws exactly the random numbers it always did, so a seed reproduces the
// same trees as before the extended set existed.
#pragma once

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "runtime/decimal_math.h"
#include "tests/unit/runtime_eval_util.h"

namespace etl::runtime::testing {

// The basic set's record type (slots 0-8).
inline const char* kRandomSchema =
    "{a: int, b: int?, x: float, y: float?, s: string, t: string?, p: bool, d: decimal(10, 2)?, w: decimal(30, 5)}";
// The extended set's record type: the basic one plus bool?, date, timestamp and duration
// fields (slots 9-15).
inline const char* kRandomSchemaExtended =
    "{a: int, b: int?, x: float, y: float?, s: string, t: string?, p: bool, d: decimal(10, 2)?, w: decimal(30, 5), "
    "q: bool?, dt: date, dn: date?, ts: timestamp, tn: timestamp?, du: duration, dv: duration?}";

class RandomExprGenerator {
 public:
  // `extended`: also dates, timestamps, durations, nullable results, string functions,
  // regex, list expressions, params and reads of earlier results (SetScope).
  explicit RandomExprGenerator(uint64_t seed, bool extended = false) : rng_(seed), extended_(extended) {}

  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }

  // An earlier result a derive's later expression may read (extended set).
  struct ScopeField {
    int slot;
    std::string name;
    TypeRef type;
  };
  void SetScope(std::vector<ScopeField> scope) { scope_ = std::move(scope); }
  // Values are edge values (extremes, zero, NaN...) with probability 1/odds (default 3);
  // rarer edges leave more rows that do not fail, whose values are then compared.
  void SetEdgeOdds(int odds) { edge_odds_ = odds; }

  int64_t SomeInt() {
    static const int64_t edges[] = {0, 1, -1, 2, 7, -7, 100, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()};
    return Pick(edge_odds_) == 0 ? edges[Pick(9)] : Pick(41) - 20;
  }
  double SomeFloat() {
    static const double edges[] = {0.0, -0.0, 1.5, -2.25, 1e300, NAN, INFINITY};
    return Pick(edge_odds_) == 0 ? edges[Pick(7)] : (Pick(2001) - 1000) / 8.0;
  }
  std::string SomeString() {
    static const char* words[] = {"", "a", "abc", "é", "ÉTÉ", " x ", "DE", "FR", "zz"};
    // The extended set adds a 4-byte code point, invalid UTF-8 (a stray byte, a truncated
    // sequence), a NUL byte and Unicode white space.
    static const std::string more[] = {"😀b", "\xff", "a\xc3", std::string("a\0b", 3), "\u00a0x\u2003"};
    int i = Pick(extended_ ? 14 : 9);
    return i < 9 ? words[i] : more[i - 9];
  }
  // Text that casts may or may not accept (extended set).
  std::string SomeCastText() {
    static const char* words[] = {"12", "-3", "1.5", "x", "", "true", "false", "9223372036854775808", " 7", "2024-02-29", "1e3", "NaN"};
    return words[Pick(12)];
  }
  int32_t SomeDays() {
    static const int32_t edges[] = {0, -1, 19782, 11016, -719162, 2932896, 59};
    return Pick(edge_odds_) == 0 ? edges[Pick(7)] : 19000 + Pick(1500);
  }
  int64_t SomeMicros() {
    static const int64_t edges[] = {0, -1, 1709210096123456LL, 253402300799999999LL, -62135596800000000LL,
                                    std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()};
    return Pick(edge_odds_) == 0 ? edges[Pick(7)] : 1700000000000000LL + static_cast<int64_t>(Pick(1000000)) * 3600007LL;
  }
  int64_t SomeDuration() {
    static const int64_t edges[] = {0, 1, -1, 3600000000LL, -86400000000LL, 90061000001LL, std::numeric_limits<int64_t>::max(),
                                    std::numeric_limits<int64_t>::min()};
    return Pick(edge_odds_) == 0 ? edges[Pick(8)] : static_cast<int64_t>(Pick(2001) - 1000) * 60000000LL;
  }

  // An unscaled decimal of decimal(p, s): edges (the largest, halves that round) or small.
  __int128 SomeDecimal(int p, int s) {
    __int128 top = decimal::Pow10(p) - 1;
    __int128 half = s > 0 ? 5 * decimal::Pow10(s - 1) : 5;
    const __int128 edges[] = {0, top, -top, half, -half, decimal::Pow10(s), -1};
    __int128 v = Pick(edge_odds_) == 0 ? edges[Pick(7)] : static_cast<__int128>(Pick(4001) - 2000) * (Pick(2) ? 1 : decimal::Pow10(s > 2 ? s - 2 : 0));
    return v % decimal::Pow10(p);  // a value of the type (literals never exceed theirs)
  }
  Expr DecLit() {
    static const int types[][2] = {{5, 2}, {10, 2}, {12, 4}, {38, 0}, {38, 10}, {3, 3}};
    const int* t = types[Pick(6)];
    return ir::LiteralExpr(Value::Decimal(SomeDecimal(t[0], t[1]), t[1]), ast::DecimalType(t[0], t[1]));
  }

  // A record of the generator's schema (kRandomSchema or kRandomSchemaExtended).
  Value Row() {
    auto maybe = [&](Value v) { return Pick(4) == 0 ? Value::Null() : v; };
    Value row = Rec({{"a", Value::Int(SomeInt())}, {"b", maybe(Value::Int(SomeInt()))}, {"x", Value::Float(SomeFloat())},
                     {"y", maybe(Value::Float(SomeFloat()))}, {"s", Value::String(SomeString())}, {"t", maybe(Value::String(SomeString()))},
                     {"p", Value::Bool(Pick(2) == 0)}, {"d", maybe(Value::Decimal(SomeDecimal(10, 2), 2))},
                     {"w", Value::Decimal(SomeDecimal(30, 5), 5)}});
    if (!extended_) return row;
    row.fields.push_back({"q", maybe(Value::Bool(Pick(2) == 0))});
    row.fields.push_back({"dt", Kinded(VK::Date, SomeDays())});
    row.fields.push_back({"dn", maybe(Kinded(VK::Date, SomeDays()))});
    row.fields.push_back({"ts", Kinded(VK::Timestamp, SomeMicros())});
    row.fields.push_back({"tn", maybe(Kinded(VK::Timestamp, SomeMicros()))});
    row.fields.push_back({"du", Kinded(VK::Duration, SomeDuration())});
    row.fields.push_back({"dv", maybe(Kinded(VK::Duration, SomeDuration()))});
    return row;
  }

  Expr IntE(int depth) {
    auto i = ast::IntType();
    int choice = depth <= 0 ? Pick(2) : Pick(extended_ ? 19 : 11);
    if (choice == 0 && Scoped(i, &scoped_)) return scoped_;
    switch (choice) {
      case 0: return ir::FieldExpr(0, "a", i);
      case 1: return Int(SomeInt());
      case 2: {
        static const BinaryOp ops[] = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Mod};
        return Bin(ops[Pick(5)], IntE(depth - 1), IntE(depth - 1), i);
      }
      case 3: return Un(ast::UnaryOp::Neg, IntE(depth - 1));
      case 4: return Node(ir::ExprKind::If, {BoolE(depth - 1), IntE(depth - 1), IntE(depth - 1)}, i);
      case 5: return Bin(BinaryOp::Coalesce, ir::FieldExpr(1, "b", T("int?")), IntE(depth - 1), i);
      case 6: {
        Expr m = Node(ir::ExprKind::Match, {IntE(depth - 1), Int(SomeInt()), IntE(depth - 1), Int(SomeInt()), Int(SomeInt()), IntE(depth - 1), IntE(depth - 1)}, i);
        m.arm_patterns = {1, 2, 0};
        return m;
      }
      case 7: return ir::CallExpr("abs", {IntE(depth - 1)}, i);
      case 8: return ir::CallExpr("len", {StrE(depth - 1)}, i);
      case 9: return ir::CallExpr("max", {IntE(depth - 1), IntE(depth - 1)}, i);
      case 10: return Bin(BinaryOp::Add, IntE(depth - 1), Int(SomeInt()), i);
      // The extended set.
      case 11: {
        static const char* parts[] = {"year", "month", "day", "hour"};
        return ir::CallExpr(parts[Pick(4)], {Pick(2) ? DateE(depth - 1) : TsE(depth - 1)}, i);
      }
      case 12: return ir::CallExpr("int", {Pick(2) ? Str(SomeCastText()) : StrE(depth - 1)}, i);
      case 13: {
        int from = Pick(3);
        return ir::CallExpr("int", {from == 0 ? FloatE(depth - 1) : from == 1 ? DecE(depth - 1) : BoolE(depth - 1)}, i);
      }
      case 14: return ir::CallExpr(Pick(2) ? "min" : "max", {IntE(depth - 1), IntE(depth - 1), IntE(depth - 1)}, i);
      case 15: return ir::CallExpr("coalesce", {ir::FieldExpr(1, "b", T("int?")), NullableE(T("int?"), depth - 1), IntE(depth - 1)}, i);
      case 16: {
        Expr m = Node(ir::ExprKind::Match, {StrE(depth - 1), Str(SomeString()), IntE(depth - 1), Str(SomeString()), Str(SomeString()), IntE(depth - 1), IntE(depth - 1)}, i);
        m.arm_patterns = {1, 2, 0};
        return m;
      }
      case 17: return ir::ParamExpr("k", i);
      default: return ir::CallExpr(Pick(2) ? "round" : "floor", {IntE(depth - 1)}, i);
    }
  }

  Expr FloatE(int depth) {
    auto f = ast::FloatType();
    int choice = depth <= 0 ? Pick(2) : Pick(extended_ ? 14 : 8);
    if (choice == 0 && Scoped(f, &scoped_)) return scoped_;
    switch (choice) {
      case 0: return ir::FieldExpr(2, "x", f);
      case 1: return Float(SomeFloat());
      case 2: {
        static const BinaryOp ops[] = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Mod};
        return Bin(ops[Pick(5)], FloatE(depth - 1), FloatE(depth - 1), f);
      }
      case 3: return ir::WidenExpr(IntE(depth - 1), f);
      case 4: return Bin(BinaryOp::Coalesce, ir::FieldExpr(3, "y", T("float?")), FloatE(depth - 1), f);
      case 5: return Un(ast::UnaryOp::Neg, FloatE(depth - 1));
      case 6: return Pick(2) ? ir::CallExpr("round", {FloatE(depth - 1)}, f) : ir::CallExpr("float", {DecE(depth - 1)}, f);
      case 7: return Node(ir::ExprKind::If, {BoolE(depth - 1), FloatE(depth - 1), FloatE(depth - 1)}, f);
      // The extended set.
      case 8: return ir::CallExpr(Pick(2) ? "sqrt" : "abs", {FloatE(depth - 1)}, f);
      case 9: return ir::CallExpr("pow", {FloatE(depth - 1), FloatE(depth - 1)}, f);
      case 10: return ir::CallExpr("float", {Pick(2) ? Str(SomeCastText()) : StrE(depth - 1)}, f);
      case 11: return Bin(BinaryOp::Div, DurE(depth - 1), DurE(depth - 1), f);
      case 12: return ir::CallExpr(Pick(2) ? "floor" : "ceil", {FloatE(depth - 1)}, f);
      default: return ir::CallExpr("round", {FloatE(depth - 1), Int(Pick(5) - 1)}, f);
    }
  }

  Expr StrE(int depth) {
    auto s = ast::StringType();
    int choice = depth <= 0 ? Pick(2) : Pick(extended_ ? 20 : 8);
    if (choice == 0 && Scoped(s, &scoped_)) return scoped_;
    switch (choice) {
      case 0: return ir::FieldExpr(4, "s", s);
      case 1: return Str(SomeString());
      case 2: return Bin(BinaryOp::Add, StrE(depth - 1), StrE(depth - 1), s);
      case 3: return Bin(BinaryOp::Coalesce, ir::FieldExpr(5, "t", T("string?")), StrE(depth - 1), s);
      case 4: return ir::CallExpr(Pick(2) ? "upper" : "trim", {StrE(depth - 1)}, s);
      case 5: return Node(ir::ExprKind::Interpolate, {Str("<"), IntE(depth - 1), Str("|"), FloatE(depth - 1), Str("|"), ir::FieldExpr(5, "t", T("string?")), DecE(depth - 1)}, s);
      case 6: return ir::CallExpr("substr", {StrE(depth - 1), Int(Pick(4)), Int(Pick(3))}, s);
      case 7: return Node(ir::ExprKind::If, {BoolE(depth - 1), StrE(depth - 1), StrE(depth - 1)}, s);
      // The extended set.
      case 8: {
        static const char* fns[] = {"lower", "ltrim", "rtrim"};
        return ir::CallExpr(fns[Pick(3)], {StrE(depth - 1)}, s);
      }
      case 9: return ir::CallExpr("substr", {StrE(depth - 1), IntE(depth - 1)}, s);
      case 10: return ir::CallExpr("substr", {StrE(depth - 1), Int(Pick(7) - 3), IntE(depth - 1)}, s);
      case 11: return ir::CallExpr("replace", {StrE(depth - 1), Str(SomeString()), StrE(depth - 1)}, s);
      case 12: return ir::CallExpr("concat", {StrE(depth - 1), StrE(depth - 1), Str(SomeString())}, s);
      case 13: return ir::CallExpr(Pick(2) ? "pad_left" : "pad_right", {StrE(depth - 1), Int(Pick(8) - 1), Str(Pick(2) ? "*" : "é")}, s);
      case 14: {
        int from = Pick(7);
        Expr x = from == 0 ? IntE(depth - 1) : from == 1 ? FloatE(depth - 1) : from == 2 ? DecE(depth - 1)
               : from == 3 ? DateE(depth - 1) : from == 4 ? TsE(depth - 1) : from == 5 ? DurE(depth - 1) : BoolE(depth - 1);
        return ir::CallExpr("string", {std::move(x)}, s);
      }
      case 15: return Node(ir::ExprKind::Interpolate, {DateE(depth - 1), Str(" "), TsE(depth - 1), Str(" "), DurE(depth - 1), Str(" "), BoolE(depth - 1),
                                                       Str(""), NullableE(PickNullableType(), depth - 1)}, s);
      case 16: {
        Expr m = Node(ir::ExprKind::Match, {IntE(depth - 1), Int(SomeInt()), Int(SomeInt()), StrE(depth - 1), StrE(depth - 1)}, s);
        m.arm_patterns = {2, 0};
        return m;
      }
      case 17: return ir::CallExpr("format_timestamp", {TsE(depth - 1), Str(Pick(2) ? "%Y-%m-%d %H:%M" : "%d/%m/%y")}, s);
      case 18: return ir::CallExpr("regex_replace", {StrE(depth - 1), Str(Pick(2) ? "[aé]" : "^\\s+"), Str("_")}, s);
      default: return Bin(BinaryOp::Coalesce, NullableE(T("string?"), depth - 1), StrE(depth - 1), s);
    }
  }

  Expr BoolE(int depth) {
    auto b = ast::BoolType();
    int choice = depth <= 0 ? Pick(2) : Pick(extended_ ? 18 : 10);
    static const BinaryOp cmp[] = {BinaryOp::Eq, BinaryOp::Ne, BinaryOp::Lt, BinaryOp::Le, BinaryOp::Gt, BinaryOp::Ge};
    if (choice == 0 && Scoped(b, &scoped_)) return scoped_;
    switch (choice) {
      case 0: return ir::FieldExpr(6, "p", b);
      case 1: return Bool(Pick(2) == 0);
      case 2: return Bin(cmp[Pick(6)], IntE(depth - 1), IntE(depth - 1), b);
      case 3: return Bin(cmp[Pick(6)], FloatE(depth - 1), FloatE(depth - 1), b);
      case 4: return Bin(cmp[Pick(6)], StrE(depth - 1), StrE(depth - 1), b);
      case 5: return Bin(Pick(2) ? BinaryOp::And : BinaryOp::Or, BoolE(depth - 1), BoolE(depth - 1), b);
      case 6: return Un(ast::UnaryOp::Not, BoolE(depth - 1));
      case 7: {
        Expr e = Node(ir::ExprKind::IsNull, {Pick(2) ? ir::FieldExpr(1, "b", T("int?")) : ir::FieldExpr(5, "t", T("string?"))}, b);
        e.negated = Pick(2) == 0;
        return e;
      }
      case 8:
        if (Pick(2)) return Bin(cmp[Pick(6)], DecE(depth - 1), Pick(3) ? DecE(depth - 1) : IntE(depth - 1), b);
        if (Pick(2)) {
          return Bin(Pick(2) ? BinaryOp::In : BinaryOp::NotIn, ir::FieldExpr(7, "d", T("decimal(10, 2)?")),
                     ir::LiteralExpr(ListV({Value::Int(Pick(5) - 2), Value::Decimal(SomeDecimal(10, 2), 2), Value::Decimal(Pick(5) - 2, 1)}),
                                     T("list<decimal(10, 2)>")),
                     b);
        }
        return Bin(Pick(2) ? BinaryOp::In : BinaryOp::NotIn, ir::FieldExpr(1, "b", T("int?")),
                   ir::LiteralExpr(ListV({Value::Int(SomeInt()), Value::Int(SomeInt()), Value::Int(1)}), T("list<int>")), b);
      case 9: return Bin(BinaryOp::Eq, ir::FieldExpr(5, "t", T("string?")), Pick(2) ? Str(SomeString()) : Null(ast::NullType()), b);
      // The extended set.
      case 10: {
        int kind = Pick(3);
        Expr l = kind == 0 ? DateE(depth - 1) : kind == 1 ? TsE(depth - 1) : DurE(depth - 1);
        Expr r = kind == 0 ? DateE(depth - 1) : kind == 1 ? TsE(depth - 1) : DurE(depth - 1);
        return Bin(cmp[Pick(6)], std::move(l), std::move(r), b);
      }
      case 11: {
        static const char* fns[] = {"starts_with", "ends_with", "contains"};
        return ir::CallExpr(fns[Pick(3)], {StrE(depth - 1), Pick(2) ? Str(SomeString()) : StrE(depth - 1)}, b);
      }
      case 12: {
        static const char* patterns[] = {"^a", "é", "[A-Z]{2}", "^$", "b+c?"};
        return Bin(BinaryOp::Match, StrE(depth - 1), Str(patterns[Pick(5)]), b);
      }
      case 13: return Bin(BinaryOp::Coalesce, ir::FieldExpr(9, "q", T("bool?")), BoolE(depth - 1), b);
      case 14: {
        // == / != between nullable values of one type (null equals only null).
        TypeRef t = PickNullableType();
        return Bin(Pick(2) ? BinaryOp::Eq : BinaryOp::Ne, NullableE(t, depth - 1), NullableE(t, depth - 1), b);
      }
      case 15: {
        Expr e = Node(ir::ExprKind::IsNull, {NullableE(PickNullableType(), depth - 1)}, b);
        e.negated = Pick(2) == 0;
        return e;
      }
      case 16: {
        // `in` a list built per row (not a constant).
        std::vector<Expr> items = {IntE(depth - 1), Int(SomeInt()), IntE(depth - 1)};
        Expr list = Node(ir::ExprKind::List, std::move(items), T("list<int>"));
        return Bin(Pick(2) ? BinaryOp::In : BinaryOp::NotIn, Pick(2) ? IntE(depth - 1) : ir::FieldExpr(1, "b", T("int?")), std::move(list), b);
      }
      default:
        return Bin(Pick(2) ? BinaryOp::In : BinaryOp::NotIn, Pick(2) ? StrE(depth - 1) : ir::FieldExpr(5, "t", T("string?")),
                   ir::LiteralExpr(ListV({Value::String(SomeString()), Value::String(SomeString()), Value::String("é")}), T("list<string>")), b);
    }
  }

  // Decimals of mixed types: results typed as the front end types them (ast::CommonType).
  Expr DecE(int depth) {
    int choice = depth <= 0 ? Pick(3) : Pick(11);
    switch (choice) {
      case 0: return Bin(BinaryOp::Coalesce, ir::FieldExpr(7, "d", T("decimal(10, 2)?")), DecLit(), T("decimal(12, 4)"));
      case 1: return ir::FieldExpr(8, "w", T("decimal(30, 5)"));
      case 2: return DecLit();
      case 3:
      case 4: {
        static const BinaryOp ops[] = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Mod};
        Expr a = DecE(depth - 1), b = DecE(depth - 1);
        TypeRef t = ast::CommonType(a.type, b.type);
        return Bin(ops[Pick(5)], std::move(a), std::move(b), t);
      }
      case 5: return Un(ast::UnaryOp::Neg, DecE(depth - 1));
      case 6: return ir::WidenExpr(IntE(depth - 1), ast::DecimalType(Pick(2) ? 20 : 38, Pick(4)));
      case 7: {
        int p = 1 + Pick(38), s = Pick(p + 1);
        Expr x = Pick(2) ? DecE(depth - 1) : FloatE(depth - 1);
        return ir::CallExpr("decimal", {std::move(x), Int(p), Int(s)}, ast::DecimalType(p, s));
      }
      case 8: {
        Expr a = DecE(depth - 1), b = DecE(depth - 1);
        TypeRef t = ast::CommonType(a.type, b.type);
        return Node(ir::ExprKind::If, {BoolE(depth - 1), std::move(a), std::move(b)}, t);
      }
      case 9: {
        Expr x = DecE(depth - 1);
        TypeRef t = x.type;
        return Pick(2) ? ir::CallExpr("abs", {std::move(x)}, t) : ir::CallExpr("round", {std::move(x), Int(Pick(4))}, t);
      }
      default: {
        Expr x = DecE(depth - 1);
        TypeRef t = x.type;
        return ir::CallExpr(Pick(2) ? "floor" : "ceil", {std::move(x)}, t);
      }
    }
  }

  // Dates (extended set).
  Expr DateE(int depth) {
    auto t = ast::DateType();
    int choice = depth <= 0 ? Pick(3) : Pick(8);
    if (choice == 0 && Scoped(t, &scoped_)) return scoped_;
    switch (choice) {
      case 0: return ir::FieldExpr(10, "dt", t);
      case 1: return ir::LiteralExpr(Kinded(VK::Date, SomeDays()), t);
      case 2: return Bin(BinaryOp::Coalesce, ir::FieldExpr(11, "dn", T("date?")), DateE(depth - 1), t);
      case 3: return Bin(Pick(2) ? BinaryOp::Add : BinaryOp::Sub, DateE(depth - 1), DurE(depth - 1), t);
      case 4: return ir::CallExpr("date", {TsE(depth - 1)}, t);
      case 5: return ir::CallExpr("trunc", {DateE(depth - 1), Str(TruncUnit())}, t);
      case 6: return ir::CallExpr("date", {Pick(2) ? Str(SomeCastText()) : StrE(depth - 1)}, t);
      default: return Node(ir::ExprKind::If, {BoolE(depth - 1), DateE(depth - 1), DateE(depth - 1)}, t);
    }
  }

  // Timestamps (extended set).
  Expr TsE(int depth) {
    auto t = ast::TimestampType();
    int choice = depth <= 0 ? Pick(3) : Pick(7);
    if (choice == 0 && Scoped(t, &scoped_)) return scoped_;
    switch (choice) {
      case 0: return ir::FieldExpr(12, "ts", t);
      case 1: return ir::LiteralExpr(Kinded(VK::Timestamp, SomeMicros()), t);
      case 2: return Bin(BinaryOp::Coalesce, ir::FieldExpr(13, "tn", T("timestamp?")), TsE(depth - 1), t);
      case 3: return Bin(Pick(2) ? BinaryOp::Add : BinaryOp::Sub, TsE(depth - 1), DurE(depth - 1), t);
      case 4: return Bin(BinaryOp::Add, DurE(depth - 1), TsE(depth - 1), t);
      case 5: return ir::CallExpr("trunc", {TsE(depth - 1), Str(TruncUnit())}, t);
      default: return Node(ir::ExprKind::If, {BoolE(depth - 1), TsE(depth - 1), TsE(depth - 1)}, t);
    }
  }

  // Durations (extended set).
  Expr DurE(int depth) {
    auto t = ast::DurationType();
    int choice = depth <= 0 ? Pick(3) : Pick(11);
    if (choice == 0 && Scoped(t, &scoped_)) return scoped_;
    switch (choice) {
      case 0: return ir::FieldExpr(14, "du", t);
      case 1: return ir::LiteralExpr(Kinded(VK::Duration, SomeDuration()), t);
      case 2: return Bin(BinaryOp::Coalesce, ir::FieldExpr(15, "dv", T("duration?")), DurE(depth - 1), t);
      case 3: return Bin(Pick(2) ? BinaryOp::Add : BinaryOp::Sub, DurE(depth - 1), DurE(depth - 1), t);
      case 4: return Pick(2) ? Bin(BinaryOp::Mul, DurE(depth - 1), IntE(depth - 1), t) : Bin(BinaryOp::Mul, IntE(depth - 1), DurE(depth - 1), t);
      case 5: return Bin(BinaryOp::Div, DurE(depth - 1), IntE(depth - 1), t);
      case 6: return Un(ast::UnaryOp::Neg, DurE(depth - 1));
      case 7: return Bin(BinaryOp::Sub, TsE(depth - 1), TsE(depth - 1), t);
      case 8: return Bin(BinaryOp::Sub, DateE(depth - 1), DateE(depth - 1), t);
      case 9: return Pick(2) ? ir::CallExpr("diff", {TsE(depth - 1), TsE(depth - 1)}, t) : ir::CallExpr("diff", {DateE(depth - 1), DateE(depth - 1)}, t);
      default: return Node(ir::ExprKind::If, {BoolE(depth - 1), DurE(depth - 1), DurE(depth - 1)}, t);
    }
  }

  // A nullable type of the extended set.
  TypeRef PickNullableType() {
    static const char* types[] = {"int?", "float?", "string?", "bool?", "date?", "timestamp?", "duration?", "decimal(10, 2)?"};
    return T(types[Pick(8)]);
  }

  // A value of nullable type `t` (one of PickNullableType's): a nullable field, a cast of
  // a nullable value, an `if` with a null branch, or a non-null value of the type.
  Expr NullableE(const TypeRef& t, int depth) {
    if (Scoped(t, &scoped_) && Pick(3) == 0) return scoped_;
    TypeRef plain = ast::WithNullable(t, false);
    int choice = depth <= 0 ? Pick(2) : Pick(5);
    if (choice == 0) {
      switch (t->kind) {
        case ast::TypeKind::Int: return ir::FieldExpr(1, "b", t);
        case ast::TypeKind::Float: return ir::FieldExpr(3, "y", t);
        case ast::TypeKind::String: return ir::FieldExpr(5, "t", t);
        case ast::TypeKind::Bool: return ir::FieldExpr(9, "q", t);
        case ast::TypeKind::Date: return ir::FieldExpr(11, "dn", t);
        case ast::TypeKind::Timestamp: return ir::FieldExpr(13, "tn", t);
        case ast::TypeKind::Duration: return ir::FieldExpr(15, "dv", t);
        default: return ir::FieldExpr(7, "d", t);
      }
    }
    if (choice == 1) return ir::LiteralExpr(Value::Null(), t);
    if (choice == 2) {
      // A null branch on either side.
      bool first = Pick(2) == 0;
      Expr value = OfType(plain, depth - 1);
      Expr null = ir::LiteralExpr(Value::Null(), t);
      return Node(ir::ExprKind::If, {BoolE(depth - 1), first ? std::move(null) : std::move(value), first ? std::move(value) : std::move(null)}, t);
    }
    if (choice == 3 && t->kind == ast::TypeKind::Int) return ir::CallExpr("int", {ir::FieldExpr(5, "t", T("string?"))}, t);
    if (choice == 3 && t->kind == ast::TypeKind::String) return ir::CallExpr("string", {ir::FieldExpr(1, "b", T("int?"))}, t);
    if (choice == 3 && t->kind == ast::TypeKind::Float) return ir::CallExpr("float", {ir::FieldExpr(1, "b", T("int?"))}, t);
    if (choice == 3 && t->kind == ast::TypeKind::Bool) return ir::CallExpr("bool", {ir::FieldExpr(5, "t", T("string?"))}, t);
    if (choice == 3) return NullableE(t, 0);
    return OfType(plain, depth - 1);
  }

  // A non-null value of `t` (any type of the extended set).
  Expr OfType(const TypeRef& t, int depth) {
    switch (t->kind) {
      case ast::TypeKind::Int: return IntE(depth);
      case ast::TypeKind::Float: return FloatE(depth);
      case ast::TypeKind::String: return StrE(depth);
      case ast::TypeKind::Bool: return BoolE(depth);
      case ast::TypeKind::Date: return DateE(depth);
      case ast::TypeKind::Timestamp: return TsE(depth);
      case ast::TypeKind::Duration: return DurE(depth);
      default: {
        Expr x = DecE(depth);
        return ir::CallExpr("decimal", {std::move(x), Int(t->precision), Int(t->scale)}, t);
      }
    }
  }

  // An expression of any type: the basic set's five, or with `extended` also the time
  // types and nullable values.
  Expr Any(int depth) {
    switch (Pick(extended_ ? 9 : 5)) {
      case 0: return IntE(depth);
      case 1: return FloatE(depth);
      case 2: return StrE(depth);
      case 3: return DecE(depth);
      case 4: return BoolE(depth);
      case 5: return DateE(depth);
      case 6: return TsE(depth);
      case 7: return DurE(depth);
      default: return NullableE(PickNullableType(), depth);
    }
  }

  // A condition (filter, route, validate): a bool, or a nullable one (extended set).
  Expr Condition(int depth) {
    if (extended_ && Pick(4) == 0) return NullableE(T("bool?"), depth);
    return BoolE(depth);
  }

 private:
  std::string TruncUnit() {
    static const char* units[] = {"second", "minute", "hour", "day", "week", "month", "year"};
    return units[Pick(7)];
  }

  // An earlier result of exactly type `t` (extended set, with a scope), with probability
  // 1/2 when there is one. Draws no random number otherwise.
  bool Scoped(const TypeRef& t, Expr* out) {
    if (!extended_ || scope_.empty()) return false;
    std::vector<const ScopeField*> fits;
    for (const auto& entry : scope_) {
      if (ast::ToString(entry.type) == ast::ToString(t)) fits.push_back(&entry);
    }
    if (fits.empty() || Pick(2) == 0) return false;
    const ScopeField* entry = fits[static_cast<size_t>(Pick(static_cast<int>(fits.size())))];
    *out = ir::FieldExpr(entry->slot, entry->name, entry->type);
    return true;
  }

  std::mt19937_64 rng_;
  bool extended_ = false;
  int edge_odds_ = 3;
  std::vector<ScopeField> scope_;
  Expr scoped_;
};

}  // namespace etl::runtime::testing
