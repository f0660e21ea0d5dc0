// Numeric aggregates: count, sum, avg, stddev, percentile. Nulls are skipped
// (stdlib/functions_aggregate.cpp); an int sum that overflows marks its group.
#include <algorithm>
#include <cmath>

#include "runtime/agg_state.h"
#include "runtime/decimal_math.h"

namespace etl::runtime {

namespace {

using ast::TypeKind;

double Pow10(int scale) {
  double p = 1;
  for (int i = 0; i < scale; ++i) p *= 10;
  return p;
}

// count() and count(x).
class CountAgg : public AggState {
 public:
  explicit CountAgg(bool counts_values) : counts_values_(counts_values) {}
  void Grow(size_t groups) override { counts_.resize(groups, 0); }
  void Update(const std::vector<ColumnPtr>& args, const std::vector<uint32_t>& groups) override {
    const Column* x = counts_values_ ? args[0].get() : nullptr;
    for (size_t i = 0; i < groups.size(); ++i) {
      uint32_t g = groups[i];
      if (g == kNoGroup || (x && x->IsNull(i))) continue;
      ++counts_[g];
    }
  }
  ColumnPtr Finish(size_t begin, size_t end) override {
    ColumnBuilder b(ast::IntType());
    b.Reserve(end - begin);
    for (size_t g = begin; g < end; ++g) b.AppendInt(counts_[g]);
    return b.Finish();
  }

 private:
  bool counts_values_;
  std::vector<int64_t> counts_;
};

// sum(int): checked 64-bit addition.
class SumIntAgg : public AggState {
 public:
  explicit SumIntAgg(TypeRef type) : type_(std::move(type)) {}
  void Grow(size_t groups) override {
    sums_.resize(groups, 0);
    seen_.resize(groups, 0);
    overflow_.resize(groups, 0);
  }
  void Update(const std::vector<ColumnPtr>& args, const std::vector<uint32_t>& groups) override {
    const Column& x = *args[0];
    const bool all_valid = x.validity.AllValid();
    for (size_t i = 0; i < groups.size(); ++i) {
      uint32_t g = groups[i];
      if (g == kNoGroup || (!all_valid && x.IsNull(i))) continue;
      seen_[g] = 1;
      overflow_[g] |= static_cast<uint8_t>(__builtin_add_overflow(sums_[g], x.ints[i], &sums_[g]));
    }
  }
  ColumnPtr Finish(size_t begin, size_t end) override {
    ColumnBuilder b(type_);
    b.Reserve(end - begin);
    for (size_t g = begin; g < end; ++g) {
      if (seen_[g] && !overflow_[g]) {
        b.AppendInt(sums_[g]);
      } else {
        b.AppendNull();
      }
    }
    return b.Finish();
  }
  bool Overflowed(uint32_t group) const override { return overflow_[group] != 0; }

 private:
  TypeRef type_;
  std::vector<int64_t> sums_;
  std::vector<uint8_t> seen_, overflow_;
};

// sum(float).
class SumFloatAgg : public AggState {
 public:
  explicit SumFloatAgg(TypeRef type) : type_(std::move(type)) {}
  void Grow(size_t groups) override {
    sums_.resize(groups, 0);
    seen_.resize(groups, 0);
  }
  void Update(const std::vector<ColumnPtr>& args, const std::vector<uint32_t>& groups) override {
    const Column& x = *args[0];
    const bool all_valid = x.validity.AllValid();
    for (size_t i = 0; i < groups.size(); ++i) {
      uint32_t g = groups[i];
      if (g == kNoGroup || (!all_valid && x.IsNull(i))) continue;
      seen_[g] = 1;
      sums_[g] += x.floats[i];
    }
  }
  ColumnPtr Finish(size_t begin, size_t end) override {
    ColumnBuilder b(type_);
    b.Reserve(end - begin);
    for (size_t g = begin; g < end; ++g) {
      if (seen_[g]) {
        b.AppendFloat(sums_[g]);
      } else {
        b.AppendNull();
      }
    }
    return b.Finish();
  }

