#include "compiler/ir/fields_read.h"

#include <algorithm>
#include <map>
#include <string_view>

namespace etl::ir {

namespace {

using ast::BinaryOp;
using ast::TypeKind;

bool IsKind(const TypeRef& type, TypeKind kind) { return type && type->kind == kind; }

// Scalar functions whose implementations (runtime/fn_string.cpp, fn_other.cpp) never fail a
// record: a null argument gives null, any other value a result. Any function not listed
// here is taken to fail (casts, parsing, regexes, int arithmetic, substr's bounds, ...).
bool NeverFails(std::string_view function) {
  static constexpr std::string_view kNames[] = {
      "len",         "lower",     "upper",    "trim",    "ltrim",    "rtrim",   "replace",
      "split",       "starts_with", "ends_with", "contains", "concat", "coalesce",
  };
  return std::find(std::begin(kNames), std::end(kNames), function) != std::end(kNames);
}

// Whether a decimal literal is stored exactly as its type says (the evaluator otherwise
// rescales it, which may overflow).
bool ExactDecimalLiteral(const Expr& expr) {
  if (expr.value.kind == Value::Kind::Null) return true;
  if (expr.value.kind != Value::Kind::Decimal || expr.value.scale != expr.type->scale) return false;
  __int128 v = expr.value.decimal_value < 0 ? -expr.value.decimal_value : expr.value.decimal_value;
  __int128 limit = 1;
  for (int i = 0; i < expr.type->precision && i < 38; ++i) limit *= 10;
  return expr.type->precision > 0 && v < limit;
}

bool ChildrenMayFail(const Expr& expr, const std::set<std::string, std::less<>>& bound_params) {
  return std::any_of(expr.children.begin(), expr.children.end(),
                     [&](const Expr& child) { return MayFail(child, bound_params); });
}

bool BinaryMayFail(const Expr& expr) {
  switch (expr.binary_op) {
    case BinaryOp::And: case BinaryOp::Or: case BinaryOp::Coalesce:
    case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::In: case BinaryOp::NotIn:
    case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge:
      return false;
    case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul: case BinaryOp::Div: case BinaryOp::Mod: {
      if (expr.children.size() != 2) return true;
      // Float arithmetic is IEEE (x / 0 is inf); string and list `+` concatenate.
      bool floats = IsKind(expr.type, TypeKind::Float) && IsKind(expr.children[0].type, TypeKind::Float) &&
                    IsKind(expr.children[1].type, TypeKind::Float);
      bool concat = expr.binary_op == BinaryOp::Add &&
                    (IsKind(expr.type, TypeKind::String) || IsKind(expr.type, TypeKind::List));
      return !floats && !concat;
    }
    default:  // `~` compiles its pattern per value; anything else is not known
      return true;
  }
}

}  // namespace

bool MayFail(const Expr& expr, const std::set<std::string, std::less<>>& bound_params) {
  // Every decimal result is rescaled to its type's scale and checked against its precision
  // (runtime/eval_reference.cpp RowEvaluator::Eval); a column's own values already fit.
  if (IsKind(expr.type, TypeKind::Decimal) && expr.kind != ExprKind::Field &&
      !(expr.kind == ExprKind::Literal && ExactDecimalLiteral(expr))) {
    return true;
  }
  bool self = true;
  switch (expr.kind) {
    case ExprKind::Literal:
    case ExprKind::Field:
      return false;
    case ExprKind::Param:
      return !bound_params.count(expr.name);
    case ExprKind::Call:
      self = !NeverFails(expr.name);
      break;
    case ExprKind::Unary:
      self = expr.unary_op != ast::UnaryOp::Not && !IsKind(expr.type, TypeKind::Float);  // int negation overflows
      break;
    case ExprKind::Binary:
      self = BinaryMayFail(expr);
      break;
    case ExprKind::IsNull:
    case ExprKind::If:
    case ExprKind::Match:
    case ExprKind::List:
    case ExprKind::Record:
    case ExprKind::Interpolate:
      self = false;
      break;
    case ExprKind::Index:  // a list index may be out of range; json is parsed
    case ExprKind::GetField:
      self = expr.children.empty() ||
             !(IsKind(expr.children[0].type, TypeKind::Record) || IsKind(expr.children[0].type, TypeKind::Map));
      break;
    case ExprKind::Widen:
      self = !IsKind(expr.type, TypeKind::Float);
      break;
    case ExprKind::AggregateRef:
      self = true;
      break;
  }
  return self || ChildrenMayFail(expr, bound_params);
}

namespace {

using Need = std::vector<bool>;

size_t Width(const TypeRef& type) { return IsKind(type, TypeKind::Record) ? type->fields.size() : 0; }

bool HasDecimal(const Expr& expr) {
  if (IsKind(expr.type, TypeKind::Decimal)) return true;
  return std::any_of(expr.children.begin(), expr.children.end(), HasDecimal);
}

// `to` |= `from`; a width mismatch (a plan the analysis does not understand) reads all of `to`.
void Merge(Need& to, const Need& from) {
  if (to.size() != from.size()) {
    std::fill(to.begin(), to.end(), true);
    return;
  }
  for (size_t i = 0; i < to.size(); ++i) to[i] = to[i] || from[i];
}

// Marks the fields `expr` reads: side 0 in `left`, side 1 in `right` (null outside a join).
// False when a reference is not a field of those records (then the caller reads all).
bool AddReads(const Expr& expr, Need* left, Need* right) {
  if (expr.kind == ExprKind::Field) {
    Need* need = expr.side == 0 ? left : expr.side == 1 ? right : nullptr;
    if (!need || expr.slot < 0 || static_cast<size_t>(expr.slot) >= need->size()) return false;
    (*need)[static_cast<size_t>(expr.slot)] = true;
  }
  for (const Expr& child : expr.children) {
    if (!AddReads(child, left, right)) return false;
  }
  return true;
}

class Analysis {
 public:
  Analysis(const Pipeline& pipeline, const FieldsReadOptions& options) : options_(options) {
    for (const Node& node : pipeline.nodes) nodes_[node.id] = &node;
    for (const Edge& edge : pipeline.edges) consumers_[{edge.from, edge.from_port}].push_back(&edge);
  }

