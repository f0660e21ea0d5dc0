// The interpreter's Kernel: binding ir::Expr trees to nodes, RowErrors, Predicate, and the
// nodes that choose rows (and, or, ??, if, match) by evaluating branches on sub-frames.
#include <algorithm>

#include "compiler/ir/fields_read.h"
#include "runtime/decimal_math.h"
#include "runtime/eval_node.h"
#include "runtime/eval_value.h"

namespace etl::runtime {

// ---------------------------------------------------------------- RowErrors

void RowErrors::Add(uint32_t row, std::string_view code, std::string message) {
  if (Failed(row)) return;
  size_t word = row >> 6;
  if (failed_.size() <= word) failed_.resize(word + 1, 0);
  failed_[word] |= uint64_t{1} << (row & 63);
  if (!errors_.empty() && errors_.back().row > row) sorted_ = false;
  errors_.push_back(RowError{row, std::string(code), std::move(message)});
}

const std::vector<RowError>& RowErrors::Errors() {
  if (!sorted_) {
    std::stable_sort(errors_.begin(), errors_.end(), [](const RowError& a, const RowError& b) { return a.row < b.row; });
    sorted_ = true;
  }
  return errors_;
}

void RowErrors::Clear() {
  errors_.clear();
  failed_.clear();
  sorted_ = true;
}

namespace eval {

namespace {

using ast::BinaryOp;
using ast::TypeKind;
using ir::Expr;
using ir::ExprKind;

class LiteralNode : public Node {
 public:
  LiteralNode(TypeRef type, const ast::Value& value) : Node(type), constant_(ConstantOf(type, value)) {}
  Vec Eval(const Frame&) const override { return constant_; }

 private:
  Vec constant_;
};

class FieldNode : public Node {
 public:
  FieldNode(TypeRef type, size_t slot, int side) : Node(std::move(type)), slot_(slot), side_(side) {}
  Vec Eval(const Frame& frame) const override {
    const Batch& batch = side_ == 1 ? *frame.right : *frame.left;
    const ColumnPtr& column = batch.columns[slot_];
    if (!frame.rows) return Vec{column, false};
    return Vec{Take(*column, *frame.rows), false};
  }

 private:
  size_t slot_;
  int side_;
};

class ParamNode : public Node {
 public:
  ParamNode(TypeRef type, std::string name) : Node(std::move(type)), name_(std::move(name)) {}
  Vec Eval(const Frame& frame) const override {
    auto it = frame.ctx->params.find(name_);
    if (it == frame.ctx->params.end()) {
      for (size_t i = 0; i < frame.n; ++i) frame.Fail(i, "param", "param `" + name_ + "` has no value");
      return ConstantOf(type_, ast::Value::Null());
    }
    return ConstantOf(type_, it->second);
  }

 private:
  std::string name_;
};

class IsNullNode : public Node {
 public:
  IsNullNode(NodePtr operand, bool negated) : Node(ast::BoolType()), operand_(std::move(operand)), negated_(negated) {}
  Vec Eval(const Frame& frame) const override {
    Vec v = operand_->Eval(frame);
    auto out = NewColumn(type_, v.constant ? 1 : frame.n);
    for (size_t i = 0; i < out->rows; ++i) out->bools[i] = v.column->IsNull(i) != negated_;
    return Vec{out, v.constant};
  }

