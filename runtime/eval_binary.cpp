// Unary and binary operators of the interpreter: one tight loop per (operator, layout),
// chosen when the kernel is bound. Validity is combined word-wise; integer overflow and
// division by zero are checked with __builtin_*_overflow and become row errors.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "runtime/decimal_math.h"
#include "runtime/eval_node.h"
#include "runtime/eval_value.h"

namespace etl::runtime::eval {

namespace {

using ast::BinaryOp;
using ast::TypeKind;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// Runs op(i, j, k) -> error code (nullptr = ok) for every row, where i/j index the operands
// (0 for a constant) and k the output; failed rows become null and row errors.
template <typename Op>
Vec Loop2(const Vec& a, const Vec& b, const Frame& f, const TypeRef& type, std::string_view what, Op op) {
  bool constant = a.constant && b.constant;
  size_t n = constant ? 1 : f.n;
  auto out = NewColumn(type, n);
  std::vector<uint64_t> words = AndWords(ValidWords(a, n), ValidWords(b, n));
  size_t sa = a.constant ? 0 : 1, sb = b.constant ? 0 : 1;
  bool failed = false;
  for (size_t k = 0; k < n; ++k) failed |= op(*out, k * sa, k * sb, k) != nullptr;
  if (failed) {
    for (size_t k = 0; k < n; ++k) {
      if (!Bit(words, k)) continue;
      const char* code = op(*out, k * sa, k * sb, k);
      if (!code) continue;
      // For people: "division by zero in `qty / n`" (the code stays `division_by_zero`).
      std::string message = std::string(code) + " in `" + std::string(what) + "`";
      std::replace(message.begin(), message.begin() + static_cast<std::ptrdiff_t>(std::strlen(code)), '_', ' ');
      if (constant) {
        for (size_t i = 0; i < f.n; ++i) f.Fail(i, code, message);
      } else {
        f.Fail(k, code, message);
      }
      ClearBit(words, k, n);
    }
  }
  out->validity.Assign(std::move(words));
  return Vec{out, constant};
}

const char* kOverflow = "overflow";
const char* kDivZero = "division_by_zero";

using BinaryFn = Vec (*)(const Vec&, const Vec&, const Frame&, const TypeRef&, BinaryOp, std::string_view);

Vec IntArith(const Vec& a, const Vec& b, const Frame& f, const TypeRef& t, BinaryOp op, std::string_view w) {
  const int64_t* x = a.column->ints.data();
  const int64_t* y = b.column->ints.data();
  switch (op) {
    case BinaryOp::Add:
      return Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) -> const char* {
        return __builtin_add_overflow(x[i], y[j], &o.ints[k]) ? kOverflow : nullptr;
      });
    case BinaryOp::Sub:
      return Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) -> const char* {
        return __builtin_sub_overflow(x[i], y[j], &o.ints[k]) ? kOverflow : nullptr;
      });
    case BinaryOp::Mul:
      return Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) -> const char* {
        return __builtin_mul_overflow(x[i], y[j], &o.ints[k]) ? kOverflow : nullptr;
      });
    case BinaryOp::Div:
      return Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) -> const char* {
        if (y[j] == 0) return kDivZero;
        if (y[j] == -1) return x[i] == kMin ? kOverflow : (o.ints[k] = -x[i], nullptr);
        o.ints[k] = x[i] / y[j];  // C++ truncates toward zero, as the language does
        return nullptr;
      });
    default:
      return Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) -> const char* {
        if (y[j] == 0) return kDivZero;
        o.ints[k] = y[j] == -1 ? 0 : x[i] % y[j];
        return nullptr;
      });
  }
}

Vec FloatArith(const Vec& a, const Vec& b, const Frame& f, const TypeRef& t, BinaryOp op, std::string_view w) {
  const double* x = a.column->floats.data();
  const double* y = b.column->floats.data();
  switch (op) {
    case BinaryOp::Add: return Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) { o.floats[k] = x[i] + y[j]; return (const char*)nullptr; });
    case BinaryOp::Sub: return Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) { o.floats[k] = x[i] - y[j]; return (const char*)nullptr; });
    case BinaryOp::Mul: return Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) { o.floats[k] = x[i] * y[j]; return (const char*)nullptr; });
    case BinaryOp::Div: return Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) { o.floats[k] = x[i] / y[j]; return (const char*)nullptr; });
    default: return Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) { o.floats[k] = std::fmod(x[i], y[j]); return (const char*)nullptr; });
  }
}

