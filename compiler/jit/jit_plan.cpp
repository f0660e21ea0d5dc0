// Planning a step for the JIT: native nodes, leaves, sources, error sites and segments
// (jit_plan.h). The rules mirror the interpreter's binders (runtime/eval_binary.cpp,
// eval_kernel.cpp): a node is native only where its semantics are reproduced exactly;
// everything else is a leaf the interpreter evaluates.
#include "compiler/jit/jit_plan.h"

#include <algorithm>

namespace etl::jit {

namespace {

using ast::BinaryOp;
using ast::TypeKind;
using ir::Expr;
using ir::ExprKind;
using runtime::Layout;
using VK = ast::Value::Kind;

bool IsTime64(TypeKind k) { return k == TypeKind::Int || k == TypeKind::Timestamp || k == TypeKind::Duration; }

bool IsCompare(BinaryOp op) {
  return op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Lt || op == BinaryOp::Le || op == BinaryOp::Gt ||
         op == BinaryOp::Ge;
}
bool IsArith(BinaryOp op) {
  return op == BinaryOp::Add || op == BinaryOp::Sub || op == BinaryOp::Mul || op == BinaryOp::Div || op == BinaryOp::Mod;
}

// The items of a constant `in` list, or false.
bool ConstantList(const Expr& list, std::vector<ast::Value>* items) {
  if (list.kind == ExprKind::Literal && list.value.kind == VK::List) {
    *items = list.value.items;
    return true;
  }
  if (list.kind != ExprKind::List) return false;
  for (const Expr& item : list.children) {
    if (item.kind != ExprKind::Literal) return false;
    items->push_back(item.value);
  }
  return true;
}

// Whether a constant `in` item is compared natively, as InConstNode does, for a left side
// of `layout`.
bool NativeInItem(Layout layout, const ast::Value& v) {
  if (v.kind == VK::Null) return true;
  switch (layout) {
    case Layout::Float64: return v.kind == VK::Float;
    case Layout::String: return v.kind == VK::String;
    case Layout::Int64:
    case Layout::Int32:
    case Layout::Bool:
      return v.kind == VK::Int || v.kind == VK::Bool || v.kind == VK::Date || v.kind == VK::Timestamp ||
             v.kind == VK::Duration;
    default: return false;
  }
}

// Whether a match pattern literal equals a subject value exactly as ValuesEqual decides.
bool NativePattern(const runtime::TypeRef& subject, const ast::Value& v) {
  if (v.kind == VK::Null) return true;
  switch (subject->kind) {
    case TypeKind::Int: return v.kind == VK::Int;
    case TypeKind::Float: return v.kind == VK::Float || v.kind == VK::Int;
    case TypeKind::Bool: return v.kind == VK::Bool;
    case TypeKind::String: return v.kind == VK::String;
    case TypeKind::Date: return v.kind == VK::Date;
    case TypeKind::Timestamp: return v.kind == VK::Timestamp;
    case TypeKind::Duration: return v.kind == VK::Duration;
    default: return false;
  }
}

bool SameLayout(const Expr& e, const runtime::TypeRef& t) {
  return e.type && e.type->kind != TypeKind::Decimal && e.type->kind != TypeKind::Null &&
         runtime::LayoutOf(e.type) == runtime::LayoutOf(t);
}

class Planner {
 public:
  explicit Planner(StepPlan& plan) : plan_(plan) {}