 private:
  NodePtr operand_;
  bool negated_;
};

// Rows (local indexes) of a bool Vec that are valid and equal to `want`.
std::vector<uint32_t> RowsWhere(const Vec& v, size_t n, bool want) {
  std::vector<uint32_t> rows;
  const Column& c = *v.column;
  if (v.constant) {
    if (c.IsNull(0) || (c.bools[0] != 0) != want) return rows;
    rows.resize(n);
    for (size_t i = 0; i < n; ++i) rows[i] = static_cast<uint32_t>(i);
    return rows;
  }
  rows.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if ((c.bools[i] != 0) == want && c.validity.IsValid(i)) rows.push_back(static_cast<uint32_t>(i));
  }
  return rows;
}

std::vector<uint32_t> NullRows(const Vec& v, size_t n) {
  std::vector<uint32_t> rows;
  if (v.column->validity.AllValid()) return rows;
  for (size_t i = 0; i < n; ++i) {
    if (!v.Valid(i)) rows.push_back(static_cast<uint32_t>(i));
  }
  return rows;
}

std::vector<uint32_t> Complement(const std::vector<uint32_t>& rows, size_t n) {
  std::vector<uint32_t> out;
  out.reserve(n - rows.size());
  size_t k = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (k < rows.size() && rows[k] == i) {
      ++k;
    } else {
      out.push_back(i);
    }
  }
  return out;
}

// Evaluates `node` on the rows `local` of `frame` (all of them without a copy when it is all).
Vec EvalOn(const Node& node, const Frame& frame, const std::vector<uint32_t>& local) {
  if (local.size() == frame.n) return node.Eval(frame);
  SubFrame sub(frame, local);
  return node.Eval(sub.frame);
}

std::vector<uint32_t> AllRows(size_t n) {
  std::vector<uint32_t> rows(n);
  for (size_t i = 0; i < n; ++i) rows[i] = static_cast<uint32_t>(i);
  return rows;
}

// The rows `local` of a full-frame result, as a piece for Interleave.
Vec Pick(const Vec& a, const std::vector<uint32_t>& local) {
  if (a.constant) return a;
  return Vec{Take(*a.column, local), false};
}

// `and` / `or`: the right side only for rows the left side does not decide.
class LogicNode : public Node {
 public:
  // `right_total`: the right side cannot fail a record (ir::MayFail), so evaluating it on
  // rows the left side decided changes nothing but the work.
  LogicNode(bool is_or, NodePtr left, NodePtr right, bool right_total)
      : Node(ast::BoolType()), is_or_(is_or), right_total_(right_total), left_(std::move(left)), right_(std::move(right)) {}
  Vec Eval(const Frame& frame) const override {
    Vec a = left_->Eval(frame);
    std::vector<uint32_t> undecided = RowsWhere(a, frame.n, !is_or_);
    if (undecided.empty()) return a;
    if (a.constant && undecided.size() == frame.n) return right_->Eval(frame);
    if (right_total_ && undecided.size() * 2 >= frame.n) {
      // Most rows need the right side: evaluating it on the whole frame and picking per row
      // beats gathering the undecided rows into a sub-frame and scattering the results back
      // (T1's `amount > 0.0 and country in [...]`: 92% undecided).
      Vec b = right_->Eval(frame);
      return Vec{Pick2(frame.n, a, b), false};
    }
    std::vector<uint32_t> decided = Complement(undecided, frame.n);
    Vec b = EvalOn(*right_, frame, undecided);
    return Vec{Interleave(type_, frame.n, {Pick(a, decided), b}, {&decided, &undecided}), false};
  }

 private:
  // Per row: b's value where a is valid and equal to `!is_or_` (undecided), else a's.
  ColumnPtr Pick2(size_t n, const Vec& a, const Vec& b) const {
    auto out = NewColumn(type_, n);
    const Column& ca = *a.column;
    const Column& cb = *b.column;
    const bool want = !is_or_;
    const bool any_null = !ca.validity.AllValid() || !cb.validity.AllValid();
    std::vector<uint64_t> words(any_null ? (n + 63) / 64 : 0, 0);
    for (size_t i = 0; i < n; ++i) {
      const size_t ia = a.At(i), ib = b.At(i);
      const bool a_valid = ca.validity.IsValid(ia);
      const bool take_b = a_valid && (ca.bools[ia] != 0) == want;
      const bool valid = take_b ? cb.validity.IsValid(ib) : a_valid;
      out->bools[i] = valid ? (take_b ? cb.bools[ib] : ca.bools[ia]) : 0;
      if (any_null && valid) words[i >> 6] |= uint64_t{1} << (i & 63);
    }
    if (any_null) {
      bool all = true;
      for (size_t i = 0; i < n && all; ++i) all = (words[i >> 6] >> (i & 63)) & 1;
      if (!all) out->validity.Assign(std::move(words));
    }
    return out;
  }

