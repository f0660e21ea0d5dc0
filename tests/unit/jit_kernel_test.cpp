// The JIT's native constructs against the interpreter, row by row: arithmetic with the
// interpreter's overflow and division checks, comparisons (NaN, -0.0, nulls, strings),
// three-valued logic with short-circuit, ??, if, match, in, is null, time arithmetic,
// params, on a batch with nulls and edge values, with and without a selection.
#include "jit_test_util.h"

namespace etl::runtime::testing {
namespace {

using BO = BinaryOp;

TypeRef Ti() { return T("int?"); }
TypeRef Tf() { return T("float?"); }
TypeRef Tb() { return T("bool?"); }

TEST(JitKernel, IntArithmeticWithOverflowAndDivisionByZero) {
  CheckValues(Step({Bin(BO::Add, F(0), F(1), Ti()), Bin(BO::Sub, F(0), F(1), Ti()), Bin(BO::Mul, F(0), F(1), Ti()),
                    Bin(BO::Div, F(0), F(1), Ti()), Bin(BO::Mod, F(0), F(1), Ti()), Un(ast::UnaryOp::Neg, F(0))}));
  // Each expression alone, so every row's error (not only its first) is compared.
  for (BO op : {BO::Add, BO::Sub, BO::Mul, BO::Div, BO::Mod}) {
    CheckValues(Step({Bin(op, F(0), F(1), Ti())}));
    CheckValues(Step({Bin(op, F(10), F(0), Ti())}));
    CheckValues(Step({Bin(op, F(0), Int(-1), Ti())}));
    CheckValues(Step({Bin(op, Int(kJitMin), F(10), T("int"))}));
  }
  CheckValues(Step({Un(ast::UnaryOp::Neg, F(0))}));
}

TEST(JitKernel, FloatArithmeticIsIeee) {
  for (BO op : {BO::Add, BO::Sub, BO::Mul, BO::Div, BO::Mod}) {
    CheckValues(Step({Bin(op, F(2), F(3), Tf()), Bin(op, F(11), F(2), Tf()), Bin(op, ir::WidenExpr(F(0), Tf()), F(3), Tf())}));
  }
  CheckValues(Step({Un(ast::UnaryOp::Neg, F(2)), ir::WidenExpr(F(10), T("float"))}));
}

TEST(JitKernel, Comparisons) {
  for (BO op : {BO::Eq, BO::Ne, BO::Lt, BO::Le, BO::Gt, BO::Ge}) {
    SCOPED_TRACE(std::string(ast::Spelling(op)));
    CheckValues(Step({Bin(op, F(0), F(1), Tb()), Bin(op, F(2), F(3), Tb()), Bin(op, F(4), F(5), Tb()),
                      Bin(op, F(6), Bool(true), Tb()), Bin(op, F(7), F(7), Tb()), Bin(op, F(8), F(8), Tb()),
                      Bin(op, F(9), F(9), Tb()), Bin(op, F(4), Str("ab"), Tb()), Bin(op, Str(""), F(5), Tb()),
                      Bin(op, F(2), Float(-0.0), Tb()), Bin(op, F(11), Float(NAN), Tb()), Bin(op, F(10), Int(kJitMin), Tb())}));
  }
}

TEST(JitKernel, LogicIsThreeValuedAndShortCircuits) {
  // The right sides fail on some rows; only rows the left does not decide may fail.
  Expr divides = Bin(BO::Gt, Bin(BO::Div, F(0), F(1), Ti()), Int(1), Tb());
  CheckValues(Step({Bin(BO::And, Bin(BO::Ne, F(1), Int(0), Tb()), divides, Tb())}));
  CheckValues(Step({Bin(BO::And, F(6), divides, Tb())}));
  CheckValues(Step({Bin(BO::Or, F(6), divides, Tb())}));
  CheckValues(Step({Bin(BO::Or, F(6), Bin(BO::Lt, F(2), F(3), Tb()), Tb()), Un(ast::UnaryOp::Not, F(6)),
                    Bin(BO::And, Bool(true), F(6), Tb()), Bin(BO::And, Null(Tb()), F(6), Tb())}));
}

TEST(JitKernel, IfCoalesceIsNull) {
  Expr cond = Bin(BO::Ne, F(1), Int(0), Tb());
  CheckValues(Step({Node(ir::ExprKind::If, {cond, Bin(BO::Div, F(0), F(1), Ti()), Int(0)}, Ti())}));
  CheckValues(Step({Node(ir::ExprKind::If, {F(6), Bin(BO::Div, F(0), F(1), Ti()), Bin(BO::Mul, F(0), F(0), Ti())}, Ti())}));
  CheckValues(Step({Bin(BO::Coalesce, F(0), Bin(BO::Div, F(10), F(1), T("int")), Ti()), Bin(BO::Coalesce, F(2), F(3), Tf())}));
  Expr is_null = Node(ir::ExprKind::IsNull, {F(4)}, T("bool"));
  Expr not_null = is_null;
  not_null.negated = true;
  Expr list_null = Node(ir::ExprKind::IsNull, {Node(ir::ExprKind::List, {F(0)}, T("list<int?>"))}, T("bool"));
  CheckValues(Step({is_null, not_null, Node(ir::ExprKind::IsNull, {F(2)}, T("bool")), list_null}));
}

Expr MatchOf(Expr subject, std::vector<std::pair<std::vector<Expr>, Expr>> arms, TypeRef type) {
  Expr e = Node(ir::ExprKind::Match, {std::move(subject)}, std::move(type));
  for (auto& [patterns, value] : arms) {
    e.arm_patterns.push_back(static_cast<int>(patterns.size()));
    for (Expr& p : patterns) e.children.push_back(std::move(p));
    e.children.push_back(std::move(value));
  }
  return e;
}

TEST(JitKernel, MatchAndIn) {
  CheckValues(Step({MatchOf(F(0), {{{Int(0), Int(1)}, Int(10)}, {{Null(Ti())}, Int(20)}, {{Int(-1)}, Bin(BO::Div, Int(1), F(1), Ti())}}, Ti()),
                    MatchOf(F(4), {{{Str("a"), Str("")}, Float(1.5)}, {{}, F(2)}}, Tf()),
                    MatchOf(F(2), {{{Float(0.0)}, Bool(true)}, {{Int(1)}, Bool(false)}}, Tb())}));
  auto in = [](Expr left, std::vector<Expr> items, bool negated) {
    return Bin(negated ? BO::NotIn : BO::In, std::move(left), Node(ir::ExprKind::List, std::move(items), T("list<int?>")), T("bool"));
  };
  CheckValues(Step({in(F(0), {Int(0), Int(kJitMin), Int(7)}, false), in(F(0), {Int(1), Null(Ti())}, true),
                    in(F(4), {Str(""), Str("ab"), Str("é")}, false), in(F(2), {Float(-0.0), Float(NAN), Float(1.5)}, false),
                    in(F(6), {Bool(true)}, false), in(F(6), {Bool(false), Null(Tb())}, true)}));
}

TEST(JitKernel, TimeArithmeticAndComparisons) {
  CheckValues(Step({Bin(BO::Add, F(8), F(9), T("timestamp?")), Bin(BO::Sub, F(8), F(8), T("duration?")),
                    Bin(BO::Add, F(7), F(9), T("date?")), Bin(BO::Sub, F(7), F(9), T("date?")),
                    Bin(BO::Sub, F(7), F(7), T("duration?")), Bin(BO::Div, F(9), F(9), Tf()),
                    Bin(BO::Mul, F(9), F(10), T("duration?")), Bin(BO::Div, F(9), F(1), T("duration?")),
                    Bin(BO::Lt, F(8), F(8), Tb()), Bin(BO::Ge, F(7), F(7), Tb())}));
  // date + a huge duration overflows the date range; duration * int overflows int64.
  Expr huge = ir::LiteralExpr(Kinded(VK::Duration, kJitMax / 2), T("duration"));
  CheckValues(Step({Bin(BO::Add, F(7), huge, T("date?"))}));
  CheckValues(Step({Bin(BO::Mul, F(9), F(0), T("duration?"))}));
}

TEST(JitKernel, NumericFunctions) {
  auto call = [](const char* name, Expr arg, const char* type) { return ir::CallExpr(name, {std::move(arg)}, T(type)); };
  CheckValues(Step({call("abs", F(2), "float?"), call("floor", F(2), "float?"), call("ceil", F(3), "float?"),
                    call("round", F(3), "float?"), call("round", F(0), "int?"), call("floor", F(1), "int?"),
                    call("round", Float(-2.5), "float"), call("round", Float(2.5), "float")}));
  CheckValues(Step({call("abs", F(0), "int?")}));  // INT64_MIN fails: "abs of the smallest int"
  CheckValues(Step({call("sqrt", F(2), "float?")}));
  CheckValues(Step({call("sqrt", F(0), "float?")}));  // negative: "argument" errors
  CheckValues(Step({call("abs", Bin(BO::Sub, F(1), F(0), Ti()), "int?")}));
}

TEST(JitKernel, StringFunctionsWithFixedWidthResults) {
  auto call = [](const char* name, std::vector<Expr> args, const char* type) { return ir::CallExpr(name, std::move(args), T(type)); };
  CheckValues(Step({call("len", {F(4)}, "int?"), call("len", {Str("é€x")}, "int"), call("starts_with", {F(4), F(5)}, "bool?"),
                    call("ends_with", {F(4), Str("b")}, "bool?"), call("contains", {F(5), F(4)}, "bool?"),
                    call("contains", {Str("xaby"), F(4)}, "bool?"), call("starts_with", {F(4), Null(T("string?"))}, "bool?")}));
}

TEST(JitKernel, ParamsPresentAndMissing) {
  EvalContext ctx;
  ctx.params["limit"] = Value::Int(3);
  ctx.params["name"] = Value::String("ab");
  StepExprs exprs = Step({Bin(BO::Mul, F(0), ir::ParamExpr("limit", T("int")), Ti()),
                          Bin(BO::Eq, F(4), ir::ParamExpr("name", T("string")), Tb()),
                          Bin(BO::Or, F(6), Bin(BO::Gt, ir::ParamExpr("missing", T("int")), Int(0), Tb()), Tb())});
  CheckValues(exprs, ctx);
}

TEST(JitKernel, ConditionsInBothModes) {
  std::vector<Expr> conds = {Bin(BO::Gt, F(0), Int(0), Tb()), Bin(BO::Gt, Bin(BO::Div, F(10), F(1), T("int")), Int(1), Tb()),
                             F(6), Bin(BO::Lt, F(4), Str("b"), Tb())};
  CheckConditions(Step(conds), ConditionMode::FirstTrue);
  CheckConditions(Step(conds), ConditionMode::FirstNotTrue);
  CheckConditions(Step({Bin(BO::And, Bin(BO::Ne, F(1), Int(0), Tb()), Bin(BO::Gt, Bin(BO::Div, F(0), F(1), Ti()), Int(1), Tb()), Tb())}),
                  ConditionMode::FirstTrue);
}

}  // namespace
}  // namespace etl::runtime::testing