// An exact number read from an int or decimal column (either layout), with its scale.
struct Exact {
  __int128 value;
  int scale;
  friend bool operator==(const Exact& x, const Exact& y) { return decimal::Compare(x.value, x.scale, y.value, y.scale) == 0; }
  friend bool operator!=(const Exact& x, const Exact& y) { return !(x == y); }
  friend bool operator<(const Exact& x, const Exact& y) { return decimal::Compare(x.value, x.scale, y.value, y.scale) < 0; }
  friend bool operator<=(const Exact& x, const Exact& y) { return decimal::Compare(x.value, x.scale, y.value, y.scale) <= 0; }
  friend bool operator>(const Exact& x, const Exact& y) { return decimal::Compare(x.value, x.scale, y.value, y.scale) > 0; }
  friend bool operator>=(const Exact& x, const Exact& y) { return decimal::Compare(x.value, x.scale, y.value, y.scale) >= 0; }
};

int ScaleOf(const Column& c) { return c.type && c.type->kind == TypeKind::Decimal ? c.type->scale : 0; }
__int128 UnscaledAt(const Column& c, size_t i) { return c.layout == Layout::Int128 ? c.wide[i] : static_cast<__int128>(c.ints[i]); }

// Decimal + - * / % (an int operand counts as scale 0): exact, rounded half away from zero
// to the result scale; overflow of the result precision and division by zero fail the row.
Vec DecimalArith(const Vec& a, const Vec& b, const Frame& f, const TypeRef& t, BinaryOp op, std::string_view w) {
  const Column& p = *a.column;
  const Column& q = *b.column;
  int sa = ScaleOf(p), sb = ScaleOf(q), precision = t->precision, scale = t->scale;
  bool wide = LayoutOf(t) == Layout::Int128;
  return Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) -> const char* {
    __int128 r = 0;
    const char* code = decimal::Arith(op, UnscaledAt(p, i), sa, UnscaledAt(q, j), sb, precision, scale, r);
    if (code) return code;
    if (wide) {
      o.wide[k] = r;
    } else {
      o.ints[k] = static_cast<int64_t>(r);  // fits: |r| < 10^precision <= 10^18
    }
    return nullptr;
  });
}

// timestamp/duration arithmetic on int64 microseconds (both operands Int64 layout).
Vec TimeArith(const Vec& a, const Vec& b, const Frame& f, const TypeRef& t, BinaryOp op, std::string_view w) {
  const int64_t* x = a.column->ints.data();
  const int64_t* y = b.column->ints.data();
  if (t->kind == TypeKind::Float) {  // duration / duration
    return Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) {
      o.floats[k] = static_cast<double>(x[i]) / static_cast<double>(y[j]);
      return (const char*)nullptr;
    });
  }
  return IntArith(a, b, f, t, op, w);  // + - * / with overflow and zero checks, as for ints
}

Vec DateArith(const Vec& a, const Vec& b, const Frame& f, const TypeRef& t, BinaryOp op, std::string_view w) {
  const int32_t* x = a.column->days.data();
  if (b.column->layout == Layout::Int32) {  // date - date -> duration
    const int32_t* y = b.column->days.data();
    return Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) -> const char* {
      return __builtin_mul_overflow(int64_t{x[i]} - y[j], kMicrosPerDay, &o.ints[k]) ? kOverflow : nullptr;
    });
  }
  const int64_t* y = b.column->ints.data();
  bool add = op == BinaryOp::Add;
  // date +- duration: the date of (its midnight +- the duration), i.e. whole days rounded down.
  return Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) -> const char* {
    int64_t us = 0;
    if (__builtin_mul_overflow(int64_t{x[i]}, kMicrosPerDay, &us)) return kOverflow;
    if (add ? __builtin_add_overflow(us, y[j], &us) : __builtin_sub_overflow(us, y[j], &us)) return kOverflow;
    int64_t days = FloorDiv(us, kMicrosPerDay);
    if (days < std::numeric_limits<int32_t>::min() || days > std::numeric_limits<int32_t>::max()) return kOverflow;
    o.days[k] = static_cast<int32_t>(days);
    return nullptr;
  });
}

