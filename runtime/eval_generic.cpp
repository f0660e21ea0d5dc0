// The interpreter's row-wise paths: function calls, list/record construction, indexing,
// field access, interpolation and operators on composite values. Operands are evaluated a
// column at a time; the operation itself runs per row on values (see runtime-eval.md for
// which of these deserve typed loops next).
#include <re2/re2.h>

#include <functional>

#include "runtime/decimal_math.h"
#include "runtime/eval_node.h"
#include "runtime/regex_cache.h"
#include "runtime/eval_value.h"
#include "runtime/fn_registry.h"

namespace etl::runtime::eval {

namespace {

using ast::TypeKind;
using ir::ExprKind;
using Value = ast::Value;
using VK = Value::Kind;

// Evaluates every child, then `op(args, out, error)` per row; null arguments give null
// unless `takes_nulls`.
class RowwiseNode : public Node {
 public:
  using Op = std::function<bool(std::span<const Value>, const Frame&, Value&, ValueError&)>;
  RowwiseNode(TypeRef type, std::vector<NodePtr> children, bool takes_nulls, Op op)
      : Node(std::move(type)), children_(std::move(children)), takes_nulls_(takes_nulls), op_(std::move(op)) {}
  Vec Eval(const Frame& frame) const override {
    std::vector<Vec> args;
    bool constant = true;
    for (const NodePtr& child : children_) {
      args.push_back(child->Eval(frame));
      constant = constant && args.back().constant;
    }
    constant = constant && !volatile_;
    size_t n = constant ? 1 : frame.n;
    std::vector<Value> values(n), row(args.size());
    // Constant arguments (a literal list, a pattern) are materialised once, not per row.
    bool constant_null = false;
    for (size_t a = 0; a < args.size(); ++a) {
      if (!args[a].constant) continue;
      row[a] = ValueAt(args[a], 0);
      constant_null = constant_null || row[a].kind == VK::Null;
    }
    for (size_t k = 0; k < n; ++k) {
      bool null = constant_null;
      for (size_t a = 0; a < args.size(); ++a) {
        if (args[a].constant) continue;
        row[a] = ValueAt(args[a], k);
        null = null || row[a].kind == VK::Null;
      }
      if (null && !takes_nulls_) continue;
      ValueError error;
      if (!op_(row, frame, values[k], error) || !ConformDecimal(values[k], error)) {
        values[k] = Value::Null();
        if (constant) {
          for (size_t i = 0; i < frame.n; ++i) frame.Fail(i, error.code, error.message);
        } else {
          frame.Fail(k, error.code, error.message);
        }
      }
    }
    return Vec{FromValues(type_, values), constant};
  }
  bool volatile_ = false;  // uuid(): a new value per row even for constant arguments

 private:
  // A decimal result (scalar min/max of different decimal types) takes the node's scale;
  // one that does not fit the node's precision is an overflow, as the reference says.
  bool ConformDecimal(Value& v, ValueError& error) const {
    if (v.kind != VK::Decimal || type_->kind != ast::TypeKind::Decimal) return true;
    if (v.scale == type_->scale && decimal::Fits(v.decimal_value, type_->precision)) return true;
    __int128 x = 0;
    if (!decimal::Rescale(v.decimal_value, v.scale, type_->scale, x) || !decimal::Fits(x, type_->precision)) {
      error = {"overflow", ast::ToLiteral(v) + " does not fit " + ast::ToString(type_)};
      return false;
    }
    v = Value::Decimal(x, type_->scale);
    return true;
  }

  std::vector<NodePtr> children_;
  bool takes_nulls_;
  Op op_;
};

class InterpolateNode : public Node {
 public:
  InterpolateNode(TypeRef type, std::vector<NodePtr> parts) : Node(std::move(type)), parts_(std::move(parts)) {}
  Vec Eval(const Frame& frame) const override {
    std::vector<Vec> parts;
    for (const NodePtr& part : parts_) parts.push_back(part->Eval(frame));
    auto out = NewColumn(type_, frame.n);
    std::string bytes;
    for (size_t k = 0; k < frame.n; ++k) {
      size_t start = bytes.size();
      for (const Vec& part : parts) {
        const Column& c = *part.column;
        size_t row = part.At(k);
        if (c.IsNull(row)) {
          bytes += "null";
          continue;
        }
        switch (c.type->kind) {
          case TypeKind::String: bytes.append(c.String(row)); break;
          case TypeKind::Int: bytes += std::to_string(c.ints[row]); break;
          case TypeKind::Float: AppendFloatText(bytes, c.floats[row]); break;
          default: bytes += ValueText(c.Get(row));
        }
      }
      out->strings[k] = StringView{static_cast<uint32_t>(start), static_cast<uint32_t>(bytes.size() - start)};
    }
    out->bytes = std::make_shared<const std::string>(std::move(bytes));
    return Vec{out, false};
  }