 private:
  TypeRef type_;
  std::vector<double> sums_;
  std::vector<uint8_t> seen_;
};

// sum(decimal): exact, in 128 bits (the result is decimal(38, s)).
class SumDecimalAgg : public AggState {
 public:
  explicit SumDecimalAgg(TypeRef type) : type_(std::move(type)) {}
  void Grow(size_t groups) override {
    sums_.resize(groups, 0);
    seen_.resize(groups, 0);
    overflow_.resize(groups, 0);
  }
  void Update(const std::vector<ColumnPtr>& args, const std::vector<uint32_t>& groups) override {
    const Column& x = *args[0];
    for (size_t i = 0; i < groups.size(); ++i) {
      uint32_t g = groups[i];
      if (g == kNoGroup || x.IsNull(i)) continue;
      seen_[g] = 1;
      __int128 v = x.layout == Layout::Int128 ? x.wide[i] : static_cast<__int128>(x.ints[i]);
      // Past 10^38 the sum leaves decimal(38, s) even if 128 bits still hold it.
      overflow_[g] |= static_cast<uint8_t>(__builtin_add_overflow(sums_[g], v, &sums_[g]) || !decimal::Fits(sums_[g], 38));
    }
  }
  ColumnPtr Finish(size_t begin, size_t end) override {
    ColumnBuilder b(type_);
    for (size_t g = begin; g < end; ++g) {
      if (!seen_[g] || overflow_[g]) {
        b.AppendNull();
      } else if (LayoutOf(type_) == Layout::Int128) {
        b.AppendWide(sums_[g]);
      } else {
        b.AppendInt(static_cast<int64_t>(sums_[g]));
      }
    }
    return b.Finish();
  }
  bool Overflowed(uint32_t group) const override { return overflow_[group] != 0; }

 private:
  TypeRef type_;
  std::vector<__int128> sums_;
  std::vector<uint8_t> seen_, overflow_;
};

// avg: the sum divided by the count, so `avg` agrees with `sum / count` to the last bit.
// Ints and decimals are summed exactly in 128 bits; floats in a double.
class AvgAgg : public AggState {
 public:
  explicit AvgAgg(TypeRef type) : type_(std::move(type)) {}
  void Grow(size_t groups) override {
    counts_.resize(groups, 0);
    exact_.resize(groups, 0);
    floats_.resize(groups, 0);
  }
  void Update(const std::vector<ColumnPtr>& args, const std::vector<uint32_t>& groups) override {
    const Column& x = *args[0];
    if (x.layout == Layout::Int64 || x.layout == Layout::Int128) {
      scale_ = x.type && x.type->kind == TypeKind::Decimal ? Pow10(x.type->scale) : 1.0;
      decimals_ = x.type && x.type->kind == TypeKind::Decimal;
      scale_digits_ = decimals_ ? x.type->scale : 0;
    }
    for (size_t i = 0; i < groups.size(); ++i) {
      uint32_t g = groups[i];
      if (g == kNoGroup || x.IsNull(i)) continue;
      ++counts_[g];
      switch (x.layout) {
        case Layout::Int64: exact_[g] += x.ints[i]; break;
        case Layout::Int128: exact_[g] += x.wide[i]; break;
        default: floats_[g] += x.floats[i]; break;
      }
    }
  }
  ColumnPtr Finish(size_t begin, size_t end) override {
    ColumnBuilder b(type_);
    b.Reserve(end - begin);
    for (size_t g = begin; g < end; ++g) {
      if (counts_[g] == 0) {
        b.AppendNull();
      } else if (scale_ > 0) {
        // The exact sum's nearest double (one rounding), then the division.
        double sum = decimals_ ? decimal::ToDouble(exact_[g], scale_digits_) : static_cast<double>(exact_[g]);
        b.AppendFloat(sum / static_cast<double>(counts_[g]));
      } else {
        b.AppendFloat(floats_[g] / static_cast<double>(counts_[g]));
      }
    }
    return b.Finish();
  }

 private:
  TypeRef type_;
  double scale_ = 0;  // 0: a float argument; else 10^scale of an int (1) or decimal argument
  bool decimals_ = false;  // a decimal argument, of scale scale_digits_
  int scale_digits_ = 0;
  std::vector<int64_t> counts_;
  std::vector<__int128> exact_;
  std::vector<double> floats_;
};

// stddev: count, mean and M2 (Welford), so it stays accurate on large values.
class StddevAgg : public AggState {
 public:
  explicit StddevAgg(TypeRef type) : type_(std::move(type)) {}
  void Grow(size_t groups) override {
    counts_.resize(groups, 0);
    means_.resize(groups, 0);
    m2_.resize(groups, 0);
  }
  void Update(const std::vector<ColumnPtr>& args, const std::vector<uint32_t>& groups) override {
    const Column& x = *args[0];
    for (size_t i = 0; i < groups.size(); ++i) {
      uint32_t g = groups[i];
      if (g == kNoGroup || x.IsNull(i)) continue;
      double v = NumberAt(x, i);
      int64_t n = ++counts_[g];
      double delta = v - means_[g];
      means_[g] += delta / static_cast<double>(n);
      m2_[g] += delta * (v - means_[g]);
    }
  }
  ColumnPtr Finish(size_t begin, size_t end) override {
    ColumnBuilder b(type_);
    b.Reserve(end - begin);
    for (size_t g = begin; g < end; ++g) {
      int64_t n = counts_[g];
      if (n < 2) {
        b.AppendNull();
      } else {
        b.AppendFloat(std::sqrt(m2_[g] / static_cast<double>(n - 1)));
      }
    }
    return b.Finish();
  }

