// Code generation of step kernels (jit_codegen.h): each native node becomes straight-line IR
// inside the row loop; short-circuit operators (and, or, ??, if, match) become branches, so
// a row evaluates exactly the operands the interpreter evaluates for it; every failure
// branches to the row's fail block with its error site. This file: the loop, the sources,
// the stores; jit_codegen_ops.cpp: the operators.
#include "compiler/jit/jit_codegen.h"

#include <llvm/IR/MDBuilder.h>

#include "compiler/jit/jit_gen.h"
#include "compiler/jit/kernel_abi.h"

namespace etl::jit {

namespace codegen {

Gen::Gen(const StepPlan& plan, llvm::Module& module)
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
  llvm::MDBuilder md(ctx_);
  llvm::MDNode* domain = md.createAnonymousAliasScopeDomain("etl_kernel");
  std::vector<llvm::Metadata*> scopes;
  const size_t count = static_cast<size_t>(OutDataScope(plan_.exprs.exprs.size()));
  for (size_t s = 0; s < count; ++s) scopes.push_back(md.createAnonymousAliasScope(domain));
  for (size_t s = 0; s < count; ++s) {
    scope_lists_.push_back(llvm::MDNode::get(ctx_, {scopes[s]}));
    std::vector<llvm::Metadata*> others;
    for (size_t o = 0; o < count; ++o) {
      if (o != s) others.push_back(scopes[o]);
    }
    noalias_lists_.push_back(llvm::MDNode::get(ctx_, others));
  }
}

void Gen::EmitSegment(size_t k) {
  auto* fn_ty = llvm::FunctionType::get(b_.getVoidTy(), {ptr_}, false);
  fn_ = llvm::Function::Create(fn_ty, llvm::Function::ExternalLinkage, SegmentFunctionName(k), module_);
  fn_->setDoesNotThrow();
  args_ = fn_->getArg(0);
  args_->addAttr(llvm::Attribute::NoAlias);
  auto* entry = llvm::BasicBlock::Create(ctx_, "entry", fn_);
  auto* dispatch = llvm::BasicBlock::Create(ctx_, "dispatch", fn_);
  auto* exit = llvm::BasicBlock::Create(ctx_, "exit", fn_);
  ptrs_.assign(plan_.sources.size(), SourcePtrs{});
  const size_t count = plan_.exprs.exprs.size();
  preset_valid_.assign(count, false);

  // entry: the loads of the arguments stay here (entry_b_ inserts before the branch), so
  // both loop versions use them without reloading.
  b_.SetInsertPoint(entry);
  rows_ = LoadArg(kArgsRows, i64_);
  sel_ = LoadArg(kArgsSelection, ptr_);
  err_count_ = b_.CreateAlloca(i64_, nullptr, "error_count");
  b_.CreateStore(LoadArg(kArgsErrorCount, i64_), err_count_);
  auto* br = b_.CreateCondBr(b_.CreateICmpEQ(rows_, b_.getInt64(0)), exit, dispatch);
  entry_b_.SetInsertPoint(br);
  has_sel_ = entry_b_.CreateICmpNE(sel_, llvm::ConstantPointerNull::get(ptr_), "has_sel");

  // Two versions of the loop: the selection test is made once per batch, not per row, and
  // the version without one reads rows i .. i+n contiguously (LLVM can vectorise it).
  b_.SetInsertPoint(dispatch);
  auto* with_sel = llvm::BasicBlock::Create(ctx_, "selected", fn_);
  auto* dense = llvm::BasicBlock::Create(ctx_, "dense", fn_);
  b_.CreateCondBr(has_sel_, with_sel, dense);
  EmitLoop(k, with_sel, true, exit);
  EmitLoop(k, dense, false, exit);

  b_.SetInsertPoint(exit);
  b_.CreateStore(b_.CreateLoad(i64_, err_count_), b_.CreateStructGEP(args_ty_, args_, kArgsErrorCount));
  b_.CreateRetVoid();
}

void Gen::EmitLoop(size_t k, llvm::BasicBlock* pre, bool with_selection, llvm::BasicBlock* exit) {
  const Segment& seg = plan_.segments[k];
  const size_t count = plan_.exprs.exprs.size();
  loop_ = llvm::BasicBlock::Create(ctx_, with_selection ? "row.sel" : "row", fn_);
  latch_ = llvm::BasicBlock::Create(ctx_, "next_row", fn_);
  fail_ = llvm::BasicBlock::Create(ctx_, "row_failed", fn_);
  skip_from_ = nullptr;
  row_vals_.assign(count, Val{});
  acc_.assign(count, nullptr);
  cur_acc_.assign(count, nullptr);
  b_.SetInsertPoint(pre);
  b_.CreateBr(loop_);

  // row: i, and r = the column row of input fields.
  b_.SetInsertPoint(loop_);
  i_ = b_.CreatePHI(i64_, 2, "i");
  i_->addIncoming(b_.getInt64(0), pre);
  if (with_selection) {
    r_ = b_.CreateZExt(Tag(b_.CreateLoad(i32_, b_.CreateGEP(i32_, sel_, i_)), kScopeInputs), i64_, "r");
  } else {
    r_ = i_;
  }

  // fail: record (i, site), mark the row failed.
  llvm::IRBuilder<> fb(fail_);
  site_phi_ = fb.CreatePHI(i32_, 4, "site");
  {
    llvm::Value* n = fb.CreateLoad(i64_, err_count_);
    Tag(fb.CreateStore(fb.CreateTrunc(i_, i32_), fb.CreateGEP(i32_, LoadArgAt(entry_b_, kArgsErrorRows), n)), kScopeErrorRows);
    Tag(fb.CreateStore(site_phi_, fb.CreateGEP(i32_, LoadArgAt(entry_b_, kArgsErrorSites), n)), kScopeErrorSites);
    fb.CreateStore(fb.CreateAdd(n, fb.getInt64(1)), err_count_);
    Tag(fb.CreateStore(fb.getInt8(1), fb.CreateGEP(i8_, LoadArgAt(entry_b_, kArgsRowFailed), i_)), kScopeRowFailed);
    fb.CreateBr(latch_);
  }

  if (k > 0) {  // rows that failed in an earlier segment are done
    auto* go = llvm::BasicBlock::Create(ctx_, "live", fn_);
    llvm::Value* failed = Tag(b_.CreateLoad(i8_, b_.CreateGEP(i8_, LoadArgAt(entry_b_, kArgsRowFailed), i_)), kScopeRowFailed);
    skip_from_ = b_.GetInsertBlock();
    b_.CreateCondBr(b_.CreateICmpNE(failed, b_.getInt8(0)), latch_, go);
    b_.SetInsertPoint(go);
  }
  if (plan_.conditions) {
    Conditions();
  } else {
    for (size_t j = seg.first; j < seg.end; ++j) StoreValue(j);
  }
  llvm::BasicBlock* body_end = b_.GetInsertBlock();
  b_.CreateBr(latch_);

  b_.SetInsertPoint(latch_);
  // The accumulators: a failed or skipped row adds no bit (its values are unspecified); the
  // next word starts empty.
  std::vector<llvm::PHINode*> at_latch(count, nullptr);
  for (size_t j = 0; j < count; ++j) {
    if (!acc_[j]) continue;
    at_latch[j] = b_.CreatePHI(i64_, 3);
    at_latch[j]->addIncoming(cur_acc_[j], body_end);
    at_latch[j]->addIncoming(acc_[j], fail_);
    if (skip_from_) at_latch[j]->addIncoming(acc_[j], skip_from_);
  }
  llvm::Value* word_end = b_.CreateICmpEQ(b_.CreateAnd(i_, 63), b_.getInt64(63));
  for (size_t j = 0; j < count; ++j) {
    if (at_latch[j]) acc_[j]->addIncoming(b_.CreateSelect(word_end, b_.getInt64(0), at_latch[j]), latch_);
  }
  llvm::Value* next = b_.CreateAdd(i_, b_.getInt64(1), "i.next", true, true);
  i_->addIncoming(next, latch_);
  b_.CreateCondBr(b_.CreateICmpULT(next, rows_), loop_, exit);
}

llvm::Instruction* Gen::Tag(llvm::Instruction* access, int scope) {
  const auto s = static_cast<size_t>(scope);
  if (s < scope_lists_.size()) {
    access->setMetadata(llvm::LLVMContext::MD_alias_scope, scope_lists_[s]);
    access->setMetadata(llvm::LLVMContext::MD_noalias, noalias_lists_[s]);
  }
  return access;
}

llvm::Value* Gen::LoadArg(unsigned field, llvm::Type* type) {
  return b_.CreateLoad(type, b_.CreateStructGEP(args_ty_, args_, field));
}

llvm::Value* Gen::LoadArgAt(llvm::IRBuilder<>& at, unsigned field) {
  return at.CreateLoad(ptr_, at.CreateStructGEP(args_ty_, args_, field));
}

// Branches to the fail block with `site` when `cond` holds.

void Gen::FailIf(llvm::Value* cond, int site) {
  if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(cond); c && c->isZero()) return;  // e.g. `% 1000003`
  auto* ok = llvm::BasicBlock::Create(ctx_, "ok", fn_);
  b_.CreateCondBr(cond, fail_, ok, llvm::MDBuilder(ctx_).createBranchWeights(1, 1 << 20));
  site_phi_->addIncoming(b_.getInt32(static_cast<uint32_t>(site)), b_.GetInsertBlock());
  b_.SetInsertPoint(ok);
}