  // What may be observed of the records leaving `node` on output `port`.
  Need OutputNeed(const Node& node, const std::string& port_name) {
    const Port* port = node.Output(port_name);
    Need need(port ? Width(port->type) : 0, false);
    if (options_.every_field || Tapped(node.id, port_name)) return Need(need.size(), true);
    auto key = std::make_pair(node.id, port_name);
    if (auto done = memo_.find(key); done != memo_.end()) return done->second;
    // The plan is a DAG; a cycle is not a plan this analysis understands.
    if (!visiting_.insert(key).second) return Need(need.size(), true);
    if (auto it = consumers_.find(key); it != consumers_.end()) {
      for (const Edge* edge : it->second) {
        auto to = nodes_.find(edge->to);
        if (to == nodes_.end()) {
          std::fill(need.begin(), need.end(), true);
          continue;
        }
        Merge(need, InputNeed(*to->second, edge->to_port));
      }
    }
    visiting_.erase(key);
    memo_[key] = need;
    return need;
  }

 private:
  bool Tapped(const std::string& node, const std::string& port) const {
    return std::any_of(options_.tapped.begin(), options_.tapped.end(),
                       [&](const auto& tap) { return tap.first == node && tap.second == port; });
  }

  bool MayFail(const Expr& expr) const { return ir::MayFail(expr, options_.bound_params); }

  // Reads of `exprs` (over the input record) into `need`; false when one may fail or reads
  // something that is not a field of the input (then the whole input is read).
  template <typename Range, typename Get>
  bool AddAll(const Range& range, Get get, Need& need) const {
    for (const auto& item : range) {
      const Expr& expr = get(item);
      if (MayFail(expr) || !AddReads(expr, &need, nullptr)) return false;
    }
    return true;
  }

