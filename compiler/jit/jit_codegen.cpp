// Code generation of step kernels (jit_codegen.h): each native node becomes straight-line IR
// inside the row loop; short-circuit operators (and, or, ??, if, match) become branches, so
// a row evaluates exactly the operands the interpreter evaluates for it; every failure
// branches to the row's fail block with its error site.
#include "compiler/jit/jit_codegen.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/MDBuilder.h>

#include <limits>

#include "compiler/jit/kernel_abi.h"

namespace etl::jit {

namespace {

using ast::BinaryOp;
using ast::TypeKind;
using ir::Expr;
using ir::ExprKind;
using runtime::Layout;
using VK = ast::Value::Kind;

constexpr int64_t kMicrosPerDay = 86400000000LL;

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

class Gen {
 public:
  Gen(const StepPlan& plan, llvm::Module& module)
      : plan_(plan), ctx_(module.getContext()), module_(module), b_(ctx_), entry_b_(ctx_) {
    i1_ = b_.getInt1Ty();
    i8_ = b_.getInt8Ty();
    i32_ = b_.getInt32Ty();
    i64_ = b_.getInt64Ty();
    f64_ = b_.getDoubleTy();
    ptr_ = b_.getPtrTy();
    args_ty_ = llvm::StructType::create(ctx_, {i64_, ptr_, ptr_, ptr_, ptr_, ptr_, ptr_, i64_, ptr_}, "EtlJitArgs");
    col_ty_ = llvm::StructType::create(ctx_, {ptr_, ptr_, ptr_, ptr_}, "EtlJitColumn");
    out_ty_ = llvm::StructType::create(ctx_, {ptr_, ptr_}, "EtlJitOutput");
    view_ty_ = llvm::StructType::create(ctx_, {i32_, i32_}, "StringView");
    auto* cmp_ty = llvm::FunctionType::get(i32_, {ptr_, i32_, ptr_, i32_}, false);
    compare_ = llvm::Function::Create(cmp_ty, llvm::Function::ExternalLinkage, "EtlJitCompareBytes", module_);
    compare_->setOnlyReadsMemory();
    compare_->setDoesNotThrow();
    code_points_ = llvm::Function::Create(llvm::FunctionType::get(i64_, {ptr_, i32_}, false), llvm::Function::ExternalLinkage,
                                          "EtlJitCodePoints", module_);
    string_test_ = llvm::Function::Create(llvm::FunctionType::get(i32_, {i32_, ptr_, i32_, ptr_, i32_}, false),
                                          llvm::Function::ExternalLinkage, "EtlJitStringTest", module_);
    for (llvm::Function* f : {code_points_, string_test_}) {
      f->setOnlyReadsMemory();
      f->setDoesNotThrow();
    }
  }