  bool is_or_;
  bool right_total_;
  NodePtr left_, right_;
};

class CoalesceNode : public Node {
 public:
  CoalesceNode(TypeRef type, NodePtr left, NodePtr right) : Node(std::move(type)), left_(std::move(left)), right_(std::move(right)) {}
  Vec Eval(const Frame& frame) const override {
    Vec a = left_->Eval(frame);
    std::vector<uint32_t> nulls = NullRows(a, frame.n);
    if (nulls.empty()) return a;
    std::vector<uint32_t> kept = Complement(nulls, frame.n);
    Vec b = EvalOn(*right_, frame, nulls);
    return Vec{Interleave(type_, frame.n, {Pick(a, kept), b}, {&kept, &nulls}), false};
  }

 private:
  NodePtr left_, right_;
};

class IfNode : public Node {
 public:
  IfNode(TypeRef type, NodePtr cond, NodePtr then_node, NodePtr else_node)
      : Node(std::move(type)), cond_(std::move(cond)), then_(std::move(then_node)), else_(std::move(else_node)) {}
  Vec Eval(const Frame& frame) const override {
    Vec c = cond_->Eval(frame);
    std::vector<uint32_t> yes = RowsWhere(c, frame.n, true);
    std::vector<uint32_t> no = RowsWhere(c, frame.n, false);
    if (yes.size() == frame.n) return then_->Eval(frame);
    if (no.size() == frame.n) return else_->Eval(frame);
    Vec a = yes.empty() ? Vec{} : EvalOn(*then_, frame, yes);
    Vec b = no.empty() ? Vec{} : EvalOn(*else_, frame, no);
    std::vector<Vec> pieces;
    std::vector<const std::vector<uint32_t>*> at;
    if (!yes.empty()) pieces.push_back(a), at.push_back(&yes);
    if (!no.empty()) pieces.push_back(b), at.push_back(&no);
    return Vec{Interleave(type_, frame.n, pieces, at), false};
  }

 private:
  NodePtr cond_, then_, else_;
};

// match: each arm tests the rows no earlier arm took; an arm's value is evaluated only on
// the rows it took.
class MatchNode : public Node {
 public:
  struct Arm {
    std::vector<NodePtr> patterns;  // empty = `_`
    NodePtr value;
  };
  MatchNode(TypeRef type, NodePtr subject, std::vector<Arm> arms) : Node(std::move(type)), subject_(std::move(subject)), arms_(std::move(arms)) {}
  Vec Eval(const Frame& frame) const override {
    Vec subject = subject_->Eval(frame);
    std::vector<uint32_t> open = AllRows(frame.n);
    std::vector<Vec> pieces;
    std::vector<std::vector<uint32_t>> taken;
    taken.reserve(arms_.size());
    for (const Arm& arm : arms_) {
      if (open.empty()) break;
      std::vector<uint32_t> hit, rest;
      if (arm.patterns.empty()) {
        hit = std::move(open);
      } else {
        std::vector<uint8_t> matched(open.size(), 0);
        SubFrame sub(frame, open);
        for (const NodePtr& pattern : arm.patterns) {
          Vec p = pattern->Eval(sub.frame);
          for (size_t k = 0; k < open.size(); ++k) matched[k] |= EqualAt(subject, open[k], p, k);
        }
        for (size_t k = 0; k < open.size(); ++k) (matched[k] ? hit : rest).push_back(open[k]);
      }
      open = std::move(rest);
      if (hit.empty()) continue;
      pieces.push_back(EvalOn(*arm.value, frame, hit));
      taken.push_back(std::move(hit));
    }
    std::vector<const std::vector<uint32_t>*> at;
    for (const auto& rows : taken) at.push_back(&rows);
    if (pieces.size() == 1 && taken[0].size() == frame.n) return pieces[0];
    return Vec{Interleave(type_, frame.n, pieces, at), false};
  }

