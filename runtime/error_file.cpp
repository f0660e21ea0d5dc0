#include "runtime/error_file.h"

#include <ctime>

#include <fmt/format.h>

#include "runtime/value_json.h"

namespace etl::runtime {

std::string FormatTimestampMicros(int64_t at_us) {
  int64_t seconds = at_us / 1'000'000;
  int64_t micros = at_us % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    --seconds;
  }
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
}

void AppendErrorJsonLine(const ErrorRecord& error, std::string& out) {
  out += "{\"step\":";
  AppendJsonString(out, error.step);
  out += ",\"code\":";
  AppendJsonString(out, error.code);
  out += ",\"message\":";
  AppendJsonString(out, error.message);
  out += ",\"record\":";
  out += error.record.empty() ? std::string_view("null") : std::string_view(error.record);
  out += ",\"source\":";
  if (error.source) AppendJsonString(out, *error.source);
  else out += "null";
  out += ",\"line\":";
  if (error.line) out += std::to_string(*error.line);
  else out += "null";
  out += ",\"at\":";
  AppendJsonString(out, FormatTimestampMicros(error.at_us));
  out += "}\n";
}

Batch MakeErrorsBatch(const TypeRef& schema, const std::vector<ErrorRecord>& errors) {
  Batch batch;
  batch.schema = schema;
  batch.rows = errors.size();
  for (const ast::Field& field : schema->fields) {
    ColumnBuilder builder(field.type);
    builder.Reserve(errors.size());
    const std::string& name = field.name;
    for (const ErrorRecord& e : errors) {
      if (name == "step") builder.AppendString(e.step);
      else if (name == "code") builder.AppendString(e.code);
      else if (name == "message") builder.AppendString(e.message);
      else if (name == "record") {
        if (e.record.empty()) builder.AppendNull();
        else builder.AppendString(e.record);
      } else if (name == "source") {
        if (e.source) builder.AppendString(*e.source);
        else builder.AppendNull();
      } else if (name == "line") {
        if (e.line) builder.AppendInt(*e.line);
        else builder.AppendNull();
      } else if (name == "at") builder.AppendInt(e.at_us);
      else builder.AppendNull();
    }
    batch.columns.push_back(builder.Finish());
  }
  return batch;
}

}  // namespace etl::runtime