Vec StringConcat(const Vec& a, const Vec& b, const Frame& f, const TypeRef& t, BinaryOp, std::string_view w) {
  const Column& p = *a.column;
  const Column& q = *b.column;
  std::string bytes;
  Vec out = Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) -> const char* {
    if (p.IsNull(i) || q.IsNull(j)) return nullptr;
    std::string_view x = p.String(i), y = q.String(j);
    o.strings[k] = StringView{static_cast<uint32_t>(bytes.size()), static_cast<uint32_t>(x.size() + y.size())};
    bytes.append(x).append(y);
    return nullptr;
  });
  std::const_pointer_cast<Column>(out.column)->bytes = std::make_shared<const std::string>(std::move(bytes));
  return out;
}

template <typename T>
bool Cmp(BinaryOp op, const T& x, const T& y) {
  switch (op) {
    case BinaryOp::Eq: return x == y;
    case BinaryOp::Ne: return x != y;
    case BinaryOp::Lt: return x < y;
    case BinaryOp::Le: return x <= y;
    case BinaryOp::Gt: return x > y;
    default: return x >= y;
  }
}

// Ordering comparisons (and == / != on non-null operands) for one layout.
template <typename Get>
Vec CompareLoop(const Vec& a, const Vec& b, const Frame& f, const TypeRef& t, BinaryOp op, std::string_view w, Get get) {
  const Column& p = *a.column;
  const Column& q = *b.column;
  bool eq = op == BinaryOp::Eq || op == BinaryOp::Ne;
  bool nulls = eq && !(p.validity.AllValid() && q.validity.AllValid());
  Vec out = Loop2(a, b, f, t, w, [&](Column& o, size_t i, size_t j, size_t k) -> const char* {
    o.bools[k] = Cmp(op, get(p, i), get(q, j));
    return nullptr;
  });
  if (nulls) {  // == and != see nulls: null equals only null, and the result is never null
    auto* c = const_cast<Column*>(out.column.get());
    size_t sa = a.constant ? 0 : 1, sb = b.constant ? 0 : 1;
    for (size_t k = 0; k < c->rows; ++k) {
      bool x = p.IsNull(k * sa), y = q.IsNull(k * sb);
      if (x || y) c->bools[k] = (x && y) == (op == BinaryOp::Eq);
    }
    c->validity.Assign({});
  }
  return out;
}

Vec CompareInts(const Vec& a, const Vec& b, const Frame& f, const TypeRef& t, BinaryOp op, std::string_view w) {
  return CompareLoop(a, b, f, t, op, w, [](const Column& c, size_t i) { return c.ints[i]; });
}
Vec CompareDays(const Vec& a, const Vec& b, const Frame& f, const TypeRef& t, BinaryOp op, std::string_view w) {
  return CompareLoop(a, b, f, t, op, w, [](const Column& c, size_t i) { return c.days[i]; });
}
Vec CompareWide(const Vec& a, const Vec& b, const Frame& f, const TypeRef& t, BinaryOp op, std::string_view w) {
  return CompareLoop(a, b, f, t, op, w, [](const Column& c, size_t i) { return c.wide[i]; });
}
Vec CompareExact(const Vec& a, const Vec& b, const Frame& f, const TypeRef& t, BinaryOp op, std::string_view w) {
  return CompareLoop(a, b, f, t, op, w, [](const Column& c, size_t i) { return Exact{UnscaledAt(c, i), ScaleOf(c)}; });
}
Vec CompareFloats(const Vec& a, const Vec& b, const Frame& f, const TypeRef& t, BinaryOp op, std::string_view w) {
  return CompareLoop(a, b, f, t, op, w, [](const Column& c, size_t i) { return c.floats[i]; });
}
Vec CompareBools(const Vec& a, const Vec& b, const Frame& f, const TypeRef& t, BinaryOp op, std::string_view w) {
  return CompareLoop(a, b, f, t, op, w, [](const Column& c, size_t i) { return c.bools[i]; });
}
Vec CompareStrings(const Vec& a, const Vec& b, const Frame& f, const TypeRef& t, BinaryOp op, std::string_view w) {
  return CompareLoop(a, b, f, t, op, w, [](const Column& c, size_t i) { return c.strings.empty() ? std::string_view() : c.String(i); });
}

// == and != on any other type (lists, records, null literals): value equality.
Vec EqualGeneric(const Vec& a, const Vec& b, const Frame& f, const TypeRef& t, BinaryOp op, std::string_view) {
  bool constant = a.constant && b.constant;
  size_t n = constant ? 1 : f.n;
  auto out = NewColumn(t, n);
  for (size_t k = 0; k < n; ++k) out->bools[k] = EqualAt(a, k, b, k) == (op == BinaryOp::Eq);
  return Vec{out, constant};
}