  // Whether the node itself has a native lowering (its children aside).
  bool Supported(const Expr& e) const {
    if (!e.type) return false;
    const TypeKind k = e.type->kind;
    switch (e.kind) {
      case ExprKind::Literal:
        if (e.value.kind == VK::Null) return NativeResult(e.type) || k == TypeKind::String;
        if (k == TypeKind::String) return e.value.kind == VK::String;
        if (k == TypeKind::Float) return e.value.kind == VK::Float || e.value.kind == VK::Int;
        return NativeResult(e.type) && e.value.kind != VK::List && e.value.kind != VK::Record &&
               e.value.kind != VK::Decimal && e.value.kind != VK::String && e.value.kind != VK::Float;
      case ExprKind::Field: return e.side == 0 && e.slot >= 0 && Readable(e.type);
      case ExprKind::Param: return Readable(e.type) && k != TypeKind::Secret;
      case ExprKind::Unary: {
        const TypeKind c = e.children[0].type ? e.children[0].type->kind : TypeKind::Error;
        if (e.unary_op == ast::UnaryOp::Not) return c == TypeKind::Bool && k == TypeKind::Bool;
        return (c == TypeKind::Int || c == TypeKind::Duration || c == TypeKind::Float) && NativeResult(e.type) &&
               runtime::LayoutOf(e.type) == runtime::LayoutOf(e.children[0].type);
      }
      case ExprKind::IsNull: return k == TypeKind::Bool;
      case ExprKind::Widen:
        return k == TypeKind::Float && e.children[0].type && e.children[0].type->kind == TypeKind::Int;
      case ExprKind::If:
        return NativeResult(e.type) && e.children[0].type->kind == TypeKind::Bool && SameLayout(e.children[1], e.type) &&
               SameLayout(e.children[2], e.type);
      case ExprKind::Match: {
        if (!NativeResult(e.type) || !Readable(e.children[0].type)) return false;
        size_t at = 1;
        for (int count : e.arm_patterns) {
          for (int p = 0; p < count; ++p, ++at) {
            if (e.children[at].kind != ExprKind::Literal || !NativePattern(e.children[0].type, e.children[at].value)) return false;
          }
          if (!SameLayout(e.children[at], e.type)) return false;
          ++at;
        }
        return at == e.children.size();
      }
      case ExprKind::Binary: return SupportedBinary(e);
      case ExprKind::Call: return SupportedCall(e);
      default: return false;
    }
  }

  // abs, floor, ceil, round (one argument) and sqrt of an int or float (fn_number.cpp).
  bool SupportedCall(const Expr& e) const {
    for (const Expr& c : e.children) {
      if (!c.type) return false;
    }
    // len of a string (fn_string.cpp: code points); starts_with/ends_with/contains of strings.
    if (e.name == "len") return e.children.size() == 1 && e.children[0].type->kind == TypeKind::String && e.type->kind == TypeKind::Int;
    if (e.name == "starts_with" || e.name == "ends_with" || e.name == "contains") {
      return e.children.size() == 2 && e.children[0].type->kind == TypeKind::String &&
             e.children[1].type->kind == TypeKind::String && e.type->kind == TypeKind::Bool;
    }
    if (e.children.size() != 1) return false;
    const TypeKind a = e.children[0].type->kind, r = e.type->kind;
    if (a != TypeKind::Int && a != TypeKind::Float) return false;
    if (e.name == "sqrt") return r == TypeKind::Float;
    if (e.name == "abs" || e.name == "floor" || e.name == "ceil" || e.name == "round") return r == a;
    return false;
  }

