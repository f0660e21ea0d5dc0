#include "runtime/op_join.h"

#include <optional>

#include "runtime/agg_key.h"

namespace etl::runtime {

namespace {

// Bit 0: the expression reads the left record; bit 1: the right one.
int Sides(const ir::Expr& expr) {
  int sides = expr.kind == ir::ExprKind::Field ? (expr.side == 1 ? 2 : 1) : 0;
  for (const ir::Expr& child : expr.children) sides |= Sides(child);
  return sides;
}

// A copy of `expr` whose right-side fields read slot `offset + slot` of side 0.
ir::Expr RightToLeft(const ir::Expr& expr, int offset) {
  ir::Expr copy = expr;
  if (copy.kind == ir::ExprKind::Field && copy.side == 1) {
    copy.side = 0;
    copy.slot += offset;
  }
  for (ir::Expr& child : copy.children) child = RightToLeft(child, offset);
  return copy;
}

void Conjuncts(const ir::Expr& expr, std::vector<const ir::Expr*>& out) {
  if (expr.kind == ir::ExprKind::Binary && expr.binary_op == ast::BinaryOp::And && expr.children.size() == 2) {
    Conjuncts(expr.children[0], out);
    Conjuncts(expr.children[1], out);
    return;
  }
  out.push_back(&expr);
}

class JoinOp : public OperatorBase {
 public:
  struct Bound {
    TypeRef left, right, combined;
    std::vector<std::unique_ptr<Kernel>> left_keys, right_keys;
    std::unique_ptr<Kernel> residual;  // over `combined`; null: every candidate matches
    std::vector<int> out_left;         // per output field: the left slot, or -1
    std::vector<int> out_right;        // per output field: the right slot, or -1
    bool left_join = false;
  };

  JoinOp(const ir::Node& node, const StepContext& ctx, Bound bound) : OperatorBase(node, ctx), b_(std::move(bound)) {
    // Left join: the right fields are nullable in the output (and the all-null row is used).
    for (const ast::Field& field : b_.right->fields) {
      right_builders_.emplace_back(b_.left_join ? ast::WithNullable(field.type, true) : field.type);
    }
  }

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    if (input == 1) {
      AbsorbRight(batch, out);
      out.Ack(1, batch.sequence);
      return;
    }
    if (!right_done_) {
      pending_.push_back(batch);  // shares the columns; joined when the right side closes
      return;
    }
    JoinLeft(batch, out);
    out.Ack(0, batch.sequence);
  }

  void Close(size_t input, Emitter& out) override {
    if (input != 1 || right_done_) return;
    FinishRight();
    for (const Batch& batch : pending_) {
      JoinLeft(batch, out);
      out.Ack(0, batch.sequence);
    }
    std::vector<Batch>().swap(pending_);
  }

 private:
  void AbsorbRight(const Batch& batch, Emitter& out) {
    Batch work = batch.selection ? Compact(batch) : batch;
    errors_.Clear();
    std::vector<ColumnPtr> keys;
    for (const auto& kernel : b_.right_keys) keys.push_back(kernel->Evaluate(work, eval_, errors_));
    FailRows(work, errors_, out);
    for (size_t i = 0; i < work.rows; ++i) {
      if (errors_.Failed(static_cast<uint32_t>(i))) continue;
      const uint32_t row = static_cast<uint32_t>(right_rows_++);
      for (size_t c = 0; c < work.columns.size(); ++c) AppendFrom(right_builders_[c], *work.columns[c], i);
      next_.push_back(UINT32_MAX);
      if (keys.empty()) continue;
      if (!EncodeKeys(keys, i)) continue;  // a null key never matches
      bool inserted = false;
      uint32_t id = table_.FindOrInsert(scratch_, &inserted);
      if (inserted) {
        head_.push_back(row);
        tail_.push_back(row);
      } else {
        next_[tail_[id]] = row;
        tail_[id] = row;
      }
    }
  }

  // The key bytes of row i in scratch_; false when a key is null.
  bool EncodeKeys(const std::vector<ColumnPtr>& keys, size_t i) {
    scratch_.clear();
    for (const ColumnPtr& key : keys) {
      if (key->IsNull(i)) return false;
      EncodeKey(*key, i, scratch_);
    }
    return true;
  }

  void FinishRight() {
    right_done_ = true;
    // One extra all-null row: the right side of unmatched rows in a left join.
    for (ColumnBuilder& builder : right_builders_) {
      builder.AppendNull();
      right_columns_.push_back(builder.Finish());
    }
    right_builders_.clear();
  }