 private:
  NodePtr subject_;
  std::vector<Arm> arms_;
};

// int -> float/decimal, and decimal -> a decimal of another precision or scale (branches
// of `if`/`match`/`??` of different decimal types take the common type).
class WidenNode : public Node {
 public:
  WidenNode(TypeRef type, NodePtr operand) : Node(std::move(type)), operand_(std::move(operand)) {}
  Vec Eval(const Frame& frame) const override {
    Vec v = operand_->Eval(frame);
    const Column& c = *v.column;
    size_t n = v.constant ? 1 : frame.n;
    auto out = NewColumn(type_, n);
    out->validity = c.validity;
    if (type_->kind == TypeKind::Float) {
      for (size_t i = 0; i < n; ++i) out->floats[i] = static_cast<double>(c.ints[i]);
      return Vec{out, v.constant};
    }
    int from = c.type && c.type->kind == TypeKind::Decimal ? c.type->scale : 0;
    std::vector<uint64_t> words = ValidWords(v, n);
    for (size_t i = 0; i < n; ++i) {
      __int128 x = 0;
      __int128 unscaled = c.layout == Layout::Int128 ? c.wide[i] : static_cast<__int128>(c.ints[i]);
      bool fits = decimal::Rescale(unscaled, from, type_->scale, x) && decimal::Fits(x, type_->precision);
      if (!fits) {
        if (Bit(words, i)) {
          // A constant stands for every row: each of them fails.
          for (size_t r = v.constant ? 0 : i; r < (v.constant ? frame.n : i + 1); ++r) {
            frame.Fail(r, "overflow", "value does not fit " + ast::ToString(type_));
          }
        }
        ClearBit(words, i, n);
      } else if (out->layout == Layout::Int128) {
        out->wide[i] = x;
      } else {
        out->ints[i] = static_cast<int64_t>(x);
      }
    }
    out->validity.Assign(std::move(words));
    return Vec{out, v.constant};
  }

 private:
  NodePtr operand_;
};

// `node` (of type `from`) as a `to`: decimals of another precision or scale are rescaled.
NodePtr Conform(NodePtr node, const TypeRef& from, const TypeRef& to) {
  if (!node || !from || !to || from->kind != TypeKind::Decimal || to->kind != TypeKind::Decimal) return node;
  if (from->precision == to->precision && from->scale == to->scale) return node;
  return std::make_unique<WidenNode>(ast::WithNullable(to, from->nullable), std::move(node));
}

}  // namespace

NodePtr Bind(const Expr& expr, const BindScope& scope, std::string* error) {
  auto bind_children = [&](std::vector<NodePtr>& out) {
    for (const Expr& child : expr.children) {
      out.push_back(Bind(child, scope, error));
      if (!out.back()) return false;
    }
    return true;
  };
  if (!expr.type) {
    *error = "expression without a type: " + ir::ToText(expr);
    return nullptr;
  }
  switch (expr.kind) {
    case ExprKind::Literal: return std::make_unique<LiteralNode>(expr.type, expr.value);
    case ExprKind::Field: {
      const TypeRef& record = expr.side == 1 ? scope.right : scope.left;
      if (!record || expr.slot < 0 || static_cast<size_t>(expr.slot) >= record->fields.size()) {
        *error = "field `" + expr.name + "` (slot " + std::to_string(expr.slot) + ") is not in the input record";
        return nullptr;
      }
      return std::make_unique<FieldNode>(expr.type, static_cast<size_t>(expr.slot), expr.side);
    }
    case ExprKind::Param:
      if (expr.type->kind == TypeKind::Secret) {
        *error = "secret param `" + expr.name + "` cannot be a value in an expression";
        return nullptr;
      }
      return std::make_unique<ParamNode>(expr.type, expr.name);
    case ExprKind::AggregateRef:
      *error = "an aggregate can only be evaluated by the aggregate operator";
      return nullptr;
    default: break;
  }
  std::vector<NodePtr> children;
  if (!bind_children(children)) return nullptr;
  switch (expr.kind) {
    case ExprKind::IsNull: return std::make_unique<IsNullNode>(std::move(children[0]), expr.negated);
    case ExprKind::If:
      return std::make_unique<IfNode>(expr.type, std::move(children[0]),
                                      Conform(std::move(children[1]), expr.children[1].type, expr.type),
                                      Conform(std::move(children[2]), expr.children[2].type, expr.type));
    case ExprKind::Match: {
      std::vector<MatchNode::Arm> arms;
      size_t at = 1;
      for (int count : expr.arm_patterns) {
        MatchNode::Arm arm;
        for (int p = 0; p < count; ++p) arm.patterns.push_back(std::move(children[at++]));
        arm.value = Conform(std::move(children[at]), expr.children[at].type, expr.type);
        ++at;
        arms.push_back(std::move(arm));
      }
      return std::make_unique<MatchNode>(expr.type, std::move(children[0]), std::move(arms));
    }
    case ExprKind::Widen:
      if (expr.children[0].type->kind != TypeKind::Int && expr.children[0].type->kind != TypeKind::Decimal) break;
      return std::make_unique<WidenNode>(expr.type, std::move(children[0]));
    case ExprKind::Unary: return BindUnary(expr, std::move(children[0]), error);
    case ExprKind::Binary:
      switch (expr.binary_op) {
        case BinaryOp::And:
        case BinaryOp::Or:
          return std::make_unique<LogicNode>(expr.binary_op == BinaryOp::Or, std::move(children[0]), std::move(children[1]),
                                              !ir::MayFail(expr.children[1], {}));
        case BinaryOp::Coalesce:
          return std::make_unique<CoalesceNode>(expr.type, Conform(std::move(children[0]), expr.children[0].type, expr.type),
                                                Conform(std::move(children[1]), expr.children[1].type, expr.type));
        default: return BindBinary(expr, std::move(children[0]), std::move(children[1]), error);
      }
    default: break;
  }
  return BindGeneric(expr, std::move(children), scope, error);
}