  bool SupportedBinary(const Expr& e) const {
    const runtime::TypeRef& lt = e.children[0].type;
    const runtime::TypeRef& rt = e.children[1].type;
    if (!lt || !rt) return false;
    const TypeKind a = lt->kind, b = rt->kind;
    const BinaryOp op = e.binary_op;
    if (op == BinaryOp::And || op == BinaryOp::Or) return a == TypeKind::Bool && b == TypeKind::Bool;
    if (op == BinaryOp::Coalesce) return NativeResult(e.type) && SameLayout(e.children[0], e.type) && SameLayout(e.children[1], e.type);
    if (op == BinaryOp::In || op == BinaryOp::NotIn) {
      std::vector<ast::Value> items;
      if (!Readable(lt) || !ConstantList(e.children[1], &items) || items.size() > 64) return false;
      return std::all_of(items.begin(), items.end(), [&](const ast::Value& v) { return NativeInItem(runtime::LayoutOf(lt), v); });
    }
    if (IsCompare(op)) {
      if (a == TypeKind::Decimal || b == TypeKind::Decimal || a == TypeKind::Null || b == TypeKind::Null) return false;
      return Readable(lt) && Readable(rt) && runtime::LayoutOf(lt) == runtime::LayoutOf(rt);
    }
    if (!IsArith(op) || !NativeResult(e.type)) return false;
    if (a == TypeKind::Int && b == TypeKind::Int) return e.type->kind == TypeKind::Int;
    if (a == TypeKind::Float && b == TypeKind::Float) return e.type->kind == TypeKind::Float;
    if (a == TypeKind::Date) {
      if (b == TypeKind::Date) return e.type->kind == TypeKind::Duration;
      return b == TypeKind::Duration && e.type->kind == TypeKind::Date;
    }
    if (IsTime64(a) && IsTime64(b)) {
      return runtime::LayoutOf(e.type) == Layout::Int64 || (e.type->kind == TypeKind::Float && op == BinaryOp::Div);
    }
    return false;
  }

  // The children a native node evaluates as values (match patterns and `in` lists are
  // compiled inline).
  std::vector<const Expr*> ValueChildren(const Expr& e) const {
    std::vector<const Expr*> out;
    if (e.kind == ExprKind::Binary && (e.binary_op == BinaryOp::In || e.binary_op == BinaryOp::NotIn)) {
      out.push_back(&e.children[0]);
      return out;
    }
    if (e.kind == ExprKind::Match) {
      out.push_back(&e.children[0]);
      size_t at = 1;
      for (int count : e.arm_patterns) {
        at += static_cast<size_t>(count);
        out.push_back(&e.children[at++]);
      }
      return out;
    }
    for (const Expr& c : e.children) out.push_back(&c);
    return out;
  }

  // Whether `e` is computed natively: supported, and each value child native or a leaf the
  // loop can read (IsNull reads only validity, so any leaf will do).
  bool CanNative(const Expr& e) const {
    if (!Supported(e)) return false;
    for (const Expr* c : ValueChildren(e)) {
      if (!CanNative(*c) && !(Readable(c->type) || e.kind == ExprKind::IsNull)) return false;
    }
    return true;
  }

  int AddSite(std::string code, std::string message) {
    plan_.sites.push_back(Site{std::move(code), std::move(message), -1, condition_});
    return static_cast<int>(plan_.sites.size() - 1);
  }

  int AddSource(Source s) {
    // One source per column: a field read twice is loaded from one set of pointers.
    if (s.kind != SourceKind::Leaf) {
      for (size_t k = 0; k < plan_.sources.size(); ++k) {
        const Source& o = plan_.sources[k];
        if (o.kind == s.kind && o.slot == s.slot && o.expr == s.expr && o.param == s.param && o.type->nullable == s.type->nullable &&
            runtime::LayoutOf(o.type) == runtime::LayoutOf(s.type)) {
          return static_cast<int>(k);
        }
      }
    }
    s.layout = runtime::LayoutOf(s.type);
    // Inputs are trusted to their schema; other columns may hold nulls their static type
    // does not show (a row whose `if` condition was null), so their validity is read.
    s.nullable = s.nullable || s.type->nullable || s.kind != SourceKind::Input;
    plan_.sources.push_back(std::move(s));
    return static_cast<int>(plan_.sources.size() - 1);
  }

  // A leaf for `e` of expression `expr`; returns its source.
  int AddLeaf(const Expr& e) {
    Leaf leaf;
    leaf.expr = e;
    leaf.scope = expr_;
    CollectSlots(e, leaf);
    plan_.leaves.push_back(std::move(leaf));
    const int index = static_cast<int>(plan_.leaves.size() - 1);
    plan_.sites.push_back(Site{"", "", index, condition_});
    Source s;
    s.kind = SourceKind::Leaf;
    s.type = e.type;
    s.leaf = index;
    s.site = static_cast<int>(plan_.sites.size() - 1);
    return AddSource(std::move(s));
  }