  void EmitSegment(size_t k) {
    const Segment& seg = plan_.segments[k];
    auto* fn_ty = llvm::FunctionType::get(b_.getVoidTy(), {ptr_}, false);
    fn_ = llvm::Function::Create(fn_ty, llvm::Function::ExternalLinkage, SegmentFunctionName(k), module_);
    fn_->setDoesNotThrow();
    args_ = fn_->getArg(0);
    args_->addAttr(llvm::Attribute::NoAlias);
    auto* entry = llvm::BasicBlock::Create(ctx_, "entry", fn_);
    auto* loop = llvm::BasicBlock::Create(ctx_, "row", fn_);
    latch_ = llvm::BasicBlock::Create(ctx_, "next_row", fn_);
    auto* exit = llvm::BasicBlock::Create(ctx_, "exit", fn_);
    fail_ = llvm::BasicBlock::Create(ctx_, "row_failed", fn_);
    ptrs_.assign(plan_.sources.size(), SourcePtrs{});

    // entry: the loads of the arguments stay here (entry_b_ inserts before the branch).
    b_.SetInsertPoint(entry);
    rows_ = LoadArg(kArgsRows, i64_);
    sel_ = LoadArg(kArgsSelection, ptr_);
    err_count_ = b_.CreateAlloca(i64_, nullptr, "error_count");
    b_.CreateStore(LoadArg(kArgsErrorCount, i64_), err_count_);
    auto* br = b_.CreateCondBr(b_.CreateICmpEQ(rows_, b_.getInt64(0)), exit, loop);
    entry_b_.SetInsertPoint(br);

    // row: i, and r = the column row of input fields.
    b_.SetInsertPoint(loop);
    i_ = b_.CreatePHI(i64_, 2, "i");
    i_->addIncoming(b_.getInt64(0), entry);
    auto* has_sel = entry_b_.CreateICmpNE(sel_, llvm::ConstantPointerNull::get(ptr_));
    auto* with_sel = llvm::BasicBlock::Create(ctx_, "sel", fn_);
    auto* row_body = llvm::BasicBlock::Create(ctx_, "body", fn_);
    b_.CreateCondBr(has_sel, with_sel, row_body);
    b_.SetInsertPoint(with_sel);
    llvm::Value* sel_row = b_.CreateZExt(b_.CreateLoad(i32_, b_.CreateGEP(i32_, sel_, i_)), i64_);
    b_.CreateBr(row_body);
    b_.SetInsertPoint(row_body);
    auto* r = b_.CreatePHI(i64_, 2, "r");
    r->addIncoming(i_, loop);
    r->addIncoming(sel_row, with_sel);
    r_ = r;

    // fail: record (i, site), mark the row failed.
    llvm::IRBuilder<> fb(fail_);
    site_phi_ = fb.CreatePHI(i32_, 4, "site");
    {
      llvm::Value* n = fb.CreateLoad(i64_, err_count_);
      fb.CreateStore(fb.CreateTrunc(i_, i32_), fb.CreateGEP(i32_, LoadArgAt(entry_b_, kArgsErrorRows), n));
      fb.CreateStore(site_phi_, fb.CreateGEP(i32_, LoadArgAt(entry_b_, kArgsErrorSites), n));
      fb.CreateStore(fb.CreateAdd(n, fb.getInt64(1)), err_count_);
      fb.CreateStore(fb.getInt8(1), fb.CreateGEP(i8_, LoadArgAt(entry_b_, kArgsRowFailed), i_));
      fb.CreateBr(latch_);
    }

    if (k > 0) {  // rows that failed in an earlier segment are done
      auto* go = llvm::BasicBlock::Create(ctx_, "live", fn_);
      llvm::Value* failed = b_.CreateLoad(i8_, b_.CreateGEP(i8_, LoadArgAt(entry_b_, kArgsRowFailed), i_));
      b_.CreateCondBr(b_.CreateICmpNE(failed, b_.getInt8(0)), latch_, go);
      b_.SetInsertPoint(go);
    }
    if (plan_.conditions) {
      Conditions();
    } else {
      for (size_t j = seg.first; j < seg.end; ++j) StoreValue(j);
    }
    b_.CreateBr(latch_);

    b_.SetInsertPoint(latch_);
    llvm::Value* next = b_.CreateAdd(i_, b_.getInt64(1), "i.next", true, true);
    i_->addIncoming(next, latch_);
    b_.CreateCondBr(b_.CreateICmpULT(next, rows_), loop, exit);
    b_.SetInsertPoint(exit);
    b_.CreateStore(b_.CreateLoad(i64_, err_count_), b_.CreateStructGEP(args_ty_, args_, kArgsErrorCount));
    b_.CreateRetVoid();
  }

 private:
  llvm::Value* LoadArg(unsigned field, llvm::Type* type) {
    return b_.CreateLoad(type, b_.CreateStructGEP(args_ty_, args_, field));
  }
  llvm::Value* LoadArgAt(llvm::IRBuilder<>& at, unsigned field) {
    return at.CreateLoad(ptr_, at.CreateStructGEP(args_ty_, args_, field));
  }

  // Branches to the fail block with `site` when `cond` holds.
  void FailIf(llvm::Value* cond, int site) {
    auto* ok = llvm::BasicBlock::Create(ctx_, "ok", fn_);
    b_.CreateCondBr(cond, fail_, ok, llvm::MDBuilder(ctx_).createBranchWeights(1, 1 << 20));
    site_phi_->addIncoming(b_.getInt32(static_cast<uint32_t>(site)), b_.GetInsertBlock());
    b_.SetInsertPoint(ok);
  }

  // Marks a load of memory no loop writes (inputs, leaves, params): LLVM may then reuse it
  // across the stores to outputs, which it cannot prove do not alias.
  llvm::Value* Invariant(llvm::LoadInst* load, bool invariant) {
    if (invariant) load->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(ctx_, {}));
    return load;
  }

  llvm::Value* ValidBit(llvm::Value* words, llvm::Value* index, bool invariant) {
    llvm::Value* word = Invariant(b_.CreateLoad(i64_, b_.CreateGEP(i64_, words, b_.CreateLShr(index, 6))), invariant);
    llvm::Value* bit = b_.CreateLShr(word, b_.CreateAnd(index, 63));
    return b_.CreateTrunc(bit, i1_);
  }

  llvm::Type* ValueType(Layout layout) {
    switch (layout) {
      case Layout::Bool: return i8_;
      case Layout::Int32: return i32_;
      case Layout::Float64: return f64_;
      default: return i64_;
    }
  }