// Marks a load of memory no loop writes (inputs, leaves, params): LLVM may then reuse it

// across the stores to outputs, which it cannot prove do not alias.

llvm::Value* Gen::Invariant(llvm::LoadInst* load, bool invariant) {
  if (invariant) load->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(ctx_, {}));
  return load;
}

llvm::Value* Gen::ValidBit(llvm::Value* words, llvm::Value* index, bool invariant, int scope) {
  auto* load = b_.CreateLoad(i64_, b_.CreateGEP(i64_, words, b_.CreateLShr(index, 6)));
  llvm::Value* word = Invariant(llvm::cast<llvm::LoadInst>(Tag(load, scope)), invariant);
  llvm::Value* bit = b_.CreateLShr(word, b_.CreateAnd(index, 63));
  return b_.CreateTrunc(bit, i1_);
}

llvm::Type* Gen::ValueType(Layout layout) {
  switch (layout) {
    case Layout::Bool: return i8_;
    case Layout::Int32: return i32_;
    case Layout::Float64: return f64_;
    default: return i64_;
  }
}

// The value at `index` of a column of `layout` (data, bytes for strings).

Val Gen::LoadValue(Layout layout, llvm::Value* data, llvm::Value* bytes, llvm::Value* index, bool invariant, int scope) {
  Val out;
  auto load = [&](llvm::Type* type, llvm::Value* at) {
    return Invariant(llvm::cast<llvm::LoadInst>(Tag(b_.CreateLoad(type, at), scope)), invariant);
  };
  if (layout == Layout::String) {
    llvm::Value* view = b_.CreateGEP(view_ty_, data, index);
    llvm::Value* offset = load(i32_, b_.CreateStructGEP(view_ty_, view, 0));
    out.length = load(i32_, b_.CreateStructGEP(view_ty_, view, 1));
    out.v = b_.CreateGEP(i8_, bytes, b_.CreateZExt(offset, i64_));
    return out;
  }
  out.v = load(ValueType(layout), b_.CreateGEP(ValueType(layout), data, index));
  if (layout == Layout::Bool) out.v = b_.CreateICmpNE(out.v, b_.getInt8(0));
  return out;
}

