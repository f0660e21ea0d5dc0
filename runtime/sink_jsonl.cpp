#include "runtime/sink_jsonl.h"

#include "runtime/sink_format.h"
#include "runtime/value_json.h"

namespace etl::runtime {

JsonlFormatter::JsonlFormatter(const ast::TypeRef& schema) {
  for (size_t f = 0; f < schema->fields.size(); ++f) {
    std::string key = f ? "," : "{";
    AppendJsonString(key, schema->fields[f].name);
    key += ':';
    keys_.push_back(std::move(key));
  }
}

void JsonlFormatter::Format(const Batch& batch, std::string& buffer) const {
  const size_t fields = batch.columns.size();
  const size_t rows = batch.Size();
  for (size_t i = 0; i < rows; ++i) {
    const uint32_t row = batch.RowAt(i);
    if (fields == 0) buffer += '{';
    for (size_t f = 0; f < fields; ++f) {
      buffer += keys_[f];
      AppendValueJson(buffer, *batch.columns[f], row);
    }
    buffer += "}\n";
  }
}

JsonlSink::JsonlSink(const ast::TypeRef& schema, JsonlSinkOptions options)
    : BufferedSink(options.path, std::make_unique<AtomicFileOutput>(options.path, options.append)), formatter_(schema) {}

}  // namespace etl::runtime