  // The value at `index` of a column of `layout` (data, bytes for strings).
  Val LoadValue(Layout layout, llvm::Value* data, llvm::Value* bytes, llvm::Value* index, bool invariant) {
    Val out;
    if (layout == Layout::String) {
      llvm::Value* view = b_.CreateGEP(view_ty_, data, index);
      llvm::Value* offset = Invariant(b_.CreateLoad(i32_, b_.CreateStructGEP(view_ty_, view, 0)), invariant);
      out.length = Invariant(b_.CreateLoad(i32_, b_.CreateStructGEP(view_ty_, view, 1)), invariant);
      out.v = b_.CreateGEP(i8_, bytes, b_.CreateZExt(offset, i64_));
      return out;
    }
    out.v = Invariant(b_.CreateLoad(ValueType(layout), b_.CreateGEP(ValueType(layout), data, index)), invariant);
    if (layout == Layout::Bool) out.v = b_.CreateICmpNE(out.v, b_.getInt8(0));
    return out;
  }

  Val ReadSource(int index) {
    const Source& s = plan_.sources[static_cast<size_t>(index)];
    SourcePtrs& p = ptrs_[static_cast<size_t>(index)];
    if (s.kind == SourceKind::Output) {
      if (!p.data) {
        llvm::Value* out = entry_b_.CreateGEP(out_ty_, LoadArgAt(entry_b_, kArgsOutputs), entry_b_.getInt64(static_cast<uint64_t>(s.expr)));
        p.data = entry_b_.CreateLoad(ptr_, entry_b_.CreateStructGEP(out_ty_, out, kOutData));
        p.valid = entry_b_.CreateLoad(ptr_, entry_b_.CreateStructGEP(out_ty_, out, kOutValid));
      }
      Val v = LoadValue(s.layout, p.data, nullptr, i_, false);
      v.valid = s.nullable ? ValidBit(p.valid, i_, false) : b_.getTrue();
      return v;
    }
    if (!p.data) {
      llvm::Value* col = entry_b_.CreateGEP(col_ty_, LoadArgAt(entry_b_, kArgsColumns), entry_b_.getInt64(static_cast<uint64_t>(index)));
      p.data = entry_b_.CreateLoad(ptr_, entry_b_.CreateStructGEP(col_ty_, col, kColData));
      p.valid = entry_b_.CreateLoad(ptr_, entry_b_.CreateStructGEP(col_ty_, col, kColValid));
      p.bytes = entry_b_.CreateLoad(ptr_, entry_b_.CreateStructGEP(col_ty_, col, kColBytes));
      p.failed = entry_b_.CreateLoad(ptr_, entry_b_.CreateStructGEP(col_ty_, col, kColFailed));
    }
    llvm::Value* at = s.kind == SourceKind::Input ? r_ : s.kind == SourceKind::Leaf ? static_cast<llvm::Value*>(i_) : b_.getInt64(0);
    if (s.site >= 0) {
      llvm::Value* failed = Invariant(b_.CreateLoad(i8_, b_.CreateGEP(i8_, p.failed, at)), true);
      FailIf(b_.CreateICmpNE(failed, b_.getInt8(0)), s.site);
    }
    Val v;
    if (Readable(s.type)) v = LoadValue(s.layout, p.data, p.bytes, at, true);
    v.valid = s.nullable ? ValidBit(p.valid, at, true) : b_.getTrue();
    return v;
  }

  llvm::Constant* StringConstant(const std::string& text) {
    auto* init = llvm::ConstantDataArray::getString(ctx_, text, false);
    auto* global = new llvm::GlobalVariable(module_, init->getType(), true, llvm::GlobalValue::PrivateLinkage, init, "str");
    global->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    return global;
  }

  Val Literal(const Expr& e) {
    Val out;
    out.valid = b_.getInt1(e.value.kind != VK::Null);
    const Layout layout = runtime::LayoutOf(e.type);
    const ast::Value& v = e.value;
    switch (layout) {
      case Layout::Bool: out.v = b_.getInt1(v.kind != VK::Null && v.bool_value); break;
      case Layout::Int32: out.v = b_.getInt32(static_cast<uint32_t>(v.int_value)); break;
      case Layout::Float64:
        out.v = llvm::ConstantFP::get(f64_, v.kind == VK::Int ? static_cast<double>(v.int_value) : v.float_value);
        break;
      case Layout::String:
        out.v = StringConstant(v.string_value);
        out.length = b_.getInt32(static_cast<uint32_t>(v.string_value.size()));
        break;
      default: out.v = b_.getInt64(static_cast<uint64_t>(v.int_value)); break;
    }
    return out;
  }

  llvm::Value* CompareStrings(const Val& a, const Val& b) {
    // Lengths of invalid rows are 0, so the helper never reads a null row's bytes.
    llvm::Value* la = b_.CreateSelect(a.valid, a.length, b_.getInt32(0));
    llvm::Value* lb = b_.CreateSelect(b.valid, b.length, b_.getInt32(0));
    return b_.CreateCall(compare_, {a.v, la, b.v, lb});
  }

