// Column helpers of the vectorised interpreter: allocation, broadcasting constants,
// validity words and scattering branch results back (if / match / ??).
#include <cstring>

#include "runtime/eval_node.h"
#include "runtime/eval_value.h"

namespace etl::runtime::eval {

SubFrame::SubFrame(const Frame& parent, const std::vector<uint32_t>& local) : frame(parent) {
  rows.resize(local.size());
  positions.resize(local.size());
  for (size_t i = 0; i < local.size(); ++i) {
    uint32_t k = local[i];
    rows[i] = parent.rows ? (*parent.rows)[k] : k;
    positions[i] = parent.positions ? (*parent.positions)[k] : k;
  }
  frame.rows = &rows;
  frame.positions = &positions;
  frame.n = local.size();
}

std::shared_ptr<Column> NewColumn(const TypeRef& type, size_t n) {
  auto column = std::make_shared<Column>();
  column->type = type;
  column->layout = LayoutOf(type);
  column->rows = n;
  switch (column->layout) {
    case Layout::Bool: column->bools.resize(n); break;
    case Layout::Int64: column->ints.resize(n); break;
    case Layout::Int128: column->wide.resize(n); break;
    case Layout::Int32: column->days.resize(n); break;
    case Layout::Float64: column->floats.resize(n); break;
    case Layout::String:
      column->strings.resize(n);
      column->bytes = std::make_shared<const std::string>();
      break;
    default: break;
  }
  return column;
}

std::vector<uint64_t> ValidWords(const Vec& v, size_t n) {
  const Validity& validity = v.column->validity;
  if (validity.AllValid()) return {};
  size_t words = (n + 63) / 64;
  if (v.constant) return std::vector<uint64_t>(words, validity.IsValid(0) ? ~uint64_t{0} : 0);
  std::vector<uint64_t> out(validity.Words().begin(), validity.Words().end());
  out.resize(words, ~uint64_t{0});
  return out;
}

std::vector<uint64_t> AndWords(std::vector<uint64_t> a, const std::vector<uint64_t>& b) {
  if (b.empty()) return a;
  if (a.empty()) return b;
  for (size_t w = 0; w < a.size() && w < b.size(); ++w) a[w] &= b[w];
  return a;
}

void ClearBit(std::vector<uint64_t>& words, size_t i, size_t n) {
  if (words.empty()) words.assign((n + 63) / 64, ~uint64_t{0});
  words[i >> 6] &= ~(uint64_t{1} << (i & 63));
}

ColumnPtr FromValues(const TypeRef& type, const std::vector<ast::Value>& values) {
  ColumnBuilder builder(type);
  builder.Reserve(values.size());
  // Inside the evaluator a json value is its text (a String value), stored as is.
  bool json = type->kind == ast::TypeKind::Json;
  for (const ast::Value& v : values) {
    if (json && v.kind == ast::Value::Kind::String) {
      builder.AppendString(v.string_value);
    } else if (!builder.AppendValue(v)) {
      builder.AppendNull();  // the type checker rules this out
    }
  }
  return builder.Finish();
}

Vec ConstantOf(const TypeRef& type, const ast::Value& value) { return Vec{FromValues(type, {value}), true}; }

ColumnPtr Materialize(const Vec& v, size_t n) {
  if (!v.constant) return v.column;
  const Column& c = *v.column;
  if (c.layout == Layout::List || c.layout == Layout::Map || c.layout == Layout::Record) {
    return FromValues(c.type, std::vector<ast::Value>(n, c.Get(0)));
  }
  auto out = NewColumn(c.type, n);
  if (c.IsNull(0)) {
    out->validity.Assign(std::vector<uint64_t>((n + 63) / 64, 0));
    return out;
  }
  switch (c.layout) {
    case Layout::Bool: std::fill(out->bools.begin(), out->bools.end(), c.bools[0]); break;
    case Layout::Int64: std::fill(out->ints.begin(), out->ints.end(), c.ints[0]); break;
    case Layout::Int128: std::fill(out->wide.begin(), out->wide.end(), c.wide[0]); break;
    case Layout::Int32: std::fill(out->days.begin(), out->days.end(), c.days[0]); break;
    case Layout::Float64: std::fill(out->floats.begin(), out->floats.end(), c.floats[0]); break;
    case Layout::String:  // every row views the constant's bytes: no copy
      std::fill(out->strings.begin(), out->strings.end(), c.strings[0]);
      out->bytes = c.bytes;
      break;
    default: break;
  }
  return out;
}

ColumnPtr Interleave(const TypeRef& type, size_t n, const std::vector<Vec>& pieces,
                     const std::vector<const std::vector<uint32_t>*>& positions) {
  Layout layout = LayoutOf(type);
  if (layout == Layout::List || layout == Layout::Map || layout == Layout::Record || layout == Layout::Int128) {
    std::vector<ast::Value> values(n);
    for (size_t p = 0; p < pieces.size(); ++p) {
      for (size_t k = 0; k < positions[p]->size(); ++k) values[(*positions[p])[k]] = ValueAt(pieces[p], k);
    }
    return FromValues(type, values);
  }
  auto out = NewColumn(type, n);
  // Rows start null; each piece marks its rows valid where its value is.
  std::vector<uint64_t> words((n + 63) / 64, 0);
  std::string bytes;
  for (size_t p = 0; p < pieces.size(); ++p) {
    const Vec& v = pieces[p];
    const Column& c = *v.column;
    const std::vector<uint32_t>& at = *positions[p];
    for (size_t k = 0; k < at.size(); ++k) {
      size_t row = at[k], src = v.At(k);
      if (c.IsNull(src)) continue;
      words[row >> 6] |= uint64_t{1} << (row & 63);
      switch (layout) {
        case Layout::Bool: out->bools[row] = c.bools[src]; break;
        case Layout::Int64: out->ints[row] = c.ints[src]; break;
        case Layout::Int32: out->days[row] = c.days[src]; break;
        case Layout::Float64: out->floats[row] = c.floats[src]; break;
        case Layout::String: {
          std::string_view s = c.String(src);
          out->strings[row] = StringView{static_cast<uint32_t>(bytes.size()), static_cast<uint32_t>(s.size())};
          bytes.append(s);
          break;
        }
        default: break;
      }
    }
  }
  if (layout == Layout::String) out->bytes = std::make_shared<const std::string>(std::move(bytes));
  bool all = true;
  for (size_t row = 0; row < n && all; ++row) all = Bit(words, row);
  if (!all) out->validity.Assign(std::move(words));
  return out;
}

bool EqualAt(const Vec& a, size_t i, const Vec& b, size_t j) {
  size_t x = a.At(i), y = b.At(j);
  bool an = a.column->IsNull(x), bn = b.column->IsNull(y);
  if (an || bn) return an && bn;
  const Column& p = *a.column;
  const Column& q = *b.column;
  if (p.layout != q.layout) return ValuesEqual(p.Get(x), q.Get(y));
  switch (p.layout) {
    case Layout::Bool: return p.bools[x] == q.bools[y];
    case Layout::Int64: return p.ints[x] == q.ints[y];
    case Layout::Int128: return p.wide[x] == q.wide[y];
    case Layout::Int32: return p.days[x] == q.days[y];
    case Layout::Float64: return p.floats[x] == q.floats[y];
    case Layout::String: return p.String(x) == q.String(y);
    default: return ValuesEqual(p.Get(x), q.Get(y));
  }
}

}  // namespace etl::runtime::eval