class BinaryNode : public Node {
 public:
  BinaryNode(TypeRef type, BinaryOp op, NodePtr left, NodePtr right, BinaryFn fn, std::string what)
      : Node(std::move(type)), op_(op), left_(std::move(left)), right_(std::move(right)), fn_(fn), what_(std::move(what)) {}
  Vec Eval(const Frame& frame) const override {
    Vec a = left_->Eval(frame);
    Vec b = right_->Eval(frame);
    return fn_(a, b, frame, type_, op_, what_);
  }

 private:
  BinaryOp op_;
  NodePtr left_, right_;
  BinaryFn fn_;
  std::string what_;
};

// `x in [constants]`: a hash set built at bind time.
class InConstNode : public Node {
 public:
  InConstNode(bool negated, NodePtr left, const ast::Value& list) : Node(ast::BoolType()), negated_(negated), left_(std::move(left)) {
    // A decimal's column holds unscaled integers: it is compared by value with every item.
    exact_ = left_->type()->kind == TypeKind::Decimal;
    for (const ast::Value& item : list.items) {
      if (exact_ && item.kind != ast::Value::Kind::Null) {
        others_.push_back(item);
      } else if (item.kind == ast::Value::Kind::Null) {
        has_null_ = true;
      } else if (item.kind == ast::Value::Kind::String) {
        strings_.insert(item.string_value);
      } else if (item.kind == ast::Value::Kind::Float) {
        others_.push_back(item);
      } else if (item.kind != ast::Value::Kind::List && item.kind != ast::Value::Kind::Record) {
        ints_.insert(item.int_value + (item.kind == ast::Value::Kind::Bool && item.bool_value ? 1 : 0));
      } else {
        others_.push_back(item);
      }
    }
    small_strings_.assign(strings_.begin(), strings_.end());
    for (const std::string& item : small_strings_) {
      if (item.size() <= 8 && short_count_ < kLinearStrings) {
        short_keys_[short_count_] = ShortKey(item.data(), item.size());
        short_lengths_[short_count_] = static_cast<uint32_t>(item.size());
        ++short_count_;
      }
    }
  }
  Vec Eval(const Frame& frame) const override {
    Vec v = left_->Eval(frame);
    const Column& c = *v.column;
    size_t n = v.constant ? 1 : frame.n;
    auto out = NewColumn(type_, n);
    if (c.layout == Layout::String && !exact_ && strings_.size() <= kLinearStrings) {
      // A few strings (`country in ["US", "DE", ...]`): comparing lengths, then bytes, beats
      // hashing every value (T1: 4.7% of its CPU time went to the hash set).
      const char* bytes = c.bytes ? c.bytes->data() : nullptr;
      const bool all_valid = c.validity.AllValid();
      for (size_t k = 0; k < n; ++k) {
        bool found = false;
        if (!all_valid && c.IsNull(k)) {
          found = has_null_;
        } else {
          const StringView view = c.strings[k];
          const char* text = bytes + view.offset;
          if (view.length <= 8) {
            // Codes ("US", "EUR"): one key of the value's bytes, compared with the keys of
            // the items of at most 8 bytes (kept side by side with their lengths).
            const uint64_t key = ShortKey(text, view.length);
            for (size_t i = 0; i < short_count_; ++i) {
              found |= short_keys_[i] == key && short_lengths_[i] == view.length;
            }
          } else {
            for (const std::string& item : small_strings_) {
              // Length and first byte settle most comparisons without a memcmp call.
              if (item.size() == view.length && item[0] == text[0] &&
                  std::memcmp(item.data() + 1, text + 1, view.length - 1) == 0) {
                found = true;
                break;
              }
            }
          }
        }
        out->bools[k] = found != negated_;
      }
      return Vec{out, v.constant};
    }
    for (size_t k = 0; k < n; ++k) {
      bool found;
      if (c.IsNull(k)) {
        found = has_null_;
      } else if (exact_) {
        ast::Value x = c.Get(k);
        found = false;
        for (const ast::Value& item : others_) found = found || ValuesEqual(x, item);
      } else {
        switch (c.layout) {
          case Layout::Int64: found = ints_.count(c.ints[k]) > 0; break;
          case Layout::Int32: found = ints_.count(c.days[k]) > 0; break;
          case Layout::Bool: found = ints_.count(c.bools[k]) > 0; break;
          case Layout::String: found = strings_.count(c.String(k)) > 0; break;
          default: {
            ast::Value x = c.Get(k);
            found = false;
            for (const ast::Value& item : others_) found = found || ValuesEqual(x, item);
          }
        }
      }
      out->bools[k] = found != negated_;
    }
    return Vec{out, v.constant};
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  bool negated_;
  NodePtr left_;
  bool exact_ = false;  // a decimal operand
  bool has_null_ = false;
  std::unordered_set<int64_t> ints_;
  static constexpr size_t kLinearStrings = 8;
  std::unordered_set<std::string, Hash, std::equal_to<>> strings_;
  std::vector<std::string> small_strings_;  // strings_ as a list, for short lists
  // The items of small_strings_ of at most 8 bytes: their ShortKey and length.
  uint64_t short_keys_[kLinearStrings] = {};
  uint32_t short_lengths_[kLinearStrings] = {};
  size_t short_count_ = 0;

  // The bytes of a string of at most 8 bytes as one number, read in at most two loads
  // that stay inside the string; with the length it identifies the string.
  static uint64_t ShortKey(const char* p, size_t n) {
    if (n >= 4) return uint64_t{Load<uint32_t>(p)} | uint64_t{Load<uint32_t>(p + n - 4)} << 32;
    if (n >= 2) return uint64_t{Load<uint16_t>(p)} | uint64_t{Load<uint16_t>(p + n - 2)} << 16;
    return n == 1 ? static_cast<unsigned char>(*p) : 0;
  }
  template <typename T>
  static T Load(const char* p) {
    T value;
    std::memcpy(&value, p, sizeof value);
    return value;
  }
  std::vector<ast::Value> others_;  // floats, lists, records: compared by value
};

class UnaryNode : public Node {
 public:
  UnaryNode(TypeRef type, ast::UnaryOp op, NodePtr operand) : Node(std::move(type)), op_(op), operand_(std::move(operand)) {}
  Vec Eval(const Frame& frame) const override {
    Vec v = operand_->Eval(frame);
    const Column& c = *v.column;
    size_t n = v.constant ? 1 : frame.n;
    auto out = NewColumn(type_, n);
    out->validity = c.validity;
    if (op_ == ast::UnaryOp::Not) {
      for (size_t k = 0; k < n; ++k) out->bools[k] = !c.bools[k];
    } else if (c.layout == Layout::Float64) {
      for (size_t k = 0; k < n; ++k) out->floats[k] = -c.floats[k];
    } else if (c.layout == Layout::Int128) {
      // A decimal(p > 18): |x| < 10^38 < 2^127, so -x never wraps and fits the precision.
      for (size_t k = 0; k < n; ++k) out->wide[k] = -c.wide[k];
    } else {
      std::vector<uint64_t> words = ValidWords(v, n);
      for (size_t k = 0; k < n; ++k) {
        if (__builtin_sub_overflow(int64_t{0}, c.ints[k], &out->ints[k]) && Bit(words, k)) {
          if (v.constant) {
            for (size_t i = 0; i < frame.n; ++i) frame.Fail(i, kOverflow, "overflow in negation");
          } else {
            frame.Fail(k, kOverflow, "overflow in negation");
          }
          ClearBit(words, k, n);
        }
      }
      out->validity.Assign(std::move(words));
    }
    return Vec{out, v.constant};
  }