 private:
  std::vector<NodePtr> parts_;
};

}  // namespace

NodePtr BindGeneric(const ir::Expr& expr, std::vector<NodePtr> children, const BindScope&, std::string* error) {
  const TypeRef& type = expr.type;
  switch (expr.kind) {
    case ExprKind::Interpolate: return std::make_unique<InterpolateNode>(type, std::move(children));
    case ExprKind::List:
      return std::make_unique<RowwiseNode>(type, std::move(children), true, [](std::span<const Value> args, const Frame&, Value& out, ValueError&) {
        out.kind = VK::List;
        out.items.assign(args.begin(), args.end());
        return true;
      });
    case ExprKind::Record: {
      std::vector<std::string> names = expr.names;
      return std::make_unique<RowwiseNode>(type, std::move(children), true, [names](std::span<const Value> args, const Frame&, Value& out, ValueError&) {
        out.kind = VK::Record;
        for (size_t i = 0; i < args.size(); ++i) out.fields.emplace_back(names[i], args[i]);
        return true;
      });
    }
    case ExprKind::GetField: {
      bool json = expr.children[0].type->kind == TypeKind::Json;
      std::string name = expr.name;
      return std::make_unique<RowwiseNode>(type, std::move(children), false, [json, name](std::span<const Value> args, const Frame&, Value& out, ValueError&) {
        if (json) {
          out = JsonGet(args[0].string_value, Value::String(name));
        } else {
          const Value* v = args[0].Find(name);
          out = v ? *v : Value::Null();
        }
        return true;
      });
    }
    case ExprKind::Index: {
      bool json = expr.children[0].type->kind == TypeKind::Json;
      return std::make_unique<RowwiseNode>(type, std::move(children), false, [json](std::span<const Value> args, const Frame&, Value& out, ValueError& err) {
        const Value& target = args[0];
        const Value& key = args[1];
        if (json) {
          out = JsonGet(target.string_value, key);
        } else if (target.kind == VK::List) {
          if (key.int_value < 0 || static_cast<uint64_t>(key.int_value) >= target.items.size()) {
            err = {"index_out_of_range", "index " + std::to_string(key.int_value) + " out of range for a list of " +
                                             std::to_string(target.items.size())};
            return false;
          }
          out = target.items[static_cast<size_t>(key.int_value)];
        } else {
          const Value* v = target.Find(key.string_value);
          out = v ? *v : Value::Null();
        }
        return true;
      });
    }
    case ExprKind::Binary: {
      ast::BinaryOp op = expr.binary_op;
      if (op == ast::BinaryOp::Match) {
        // `s ~ pattern`: a match anywhere in s (anchor with ^ and $); a bad pattern from the
        // data is a row error (a constant one was rejected by the compiler).
        return std::make_unique<RowwiseNode>(type, std::move(children), false, [](std::span<const Value> args, const Frame&, Value& out, ValueError& err) {
          std::string message;
          const re2::RE2* regex = CompileRegex(args[1].string_value, &message);
          if (!regex) {
            err = {"regex", message};
            return false;
          }
          out = Value::Bool(re2::RE2::PartialMatch(args[0].string_value, *regex));
          return true;
        });
      }
      if (op == ast::BinaryOp::In || op == ast::BinaryOp::NotIn) {
        bool in = op == ast::BinaryOp::In;
        return std::make_unique<RowwiseNode>(type, std::move(children), true, [in](std::span<const Value> args, const Frame&, Value& out, ValueError&) {
          if (args[1].kind == VK::Null) {
            out = Value::Null();
            return true;
          }
          bool found = false;
          for (const Value& item : args[1].items) found = found || ValuesEqual(args[0], item);
          out = Value::Bool(found == in);
          return true;
        });
      }
      if (op == ast::BinaryOp::Add) {  // list + list
        return std::make_unique<RowwiseNode>(type, std::move(children), false, [](std::span<const Value> args, const Frame&, Value& out, ValueError&) {
          out = args[0];
          out.items.insert(out.items.end(), args[1].items.begin(), args[1].items.end());
          return true;
        });
      }
      break;
    }
    case ExprKind::Call: {
      if (expr.type->kind == TypeKind::Secret || expr.name == "secret") {
        *error = "`secret(...)` cannot become a value in a record";
        return nullptr;
      }
      const FunctionImpl* impl = FindFunctionImpl(expr.name);
      if (!impl) {
        *error = "function `" + expr.name + "` has no runtime implementation";
        return nullptr;
      }
      std::vector<TypeRef> arg_types;
      for (const ir::Expr& child : expr.children) arg_types.push_back(child.type);
      ValueFn fn = impl->fn;
      TypeRef result = type;
      auto node = std::make_unique<RowwiseNode>(type, std::move(children), impl->takes_nulls,
          [fn, result, arg_types](std::span<const Value> args, const Frame& frame, Value& out, ValueError& err) {
            FnCall call{result, arg_types, *frame.ctx};
            return fn(args, call, out, err);
          });
      node->volatile_ = expr.name == "uuid";
      return node;
    }
    default: break;
  }
  *error = std::string("`") + std::string(ir::Spelling(expr.kind)) + "` of " + ast::ToString(type) +
           " has no interpreter kernel: " + ir::ToText(expr);
  return nullptr;
}

}  // namespace etl::runtime::eval
