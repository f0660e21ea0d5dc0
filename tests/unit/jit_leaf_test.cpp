// Leaves (subtrees the interpreter evaluates for the batch) inside JIT kernels: their errors
// surface only for rows the loop reaches them on, derive chains read earlier results
// natively and through leaves (segments), root leaves are results as they are.
#include "jit_test_util.h"

namespace etl::runtime::testing {
namespace {

using BO = BinaryOp;

Expr Call(const char* name, std::vector<Expr> args, const char* type) { return ir::CallExpr(name, std::move(args), T(type)); }

TEST(JitLeaf, LeafErrorsOnlyWhereTheLoopReachesThem) {
  // int(s) fails with a value-dependent message ("cannot convert "a" to int") on most rows.
  Expr cast = Call("int", {F(4)}, "int?");
  CheckValues(Step({Node(ir::ExprKind::If, {F(6), cast, Int(0)}, T("int?"))}));
  CheckValues(Step({Bin(BO::And, F(6), Bin(BO::Gt, cast, Int(0), T("bool?")), T("bool?"))}));
  CheckValues(Step({Bin(BO::Coalesce, F(0), Bin(BO::Add, cast, Int(1), T("int?")), T("int?"))}));
  CheckConditions(Step({F(6), Bin(BO::Gt, cast, Int(0), T("bool?"))}), ConditionMode::FirstTrue);
  CheckConditions(Step({F(6), Bin(BO::Gt, cast, Int(0), T("bool?"))}), ConditionMode::FirstNotTrue);
}

TEST(JitLeaf, LeavesInsideNativeExpressions) {
  CheckValues(Step({Bin(BO::Gt, Call("len", {F(4)}, "int?"), Int(1), T("bool?")),
                    Bin(BO::Eq, Call("upper", {F(4)}, "string?"), F(5), T("bool")),
                    Bin(BO::Add, Call("len", {F(5)}, "int?"), F(0), T("int?"))}));
}

TEST(JitLeaf, DeriveChainsReadEarlierResults) {
  // W = 12: slot 12 + j is expression j's result.
  StepExprs exprs = Step({
      Bin(BO::Mul, F(0), Int(2), T("int?")),                                                  // 0: native, overflows
      Bin(BO::Add, Slot(12, "int?"), Int(1), T("int?")),                                      // 1: reads #0 natively
      Bin(BO::Add, Call("int", {Call("string", {Slot(13, "int?")}, "string?")}, "int?"), F(10), T("int?")),  // 2: a leaf reads #1: new segment
      Bin(BO::Gt, Call("len", {F(4)}, "int?"), Slot(14, "int?"), T("bool?")),                 // 3: native reads #2 of the previous segment
      Call("upper", {F(4)}, "string?"),                                                       // 4: a root leaf
      Bin(BO::Eq, Slot(16, "string?"), Str("AB"), T("bool")),                                 // 5: reads the root leaf natively
      Call("len", {Slot(16, "string?")}, "int?"),                                             // 6: a leaf reads a root leaf
      Bin(BO::Div, Slot(18, "int?"), F(1), T("int?")),                                        // 7: native after it, fails
  });
  CheckValues(exprs);
}

TEST(JitLeaf, NothingNativeIsNotCompiled) {
  auto compiler = NewCompiler();
  ASSERT_TRUE(compiler);
  JitCompileInfo info;
  auto kernel = compiler->CompileValues(Step({Call("upper", {F(4)}, "string?"), F(5)}), &info);
  EXPECT_FALSE(kernel);
  EXPECT_EQ(info.failure, "");
}

TEST(JitLeaf, BindErrorsOfLeavesAreFailures) {
  auto compiler = NewCompiler();
  ASSERT_TRUE(compiler);
  JitCompileInfo info;
  auto kernel = compiler->CompileValues(Step({Bin(BO::Add, Call("no_such_function", {F(0)}, "int?"), Int(1), T("int?"))}), &info);
  EXPECT_FALSE(kernel);
  EXPECT_NE(info.failure.find("no_such_function"), std::string::npos) << info.failure;
}

}  // namespace
}  // namespace etl::runtime::testing
