#include "runtime/batch.h"

#include <fmt/format.h>

namespace etl::runtime {

ast::Value Batch::Row(size_t i) const {
  ast::Value record;
  record.kind = ast::Value::Kind::Record;
  uint32_t row = RowAt(i);
  for (size_t f = 0; f < columns.size(); ++f) record.fields.emplace_back(schema->fields[f].name, columns[f]->Get(row));
  return record;
}

bool MakeBatch(const TypeRef& schema, const std::vector<ast::Value>& records, Batch& out, std::string* error) {
  // Built as one record column, so a record that does not fit leaves no partial row.
  ColumnBuilder builder(ast::WithNullable(schema, false));
  builder.Reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    std::string why;
    if (!builder.AppendValue(records[i], &why)) {
      if (error) *error = fmt::format("record {}: {}", i + 1, why);
      return false;
    }
  }
  ColumnPtr record = builder.Finish();
  out = Batch{};
  out.schema = schema;
  out.rows = records.size();
  out.columns = record->children;
  return true;
}

Batch Compact(const Batch& batch) {
  if (!batch.selection) return batch;
  Batch out = batch;
  out.selection = nullptr;
  out.rows = batch.selection->size();
  for (auto& column : out.columns) column = Take(*column, *batch.selection);
  return out;
}

Batch Select(const Batch& batch, std::vector<uint32_t> selection) {
  Batch out = batch;
  out.selection = std::make_shared<const std::vector<uint32_t>>(std::move(selection));
  return out;
}

}  // namespace etl::runtime
