// Value aggregates: min, max, first, last (nulls skipped), list (nulls kept) and
// count_distinct (exact, nulls skipped). Values are kept per group in typed vectors.
#include <cstring>

#include "runtime/agg_key.h"
#include "runtime/agg_state.h"

namespace etl::runtime {

namespace {

enum class Pick { Min, Max, First, Last };

struct IntTraits {
  using Stored = int64_t;
  static constexpr bool kOrderable = true;
  static int64_t Get(const Column& c, size_t i) { return c.ints[i]; }
  static void Append(ColumnBuilder& b, const int64_t& v) { b.AppendInt(v); }
};
struct DateTraits {
  using Stored = int32_t;
  static constexpr bool kOrderable = true;
  static int32_t Get(const Column& c, size_t i) { return c.days[i]; }
  static void Append(ColumnBuilder& b, const int32_t& v) { b.AppendDate(v); }
};
struct BoolTraits {
  using Stored = uint8_t;
  static constexpr bool kOrderable = true;
  static uint8_t Get(const Column& c, size_t i) { return c.bools[i]; }
  static void Append(ColumnBuilder& b, const uint8_t& v) { b.AppendBool(v != 0); }
};
struct FloatTraits {
  using Stored = double;
  static constexpr bool kOrderable = true;
  static double Get(const Column& c, size_t i) { return c.floats[i]; }
  static void Append(ColumnBuilder& b, const double& v) { b.AppendFloat(v); }
};
struct WideTraits {
  using Stored = __int128;
  static constexpr bool kOrderable = true;
  static __int128 Get(const Column& c, size_t i) { return c.wide[i]; }
  static void Append(ColumnBuilder& b, const __int128& v) { b.AppendWide(v); }
};
struct StringTraits {
  using Stored = std::string;
  static constexpr bool kOrderable = true;
  static std::string_view Get(const Column& c, size_t i) { return c.String(i); }
  static void Append(ColumnBuilder& b, const std::string& v) { b.AppendString(v); }
};
struct ValueTraits {
  using Stored = ast::Value;
  static constexpr bool kOrderable = false;
  static ast::Value Get(const Column& c, size_t i) { return c.Get(i); }
  static void Append(ColumnBuilder& b, const ast::Value& v) { b.AppendValue(v); }
};

template <typename Traits>
class PickAgg : public AggState {
 public:
  PickAgg(TypeRef type, Pick pick) : type_(std::move(type)), pick_(pick) {}
  void Grow(size_t groups) override {
    values_.resize(groups);
    seen_.resize(groups, 0);
  }
  void Update(const std::vector<ColumnPtr>& args, const std::vector<uint32_t>& groups) override {
    const Column& x = *args[0];
    const bool all_valid = x.validity.AllValid();
    for (size_t i = 0; i < groups.size(); ++i) {
      uint32_t g = groups[i];
      if (g == kNoGroup || (!all_valid && x.IsNull(i))) continue;
      if (!seen_[g]) {
        seen_[g] = 1;
        values_[g] = typename Traits::Stored(Traits::Get(x, i));
        continue;
      }
      switch (pick_) {
        case Pick::First: break;
        case Pick::Last: values_[g] = typename Traits::Stored(Traits::Get(x, i)); break;
        case Pick::Min:
        case Pick::Max:
          if constexpr (Traits::kOrderable) {
            auto v = Traits::Get(x, i);
            bool better = pick_ == Pick::Min ? v < values_[g] : values_[g] < v;
            if (better) values_[g] = typename Traits::Stored(v);
          }
          break;
      }
    }
  }
  ColumnPtr Finish(size_t begin, size_t end) override {
    ColumnBuilder b(type_);
    b.Reserve(end - begin);
    for (size_t g = begin; g < end; ++g) {
      if (seen_[g]) {
        Traits::Append(b, values_[g]);
        values_[g] = typename Traits::Stored();
      } else {
        b.AppendNull();
      }
    }
    return b.Finish();
  }

