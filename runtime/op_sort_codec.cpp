#include "runtime/op_sort_codec.h"

#include <cstring>

namespace etl::runtime {

namespace {

void AppendBigEndian(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

template <typename T>
void AppendRaw(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <typename T>
bool ReadRaw(std::string_view& in, T* value) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(value, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}

// ast::Value in binary: a kind byte, then the payload (lists and records recursively).
void EncodeValue(const ast::Value& value, std::string& out) {
  using K = ast::Value::Kind;
  out.push_back(static_cast<char>(value.kind));
  switch (value.kind) {
    case K::Null: break;
    case K::Int:
    case K::Duration:
    case K::Date:
    case K::Timestamp: AppendRaw(out, value.int_value); break;
    case K::Float: AppendRaw(out, value.float_value); break;
    case K::Decimal:
      AppendRaw(out, value.decimal_value);
      AppendRaw(out, value.scale);
      break;
    case K::Bool: out.push_back(value.bool_value ? 1 : 0); break;
    case K::String:
      AppendRaw(out, static_cast<uint32_t>(value.string_value.size()));
      out.append(value.string_value);
      break;
    case K::List:
      AppendRaw(out, static_cast<uint32_t>(value.items.size()));
      for (const ast::Value& item : value.items) EncodeValue(item, out);
      break;
    case K::Record:
      AppendRaw(out, static_cast<uint32_t>(value.fields.size()));
      for (const auto& [name, item] : value.fields) {
        AppendRaw(out, static_cast<uint32_t>(name.size()));
        out.append(name);
        EncodeValue(item, out);
      }
      break;
  }
}

bool ReadString(std::string_view& in, std::string* text) {
  uint32_t size = 0;
  if (!ReadRaw(in, &size) || in.size() < size) return false;
  text->assign(in.substr(0, size));
  in.remove_prefix(size);
  return true;
}

bool DecodeValue(std::string_view& in, ast::Value* value) {
  using K = ast::Value::Kind;
  if (in.empty()) return false;
  value->kind = static_cast<K>(in[0]);
  in.remove_prefix(1);
  uint32_t count = 0;
  switch (value->kind) {
    case K::Null: return true;
    case K::Int:
    case K::Duration:
    case K::Date:
    case K::Timestamp: return ReadRaw(in, &value->int_value);
    case K::Float: return ReadRaw(in, &value->float_value);
    case K::Decimal: return ReadRaw(in, &value->decimal_value) && ReadRaw(in, &value->scale);
    case K::Bool: {
      uint8_t b = 0;
      if (!ReadRaw(in, &b)) return false;
      value->bool_value = b != 0;
      return true;
    }
    case K::String: return ReadString(in, &value->string_value);
    case K::List:
      if (!ReadRaw(in, &count)) return false;
      value->items.resize(count);
      for (ast::Value& item : value->items) {
        if (!DecodeValue(in, &item)) return false;
      }
      return true;
    case K::Record:
      if (!ReadRaw(in, &count)) return false;
      value->fields.resize(count);
      for (auto& [name, item] : value->fields) {
        if (!ReadString(in, &name) || !DecodeValue(in, &item)) return false;
      }
      return true;
  }
  return false;
}

}  // namespace

void EncodeSortKey(const Column& column, size_t row, bool descending, std::string& out) {
  const size_t start = out.size();
  if (column.IsNull(row)) {
    out.push_back('\2');
  } else {
    out.push_back('\1');
    switch (column.layout) {
      case Layout::Bool: out.push_back(static_cast<char>(column.bools[row])); break;
      case Layout::Int64:
        AppendBigEndian(out, static_cast<uint64_t>(column.ints[row]) ^ (uint64_t{1} << 63), 8);
        break;
      case Layout::Int32:
        AppendBigEndian(out, static_cast<uint32_t>(column.days[row]) ^ (uint32_t{1} << 31), 4);
        break;
      case Layout::Int128: {
        auto bits = static_cast<unsigned __int128>(column.wide[row]) ^ (static_cast<unsigned __int128>(1) << 127);
        AppendBigEndian(out, static_cast<uint64_t>(bits >> 64), 8);
        AppendBigEndian(out, static_cast<uint64_t>(bits), 8);
        break;
      }
      case Layout::Float64: {
        double value = column.floats[row];
        if (value == 0.0) value = 0.0;
        uint64_t bits = 0;
        std::memcpy(&bits, &value, 8);
        bits = (bits >> 63) ? ~bits : bits ^ (uint64_t{1} << 63);
        AppendBigEndian(out, bits, 8);
        break;
      }
      case Layout::String: {
        for (char c : column.String(row)) {
          out.push_back(c);
          if (c == '\0') out.push_back('\xFF');
        }
        out.append("\0\0", 2);
        break;
      }
      case Layout::List:
      case Layout::Map:
      case Layout::Record: {
        // Not orderable (the compiler rejects such keys, E0314); keep equal values together.
        std::string cell;
        EncodeCell(column, row, cell);
        for (char c : cell) {
          out.push_back(c);
          if (c == '\0') out.push_back('\xFF');
        }
        out.append("\0\0", 2);
        break;
      }
    }
  }
  if (descending) {
    // The null marker stays as it is, so nulls sort last in both directions.
    for (size_t i = start + 1; i < out.size(); ++i) out[i] = static_cast<char>(~out[i]);
  }
}

void EncodeCell(const Column& column, size_t row, std::string& out) {
  if (column.IsNull(row)) {
    out.push_back('\0');
    return;
  }
  out.push_back('\1');
  switch (column.layout) {
    case Layout::Bool: out.push_back(static_cast<char>(column.bools[row])); break;
    case Layout::Int64: AppendRaw(out, column.ints[row]); break;
    case Layout::Int128: AppendRaw(out, column.wide[row]); break;
    case Layout::Int32: AppendRaw(out, column.days[row]); break;
    case Layout::Float64: AppendRaw(out, column.floats[row]); break;
    case Layout::String: {
      std::string_view text = column.String(row);
      AppendRaw(out, static_cast<uint32_t>(text.size()));
      out.append(text);
      break;
    }
    case Layout::List:
    case Layout::Map:
    case Layout::Record: EncodeValue(column.Get(row), out); break;
  }
}

bool DecodeCell(std::string_view& in, Layout layout, ColumnBuilder& builder) {
  if (in.empty()) return false;
  const char tag = in[0];
  in.remove_prefix(1);
  if (tag == '\0') {
    builder.AppendNull();
    return true;
  }
  switch (layout) {
    case Layout::Bool: {
      uint8_t b = 0;
      if (!ReadRaw(in, &b)) return false;
      builder.AppendBool(b != 0);
      return true;
    }
    case Layout::Int64: {
      int64_t v = 0;
      if (!ReadRaw(in, &v)) return false;
      builder.AppendInt(v);
      return true;
    }
    case Layout::Int128: {
      __int128 v = 0;
      if (!ReadRaw(in, &v)) return false;
      builder.AppendWide(v);
      return true;
    }
    case Layout::Int32: {
      int32_t v = 0;
      if (!ReadRaw(in, &v)) return false;
      builder.AppendDate(v);
      return true;
    }
    case Layout::Float64: {
      double v = 0;
      if (!ReadRaw(in, &v)) return false;
      builder.AppendFloat(v);
      return true;
    }
    case Layout::String: {
      uint32_t size = 0;
      if (!ReadRaw(in, &size) || in.size() < size) return false;
      builder.AppendString(in.substr(0, size));
      in.remove_prefix(size);
      return true;
    }
    case Layout::List:
    case Layout::Map:
    case Layout::Record: {
      ast::Value value;
      if (!DecodeValue(in, &value)) return false;
      builder.AppendValue(value);
      return true;
    }
  }
  return false;
}

}  // namespace etl::runtime