  // x op y for non-null operands of one layout (NaN compares false, -0.0 == 0.0).
  llvm::Value* Compare(BinaryOp op, Layout layout, const Val& a, const Val& b) {
    llvm::Value* x = a.v;
    llvm::Value* y = b.v;
    if (layout == Layout::Float64) {
      switch (op) {
        case BinaryOp::Eq: return b_.CreateFCmpOEQ(x, y);
        case BinaryOp::Ne: return b_.CreateFCmpUNE(x, y);
        case BinaryOp::Lt: return b_.CreateFCmpOLT(x, y);
        case BinaryOp::Le: return b_.CreateFCmpOLE(x, y);
        case BinaryOp::Gt: return b_.CreateFCmpOGT(x, y);
        default: return b_.CreateFCmpOGE(x, y);
      }
    }
    bool is_signed = layout != Layout::Bool;
    if (layout == Layout::String) {
      x = CompareStrings(a, b);
      y = b_.getInt32(0);
    }
    switch (op) {
      case BinaryOp::Eq: return b_.CreateICmpEQ(x, y);
      case BinaryOp::Ne: return b_.CreateICmpNE(x, y);
      case BinaryOp::Lt: return is_signed ? b_.CreateICmpSLT(x, y) : b_.CreateICmpULT(x, y);
      case BinaryOp::Le: return is_signed ? b_.CreateICmpSLE(x, y) : b_.CreateICmpULE(x, y);
      case BinaryOp::Gt: return is_signed ? b_.CreateICmpSGT(x, y) : b_.CreateICmpUGT(x, y);
      default: return is_signed ? b_.CreateICmpSGE(x, y) : b_.CreateICmpUGE(x, y);
    }
  }

  // `x == value` for a constant (an `in` item or a match pattern) and a valid x.
  llvm::Value* EqualsConstant(Layout layout, const Val& x, const ast::Value& value) {
    switch (layout) {
      case Layout::Float64:
        return b_.CreateFCmpOEQ(x.v, llvm::ConstantFP::get(f64_, value.kind == VK::Int ? static_cast<double>(value.int_value) : value.float_value));
      case Layout::String: {
        Val c{StringConstant(value.string_value), b_.getTrue(), b_.getInt32(static_cast<uint32_t>(value.string_value.size()))};
        return b_.CreateICmpEQ(CompareStrings(x, c), b_.getInt32(0));
      }
      case Layout::Bool: {
        // InConstNode's set holds int_value (+1 for true); a bool row is 0 or 1.
        int64_t item = value.int_value + (value.kind == VK::Bool && value.bool_value ? 1 : 0);
        return b_.CreateICmpEQ(b_.CreateZExt(x.v, i64_), b_.getInt64(static_cast<uint64_t>(item)));
      }
      case Layout::Int32: return b_.CreateICmpEQ(b_.CreateSExt(x.v, i64_), b_.getInt64(static_cast<uint64_t>(value.int_value)));
      default: return b_.CreateICmpEQ(x.v, b_.getInt64(static_cast<uint64_t>(value.int_value)));
    }
  }

  llvm::Value* Overflowing(llvm::Intrinsic::ID id, llvm::Value* x, llvm::Value* y, llvm::Value* valid, int site) {
    llvm::Value* pair = b_.CreateBinaryIntrinsic(id, x, y);
    FailIf(b_.CreateAnd(valid, b_.CreateExtractValue(pair, 1)), site);
    return b_.CreateExtractValue(pair, 0);
  }

  // + - * / % on int64 (ints, timestamps, durations), with the interpreter's checks.
  llvm::Value* IntArith(BinaryOp op, llvm::Value* x, llvm::Value* y, llvm::Value* valid, int site) {
    const int overflow = site, div_zero = site + 1;
    switch (op) {
      case BinaryOp::Add: return Overflowing(llvm::Intrinsic::sadd_with_overflow, x, y, valid, overflow);
      case BinaryOp::Sub: return Overflowing(llvm::Intrinsic::ssub_with_overflow, x, y, valid, overflow);
      case BinaryOp::Mul: return Overflowing(llvm::Intrinsic::smul_with_overflow, x, y, valid, overflow);
      default: break;
    }
    llvm::Value* zero = b_.CreateICmpEQ(y, b_.getInt64(0));
    FailIf(b_.CreateAnd(valid, zero), div_zero);
    llvm::Value* minus_one = b_.CreateICmpEQ(y, b_.getInt64(static_cast<uint64_t>(-1)));
    // A divisor that cannot trap for the rows whose result is not used (null, zero, -1).
    llvm::Value* safe = b_.CreateSelect(b_.CreateOr(zero, minus_one), b_.getInt64(1), y);
    if (op == BinaryOp::Div) {
      llvm::Value* min = b_.CreateICmpEQ(x, b_.getInt64(static_cast<uint64_t>(std::numeric_limits<int64_t>::min())));
      FailIf(b_.CreateAnd(valid, b_.CreateAnd(minus_one, min)), overflow);
      return b_.CreateSelect(minus_one, b_.CreateNeg(x), b_.CreateSDiv(x, safe));
    }
    return b_.CreateSRem(x, safe);  // x % -1 is 0, as srem by 1 gives
  }