 private:
  TypeRef type_;
  std::vector<int64_t> counts_;
  std::vector<double> means_, m2_;
};

// percentile(x, p): exact; keeps each group's values, sorts them at the end and
// interpolates linearly between the two closest ranks (p * (n - 1)).
class PercentileAgg : public AggState {
 public:
  PercentileAgg(TypeRef type, double p) : type_(std::move(type)), p_(p) {}
  void Grow(size_t groups) override { values_.resize(groups); }
  void Update(const std::vector<ColumnPtr>& args, const std::vector<uint32_t>& groups) override {
    const Column& x = *args[0];
    for (size_t i = 0; i < groups.size(); ++i) {
      uint32_t g = groups[i];
      if (g == kNoGroup || x.IsNull(i)) continue;
      values_[g].push_back(NumberAt(x, i));
    }
  }
  ColumnPtr Finish(size_t begin, size_t end) override {
    ColumnBuilder b(type_);
    for (size_t g = begin; g < end; ++g) {
      std::vector<double>& v = values_[g];
      if (v.empty()) {
        b.AppendNull();
        continue;
      }
      std::sort(v.begin(), v.end());
      double pos = p_ * static_cast<double>(v.size() - 1);
      size_t lo = static_cast<size_t>(std::floor(pos));
      size_t hi = std::min(lo + 1, v.size() - 1);
      b.AppendFloat(v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo)));
      std::vector<double>().swap(v);
    }
    return b.Finish();
  }

 private:
  TypeRef type_;
  double p_;
  std::vector<std::vector<double>> values_;
};

bool ConstantNumber(const ir::Expr& expr, double* value) {
  if (expr.kind == ir::ExprKind::Widen && !expr.children.empty()) return ConstantNumber(expr.children[0], value);
  if (expr.kind != ir::ExprKind::Literal) return false;
  if (expr.value.kind == ast::Value::Kind::Float) {
    *value = expr.value.float_value;
    return true;
  }
  if (expr.value.kind == ast::Value::Kind::Int) {
    *value = static_cast<double>(expr.value.int_value);
    return true;
  }
  return false;
}

bool IsNumber(const TypeRef& type) {
  return type && (type->kind == TypeKind::Int || type->kind == TypeKind::Float || type->kind == TypeKind::Decimal);
}

}  // namespace

double NumberAt(const Column& column, size_t row) {
  switch (column.layout) {
    case Layout::Float64: return column.floats[row];
    case Layout::Int64:
      if (column.type && column.type->kind == TypeKind::Decimal) {
        return static_cast<double>(column.ints[row]) / Pow10(column.type->scale);
      }
      return static_cast<double>(column.ints[row]);
    case Layout::Int128: return static_cast<double>(column.wide[row]) / Pow10(column.type ? column.type->scale : 0);
    default: return 0;
  }
}

std::unique_ptr<AggState> MakeNumericAgg(const ir::AggregateCall& call, std::string* error) {
  const std::string& fn = call.function;
  if (fn == "count") {
    if (call.args.size() > 1) {
      *error = "count takes at most one argument";
      return nullptr;
    }
    return std::make_unique<CountAgg>(call.args.size() == 1);
  }
  if (call.args.empty() || !IsNumber(call.args[0].type)) {
    *error = fn + " needs a number argument";
    return nullptr;
  }
  const TypeRef& x = call.args[0].type;
  if (fn == "sum") {
    if (x->kind == TypeKind::Int) return std::make_unique<SumIntAgg>(call.type);
    if (x->kind == TypeKind::Float) return std::make_unique<SumFloatAgg>(call.type);
    return std::make_unique<SumDecimalAgg>(call.type);
  }
  if (fn == "avg") return std::make_unique<AvgAgg>(call.type);
  if (fn == "stddev") return std::make_unique<StddevAgg>(call.type);
  if (fn == "percentile") {
    double p = 0;
    if (call.args.size() != 2 || !ConstantNumber(call.args[1], &p) || p < 0 || p > 1) {
      *error = "percentile needs a constant p from 0 to 1";
      return nullptr;
    }
    return std::make_unique<PercentileAgg>(call.type, p);
  }
  *error = "unknown aggregate function `" + fn + "`";
  return nullptr;
}

std::unique_ptr<AggState> MakeAggState(const ir::AggregateCall& call, std::string* error) {
  const std::string& fn = call.function;
  if (fn == "count_distinct" || fn == "min" || fn == "max" || fn == "first" || fn == "last" || fn == "list") {
    return MakeValueAgg(call, error);
  }
  return MakeNumericAgg(call, error);
}

}  // namespace etl::runtime