 private:
  TypeRef type_;
  Pick pick_;
  std::vector<typename Traits::Stored> values_;
  std::vector<uint8_t> seen_;
};

// list(x): every value in input order, nulls kept. Values go to one element builder;
// Finish groups them by a counting sort on the group ids.
class ListAgg : public AggState {
 public:
  explicit ListAgg(TypeRef type) : type_(std::move(type)), elements_(type_->element) {}
  void Grow(size_t groups) override { counts_.resize(groups, 0); }
  void Update(const std::vector<ColumnPtr>& args, const std::vector<uint32_t>& groups) override {
    const Column& x = *args[0];
    for (size_t i = 0; i < groups.size(); ++i) {
      uint32_t g = groups[i];
      if (g == kNoGroup) continue;
      AppendFrom(elements_, x, i);
      owners_.push_back(g);
      ++counts_[g];
    }
  }
  ColumnPtr Finish(size_t begin, size_t end) override {
    if (!done_) {
      // Start offsets per group, then the element indexes in group order.
      done_ = true;
      column_ = elements_.Finish();
      starts_.assign(counts_.size() + 1, 0);
      for (size_t g = 0; g < counts_.size(); ++g) starts_[g + 1] = starts_[g] + counts_[g];
      order_.resize(owners_.size());
      std::vector<uint32_t> next(starts_.begin(), starts_.end() - 1);
      for (uint32_t e = 0; e < owners_.size(); ++e) order_[next[owners_[e]]++] = e;
      std::vector<uint32_t>().swap(owners_);
    }
    auto out = std::make_shared<Column>();
    out->type = type_;
    out->layout = Layout::List;
    out->rows = end - begin;
    std::vector<uint32_t> rows(order_.begin() + starts_[begin], order_.begin() + starts_[end]);
    out->offsets.reserve(end - begin + 1);
    for (size_t g = begin; g <= end; ++g) out->offsets.push_back(starts_[g] - starts_[begin]);
    out->children.push_back(Take(*column_, rows));
    return out;
  }

 private:
  TypeRef type_;
  ColumnBuilder elements_;
  std::vector<uint32_t> owners_;  // per element: its group
  std::vector<uint32_t> counts_;  // per group
  bool done_ = false;
  ColumnPtr column_;
  std::vector<uint32_t> starts_, order_;
};

// count_distinct(x): one table of (group, value) keys; a new pair counts for its group.
class CountDistinctAgg : public AggState {
 public:
  void Grow(size_t groups) override { counts_.resize(groups, 0); }
  void Update(const std::vector<ColumnPtr>& args, const std::vector<uint32_t>& groups) override {
    const Column& x = *args[0];
    for (size_t i = 0; i < groups.size(); ++i) {
      uint32_t g = groups[i];
      if (g == kNoGroup || x.IsNull(i)) continue;
      key_.assign(reinterpret_cast<const char*>(&g), sizeof(g));
      EncodeKey(x, i, key_);
      bool inserted = false;
      seen_.FindOrInsert(key_, &inserted);
      if (inserted) ++counts_[g];
    }
  }
  ColumnPtr Finish(size_t begin, size_t end) override {
    ColumnBuilder b(ast::IntType());
    for (size_t g = begin; g < end; ++g) b.AppendInt(counts_[g]);
    return b.Finish();
  }

 private:
  KeyTable seen_;
  std::string key_;
  std::vector<int64_t> counts_;
};

std::unique_ptr<AggState> MakePick(const TypeRef& arg, const TypeRef& result, Pick pick, std::string* error) {
  const bool ordered = pick == Pick::Min || pick == Pick::Max;
  switch (LayoutOf(arg)) {
    case Layout::Int64: return std::make_unique<PickAgg<IntTraits>>(result, pick);
    case Layout::Int32: return std::make_unique<PickAgg<DateTraits>>(result, pick);
    case Layout::Bool: return std::make_unique<PickAgg<BoolTraits>>(result, pick);
    case Layout::Float64: return std::make_unique<PickAgg<FloatTraits>>(result, pick);
    case Layout::Int128: return std::make_unique<PickAgg<WideTraits>>(result, pick);
    case Layout::String: return std::make_unique<PickAgg<StringTraits>>(result, pick);
    default:
      if (ordered) {
        *error = "min/max need an orderable argument, found " + ast::ToString(arg);
        return nullptr;
      }
      return std::make_unique<PickAgg<ValueTraits>>(result, pick);
  }
}

}  // namespace

std::unique_ptr<AggState> MakeValueAgg(const ir::AggregateCall& call, std::string* error) {
  const std::string& fn = call.function;
  if (call.args.size() != 1 || !call.args[0].type) {
    *error = fn + " takes one argument";
    return nullptr;
  }
  const TypeRef& x = call.args[0].type;
  if (fn == "count_distinct") return std::make_unique<CountDistinctAgg>();
  if (fn == "list") {
    if (!call.type || call.type->kind != ast::TypeKind::List || !call.type->element) {
      *error = "list's result type must be a list";
      return nullptr;
    }
    return std::make_unique<ListAgg>(call.type);
  }
  Pick pick = fn == "min" ? Pick::Min : fn == "max" ? Pick::Max : fn == "first" ? Pick::First : Pick::Last;
  return MakePick(x, call.type, pick, error);
}

}  // namespace etl::runtime