  void CollectSlots(const Expr& e, Leaf& leaf) {
    if (e.kind == ExprKind::Field && e.side == 0 && e.slot >= 0) {
      if (static_cast<size_t>(e.slot) >= plan_.width) {
        leaf.reads_results = true;
      } else if (std::find(leaf.input_slots.begin(), leaf.input_slots.end(), e.slot) == leaf.input_slots.end()) {
        leaf.input_slots.push_back(e.slot);
      }
    }
    for (const Expr& c : e.children) CollectSlots(c, leaf);
  }

  // Annotates `e` (native when possible, else a leaf).
  void Annotate(const Expr& e) {
    NodeInfo info;
    if (!CanNative(e)) {
      info.leaf = true;
      info.source = AddLeaf(e);
      plan_.nodes[&e] = info;
      return;
    }
    ++plan_.native_nodes;
    switch (e.kind) {
      case ExprKind::Field: info.source = FieldSource(e); break;
      case ExprKind::Param: {
        Source s;
        s.kind = SourceKind::Constant;
        s.type = e.type;
        s.param = e.name;
        s.site = AddSite("param", "param `" + e.name + "` has no value");
        info.source = AddSource(std::move(s));
        break;
      }
      case ExprKind::Unary:
        if (e.unary_op == ast::UnaryOp::Neg && e.type->kind != TypeKind::Float) info.site = AddSite("overflow", "overflow in negation");
        break;
      case ExprKind::Call:
        if (e.name == "abs" && e.type->kind == TypeKind::Int) info.site = AddSite("overflow", "abs of the smallest int");
        if (e.name == "sqrt") info.site = AddSite("argument", "sqrt of a negative number");
        break;
      case ExprKind::Binary:
        if (IsArith(e.binary_op) && e.type->kind != TypeKind::Float) {
          // Loop2's messages (eval_binary.cpp): "<code with spaces> in `<expr>`".
          const std::string what = "`" + ir::ToText(e) + "`";
          info.site = AddSite("overflow", "overflow in " + what);
          AddSite("division_by_zero", "division by zero in " + what);
        }
        break;
      default: break;
    }
    plan_.nodes[&e] = info;
    for (const Expr* c : ValueChildren(e)) Annotate(*c);
  }

  int FieldSource(const Expr& e) {
    Source s;
    s.type = e.type;
    const size_t slot = static_cast<size_t>(e.slot);
    if (slot < plan_.width) {
      s.kind = SourceKind::Input;
      s.slot = e.slot;
      s.nullable = plan_.exprs.input->fields[slot].type->nullable;
    } else {
      const size_t j = slot - plan_.width;
      if (plan_.roots[j].root_leaf) return plan_.roots[j].source;  // the leaf's column
      s.kind = SourceKind::Output;
      s.expr = static_cast<int>(j);
    }
    return AddSource(std::move(s));
  }

  bool Run(std::string* error) {
    const size_t count = plan_.exprs.exprs.size();
    plan_.roots.resize(count);
    for (size_t i = 0; i < count; ++i) {
      const Expr& root = plan_.exprs.exprs[i];
      expr_ = i;
      condition_ = static_cast<uint32_t>(i);
      // Result slots must name earlier expressions (conditions read only the input).
      if (!CheckSlots(root, plan_.conditions ? plan_.width : plan_.width + i, error)) return false;
      const size_t leaves_before = plan_.leaves.size();
      if (CanNative(root) && NativeResult(root.type)) {
        Annotate(root);
      } else {
        plan_.roots[i].root_leaf = true;
        plan_.roots[i].source = AddLeaf(root);
        plan_.nodes[&root] = NodeInfo{true, plan_.roots[i].source, -1};
      }
      // A leaf reading a native result of the current segment starts a new segment.
      bool split = false;
      for (size_t l = leaves_before; l < plan_.leaves.size(); ++l) split = split || ReadsNativeFrom(plan_.leaves[l].expr, seg_first_, i);
      if (split && i > seg_first_) {
        plan_.segments.push_back(Segment{seg_first_, i});
        seg_first_ = i;
      }
      for (size_t l = leaves_before; l < plan_.leaves.size(); ++l) plan_.leaves[l].segment = static_cast<int>(plan_.segments.size());
    }
    plan_.segments.push_back(Segment{seg_first_, count});
    return BindLeaves(error);
  }