  Val Arith(const Expr& e, int site) {
    Val a = Emit(e.children[0]);
    Val b = Emit(e.children[1]);
    Val out;
    out.valid = b_.CreateAnd(a.valid, b.valid);
    const TypeKind lk = e.children[0].type->kind, rk = e.children[1].type->kind;
    const BinaryOp op = e.binary_op;
    if (lk == TypeKind::Float) {
      switch (op) {
        case BinaryOp::Add: out.v = b_.CreateFAdd(a.v, b.v); break;
        case BinaryOp::Sub: out.v = b_.CreateFSub(a.v, b.v); break;
        case BinaryOp::Mul: out.v = b_.CreateFMul(a.v, b.v); break;
        case BinaryOp::Div: out.v = b_.CreateFDiv(a.v, b.v); break;
        default: out.v = b_.CreateFRem(a.v, b.v); break;  // fmod
      }
      return out;
    }
    if (lk == TypeKind::Date) {
      const int overflow = site;
      if (rk == TypeKind::Date) {  // date - date: a duration
        llvm::Value* d = b_.CreateSub(b_.CreateSExt(a.v, i64_), b_.CreateSExt(b.v, i64_));
        out.v = Overflowing(llvm::Intrinsic::smul_with_overflow, d, b_.getInt64(kMicrosPerDay), out.valid, overflow);
        return out;
      }
      // date +- duration: the date of (its midnight +- the duration), rounded down.
      llvm::Value* us = Overflowing(llvm::Intrinsic::smul_with_overflow, b_.CreateSExt(a.v, i64_), b_.getInt64(kMicrosPerDay), out.valid, overflow);
      us = Overflowing(op == BinaryOp::Add ? llvm::Intrinsic::sadd_with_overflow : llvm::Intrinsic::ssub_with_overflow, us, b.v, out.valid, overflow);
      llvm::Value* q = b_.CreateSDiv(us, b_.getInt64(kMicrosPerDay));
      llvm::Value* rem = b_.CreateSRem(us, b_.getInt64(kMicrosPerDay));
      llvm::Value* down = b_.CreateAnd(b_.CreateICmpNE(rem, b_.getInt64(0)), b_.CreateICmpSLT(us, b_.getInt64(0)));
      llvm::Value* days = b_.CreateSub(q, b_.CreateZExt(down, i64_));
      llvm::Value* out_of_range = b_.CreateOr(b_.CreateICmpSLT(days, b_.getInt64(static_cast<uint64_t>(int64_t{std::numeric_limits<int32_t>::min()}))),
                                              b_.CreateICmpSGT(days, b_.getInt64(std::numeric_limits<int32_t>::max())));
      FailIf(b_.CreateAnd(out.valid, out_of_range), overflow);
      out.v = b_.CreateTrunc(days, i32_);
      return out;
    }
    if (e.type->kind == TypeKind::Float) {  // duration / duration
      out.v = b_.CreateFDiv(b_.CreateSIToFP(a.v, f64_), b_.CreateSIToFP(b.v, f64_));
      return out;
    }
    out.v = IntArith(op, a.v, b.v, out.valid, site);
    return out;
  }

  // Joins the values reaching `merge` from (block, value) pairs.
  Val Merge(llvm::BasicBlock* merge, const std::vector<std::pair<llvm::BasicBlock*, Val>>& in, Layout layout) {
    b_.SetInsertPoint(merge);
    llvm::Type* type = layout == Layout::Bool ? i1_ : ValueType(layout);
    auto* v = b_.CreatePHI(type, static_cast<unsigned>(in.size()));
    auto* valid = b_.CreatePHI(i1_, static_cast<unsigned>(in.size()));
    for (const auto& [block, val] : in) {
      v->addIncoming(val.v ? val.v : llvm::Constant::getNullValue(type), block);
      valid->addIncoming(val.valid, block);
    }
    return Val{v, valid, nullptr};
  }