 private:
  ast::UnaryOp op_;
  NodePtr operand_;
};

BinaryFn CompareFor(Layout layout) {
  switch (layout) {
    case Layout::Int64: return CompareInts;
    case Layout::Int32: return CompareDays;
    case Layout::Int128: return CompareWide;
    case Layout::Float64: return CompareFloats;
    case Layout::Bool: return CompareBools;
    case Layout::String: return CompareStrings;
    default: return nullptr;
  }
}

}  // namespace

NodePtr BindUnary(const ir::Expr& expr, NodePtr operand, std::string* error) {
  return std::make_unique<UnaryNode>(expr.type, expr.unary_op, std::move(operand));
}

NodePtr BindBinary(const ir::Expr& expr, NodePtr left, NodePtr right, std::string* error) {
  const TypeRef& lt = expr.children[0].type;
  const TypeRef& rt = expr.children[1].type;
  BinaryOp op = expr.binary_op;
  std::string what = ir::ToText(expr);
  BinaryFn fn = nullptr;
  switch (op) {
    case BinaryOp::In:
    case BinaryOp::NotIn:
      if (expr.children[1].kind == ir::ExprKind::Literal && expr.children[1].value.kind == ast::Value::Kind::List) {
        return std::make_unique<InConstNode>(op == BinaryOp::NotIn, std::move(left), expr.children[1].value);
      }
      // `x in ["US", "DE"]` is lowered as a list of literals: the same constant set.
      if (expr.children[1].kind == ir::ExprKind::List &&
          std::all_of(expr.children[1].children.begin(), expr.children[1].children.end(),
                      [](const ir::Expr& item) { return item.kind == ir::ExprKind::Literal; })) {
        ast::Value list;
        list.kind = ast::Value::Kind::List;
        for (const ir::Expr& item : expr.children[1].children) list.items.push_back(item.value);
        return std::make_unique<InConstNode>(op == BinaryOp::NotIn, std::move(left), std::move(list));
      }
      return BindGeneric(expr, [&] {
        std::vector<NodePtr> c;
        c.push_back(std::move(left));
        c.push_back(std::move(right));
        return c;
      }(), BindScope{}, error);
    case BinaryOp::Match:  // per row, through the compiled-pattern cache (eval_generic.cpp)
      return BindGeneric(expr, [&] {
        std::vector<NodePtr> c;
        c.push_back(std::move(left));
        c.push_back(std::move(right));
        return c;
      }(), BindScope{}, error);
    case BinaryOp::Eq:
    case BinaryOp::Ne:
      if (lt->kind == TypeKind::Decimal || rt->kind == TypeKind::Decimal) {
        bool exact = (lt->kind == TypeKind::Decimal || lt->kind == TypeKind::Int) &&
                     (rt->kind == TypeKind::Decimal || rt->kind == TypeKind::Int);
        fn = exact ? CompareExact : EqualGeneric;
        break;
      }
      fn = lt->kind == TypeKind::Null || rt->kind == TypeKind::Null || LayoutOf(lt) != LayoutOf(rt)
               ? EqualGeneric
               : CompareFor(LayoutOf(lt));
      if (!fn) fn = EqualGeneric;
      break;
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge:
      if (lt->kind == TypeKind::Decimal || rt->kind == TypeKind::Decimal) {
        fn = CompareExact;  // across scales and layouts, exactly (an int side is scale 0)
      } else if (LayoutOf(lt) == LayoutOf(rt)) {
        fn = CompareFor(LayoutOf(lt));
      }
      break;
    default: {  // + - * / %
      TypeKind a = lt->kind, b = rt->kind;
      if (a == TypeKind::Decimal || b == TypeKind::Decimal) {
        if ((a == TypeKind::Decimal || a == TypeKind::Int) && (b == TypeKind::Decimal || b == TypeKind::Int)) fn = DecimalArith;
      } else if (a == TypeKind::Int && b == TypeKind::Int) {
        fn = IntArith;
      } else if (a == TypeKind::Float && b == TypeKind::Float) {
        fn = FloatArith;
      } else if (a == TypeKind::String && b == TypeKind::String && op == BinaryOp::Add) {
        fn = StringConcat;
      } else if (a == TypeKind::Date) {
        fn = DateArith;
      } else if ((a == TypeKind::Timestamp || a == TypeKind::Duration || a == TypeKind::Int) &&
                 (b == TypeKind::Timestamp || b == TypeKind::Duration || b == TypeKind::Int)) {
        fn = TimeArith;
      } else if (a == TypeKind::List && b == TypeKind::List && op == BinaryOp::Add) {
        std::vector<NodePtr> c;
        c.push_back(std::move(left));
        c.push_back(std::move(right));
        return BindGeneric(expr, std::move(c), BindScope{}, error);
      }
    }
  }
  if (!fn) {
    *error = "`" + std::string(ast::Spelling(op)) + "` on " + ast::ToString(lt) + " and " + ast::ToString(rt) +
             " has no interpreter kernel (the type checker does not produce this combination)";
    return nullptr;
  }
  return std::make_unique<BinaryNode>(expr.type, op, std::move(left), std::move(right), fn, std::move(what));
}

}  // namespace etl::runtime::eval