  // The main output's need, checked to be as wide as the input (pass-through steps).
  Need PassThrough(const Node& node, size_t width) {
    Need need = OutputNeed(node, std::string(kOutPort));
    if (need.size() != width) return Need(width, true);
    return need;
  }

  // What may be observed of the records arriving at `node`'s input `port`.
  Need InputNeed(const Node& node, const std::string& port_name) {
    const Port* port = node.Input(port_name);
    const size_t width = port ? Width(port->type) : 0;
    const Need all(width, true);
    if (!port) return all;
    Need need(width, false);
    auto id = [](const auto& x) -> const Expr& { return x; };
    switch (node.kind) {
      case NodeKind::Filter:
        need = PassThrough(node, width);
        if (!node.expr || MayFail(*node.expr) || !AddReads(*node.expr, &need, nullptr)) return all;
        return need;
      case NodeKind::Sort:
        need = PassThrough(node, width);
        if (!AddAll(node.sort_keys, [](const SortKey& k) -> const Expr& { return k.expr; }, need)) return all;
        return need;
      case NodeKind::Dedup:
        need = PassThrough(node, width);
        if (!AddAll(node.dedup_keys, id, need)) return all;
        return need;
      case NodeKind::Take:
      case NodeKind::Union:  // by position: every input has the output's layout
      case NodeKind::Rename:
        return PassThrough(node, width);
      case NodeKind::Route:
        for (const RouteBranch& branch : node.branches) {
          Merge(need, OutputNeed(node, branch.name));
          if (branch.condition && (MayFail(*branch.condition) || !AddReads(*branch.condition, &need, nullptr))) return all;
        }
        return need;
      case NodeKind::Drop:
        return DropNeed(node, width);
      case NodeKind::Derive:
        return DeriveNeed(node, port->type);
      case NodeKind::Select:
        // Every item is evaluated, whether or not a later step reads its result.
        if (!AddAll(node.assignments, [](const NamedExpr& a) -> const Expr& { return a.expr; }, need)) return all;
        return need;
      case NodeKind::Explode:
        return ExplodeNeed(node, width);
      case NodeKind::Aggregate:
        // Group keys and aggregate arguments read the input; the outputs read the groups.
        // A window reads its time field through arguments this analysis does not map.
        if (node.window) return all;
        if (!AddAll(node.keys, [](const NamedExpr& k) -> const Expr& { return k.expr; }, need)) return all;
        for (const AggregateCall& call : node.aggregates) {
          if (!AddAll(call.args, id, need)) return all;
        }
        return need;
      case NodeKind::Join:
        return JoinNeed(node, port_name, width);
      case NodeKind::Validate:  // a failing record goes to `.errors` whole
      case NodeKind::Sink:      // writes every field
      case NodeKind::Step:      // not known here
      case NodeKind::Source:
        return all;
    }
    return all;
  }

  Need DropNeed(const Node& node, size_t width) {
    std::vector<bool> dropped(width, false);
    for (const FieldRef& field : node.fields) {
      if (field.slot < 0 || static_cast<size_t>(field.slot) >= width) return Need(width, true);
      dropped[static_cast<size_t>(field.slot)] = true;
    }
    Need out = OutputNeed(node, std::string(kOutPort));
    Need need(width, false);
    size_t k = 0;
    for (size_t i = 0; i < width; ++i) {
      if (dropped[i]) continue;
      if (k >= out.size()) return Need(width, true);
      need[i] = out[k++];
    }
    if (k != out.size()) return Need(width, true);
    return need;
  }

