// The code generator's state (jit_codegen.cpp builds the loop and reads the sources,
// jit_codegen_ops.cpp lowers the operators): internal to compiler/jit.
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>

#include <string>
#include <utility>
#include <vector>

#include "compiler/jit/jit_plan.h"

namespace etl::jit::codegen {

using ast::BinaryOp;
using ast::TypeKind;
using ir::Expr;
using ir::ExprKind;
using runtime::Layout;
using VK = ast::Value::Kind;

inline constexpr int64_t kMicrosPerDay = 86400000000LL;

// A value of one row: v (i1 for bools, a pointer for strings), its length (strings) and
// whether it is valid (i1).
struct Val {
  llvm::Value* v = nullptr;
  llvm::Value* valid = nullptr;
  llvm::Value* length = nullptr;
};

// The pointers of one source, loaded once in the entry block.
struct SourcePtrs {
  llvm::Value* data = nullptr;
  llvm::Value* valid = nullptr;
  llvm::Value* bytes = nullptr;
  llvm::Value* failed = nullptr;
};

// Emits the functions of one module, one segment at a time.
class Gen {
 public:
  // Declares the ABI types and the helpers in `module`.
  Gen(const StepPlan& plan, llvm::Module& module);
  // Emits segment k's function (SegmentFunctionName(k)).
  void EmitSegment(size_t k);

 private:
  // Alias scopes: every memory access of the loops is tagged with the array it touches, so
  // LLVM knows a store to one output cannot change an input or another output (the C++ side
  // allocates each output afresh and never passes an output as an input of the same loop).
  enum : int { kScopeInputs = 0, kScopeRowFailed, kScopeErrorRows, kScopeErrorSites, kScopeWhich, kScopeOutputs };
  static int OutDataScope(size_t j) { return kScopeOutputs + 2 * static_cast<int>(j); }
  static int OutValidScope(size_t j) { return kScopeOutputs + 2 * static_cast<int>(j) + 1; }
  llvm::Instruction* Tag(llvm::Instruction* access, int scope);
  // One version of segment k's row loop, entered from `pre`: reading input fields at
  // sel[i] (`with_selection`) or at row i.
  void EmitLoop(size_t k, llvm::BasicBlock* pre, bool with_selection, llvm::BasicBlock* exit);
  llvm::Value* LoadArg(unsigned field, llvm::Type* type);
  llvm::Value* LoadArgAt(llvm::IRBuilder<>& at, unsigned field);
  // Branches to the fail block with `site` when `cond` holds (nothing when it is constant false).
  void FailIf(llvm::Value* cond, int site);
  // Marks a load of memory no loop writes (inputs, leaves, params): LLVM may then reuse it
  // across the stores to outputs.
  llvm::Value* Invariant(llvm::LoadInst* load, bool invariant);
  llvm::Value* ValidBit(llvm::Value* words, llvm::Value* index, bool invariant, int scope);
  llvm::Type* ValueType(Layout layout);
  // The value at `index` of a column of `layout` (data, bytes for strings).
  Val LoadValue(Layout layout, llvm::Value* data, llvm::Value* bytes, llvm::Value* index, bool invariant, int scope);
  Val ReadSource(int index);
  llvm::Constant* StringConstant(const std::string& text);
  Val Literal(const Expr& e);
  llvm::Value* CompareStrings(const Val& a, const Val& b);
  // x op y for non-null operands of one layout (NaN compares false, -0.0 == 0.0).
  llvm::Value* Compare(BinaryOp op, Layout layout, const Val& a, const Val& b);
  // `x == value` for a constant (an `in` item or a match pattern) and a valid x.
  llvm::Value* EqualsConstant(Layout layout, const Val& x, const ast::Value& value);
  llvm::Value* Overflowing(llvm::Intrinsic::ID id, llvm::Value* x, llvm::Value* y, llvm::Value* valid, int site);
  // + - * / % on int64 (ints, timestamps, durations), with the interpreter's checks.
  llvm::Value* IntArith(BinaryOp op, llvm::Value* x, llvm::Value* y, llvm::Value* valid, int site);
  Val Arith(const Expr& e, int site);
  // Joins the values reaching `merge` from (block, value) pairs.
  Val Merge(llvm::BasicBlock* merge, const std::vector<std::pair<llvm::BasicBlock*, Val>>& in, Layout layout);
  Val Logic(const Expr& e);
  Val Coalesce(const Expr& e);
  Val If(const Expr& e);
  Val Match(const Expr& e);
  Val In(const Expr& e);
  // The numeric functions the planner lowers (fn_number.cpp): a null argument gives null.
  Val Call(const Expr& e, const NodeInfo& info);
  Val Binary(const Expr& e, const NodeInfo& info);
  Val Emit(const Expr& e);
  // Expression j of a values kernel: its result stored at row i.
  void StoreValue(size_t j);
  // The conditions of a conditions kernel, in order, for row i.
  void Conditions();

  const StepPlan& plan_;
  llvm::LLVMContext& ctx_;
  llvm::Module& module_;
  llvm::IRBuilder<> b_;
  llvm::IRBuilder<> entry_b_;
  llvm::Type *i1_, *i8_, *i32_, *i64_, *f64_;
  llvm::PointerType* ptr_;
  llvm::StructType *args_ty_, *col_ty_, *out_ty_, *view_ty_;
  llvm::Function* compare_ = nullptr;
  llvm::Function* code_points_ = nullptr;
  llvm::Function* string_test_ = nullptr;
  llvm::Function* fn_ = nullptr;
  llvm::Argument* args_ = nullptr;
  llvm::BasicBlock* latch_ = nullptr;
  llvm::BasicBlock* fail_ = nullptr;
  llvm::PHINode* site_phi_ = nullptr;
  llvm::PHINode* i_ = nullptr;
  llvm::Value* r_ = nullptr;
  llvm::Value* rows_ = nullptr;
  llvm::Value* sel_ = nullptr;
  llvm::AllocaInst* err_count_ = nullptr;
  llvm::Value* has_sel_ = nullptr;
  std::vector<SourcePtrs> ptrs_;
  std::vector<llvm::MDNode*> scope_lists_;    // per scope: {scope}
  std::vector<llvm::MDNode*> noalias_lists_;  // per scope: every other scope
  // Per expression of the current loop version: its value in this row (later expressions of
  // the segment read it from here, not from memory), the valid-bit accumulator of its current
  // 64-row word (a phi of the row header, null when its validity is constant) and its value
  // after this row so far.
  std::vector<Val> row_vals_;
  std::vector<llvm::PHINode*> acc_;
  std::vector<llvm::Value*> cur_acc_;
  std::vector<bool> preset_valid_;  // outputs whose validity words were set all-ones up front
  llvm::BasicBlock* loop_ = nullptr;
  llvm::BasicBlock* skip_from_ = nullptr;
};

}  // namespace etl::jit::codegen