Val Gen::ReadSource(int index) {
  const Source& s = plan_.sources[static_cast<size_t>(index)];
  SourcePtrs& p = ptrs_[static_cast<size_t>(index)];
  if (s.kind == SourceKind::Output) {
    const auto j = static_cast<size_t>(s.expr);
    if (row_vals_[j].v) return row_vals_[j];  // computed earlier in this row
    if (!p.data) {
      llvm::Value* out = entry_b_.CreateGEP(out_ty_, LoadArgAt(entry_b_, kArgsOutputs), entry_b_.getInt64(static_cast<uint64_t>(s.expr)));
      p.data = entry_b_.CreateLoad(ptr_, entry_b_.CreateStructGEP(out_ty_, out, kOutData));
      p.valid = entry_b_.CreateLoad(ptr_, entry_b_.CreateStructGEP(out_ty_, out, kOutValid));
    }
    Val v = LoadValue(s.layout, p.data, nullptr, i_, false, OutDataScope(j));
    v.valid = s.nullable ? ValidBit(p.valid, i_, false, OutValidScope(j)) : b_.getTrue();
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
    auto* load = llvm::cast<llvm::LoadInst>(Tag(b_.CreateLoad(i8_, b_.CreateGEP(i8_, p.failed, at)), kScopeInputs));
    llvm::Value* failed = Invariant(load, true);
    FailIf(b_.CreateICmpNE(failed, b_.getInt8(0)), s.site);
  }
  Val v;
  if (Readable(s.type)) v = LoadValue(s.layout, p.data, p.bytes, at, true, kScopeInputs);
  v.valid = s.nullable ? ValidBit(p.valid, at, true, kScopeInputs) : b_.getTrue();
  return v;
}

