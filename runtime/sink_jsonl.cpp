#include "runtime/sink_jsonl.h"

#include <cmath>
#include <cstring>

#include "runtime/sink_format.h"
#include "runtime/value_json.h"

namespace etl::runtime {

JsonlFormatter::JsonlFormatter(const ast::TypeRef& schema) {
  for (size_t f = 0; f < schema->fields.size(); ++f) {
    std::string key = f ? "," : "{";
    AppendJsonString(key, schema->fields[f].name);
    key += ':';
    if (key.size() > kKeySlot) short_keys_ = false;
    key_slots_ += key;
    key_slots_.resize((f + 1) * kKeySlot);
    keys_.push_back(std::move(key));
  }
}

namespace {

// How a column is written, decided once per batch instead of per value.
enum class JsonForm : uint8_t { Int, Float, String, Other };

JsonForm FormOf(const Column& column) {
  switch (column.layout) {
    case Layout::Int64: return column.type->kind == ast::TypeKind::Int ? JsonForm::Int : JsonForm::Other;
    case Layout::Float64: return JsonForm::Float;
    case Layout::String: return column.type->kind == ast::TypeKind::Json ? JsonForm::Other : JsonForm::String;
    default: return JsonForm::Other;
  }
}

}  // namespace

// Rows are written through a StringCursor: one room check per field, the key copied with
// one fixed-size move, the common forms (int, float, string) without a call per layout.
void JsonlFormatter::Format(const Batch& batch, std::string& buffer) const {
  const size_t fields = batch.columns.size();
  const size_t rows = batch.Size();
  std::vector<JsonForm> forms(fields);
  for (size_t f = 0; f < fields; ++f) forms[f] = FormOf(*batch.columns[f]);
  StringCursor out(buffer);
  for (size_t i = 0; i < rows; ++i) {
    const uint32_t row = batch.RowAt(i);
    if (fields == 0) out.Append("{");
    for (size_t f = 0; f < fields; ++f) {
      const Column& column = *batch.columns[f];
      const bool null = column.IsNull(row);
      size_t room = kKeySlot + kMaxScalarChars;
      if (forms[f] == JsonForm::String && !null) room += JsonStringRoom(column.strings[row].length);
      char* p = out.Room(room);
      if (short_keys_) {
        std::memcpy(p, key_slots_.data() + f * kKeySlot, kKeySlot);
        p += keys_[f].size();
      } else {
        std::memcpy(p, keys_[f].data(), keys_[f].size());
        p += keys_[f].size();
      }
      if (null) {
        std::memcpy(p, "null", 4);
        out.Advance(p + 4);
        continue;
      }
      switch (forms[f]) {
        case JsonForm::Int: out.Advance(WriteInt64(p, column.ints[row])); break;
        case JsonForm::Float:
          if (std::isfinite(column.floats[row])) {
            out.Advance(WriteFloat(p, column.floats[row]));
          } else {
            std::memcpy(p, "null", 4);
            out.Advance(p + 4);
          }
          break;
        case JsonForm::String: {
          const StringView& view = column.strings[row];
          out.Advance(WriteJsonString(p, std::string_view(column.bytes->data() + view.offset, view.length)));
          break;
        }
        case JsonForm::Other:
          out.Advance(p);
          WriteValueJson(out, column, row);
          break;
      }
    }
    char* p = out.Room(2);
    std::memcpy(p, "}\n", 2);
    out.Advance(p + 2);
  }
}

JsonlSink::JsonlSink(const ast::TypeRef& schema, JsonlSinkOptions options)
    : BufferedSink(options.path, std::make_unique<AtomicFileOutput>(options.path, options.append)), formatter_(schema) {}

}  // namespace etl::runtime
