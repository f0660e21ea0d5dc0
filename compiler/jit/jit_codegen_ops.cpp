// The operators of the code generator (jit_gen.h): literals, comparisons, arithmetic with
// the interpreter's checks, and/or/??/if/match as branches, `in`, the native calls.
#include <limits>

#include "compiler/jit/jit_gen.h"

namespace etl::jit::codegen {

llvm::Constant* Gen::StringConstant(const std::string& text) {
  auto* init = llvm::ConstantDataArray::getString(ctx_, text, false);
  auto* global = new llvm::GlobalVariable(module_, init->getType(), true, llvm::GlobalValue::PrivateLinkage, init, "str");
  global->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  return global;
}

Val Gen::Literal(const Expr& e) {
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

llvm::Value* Gen::CompareStrings(const Val& a, const Val& b) {
  // Lengths of invalid rows are 0, so the helper never reads a null row's bytes.
  llvm::Value* la = b_.CreateSelect(a.valid, a.length, b_.getInt32(0));
  llvm::Value* lb = b_.CreateSelect(b.valid, b.length, b_.getInt32(0));
  return b_.CreateCall(compare_, {a.v, la, b.v, lb});
}

llvm::Value* Gen::Compare(BinaryOp op, Layout layout, const Val& a, const Val& b) {
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

llvm::Value* Gen::EqualsConstant(Layout layout, const Val& x, const ast::Value& value) {
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

llvm::Value* Gen::Overflowing(llvm::Intrinsic::ID id, llvm::Value* x, llvm::Value* y, llvm::Value* valid, int site) {
  llvm::Value* pair = b_.CreateBinaryIntrinsic(id, x, y);
  FailIf(b_.CreateAnd(valid, b_.CreateExtractValue(pair, 1)), site);
  return b_.CreateExtractValue(pair, 0);
}

llvm::Value* Gen::IntArith(BinaryOp op, llvm::Value* x, llvm::Value* y, llvm::Value* valid, int site) {
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

Val Gen::Arith(const Expr& e, int site) {
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

Val Gen::Merge(llvm::BasicBlock* merge, const std::vector<std::pair<llvm::BasicBlock*, Val>>& in, Layout layout) {
  b_.SetInsertPoint(merge);
  llvm::Type* type = layout == Layout::Bool ? i1_ : ValueType(layout);
  auto* v = b_.CreatePHI(type, static_cast<unsigned>(in.size()));
  for (const auto& [block, val] : in) v->addIncoming(val.v ? val.v : llvm::Constant::getNullValue(type), block);
  // The same constant validity on every path stays a constant: an output that is never null
  // then needs no validity bits in the loop (StoreValue).
  bool same = true;
  for (const auto& entry : in) same = same && entry.second.valid == in.front().second.valid;
  if (same && llvm::isa<llvm::Constant>(in.front().second.valid)) return Val{v, in.front().second.valid, nullptr};
  auto* valid = b_.CreatePHI(i1_, static_cast<unsigned>(in.size()));
  for (const auto& [block, val] : in) valid->addIncoming(val.valid, block);
  return Val{v, valid, nullptr};
}

Val Gen::Logic(const Expr& e) {
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

Val Gen::Coalesce(const Expr& e) {
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
  // The left reaches the merge only when it is valid.
  return Merge(merge, {{from, Val{a.v, b_.getTrue(), nullptr}}, {rhs_end, b}}, layout);
}

Val Gen::If(const Expr& e) {
  const Layout layout = runtime::LayoutOf(e.type);
  Val c = Emit(e.children[0]);
  auto* then_b = llvm::BasicBlock::Create(ctx_, "then", fn_);
  auto* else_b = llvm::BasicBlock::Create(ctx_, "else", fn_);
  auto* merge = llvm::BasicBlock::Create(ctx_, "if", fn_);
  // A condition that cannot be null needs no null path (the result is as valid as its branches).
  auto* constant = llvm::dyn_cast<llvm::ConstantInt>(c.valid);
  llvm::BasicBlock* check_b = constant && constant->isOne() ? nullptr : llvm::BasicBlock::Create(ctx_, "if.else?", fn_);
  b_.CreateCondBr(b_.CreateAnd(c.valid, c.v), then_b, check_b ? check_b : else_b);
  if (check_b) {
    b_.SetInsertPoint(check_b);
    b_.CreateCondBr(c.valid, else_b, merge);  // a null condition: a null result
  }
  b_.SetInsertPoint(then_b);
  Val t = Emit(e.children[1]);
  llvm::BasicBlock* then_end = b_.GetInsertBlock();
  b_.CreateBr(merge);
  b_.SetInsertPoint(else_b);
  Val f = Emit(e.children[2]);
  llvm::BasicBlock* else_end = b_.GetInsertBlock();
  b_.CreateBr(merge);
  if (!check_b) return Merge(merge, {{then_end, t}, {else_end, f}}, layout);
  return Merge(merge, {{then_end, t}, {else_end, f}, {check_b, Val{nullptr, b_.getFalse(), nullptr}}}, layout);
}

Val Gen::Match(const Expr& e) {
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

Val Gen::In(const Expr& e) {
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

Val Gen::Call(const Expr& e, const NodeInfo& info) {
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

Val Gen::Binary(const Expr& e, const NodeInfo& info) {
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

}  // namespace etl::jit::codegen