  Val Logic(const Expr& e) {
    const bool is_or = e.binary_op == BinaryOp::Or;
    Val a = Emit(e.children[0]);
    // The right side runs only for rows the left does not decide (left valid and true for
    // `and`, valid and false for `or`); a null left gives null, as the interpreter does.
    llvm::Value* undecided = b_.CreateAnd(a.valid, is_or ? b_.CreateNot(a.v) : a.v);
    auto* rhs = llvm::BasicBlock::Create(ctx_, is_or ? "or.rhs" : "and.rhs", fn_);
    auto* merge = llvm::BasicBlock::Create(ctx_, "logic", fn_);
    llvm::BasicBlock* from = b_.GetInsertBlock();
    b_.CreateCondBr(undecided, rhs, merge);
    b_.SetInsertPoint(rhs);
    Val b = Emit(e.children[1]);
    llvm::BasicBlock* rhs_end = b_.GetInsertBlock();
    b_.CreateBr(merge);
    return Merge(merge, {{from, a}, {rhs_end, b}}, Layout::Bool);
  }

  Val Coalesce(const Expr& e) {
    const Layout layout = runtime::LayoutOf(e.type);
    Val a = Emit(e.children[0]);
    auto* rhs = llvm::BasicBlock::Create(ctx_, "coalesce.rhs", fn_);
    auto* merge = llvm::BasicBlock::Create(ctx_, "coalesce", fn_);
    llvm::BasicBlock* from = b_.GetInsertBlock();
    b_.CreateCondBr(a.valid, merge, rhs);
    b_.SetInsertPoint(rhs);
    Val b = Emit(e.children[1]);
    llvm::BasicBlock* rhs_end = b_.GetInsertBlock();
    b_.CreateBr(merge);
    return Merge(merge, {{from, a}, {rhs_end, b}}, layout);
  }

  Val If(const Expr& e) {
    const Layout layout = runtime::LayoutOf(e.type);
    Val c = Emit(e.children[0]);
    auto* then_b = llvm::BasicBlock::Create(ctx_, "then", fn_);
    auto* check_b = llvm::BasicBlock::Create(ctx_, "if.else?", fn_);
    auto* else_b = llvm::BasicBlock::Create(ctx_, "else", fn_);
    auto* merge = llvm::BasicBlock::Create(ctx_, "if", fn_);
    b_.CreateCondBr(b_.CreateAnd(c.valid, c.v), then_b, check_b);
    b_.SetInsertPoint(check_b);
    b_.CreateCondBr(c.valid, else_b, merge);  // a null condition: a null result
    b_.SetInsertPoint(then_b);
    Val t = Emit(e.children[1]);
    llvm::BasicBlock* then_end = b_.GetInsertBlock();
    b_.CreateBr(merge);
    b_.SetInsertPoint(else_b);
    Val f = Emit(e.children[2]);
    llvm::BasicBlock* else_end = b_.GetInsertBlock();
    b_.CreateBr(merge);
    return Merge(merge, {{then_end, t}, {else_end, f}, {check_b, Val{nullptr, b_.getFalse(), nullptr}}}, layout);
  }

  Val Match(const Expr& e) {
    const Layout layout = runtime::LayoutOf(e.type);
    const Layout subject_layout = runtime::LayoutOf(e.children[0].type);
    Val s = Emit(e.children[0]);
    auto* merge = llvm::BasicBlock::Create(ctx_, "match", fn_);
    std::vector<std::pair<llvm::BasicBlock*, Val>> in;
    size_t at = 1;
    for (int count : e.arm_patterns) {
      llvm::Value* hit = count == 0 ? b_.getTrue() : b_.getFalse();
      for (int p = 0; p < count; ++p, ++at) {
        const ast::Value& pattern = e.children[at].value;
        // EqualAt: null equals only null.
        llvm::Value* eq = pattern.kind == VK::Null ? b_.CreateNot(s.valid)
                                                   : b_.CreateAnd(s.valid, EqualsConstant(subject_layout, s, pattern));
        hit = b_.CreateOr(hit, eq);
      }
      auto* arm = llvm::BasicBlock::Create(ctx_, "arm", fn_);
      auto* next = llvm::BasicBlock::Create(ctx_, "arm.next", fn_);
      b_.CreateCondBr(hit, arm, next);
      b_.SetInsertPoint(arm);
      Val v = Emit(e.children[at++]);
      in.emplace_back(b_.GetInsertBlock(), v);
      b_.CreateBr(merge);
      b_.SetInsertPoint(next);
      if (count == 0) break;  // `_` took every row left
    }
    // No arm matched (or the unreachable rest after `_`): null.
    in.emplace_back(b_.GetInsertBlock(), Val{nullptr, b_.getFalse(), nullptr});
    b_.CreateBr(merge);
    return Merge(merge, in, layout);
  }

