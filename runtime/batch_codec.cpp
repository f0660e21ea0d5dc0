#include "runtime/batch_codec.h"

#include <cstring>

#include "runtime/op_sort_codec.h"

namespace etl::runtime {

void EncodeBatch(const Batch& batch, std::string& out) {
  uint64_t rows = batch.Size();
  out.append(reinterpret_cast<const char*>(&rows), sizeof rows);
  uint32_t columns = static_cast<uint32_t>(batch.columns.size());
  out.append(reinterpret_cast<const char*>(&columns), sizeof columns);
  for (const ColumnPtr& column : batch.columns) {
    for (size_t i = 0; i < rows; ++i) EncodeCell(*column, batch.RowAt(i), out);
  }
}

bool DecodeBatch(std::string_view bytes, const TypeRef& schema, Batch& out) {
  uint64_t rows = 0;
  uint32_t columns = 0;
  if (bytes.size() < sizeof rows + sizeof columns) return false;
  std::memcpy(&rows, bytes.data(), sizeof rows);
  std::memcpy(&columns, bytes.data() + sizeof rows, sizeof columns);
  bytes.remove_prefix(sizeof rows + sizeof columns);
  if (!schema || columns != schema->fields.size()) return false;
  Batch batch;
  batch.schema = schema;
  batch.rows = rows;
  for (const ast::Field& field : schema->fields) {
    ColumnBuilder builder(field.type);
    builder.Reserve(rows);
    Layout layout = LayoutOf(field.type);
    for (uint64_t i = 0; i < rows; ++i) {
      if (!DecodeCell(bytes, layout, builder)) return false;
    }
    batch.columns.push_back(builder.Finish());
  }
  if (!bytes.empty()) return false;
  out = std::move(batch);
  return true;
}

}  // namespace etl::runtime
