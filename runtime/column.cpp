#include "runtime/column.h"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <limits>

#include "runtime/decimal_math.h"
#include "runtime/value_json.h"

namespace etl::runtime {

using ast::TypeKind;
using VK = ast::Value::Kind;

Layout LayoutOf(const TypeRef& type) {
  switch (type->kind) {
    case TypeKind::Bool: return Layout::Bool;
    case TypeKind::Int:
    case TypeKind::Timestamp:
    case TypeKind::Duration: return Layout::Int64;
    case TypeKind::Decimal: return type->precision <= 18 ? Layout::Int64 : Layout::Int128;
    case TypeKind::Date: return Layout::Int32;
    case TypeKind::Float: return Layout::Float64;
    case TypeKind::List: return Layout::List;
    case TypeKind::Map: return Layout::Map;
    case TypeKind::Record: return Layout::Record;
    case TypeKind::String:
    case TypeKind::Bytes:
    case TypeKind::Json:
    case TypeKind::Secret:  // never in a record (the compiler forbids it); text if it were
    case TypeKind::Null:
    case TypeKind::Error: return Layout::String;
  }
  return Layout::String;
}

// ---------------------------------------------------------------- validity

void Validity::SetNull(size_t row, size_t rows) {
  if (bits_.empty()) bits_.assign((rows + 63) / 64, ~uint64_t{0});
  Resize(rows);
  bits_[row >> 6] &= ~(uint64_t{1} << (row & 63));
}

void Validity::Resize(size_t rows) {
  if (bits_.empty()) return;
  size_t words = (rows + 63) / 64;
  if (bits_.size() < words) bits_.resize(words, ~uint64_t{0});
}

size_t Validity::NullCount(size_t rows) const {
  if (bits_.empty()) return 0;
  size_t valid = 0;
  for (size_t w = 0; w < rows / 64; ++w) valid += static_cast<size_t>(std::popcount(bits_[w]));
  for (size_t row = rows / 64 * 64; row < rows; ++row) valid += IsValid(row) ? 1 : 0;
  return rows - valid;
}

// ---------------------------------------------------------------- reading values back

ast::Value Column::Get(size_t row) const {
  if (IsNull(row)) return ast::Value::Null();
  ast::Value v;
  switch (layout) {
    case Layout::Bool: return ast::Value::Bool(bools[row] != 0);
    case Layout::Int64:
      if (type->kind == TypeKind::Decimal) return ast::Value::Decimal(ints[row], type->scale);
      v.int_value = ints[row];
      v.kind = type->kind == TypeKind::Timestamp ? VK::Timestamp : type->kind == TypeKind::Duration ? VK::Duration : VK::Int;
      return v;
    case Layout::Int128: return ast::Value::Decimal(wide[row], type->scale);
    case Layout::Int32:
      v.kind = VK::Date;
      v.int_value = days[row];
      return v;
    case Layout::Float64: return ast::Value::Float(floats[row]);
    case Layout::String: return ast::Value::String(std::string(String(row)));
    case Layout::List:
      v.kind = VK::List;
      for (uint32_t i = offsets[row]; i < offsets[row + 1]; ++i) v.items.push_back(children[0]->Get(i));
      return v;
    case Layout::Map:
      v.kind = VK::Record;
      for (uint32_t i = offsets[row]; i < offsets[row + 1]; ++i) {
        v.fields.emplace_back(std::string(children[0]->String(i)), children[1]->Get(i));
      }
      return v;
    case Layout::Record:
      v.kind = VK::Record;
      for (size_t f = 0; f < type->fields.size(); ++f) v.fields.emplace_back(type->fields[f].name, children[f]->Get(row));
      return v;
  }
  return ast::Value::Null();
}

// ---------------------------------------------------------------- building

ColumnBuilder::ColumnBuilder(TypeRef type) : column_(std::make_shared<Column>()) {
  column_->layout = LayoutOf(type);
  column_->type = std::move(type);
  switch (column_->layout) {
    case Layout::String:
      bytes_ = std::make_shared<std::string>();
      column_->bytes = bytes_;
      break;
    case Layout::List:
      column_->offsets.push_back(0);
      children_.push_back(std::make_unique<ColumnBuilder>(column_->type->element));
      break;
    case Layout::Map:
      column_->offsets.push_back(0);
      children_.push_back(std::make_unique<ColumnBuilder>(ast::StringType()));
      children_.push_back(std::make_unique<ColumnBuilder>(column_->type->element));
      break;
    case Layout::Record:
      for (const auto& field : column_->type->fields) children_.push_back(std::make_unique<ColumnBuilder>(field.type));
      break;
    default:
      break;
  }
}

void ColumnBuilder::Reserve(size_t rows) {
  switch (column_->layout) {
    case Layout::Bool: column_->bools.reserve(rows); break;
    case Layout::Int64: column_->ints.reserve(rows); break;
    case Layout::Int128: column_->wide.reserve(rows); break;
    case Layout::Int32: column_->days.reserve(rows); break;
    case Layout::Float64: column_->floats.reserve(rows); break;
    case Layout::String: column_->strings.reserve(rows); break;
    case Layout::List:
    case Layout::Map: column_->offsets.reserve(rows + 1); break;
    case Layout::Record:
      for (auto& child : children_) child->Reserve(rows);
      break;
  }
}

void ColumnBuilder::Grew() {
  ++column_->rows;
  column_->validity.Resize(column_->rows);
}

void ColumnBuilder::AppendNull() {
  switch (column_->layout) {
    case Layout::Bool: column_->bools.push_back(0); break;
    case Layout::Int64: column_->ints.push_back(0); break;
    case Layout::Int128: column_->wide.push_back(0); break;
    case Layout::Int32: column_->days.push_back(0); break;
    case Layout::Float64: column_->floats.push_back(0); break;
    case Layout::String: column_->strings.push_back({0, 0}); break;
    case Layout::List:
    case Layout::Map: column_->offsets.push_back(column_->offsets.back()); break;
    case Layout::Record:
      for (auto& child : children_) child->AppendNull();
      break;
  }
  Grew();
  column_->validity.SetNull(column_->rows - 1, column_->rows);
}

void ColumnBuilder::AppendBool(bool value) {
  column_->bools.push_back(value ? 1 : 0);
  Grew();
}

void ColumnBuilder::AppendInt(int64_t value) {
  column_->ints.push_back(value);
  Grew();
}

void ColumnBuilder::AppendWide(__int128 value) {
  column_->wide.push_back(value);
  Grew();
}

void ColumnBuilder::AppendDate(int32_t days) {
  column_->days.push_back(days);
  Grew();
}

void ColumnBuilder::AppendFloat(double value) {
  column_->floats.push_back(value);
  Grew();
}

void ColumnBuilder::AppendString(std::string_view value) {
  column_->strings.push_back({static_cast<uint32_t>(bytes_->size()), static_cast<uint32_t>(value.size())});
  bytes_->append(value);
  Grew();
}

namespace {

// Whether `value` fits `type` (checked before appending, so a failed record leaves no
// partial row in nested children).
bool Fits(const ast::Value& value, const TypeRef& type, std::string& why) {
  if (value.kind == VK::Null) {
    if (type->nullable || type->kind == TypeKind::Json) return true;
    why = fmt::format("null where `{}` is required", ast::ToString(type));
    return false;
  }
  auto mismatch = [&] {
    why = fmt::format("expected `{}`, found {}", ast::ToString(type), ast::ToLiteral(value));
    return false;
  };
  switch (type->kind) {
    case TypeKind::Bool: return value.kind == VK::Bool || mismatch();
    case TypeKind::Int: return value.kind == VK::Int || mismatch();
    case TypeKind::Float: return value.kind == VK::Float || value.kind == VK::Int || mismatch();
    case TypeKind::Decimal:
      return value.kind == VK::Decimal || value.kind == VK::Float || value.kind == VK::Int || mismatch();
    case TypeKind::Timestamp: return value.kind == VK::Timestamp || mismatch();
    case TypeKind::Duration: return value.kind == VK::Duration || mismatch();
    case TypeKind::Date: return value.kind == VK::Date || mismatch();
    case TypeKind::String:
    case TypeKind::Bytes: return value.kind == VK::String || mismatch();
    case TypeKind::Json: return true;
    case TypeKind::List:
      if (value.kind != VK::List) return mismatch();
      for (const auto& item : value.items) {
        if (!Fits(item, type->element, why)) return false;
      }
      return true;
    case TypeKind::Map:
      if (value.kind != VK::Record) return mismatch();
      for (const auto& [key, item] : value.fields) {
        if (!Fits(item, type->element, why)) return false;
      }
      return true;
    case TypeKind::Record:
      if (value.kind != VK::Record) return mismatch();
      for (const auto& [name, item] : value.fields) {
        if (!type->FindField(name)) {
          why = fmt::format("no field `{}` in `{}`", name, ast::ToString(type));
          return false;
        }
      }
      for (const auto& field : type->fields) {
        const ast::Value* item = value.Find(field.name);
        if (!item) {
          if (field.type->nullable || field.has_default) continue;
          why = fmt::format("field `{}` is missing", field.name);
          return false;
        }
        if (!Fits(*item, field.type, why)) {
          why = fmt::format("field `{}`: {}", field.name, why);
          return false;
        }
      }
      return true;
    default: return mismatch();
  }
}

// The unscaled integer of a constant for decimal(precision, scale) (a decimal rescaled
// half away from zero, an int widened, a float rounded from its shortest text), or false
// when it does not fit the precision.
bool ScaleDecimal(const ast::Value& value, int precision, int scale, __int128& out) {
  std::string why;
  switch (value.kind) {
    case VK::Decimal:
      if (!decimal::Rescale(value.decimal_value, value.scale, scale, out)) return false;
      break;
    case VK::Int:
      if (!decimal::Rescale(value.int_value, 0, scale, out)) return false;
      break;
    default:
      if (!decimal::FromDouble(value.float_value, precision, scale, out, why)) return false;
  }
  return decimal::Fits(out, precision);
}

}  // namespace

bool ColumnBuilder::AppendValue(const ast::Value& value, std::string* error) {
  std::string why;
  if (!Fits(value, column_->type, why)) {
    if (error) *error = why;
    return false;
  }
  // A null in a `json` column is the JSON value null; in a `json?` column it is missing.
  if (value.kind == VK::Null && (column_->type->kind != TypeKind::Json || column_->type->nullable)) {
    AppendNull();
    return true;
  }
  const TypeRef& type = column_->type;
  switch (column_->layout) {
    case Layout::Bool: AppendBool(value.bool_value); break;
    case Layout::Int64:
    case Layout::Int128:
      if (type->kind == TypeKind::Decimal) {
        __int128 scaled = 0;
        bool small = column_->layout == Layout::Int64;
        if (!ScaleDecimal(value, type->precision, type->scale, scaled) ||
            (small && (scaled > std::numeric_limits<int64_t>::max() || scaled < std::numeric_limits<int64_t>::min()))) {
          if (error) *error = fmt::format("{} does not fit `{}`", ast::ToLiteral(value), ast::ToString(type));
          return false;
        }
        if (small) {
          AppendInt(static_cast<int64_t>(scaled));
        } else {
          AppendWide(scaled);
        }
      } else {
        AppendInt(value.int_value);
      }
      break;
    case Layout::Int32: AppendDate(static_cast<int32_t>(value.int_value)); break;
    case Layout::Float64:
      AppendFloat(value.kind == VK::Int ? static_cast<double>(value.int_value) : value.float_value);
      break;
    case Layout::String:
      AppendString(type->kind == TypeKind::Json ? ValueToJson(value) : value.string_value);
      break;
    case Layout::List:
      for (const auto& item : value.items) children_[0]->AppendValue(item);
      column_->offsets.push_back(static_cast<uint32_t>(children_[0]->Rows()));
      Grew();
      break;
    case Layout::Map:
      for (const auto& [key, item] : value.fields) {
        children_[0]->AppendString(key);
        children_[1]->AppendValue(item);
      }
      column_->offsets.push_back(static_cast<uint32_t>(children_[0]->Rows()));
      Grew();
      break;
    case Layout::Record:
      for (size_t f = 0; f < type->fields.size(); ++f) {
        const ast::Value* item = value.Find(type->fields[f].name);
        if (item) {
          children_[f]->AppendValue(*item);
        } else {
          children_[f]->AppendNull();
        }
      }
      Grew();
      break;
  }
  return true;
}

ColumnPtr ColumnBuilder::Finish() {
  for (auto& child : children_) column_->children.push_back(child->Finish());
  children_.clear();
  ColumnPtr done = std::move(column_);
  column_ = std::make_shared<Column>();
  return done;
}

// ---------------------------------------------------------------- selection

namespace {

// to[i] = from[rows[i]], sized once.
template <typename T>
void Gather(const std::vector<T>& from, const std::vector<uint32_t>& rows, std::vector<T>& to) {
  to.resize(rows.size());
  T* out = to.data();
  for (size_t i = 0; i < rows.size(); ++i) out[i] = from[rows[i]];
}

}  // namespace

ColumnPtr Take(const Column& column, const std::vector<uint32_t>& rows) {
  auto out = std::make_shared<Column>();
  out->type = column.type;
  out->layout = column.layout;
  out->rows = rows.size();
  if (!column.validity.AllValid()) {
    for (size_t i = 0; i < rows.size(); ++i) {
      if (column.IsNull(rows[i])) out->validity.SetNull(i, rows.size());
    }
  }
  switch (column.layout) {
    case Layout::Bool: Gather(column.bools, rows, out->bools); break;
    case Layout::Int64: Gather(column.ints, rows, out->ints); break;
    case Layout::Int128: Gather(column.wide, rows, out->wide); break;
    case Layout::Int32: Gather(column.days, rows, out->days); break;
    case Layout::Float64: Gather(column.floats, rows, out->floats); break;
    case Layout::String:
      // The views keep pointing into the same bytes: selecting rows copies no string.
      out->bytes = column.bytes;
      Gather(column.strings, rows, out->strings);
      break;
    case Layout::List:
    case Layout::Map: {
      std::vector<uint32_t> child_rows;
      out->offsets.push_back(0);
      for (uint32_t r : rows) {
        for (uint32_t i = column.offsets[r]; i < column.offsets[r + 1]; ++i) child_rows.push_back(i);
        out->offsets.push_back(static_cast<uint32_t>(child_rows.size()));
      }
      for (const auto& child : column.children) out->children.push_back(Take(*child, child_rows));
      break;
    }
    case Layout::Record:
      for (const auto& child : column.children) out->children.push_back(Take(*child, rows));
      break;
  }
  return out;
}

bool Spreadable(Layout layout) {
  switch (layout) {
    case Layout::Bool: case Layout::Int64: case Layout::Int128: case Layout::Int32: case Layout::Float64:
    case Layout::String:
      return true;
    default:
      return false;
  }
}

namespace {

template <typename T>
void SpreadValues(const std::vector<T>& from, const std::vector<uint32_t>& positions, size_t rows, std::vector<T>& to) {
  to.assign(rows, T{});
  for (size_t i = 0; i < positions.size(); ++i) to[positions[i]] = from[i];
}

}  // namespace

ColumnPtr Spread(const Column& column, const std::vector<uint32_t>& positions, size_t rows) {
  auto out = std::make_shared<Column>();
  out->type = column.type;
  out->layout = column.layout;
  out->rows = rows;
  switch (column.layout) {
    case Layout::Bool: SpreadValues(column.bools, positions, rows, out->bools); break;
    case Layout::Int64: SpreadValues(column.ints, positions, rows, out->ints); break;
    case Layout::Int128: SpreadValues(column.wide, positions, rows, out->wide); break;
    case Layout::Int32: SpreadValues(column.days, positions, rows, out->days); break;
    case Layout::Float64: SpreadValues(column.floats, positions, rows, out->floats); break;
    case Layout::String:
      out->bytes = column.bytes;
      SpreadValues(column.strings, positions, rows, out->strings);
      break;
    default:
      return nullptr;  // callers check Spreadable
  }
  // Only the rows the positions name have values.
  std::vector<uint64_t> words((rows + 63) / 64, 0);
  for (size_t i = 0; i < positions.size(); ++i) {
    if (!column.IsNull(i)) words[positions[i] >> 6] |= uint64_t{1} << (positions[i] & 63);
  }
  out->validity.Assign(std::move(words));
  return out;
}

}  // namespace etl::runtime