  // Joins a left batch: candidate pairs are gathered for a run of left rows until there are
  // kMaxPairs of them (a nested loop against a large right side stays bounded), then
  // resolved and emitted; row errors of the batch go out once at the end.
  void JoinLeft(const Batch& batch, Emitter& out) {
    Batch work = batch.selection ? Compact(batch) : batch;
    const size_t n = work.Size();
    errors_.Clear();
    std::vector<ColumnPtr> keys;
    for (const auto& kernel : b_.left_keys) keys.push_back(kernel->Evaluate(work, eval_, errors_));
    size_t filtered = 0;
    for (size_t i = 0; i < n;) {
      const size_t begin = i;
      pair_left_.clear();
      pair_right_.clear();
      for (; i < n && pair_left_.size() < kMaxPairs; ++i) {
        if (errors_.Failed(static_cast<uint32_t>(i))) continue;
        if (b_.left_keys.empty()) {
          for (uint32_t r = 0; r < right_rows_; ++r) AddPair(i, r);
          continue;
        }
        if (!EncodeKeys(keys, i)) continue;  // a null key never matches
        uint32_t id = table_.Find(scratch_);
        if (id == KeyTable::kMissing) continue;
        for (uint32_t r = head_[id]; r != UINT32_MAX; r = next_[r]) AddPair(i, r);
      }
      filtered += Resolve(work, begin, i, out);
    }
    FailRows(work, errors_, out);
    if (filtered > 0) out.Filtered(filtered);
  }

  // Evaluates the residual condition on the gathered pairs of left rows [begin, end) and
  // emits their output rows; returns how many of them an inner join filters.
  size_t Resolve(const Batch& work, size_t begin, size_t end, Emitter& out) {
    // The rest of the condition, on the candidates gathered into one left+right batch.
    pass_.assign(pair_left_.size(), 1);
    if (b_.residual && !pair_left_.empty()) {
      Batch pairs;
      pairs.schema = b_.combined;
      pairs.rows = pair_left_.size();
      for (const ColumnPtr& column : work.columns) pairs.columns.push_back(Take(*column, pair_left_));
      for (size_t c = 0; c < b_.right->fields.size(); ++c) pairs.columns.push_back(Take(*right_columns_[c], pair_right_));
      pair_errors_.Clear();
      ColumnPtr result = b_.residual->Evaluate(pairs, eval_, pair_errors_);
      for (size_t p = 0; p < pair_left_.size(); ++p) pass_[p] = !result->IsNull(p) && result->bools[p] != 0;
      // A pair that fails fails its left record (its first error).
      for (const RowError& e : pair_errors_.Errors()) errors_.Add(pair_left_[e.row], e.code, e.message);
    }
    // The output pairs in left order; unmatched left rows: filtered, or null right fields.
    out_left_.clear();
    out_right_.clear();
    size_t filtered = 0;
    size_t p = 0;
    const uint32_t null_row = static_cast<uint32_t>(right_rows_);
    for (uint32_t i = static_cast<uint32_t>(begin); i < end; ++i) {
      bool matched = false;
      for (; p < pair_left_.size() && pair_left_[p] == i; ++p) {
        if (!pass_[p] || errors_.Failed(i)) continue;
        out_left_.push_back(i);
        out_right_.push_back(pair_right_[p]);
        matched = true;
      }
      if (matched || errors_.Failed(i)) continue;
      if (b_.left_join) {
        out_left_.push_back(i);
        out_right_.push_back(null_row);
      } else {
        ++filtered;
      }
    }
    if (out_left_.empty()) return filtered;
    Batch result;
    result.rows = out_left_.size();
    for (size_t f = 0; f < b_.out_left.size(); ++f) {
      result.columns.push_back(b_.out_left[f] >= 0 ? Take(*work.columns[static_cast<size_t>(b_.out_left[f])], out_left_)
                                                   : Take(*right_columns_[static_cast<size_t>(b_.out_right[f])], out_right_));
    }
    EmitOn(0, std::move(result), out);
    return filtered;
  }

  void AddPair(size_t left, uint32_t right) {
    pair_left_.push_back(static_cast<uint32_t>(left));
    pair_right_.push_back(right);
  }

  static constexpr size_t kMaxPairs = size_t{1} << 16;  // candidate pairs resolved at once
  Bound b_;
  std::vector<ColumnBuilder> right_builders_;
  std::vector<ColumnPtr> right_columns_;  // right rows, then one all-null row (left join only reads it)
  size_t right_rows_ = 0;
  bool right_done_ = false;
  KeyTable table_;                     // right key bytes -> id
  std::vector<uint32_t> head_, tail_;  // per id: its first and last right row
  std::vector<uint32_t> next_;         // per right row: the next row with the same key
  std::vector<Batch> pending_;         // left batches that came before the right side closed
  RowErrors errors_, pair_errors_;
  std::string scratch_;
  std::vector<uint32_t> pair_left_, pair_right_, out_left_, out_right_;
  std::vector<uint8_t> pass_;
};

}  // namespace