  Val In(const Expr& e) {
    const Layout layout = runtime::LayoutOf(e.children[0].type);
    Val x = Emit(e.children[0]);
    std::vector<ast::Value> items;
    const Expr& list = e.children[1];
    if (list.kind == ExprKind::Literal) {
      items = list.value.items;
    } else {
      for (const Expr& item : list.children) items.push_back(item.value);
    }
    bool has_null = false;
    llvm::Value* found = b_.getFalse();
    for (const ast::Value& item : items) {
      if (item.kind == VK::Null) {
        has_null = true;
        continue;
      }
      found = b_.CreateOr(found, EqualsConstant(layout, x, item));
    }
    found = b_.CreateSelect(x.valid, found, b_.getInt1(has_null));
    const bool negated = e.binary_op == BinaryOp::NotIn;
    return Val{negated ? b_.CreateNot(found) : found, b_.getTrue(), nullptr};
  }

  // The numeric functions the planner lowers (fn_number.cpp): a null argument gives null.
  Val Call(const Expr& e, const NodeInfo& info) {
    Val v = Emit(e.children[0]);
    if (e.name == "len") {
      llvm::Value* length = b_.CreateSelect(v.valid, v.length, b_.getInt32(0));
      return Val{b_.CreateCall(code_points_, {v.v, length}), v.valid, nullptr};
    }
    if (e.name == "starts_with" || e.name == "ends_with" || e.name == "contains") {
      Val t = Emit(e.children[1]);
      llvm::Value* valid = b_.CreateAnd(v.valid, t.valid);
      const int32_t op = e.name == "starts_with" ? 0 : e.name == "ends_with" ? 1 : 2;
      llvm::Value* ls = b_.CreateSelect(valid, v.length, b_.getInt32(0));
      llvm::Value* lt = b_.CreateSelect(valid, t.length, b_.getInt32(0));
      llvm::Value* r = b_.CreateCall(string_test_, {b_.getInt32(static_cast<uint32_t>(op)), v.v, ls, t.v, lt});
      return Val{b_.CreateICmpNE(r, b_.getInt32(0)), valid, nullptr};
    }
    const bool is_float = e.children[0].type->kind == TypeKind::Float;
    if (e.name == "sqrt") {
      llvm::Value* x = is_float ? v.v : b_.CreateSIToFP(v.v, f64_);
      FailIf(b_.CreateAnd(v.valid, b_.CreateFCmpOLT(x, llvm::ConstantFP::get(f64_, 0.0))), info.site);
      return Val{b_.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, x), v.valid, nullptr};
    }
    if (e.name == "abs") {
      if (is_float) return Val{b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v.v), v.valid, nullptr};
      llvm::Value* min = b_.CreateICmpEQ(v.v, b_.getInt64(static_cast<uint64_t>(std::numeric_limits<int64_t>::min())));
      FailIf(b_.CreateAnd(v.valid, min), info.site);
      return Val{b_.CreateSelect(b_.CreateICmpSLT(v.v, b_.getInt64(0)), b_.CreateNeg(v.v), v.v), v.valid, nullptr};
    }
    if (!is_float) return v;  // floor/ceil/round of an int: the int
    const llvm::Intrinsic::ID id = e.name == "floor" ? llvm::Intrinsic::floor
                                   : e.name == "ceil" ? llvm::Intrinsic::ceil
                                                      : llvm::Intrinsic::round;  // half away from zero, as std::round
    return Val{b_.CreateUnaryIntrinsic(id, v.v), v.valid, nullptr};
  }

  Val Binary(const Expr& e, const NodeInfo& info) {
    const BinaryOp op = e.binary_op;
    switch (op) {
      case BinaryOp::And:
      case BinaryOp::Or: return Logic(e);
      case BinaryOp::Coalesce: return Coalesce(e);
      case BinaryOp::In:
      case BinaryOp::NotIn: return In(e);
      case BinaryOp::Eq:
      case BinaryOp::Ne:
      case BinaryOp::Lt:
      case BinaryOp::Le:
      case BinaryOp::Gt:
      case BinaryOp::Ge: {
        Val a = Emit(e.children[0]);
        Val b = Emit(e.children[1]);
        llvm::Value* cmp = Compare(op, runtime::LayoutOf(e.children[0].type), a, b);
        llvm::Value* both = b_.CreateAnd(a.valid, b.valid);
        if (op != BinaryOp::Eq && op != BinaryOp::Ne) return Val{cmp, both, nullptr};
        // == and != are never null: null equals only null.
        llvm::Value* both_null = b_.CreateAnd(b_.CreateNot(a.valid), b_.CreateNot(b.valid));
        llvm::Value* on_null = op == BinaryOp::Eq ? both_null : b_.CreateNot(both_null);
        return Val{b_.CreateSelect(both, cmp, on_null), b_.getTrue(), nullptr};
      }
      default: return Arith(e, info.site);
    }
  }

  Val Emit(const Expr& e) {
    const NodeInfo& info = plan_.nodes.at(&e);
    if (info.leaf) return ReadSource(info.source);
    switch (e.kind) {
      case ExprKind::Literal: return Literal(e);
      case ExprKind::Field:
      case ExprKind::Param: return ReadSource(info.source);
      case ExprKind::IsNull: {
        Val v = Emit(e.children[0]);
        return Val{e.negated ? v.valid : b_.CreateNot(v.valid), b_.getTrue(), nullptr};
      }
      case ExprKind::Widen: {
        Val v = Emit(e.children[0]);
        return Val{b_.CreateSIToFP(v.v, f64_), v.valid, nullptr};
      }
      case ExprKind::Unary: {
        Val v = Emit(e.children[0]);
        if (e.unary_op == ast::UnaryOp::Not) return Val{b_.CreateNot(v.v), v.valid, nullptr};
        if (e.type->kind == TypeKind::Float) return Val{b_.CreateFNeg(v.v), v.valid, nullptr};
        llvm::Value* min = b_.CreateICmpEQ(v.v, b_.getInt64(static_cast<uint64_t>(std::numeric_limits<int64_t>::min())));
        FailIf(b_.CreateAnd(v.valid, min), info.site);
        return Val{b_.CreateNeg(v.v), v.valid, nullptr};
      }
      case ExprKind::Call: return Call(e, info);
      case ExprKind::If: return If(e);
      case ExprKind::Match: return Match(e);
      case ExprKind::Binary: return Binary(e, info);
      default: break;
    }
    return Val{};  // the planner only marks the kinds above native
  }

  // Expression j of a values kernel: its result stored at row i.
  void StoreValue(size_t j) {
    const ExprPlan& root = plan_.roots[j];
    if (root.root_leaf) {  // only its failure matters here, in expression order
      (void)ReadSource(root.source);
      return;
    }
    const Expr& e = plan_.exprs.exprs[j];
    const Layout layout = runtime::LayoutOf(e.type);
    Val v = Emit(e);
    llvm::Value* out = entry_b_.CreateGEP(out_ty_, LoadArgAt(entry_b_, kArgsOutputs), entry_b_.getInt64(j));
    llvm::Value* data = entry_b_.CreateLoad(ptr_, entry_b_.CreateStructGEP(out_ty_, out, kOutData));
    llvm::Value* words = entry_b_.CreateLoad(ptr_, entry_b_.CreateStructGEP(out_ty_, out, kOutValid));
    llvm::Value* value = layout == Layout::Bool ? b_.CreateZExt(v.v, i8_) : v.v;
    b_.CreateStore(value, b_.CreateGEP(ValueType(layout), data, i_));
    llvm::Value* word_ptr = b_.CreateGEP(i64_, words, b_.CreateLShr(i_, 6));
    llvm::Value* bit = b_.CreateShl(b_.CreateZExt(v.valid, i64_), b_.CreateAnd(i_, 63));
    b_.CreateStore(b_.CreateOr(b_.CreateLoad(i64_, word_ptr), bit), word_ptr);
  }

  // The conditions of a conditions kernel, in order, for row i.
  void Conditions() {
    llvm::Value* which = LoadArgAt(entry_b_, kArgsWhich);
    llvm::Value* slot = b_.CreateGEP(i32_, which, i_);
    const size_t count = plan_.exprs.exprs.size();
    for (size_t c = 0; c < count; ++c) {
      b_.CreateStore(b_.getInt32(static_cast<uint32_t>(c)), slot);  // also the failed row's answer
      Val v = Emit(plan_.exprs.exprs[c]);
      llvm::Value* is_true = b_.CreateAnd(v.valid, v.v);
      llvm::Value* decides = plan_.mode == runtime::ConditionMode::FirstTrue ? is_true : b_.CreateNot(is_true);
      auto* next = llvm::BasicBlock::Create(ctx_, "cond.next", fn_);
      b_.CreateCondBr(decides, latch_, next);
      b_.SetInsertPoint(next);
    }
    b_.CreateStore(b_.getInt32(static_cast<uint32_t>(count)), slot);
  }

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
  std::vector<SourcePtrs> ptrs_;
};

}  // namespace

std::string SegmentFunctionName(size_t segment) { return "etl_kernel_" + std::to_string(segment); }

std::unique_ptr<llvm::Module> GenerateModule(const StepPlan& plan, llvm::LLVMContext& context, bool fault) {
  auto module = std::make_unique<llvm::Module>("etl_step", context);
  Gen gen(plan, *module);
  for (size_t k = 0; k < plan.segments.size(); ++k) gen.EmitSegment(k);
  if (fault) {
    // ETL_JIT_FAULT=verify: a function whose only block has no terminator.
    auto* type = llvm::FunctionType::get(llvm::Type::getVoidTy(context), false);
    auto* f = llvm::Function::Create(type, llvm::Function::ExternalLinkage, "etl_fault", *module);
    llvm::BasicBlock::Create(context, "unterminated", f);
  }
  return module;
}

}  // namespace etl::jit