  // Later assignments read the record built so far (plan.md "derive"): walk them backwards,
  // each assigned slot needing its expression's reads instead of the field it replaces.
  Need DeriveNeed(const Node& node, const TypeRef& input) {
    const size_t width = Width(input);
    const Need all(width, true);
    std::vector<size_t> widths;  // the record's width before each assignment
    std::vector<size_t> slots;   // the slot each assignment writes
    std::vector<std::string> names;
    for (const ast::Field& field : input->fields) names.push_back(field.name);
    for (const NamedExpr& assignment : node.assignments) {
      if (MayFail(assignment.expr)) return all;
      widths.push_back(names.size());
      size_t slot = std::find(names.begin(), names.end(), assignment.name) - names.begin();
      if (slot == names.size()) names.push_back(assignment.name);
      slots.push_back(slot);
    }
    Need need = OutputNeed(node, std::string(kOutPort));
    if (need.size() != names.size()) return all;
    for (size_t a = node.assignments.size(); a-- > 0;) {
      // Its expression is evaluated whether or not its result is read: it reads its fields.
      need[slots[a]] = false;
      need.resize(widths[a]);
      if (!AddReads(node.assignments[a].expr, &need, nullptr)) return all;
    }
    return need;
  }

  Need ExplodeNeed(const Node& node, size_t width) {
    const Need all(width, true);
    if (!node.expr || MayFail(*node.expr)) return all;
    size_t alias = width;
    for (size_t i = 0; i < width; ++i) {
      if (node.inputs[0].type->fields[i].name == node.alias) alias = i;
    }
    Need out = OutputNeed(node, std::string(kOutPort));
    if (out.size() != (alias < width ? width : width + 1)) return all;
    Need need(out.begin(), out.begin() + static_cast<long>(width));
    if (alias < width) need[alias] = false;  // replaced by the list's element
    if (!AddReads(*node.expr, &need, nullptr)) return all;
    return need;
  }

  // Output: the left fields, then the right fields not merged into a left key of the same
  // name (runtime/op_join.cpp). The condition reads both sides.
  Need JoinNeed(const Node& node, const std::string& port_name, size_t width) {
    const Need all(width, true);
    const Port* left = node.Input(kLeftPort);
    const Port* right = node.Input(kRightPort);
    // Decimal keys of different scales are widened to a common type at run time, which may
    // overflow: a condition over decimals is taken to fail.
    if (!left || !right || !node.expr || MayFail(*node.expr) || HasDecimal(*node.expr)) return all;
    const size_t left_width = Width(left->type);
    Need left_need(left_width, false), right_need(Width(right->type), false);
    if (!AddReads(*node.expr, &left_need, &right_need)) return all;
    const Port* out_port = node.Output(kOutPort);
    Need out = OutputNeed(node, std::string(kOutPort));
    if (!out_port || out.size() != Width(out_port->type) || out.size() < left_width) return all;
    for (size_t f = 0; f < out.size(); ++f) {
      if (!out[f]) continue;
      if (f < left_width) {
        left_need[f] = true;
        continue;
      }
      int slot = right->type->FieldIndex(out_port->type->fields[f].name);
      if (slot < 0) return all;
      right_need[static_cast<size_t>(slot)] = true;
    }
    Need& need = port_name == kLeftPort ? left_need : right_need;
    if (need.size() != width || (port_name != kLeftPort && port_name != kRightPort)) return all;
    return need;
  }

  const FieldsReadOptions& options_;
  std::map<std::string, const Node*, std::less<>> nodes_;
  std::map<std::pair<std::string, std::string>, std::vector<const Edge*>> consumers_;
  std::map<std::pair<std::string, std::string>, Need> memo_;
  std::set<std::pair<std::string, std::string>> visiting_;
};

}  // namespace

std::vector<bool> FieldsRead(const Pipeline& pipeline, const Node& source, const FieldsReadOptions& options) {
  const Port* out = source.Output(kOutPort);
  if (!out || !IsKind(out->type, TypeKind::Record)) return {};
  // The `.errors` port carries the raw text of the records the source rejected, never
  // fields; only `out` needs analysing.
  return Analysis(pipeline, options).OutputNeed(source, std::string(kOutPort));
}

}  // namespace etl::ir