namespace {

class InterpretedKernel : public Kernel {
 public:
  InterpretedKernel(NodePtr root) : root_(std::move(root)) {}
  const TypeRef& Type() const override { return root_->type(); }
  ColumnPtr Evaluate(const Batch& input, const EvalContext& ctx, RowErrors& errors) const override {
    Frame frame;
    frame.left = &input;
    frame.right = &input;
    frame.rows = input.selection.get();
    frame.n = input.Size();
    frame.ctx = &ctx;
    frame.errors = &errors;
    return Materialize(root_->Eval(frame), frame.n);
  }

 private:
  NodePtr root_;
};

}  // namespace

}  // namespace eval

std::unique_ptr<Kernel> CompileKernel(const ir::Expr& expr, const TypeRef& input_schema, std::string* error,
                                      const TypeRef& right_schema) {
  std::string message;
  eval::NodePtr root = eval::Bind(expr, eval::BindScope{input_schema, right_schema}, &message);
  if (!root) {
    if (error) *error = message;
    return nullptr;
  }
  return std::make_unique<eval::InterpretedKernel>(std::move(root));
}

std::unique_ptr<Predicate> Predicate::Compile(const ir::Expr& expr, const TypeRef& input_schema, std::string* error) {
  if (!expr.type || expr.type->kind != ast::TypeKind::Bool) {
    if (error) *error = "a condition must be a bool, found " + (expr.type ? ast::ToString(expr.type) : std::string("nothing"));
    return nullptr;
  }
  auto kernel = CompileKernel(expr, input_schema, error);
  if (!kernel) return nullptr;
  return std::make_unique<Predicate>(std::move(kernel));
}

std::vector<uint32_t> Predicate::Evaluate(const Batch& input, const EvalContext& ctx, RowErrors& errors) const {
  ColumnPtr result = kernel_->Evaluate(input, ctx, errors);
  const Column& c = *result;
  std::vector<uint32_t> rows;
  rows.reserve(c.rows);
  bool all_valid = c.validity.AllValid();
  for (size_t i = 0; i < c.rows; ++i) {
    // A failed row is null here, so it is dropped with the nulls and the falses.
    if (c.bools[i] && (all_valid || c.validity.IsValid(i))) rows.push_back(input.RowAt(i));
  }
  return rows;
}

}  // namespace etl::runtime
