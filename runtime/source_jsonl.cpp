#include "runtime/source_jsonl.h"

#include <algorithm>

#include "runtime/jsonl_convert.h"
#include "runtime/jsonl_scalars.h"

namespace etl::runtime {

using ast::TypeKind;

namespace {

// Feeds the JSON-lines reader from an InputStream, so jsonl gets gzip and zstd too.
class StreamByteSource : public JsonlByteSource {
 public:
  explicit StreamByteSource(std::unique_ptr<InputStream> stream) : stream_(std::move(stream)) {}
  std::ptrdiff_t Read(char* out, size_t capacity, std::string& failure) override {
    size_t n = stream_->Read(out, capacity);
    if (n == 0 && stream_->error()) {
      failure = stream_->error()->message;
      return -1;
    }
    return static_cast<std::ptrdiff_t>(n);
  }

 private:
  std::unique_ptr<InputStream> stream_;
};

// jsonl_convert gives decimals as exact text; nested ones become floats for AppendValue
// (ast::Value has no decimal kind), top-level ones are appended exactly by the caller.
void NestedDecimalsToFloat(ast::Value& value, const ast::TypeRef& type) {
  if (value.kind == ast::Value::Kind::Null) return;
  switch (type->kind) {
    case TypeKind::Decimal:
      if (value.kind == ast::Value::Kind::String) value = ast::Value::Float(std::strtod(value.string_value.c_str(), nullptr));
      break;
    case TypeKind::List:
      for (auto& item : value.items) NestedDecimalsToFloat(item, type->element);
      break;
    case TypeKind::Map:
      for (auto& [key, item] : value.fields) NestedDecimalsToFloat(item, type->element);
      break;
    case TypeKind::Record:
      for (size_t i = 0; i < value.fields.size() && i < type->fields.size(); ++i) {
        NestedDecimalsToFloat(value.fields[i].second, type->fields[i].type);
      }
      break;
    default: break;
  }
}

// Appends one converted field; false when the value does not fit after all.
bool AppendField(ColumnBuilder& builder, ast::Value& value, const ast::TypeRef& type, std::string& error) {
  if (type->kind == TypeKind::Decimal && value.kind == ast::Value::Kind::String) {
    __int128 unscaled = 0;
    if (!ParseDecimalText(value.string_value, type->precision, type->scale, unscaled, error)) return false;
    if (LayoutOf(type) == Layout::Int64) {
      builder.AppendInt(static_cast<int64_t>(unscaled));
    } else {
      builder.AppendWide(unscaled);
    }
    return true;
  }
  NestedDecimalsToFloat(value, type);
  return builder.AppendValue(value, &error);
}

}  // namespace

JsonlSource::JsonlSource(std::string step, JsonlSourceOptions options)
    : step_(std::move(step)), options_(std::move(options)) {
  if (!options_.schema || options_.schema->kind != TypeKind::Record) {
    failure_ = InputError{options_.path, "the jsonl schema must be a record type"};
  }
  options_.batch_rows = std::max<size_t>(options_.batch_rows, 1);
  if (!failure_) {
    fast_ = true;
    for (const ast::Field& field : options_.schema->fields) {
      switch (field.type->kind) {
        case TypeKind::Int: case TypeKind::Float: case TypeKind::Bool: case TypeKind::String:
        case TypeKind::Date: case TypeKind::Timestamp: case TypeKind::Duration:
          break;
        default:
          fast_ = false;
      }
    }
    matcher_ = std::make_unique<JsonFieldMatcher>(*options_.schema);
    for (const ast::Field& field : options_.schema->fields) {
      FastSlot& slot = slots_.emplace_back();
      slot.kind = field.type->kind;
      slot.nullable = field.type->nullable;
    }
  }
}

bool JsonlSource::ConvertFast(simdjson::dom::object object) {
  namespace dom = simdjson::dom;
  for (FastSlot& slot : slots_) slot.set = false;
  matcher_->Reset();
  for (auto [key, value] : object) {
    int index = matcher_->Match(key);
    if (index < 0) continue;
    FastSlot& slot = slots_[static_cast<size_t>(index)];
    TypeKind kind = slot.kind;
    dom::element_type json_type = value.type();
    slot.set = true;
    slot.null = json_type == dom::element_type::NULL_VALUE;
    if (slot.null) {
      if (!slot.nullable) return false;
      continue;
    }
    // The same rules as jsonl_convert.cpp's Convert (docs/dev/runtime-jsonl.md).
    switch (kind) {
      case TypeKind::Int:
        if (json_type != dom::element_type::INT64) return false;
        slot.int_value = value.get_int64().value_unsafe();
        break;
      case TypeKind::Float:
        if (json_type == dom::element_type::STRING || value.get_double().get(slot.float_value) != simdjson::SUCCESS) {
          return false;
        }
        break;
      case TypeKind::Bool:
        if (json_type != dom::element_type::BOOL) return false;
        slot.int_value = value.get_bool().value_unsafe();
        break;
      case TypeKind::String:
        if (json_type != dom::element_type::STRING) return false;
        slot.text = value.get_string().value_unsafe();
        break;
      case TypeKind::Date: case TypeKind::Timestamp: case TypeKind::Duration: {
        if (json_type != dom::element_type::STRING) return false;
        std::string_view text = value.get_string().value_unsafe();
        std::optional<int64_t> parsed;
        if (kind == TypeKind::Date) {
          if (auto days = ParseIsoDate(text)) parsed = *days;
        } else {
          parsed = kind == TypeKind::Timestamp ? ParseIsoTimestamp(text) : ParseDurationText(text);
        }
        if (!parsed) return false;
        slot.int_value = *parsed;
        break;
      }
      default:
        return false;
    }
  }
  for (FastSlot& slot : slots_) {
    if (slot.set) continue;
    if (!slot.nullable) return false;  // missing: the general path names it
    slot.set = slot.null = true;
  }
  return true;
}

JsonlSource::~JsonlSource() = default;

bool JsonlSource::OpenNextFile() {
  if (!expanded_) {
    expanded_ = true;
    InputError error;
    if (!ExpandGlob(options_.path, &files_, &error)) {
      failure_ = error;
      return false;
    }
  }
  if (next_file_ >= files_.size()) return false;
  file_ = files_[next_file_++];
  InputError error;
  auto stream = OpenInputFile(file_, &error);
  if (!stream) {
    failure_ = error;
    return false;
  }
  ++stats_.files;
  reader_ = std::make_unique<JsonlReader>(std::make_unique<StreamByteSource>(std::move(stream)));
  return true;
}

bool JsonlSource::Next(Emitter& out) {
  if (failure_) return false;
  const auto& fields = options_.schema->fields;
  std::vector<std::unique_ptr<ColumnBuilder>> builders;
  for (const ast::Field& field : fields) {
    builders.push_back(std::make_unique<ColumnBuilder>(field.type));
    builders.back()->Reserve(options_.batch_rows);
  }
  std::vector<ErrorRecord> errors;
  std::vector<uint32_t> keep;  // rows to keep when a row failed half-appended (should not happen)
  bool partial = false;
  size_t records = 0;
  ast::Value record;
  std::string message;
  while (records < options_.batch_rows && !failure_) {
    if (!reader_) {
      if (!OpenNextFile()) break;
      continue;
    }
    JsonlEvent event = reader_->Next();
    if (event == JsonlEvent::kEnd) {
      stats_.bytes += reader_->stats().bytes;
      reader_.reset();
      continue;
    }
    if (event == JsonlEvent::kFailed) {
      failure_ = InputError{file_, reader_->failure()};
      break;
    }
    ++records;
    const JsonlLine& line = reader_->line();
    if (event == JsonlEvent::kError) {
      const JsonlError& e = reader_->error();
      errors.push_back(MakeSourceError(step_, "jsonl_parse",
                                       file_ + ":" + std::to_string(line.number) + ":" + std::to_string(e.column) +
                                           ": " + e.reason,
                                       line.text, file_, line.number));
      continue;
    }
    if (fast_ && ConvertFast(reader_->object())) {
      for (size_t f = 0; f < fields.size(); ++f) {
        const FastSlot& slot = slots_[f];
        ColumnBuilder& builder = *builders[f];
        if (slot.null) {
          builder.AppendNull();
          continue;
        }
        switch (slot.kind) {
          case TypeKind::Float: builder.AppendFloat(slot.float_value); break;
          case TypeKind::Bool: builder.AppendBool(slot.int_value != 0); break;
          case TypeKind::String: builder.AppendString(slot.text); break;
          case TypeKind::Date: builder.AppendDate(static_cast<int32_t>(slot.int_value)); break;
          default: builder.AppendInt(slot.int_value); break;
        }
      }
      keep.push_back(static_cast<uint32_t>(fields.empty() ? 0 : builders[0]->Rows() - 1));
      continue;
    }
    if (!JsonRecordToValue(reader_->object(), *options_.schema, record, message)) {
      errors.push_back(MakeSourceError(step_, "jsonl_type",
                                       file_ + ":" + std::to_string(line.number) + ": " + message, line.text, file_,
                                       line.number));
      continue;
    }
    size_t row = fields.empty() ? 0 : builders[0]->Rows();
    bool ok = true;
    for (size_t f = 0; f < fields.size(); ++f) {
      if (ok && !AppendField(*builders[f], record.fields[f].second, fields[f].type, message)) {
        ok = false;
        errors.push_back(MakeSourceError(step_, "jsonl_type",
                                         file_ + ":" + std::to_string(line.number) + ": field `" + fields[f].name +
                                             "`: " + message,
                                         line.text, file_, line.number));
      }
      if (!ok && builders[f]->Rows() == row) builders[f]->AppendNull();  // placeholder, dropped below
    }
    if (!ok) {
      partial = true;
    } else {
      keep.push_back(static_cast<uint32_t>(row));
    }
  }
  stats_.records_in += records;
  stats_.errors += errors.size();
  Batch batch;
  batch.schema = options_.schema;
  batch.rows = fields.empty() ? 0 : builders[0]->Rows();
  for (auto& builder : builders) batch.columns.push_back(builder->Finish());
  if (partial) batch = Compact(Select(batch, std::move(keep)));
  if (batch.rows > 0) {
    stats_.rows_out += batch.rows;
    batch.sequence = sequence_++;
    out.Emit(0, std::move(batch));
  }
  for (ErrorRecord& e : errors) out.Fail(std::move(e));
  return records > 0;
}

}  // namespace etl::runtime