// x op y for non-null operands of one layout (NaN compares false, -0.0 == 0.0).

// `x == value` for a constant (an `in` item or a match pattern) and a valid x.

// + - * / % on int64 (ints, timestamps, durations), with the interpreter's checks.

// Joins the values reaching `merge` from (block, value) pairs.

// The numeric functions the planner lowers (fn_number.cpp): a null argument gives null.

Val Gen::Emit(const Expr& e) {
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

void Gen::StoreValue(size_t j) {
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
  Tag(b_.CreateStore(value, b_.CreateGEP(ValueType(layout), data, i_)), OutDataScope(j));
  row_vals_[j] = v;
  if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(v.valid); c && c->isOne()) {
    // Valid on every row that is not failed (failed rows' values are unspecified): all its
    // validity words are set once before the loop, none in it.
    if (!preset_valid_[j]) {
      llvm::Value* bytes = entry_b_.CreateShl(entry_b_.CreateLShr(entry_b_.CreateAdd(rows_, entry_b_.getInt64(63)), 6), 3);
      Tag(entry_b_.CreateMemSet(words, entry_b_.getInt8(0xFF), bytes, llvm::MaybeAlign(8)), OutValidScope(j));
      preset_valid_[j] = true;
    }
    return;
  }
  // Otherwise the bits of the current 64-row word accumulate in a register, and the word is
  // stored whole (no load) on each row.
  if (!acc_[j]) {
    acc_[j] = llvm::PHINode::Create(i64_, 2, "valid_word", &*loop_->getFirstInsertionPt());
    acc_[j]->addIncoming(b_.getInt64(0), i_->getIncomingBlock(0));
    cur_acc_[j] = acc_[j];
  }
  llvm::Value* bit = b_.CreateShl(b_.CreateZExt(v.valid, i64_), b_.CreateAnd(i_, 63));
  cur_acc_[j] = b_.CreateOr(cur_acc_[j], bit);
  Tag(b_.CreateStore(cur_acc_[j], b_.CreateGEP(i64_, words, b_.CreateLShr(i_, 6))), OutValidScope(j));
}

// The conditions of a conditions kernel, in order, for row i.

void Gen::Conditions() {
  llvm::Value* which = LoadArgAt(entry_b_, kArgsWhich);
  llvm::Value* slot = b_.CreateGEP(i32_, which, i_);
  const size_t count = plan_.exprs.exprs.size();
  for (size_t c = 0; c < count; ++c) {
    Tag(b_.CreateStore(b_.getInt32(static_cast<uint32_t>(c)), slot), kScopeWhich);  // also the failed row's answer
    Val v = Emit(plan_.exprs.exprs[c]);
    llvm::Value* is_true = b_.CreateAnd(v.valid, v.v);
    llvm::Value* decides = plan_.mode == runtime::ConditionMode::FirstTrue ? is_true : b_.CreateNot(is_true);
    auto* next = llvm::BasicBlock::Create(ctx_, "cond.next", fn_);
    b_.CreateCondBr(decides, latch_, next);
    b_.SetInsertPoint(next);
  }
  Tag(b_.CreateStore(b_.getInt32(static_cast<uint32_t>(count)), slot), kScopeWhich);
}

}  // namespace codegen

std::string SegmentFunctionName(size_t segment) { return "etl_kernel_" + std::to_string(segment); }

std::unique_ptr<llvm::Module> GenerateModule(const StepPlan& plan, llvm::LLVMContext& context, bool fault) {
  auto module = std::make_unique<llvm::Module>("etl_step", context);
  codegen::Gen gen(plan, *module);
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