  bool CheckSlots(const Expr& e, size_t limit, std::string* error) {
    if (e.kind == ExprKind::Field && e.side == 0 && (e.slot < 0 || static_cast<size_t>(e.slot) >= limit)) {
      *error = "field `" + e.name + "` (slot " + std::to_string(e.slot) + ") is not in the input record";
      return false;
    }
    for (const Expr& c : e.children) {
      if (!CheckSlots(c, limit, error)) return false;
    }
    return true;
  }

  bool ReadsNativeFrom(const Expr& e, size_t first, size_t end) const {
    if (e.kind == ExprKind::Field && e.side == 0 && static_cast<size_t>(e.slot) >= plan_.width) {
      const size_t j = static_cast<size_t>(e.slot) - plan_.width;
      if (j >= first && j < end && !plan_.roots[j].root_leaf) return true;
    }
    for (const Expr& c : e.children) {
      if (ReadsNativeFrom(c, first, end)) return true;
    }
    return false;
  }

  bool BindLeaves(std::string* error) {
    for (Leaf& leaf : plan_.leaves) {
      const runtime::TypeRef scope = plan_.conditions ? plan_.exprs.input : plan_.exprs.Scope(leaf.scope);
      std::string message;
      leaf.kernel = runtime::CompileKernel(leaf.expr, scope, &message);
      if (!leaf.kernel) {
        *error = message;
        return false;
      }
    }
    return true;
  }

 private:
  StepPlan& plan_;
  size_t expr_ = 0;
  uint32_t condition_ = 0;
  size_t seg_first_ = 0;
};

}  // namespace

bool Readable(const runtime::TypeRef& type) {
  if (!type || type->kind == TypeKind::Decimal || type->kind == TypeKind::Null || type->kind == TypeKind::Error ||
      type->kind == TypeKind::Secret) {
    return false;
  }
  switch (runtime::LayoutOf(type)) {
    case Layout::Bool:
    case Layout::Int64:
    case Layout::Int32:
    case Layout::Float64:
    case Layout::String: return true;
    default: return false;
  }
}

bool NativeResult(const runtime::TypeRef& type) {
  if (!type) return false;
  switch (type->kind) {
    case TypeKind::Bool:
    case TypeKind::Int:
    case TypeKind::Float:
    case TypeKind::Date:
    case TypeKind::Timestamp:
    case TypeKind::Duration: return true;
    default: return false;
  }
}

std::unique_ptr<StepPlan> PlanStep(const runtime::StepExprs& exprs, bool conditions, runtime::ConditionMode mode,
                                   std::string* error) {
  auto plan = std::make_unique<StepPlan>();
  plan->exprs = exprs;
  plan->conditions = conditions;
  plan->mode = mode;
  plan->width = exprs.input ? exprs.input->fields.size() : 0;
  if (!exprs.input) {
    *error = "a step without an input record type";
    return nullptr;
  }
  for (const ir::Expr& e : plan->exprs.exprs) {
    if (!e.type) {
      *error = "expression without a type: " + ir::ToText(e);
      return nullptr;
    }
    if (conditions && e.type->kind != TypeKind::Bool) {
      *error = "a condition must be a bool, found " + ast::ToString(e.type);
      return nullptr;
    }
  }
  Planner planner(*plan);
  if (!planner.Run(error)) return nullptr;
  return plan;
}

}  // namespace etl::jit