std::unique_ptr<Step> MakeJoin(const ir::Node& node, const StepContext& ctx, std::string* error) {
  const ir::Port* left = node.Input(ir::kLeftPort);
  const ir::Port* right = node.Input(ir::kRightPort);
  size_t port = 0;
  if (node.inputs.size() != 2 || !left || !right || &node.inputs[0] != left || !left->type || !right->type ||
      left->type->kind != ast::TypeKind::Record || right->type->kind != ast::TypeKind::Record) {
    *error = "`" + node.id + "`: a join needs record inputs `left` (first) and `right`";
    return nullptr;
  }
  if (!OutputIndex(node, ir::kOutPort, &port, error)) return nullptr;
  if (port != 0) {
    *error = "`" + node.id + "`: `out` must be the first output port";
    return nullptr;
  }
  JoinOp::Bound b;
  b.left = left->type;
  b.right = right->type;
  b.left_join = node.left_join;
  const int left_width = static_cast<int>(b.left->fields.size());
  // Output: the left fields, then the right fields not merged into a left key of the same name.
  const TypeRef& out_type = node.outputs[0].type;
  for (size_t f = 0; f < out_type->fields.size(); ++f) {
    if (static_cast<int>(f) < left_width) {
      b.out_left.push_back(static_cast<int>(f));
      b.out_right.push_back(-1);
      continue;
    }
    int slot = b.right->FieldIndex(out_type->fields[f].name);
    if (slot < 0) {
      *error = "`" + node.id + "`: output field `" + out_type->fields[f].name + "` is on neither side";
      return nullptr;
    }
    b.out_left.push_back(-1);
    b.out_right.push_back(slot);
  }
  if (out_type->fields.size() < static_cast<size_t>(left_width)) {
    *error = "`" + node.id + "`: the output port has fewer fields than the left input";
    return nullptr;
  }
  std::vector<ast::Field> combined = b.left->fields;
  for (const ast::Field& field : b.right->fields) combined.push_back({field.name, ast::WithNullable(field.type, true), false});
  b.combined = ast::RecordType(combined);
  std::vector<const ir::Expr*> terms;
  if (node.expr) Conjuncts(*node.expr, terms);
  std::optional<ir::Expr> residual;
  for (const ir::Expr* term : terms) {
    if (term->kind == ir::ExprKind::Binary && term->binary_op == ast::BinaryOp::Eq && term->children.size() == 2) {
      const ir::Expr* l = &term->children[0];
      const ir::Expr* r = &term->children[1];
      if (Sides(*l) == 2 && Sides(*r) == 1) std::swap(l, r);
      // Decimal keys of different precision or scale are compared at their common type (the
      // key bytes are the unscaled numbers, so 1.5 and 1.50 must be brought to one scale).
      std::optional<ir::Expr> l_widened, r_widened;
      if (Sides(*l) == 1 && Sides(*r) == 2 && l->type->kind == ast::TypeKind::Decimal &&
          r->type->kind == ast::TypeKind::Decimal &&
          (l->type->scale != r->type->scale || l->type->precision != r->type->precision)) {
        TypeRef common = ast::CommonType(ast::WithNullable(l->type, false), ast::WithNullable(r->type, false));
        l_widened = ir::WidenExpr(*l, ast::WithNullable(common, l->type->nullable));
        r_widened = ir::WidenExpr(*r, ast::WithNullable(common, r->type->nullable));
        l = &*l_widened;
        r = &*r_widened;
      }
      if (Sides(*l) == 1 && Sides(*r) == 2 && LayoutOf(l->type) == LayoutOf(r->type)) {
        std::string why;
        auto lk = CompileKernel(*l, b.left, &why);
        auto rk = lk ? CompileKernel(RightToLeft(*r, 0), b.right, &why) : nullptr;
        if (!rk) {
          *error = "`" + node.id + "`: join key `" + ir::ToText(*term) + "`: " + why;
          return nullptr;
        }
        b.left_keys.push_back(std::move(lk));
        b.right_keys.push_back(std::move(rk));
        continue;
      }
    }
    ir::Expr part = RightToLeft(*term, left_width);
    residual = residual ? ir::BinaryExpr(ast::BinaryOp::And, std::move(*residual), std::move(part), ast::BoolType())
                        : std::move(part);
  }
  if (residual) {
    std::string why;
    b.residual = CompileKernel(*residual, b.combined, &why);
    if (!b.residual) {
      *error = "`" + node.id + "`: join condition: " + why;
      return nullptr;
    }
  }
  return std::make_unique<JoinOp>(node, ctx, std::move(b));
}

}  // namespace etl::runtime
