#include "runtime/jsonl_split.h"

#include <algorithm>
#include <cstring>

#include "runtime/jsonl_scalars.h"
#include "runtime/source_common.h"

namespace etl::runtime {

using ast::TypeKind;

namespace {

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

// Appends one converted field; false when the value does not fit after all. `skip_text`:
// a string no later step reads is appended empty (validated all the same).
bool AppendField(ColumnBuilder& builder, ast::Value& value, const ast::TypeRef& type, bool skip_text,
                 std::string& error) {
  if (skip_text && value.kind == ast::Value::Kind::String) {
    builder.AppendString({});
    return true;
  }
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

// A column of a fast schema (top-level scalars) filled in place: ColumnBuilder's append
// is an out-of-line call per value that also resizes the validity per row (profiled on
// T4: 63 instructions per string, 30 per int). The result is the column ColumnBuilder
// would build from the same appends.
class FastColumn {
 public:
  FastColumn(const ast::TypeRef& type, size_t reserve) : column_(std::make_shared<Column>()) {
    column_->type = type;
    column_->layout = LayoutOf(type);
    switch (column_->layout) {
      case Layout::Bool: column_->bools.reserve(reserve); break;
      case Layout::Int32: column_->days.reserve(reserve); break;
      case Layout::Float64: column_->floats.reserve(reserve); break;
      case Layout::String:
        column_->strings.reserve(reserve);
        bytes_ = std::make_shared<std::string>();
        column_->bytes = bytes_;
        break;
      default: column_->ints.reserve(reserve); break;  // Int64: the only other fast layout
    }
  }

  // Appends a converted field (ConvertFast's slot): as the ColumnBuilder call for its kind.
  void Append(const JsonlFastSlot& slot) {
    if (slot.null) {
      AppendNull();
      return;
    }
    switch (slot.kind) {
      case TypeKind::Float: column_->floats.push_back(slot.float_value); break;
      case TypeKind::Bool: column_->bools.push_back(slot.int_value != 0 ? 1 : 0); break;
      case TypeKind::String: AppendText(slot.skip_text ? std::string_view() : slot.text); break;
      case TypeKind::Date: column_->days.push_back(static_cast<int32_t>(slot.int_value)); break;
      default: column_->ints.push_back(slot.int_value); break;
    }
    ++rows_;
  }

  // As ColumnBuilder::AppendNull.
  void AppendNull() {
    switch (column_->layout) {
      case Layout::Bool: column_->bools.push_back(0); break;
      case Layout::Int32: column_->days.push_back(0); break;
      case Layout::Float64: column_->floats.push_back(0); break;
      case Layout::String: column_->strings.push_back({0, 0}); break;
      default: column_->ints.push_back(0); break;
    }
    column_->validity.SetNull(rows_, rows_ + 1);
    ++rows_;
  }

  // Appends row `row` of `from` (a column of the same type built by ColumnBuilder).
  void AppendCopy(const Column& from, size_t row) {
    if (from.IsNull(row)) {
      AppendNull();
      return;
    }
    switch (column_->layout) {
      case Layout::Bool: column_->bools.push_back(from.bools[row]); break;
      case Layout::Int32: column_->days.push_back(from.days[row]); break;
      case Layout::Float64: column_->floats.push_back(from.floats[row]); break;
      case Layout::String: AppendText(from.String(row)); break;
      default: column_->ints.push_back(from.ints[row]); break;
    }
    ++rows_;
  }

  size_t Rows() const { return rows_; }

  ColumnPtr Finish() {
    column_->rows = rows_;
    column_->validity.Resize(rows_);  // a bitmap made by a null covers every row
    return std::move(column_);
  }

 private:
  void AppendText(std::string_view text) {
    column_->strings.push_back({static_cast<uint32_t>(bytes_->size()), static_cast<uint32_t>(text.size())});
    bytes_->append(text);
  }

  std::shared_ptr<Column> column_;
  std::shared_ptr<std::string> bytes_;
  size_t rows_ = 0;
};

}  // namespace

namespace {

// start + target - 1, saturated (a target of SIZE_MAX means one piece).
size_t PieceLastByte(size_t start, size_t target) {
  size_t reach = std::max<size_t>(target, 1) - 1;
  return reach > SIZE_MAX - start ? SIZE_MAX : start + reach;
}

}  // namespace

size_t CutJsonlPiece(const char* data, size_t size, size_t start, size_t target) {
  size_t from = PieceLastByte(start, target);
  if (from >= size) return size;
  const void* lf = std::memchr(data + from, '\n', size - from);
  return lf ? static_cast<size_t>(static_cast<const char*>(lf) - data) + 1 : size;
}

PaddedText PaddedText::Copy(std::string_view text) {
  PaddedText out;
  out.bytes = std::make_unique_for_overwrite<char[]>(text.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(out.bytes.get(), text.data(), text.size());
  std::memset(out.bytes.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
  out.size = text.size();
  return out;
}

JsonlStreamChunker::JsonlStreamChunker(std::unique_ptr<InputStream> stream, size_t chunk_size)
    : stream_(std::move(stream)), capacity_(std::max<size_t>(chunk_size, 64)) {
  buffer_ = std::make_unique_for_overwrite<char[]>(capacity_);
}

bool JsonlStreamChunker::Fill() {
  // As JsonlReader::Fill: the unconsumed tail moves to the front; a full buffer doubles.
  if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    scan_ -= begin_;
    begin_ = 0;
  }
  if (end_ == capacity_) {
    size_t capacity = capacity_ * 2;
    auto buffer = std::make_unique_for_overwrite<char[]>(capacity);
    std::memcpy(buffer.get(), buffer_.get(), end_);
    buffer_ = std::move(buffer);
    capacity_ = capacity;
  }
  size_t n = stream_->Read(buffer_.get() + end_, capacity_ - end_);
  if (n == 0 && stream_->error()) {
    failure_ = stream_->error()->message;
    return false;
  }
  if (n == 0) eof_ = true;
  end_ += n;
  return true;
}

bool JsonlStreamChunker::Next(size_t target, PaddedText& out) {
  if (!failure_.empty()) return false;
  for (;;) {
    if (!bom_checked_) {
      // As the serial reader: at least 3 bytes before the first line (a BOM is whole).
      if (end_ - begin_ < 3 && !eof_) {
        if (!Fill()) return false;
        continue;
      }
      bom_checked_ = true;
    }
    if (begin_ == end_ && eof_) return false;
    const char* base = buffer_.get();
    // The first LF at or after the target, else the last LF read (no read while the buffer
    // still holds a complete line: the read calls stay those of the serial reader).
    size_t from = std::max(scan_, PieceLastByte(begin_, target));
    const void* lf = from < end_ ? std::memchr(base + from, '\n', end_ - from) : nullptr;
    if (!lf && scan_ < end_) lf = ::memrchr(base + scan_, '\n', end_ - scan_);
    size_t cut;
    if (lf) {
      cut = static_cast<size_t>(static_cast<const char*>(lf) - base) + 1;
    } else if (eof_) {
      cut = end_;  // the last line has no LF
    } else {
      scan_ = end_;
      if (!Fill()) return false;
      continue;
    }
    out = PaddedText::Copy(std::string_view(base + begin_, cut - begin_));
    begin_ = scan_ = cut;
    return true;
  }
}

namespace {

std::vector<JsonlFastSlot> MakeSlots(const JsonlConvertPlan& plan) {
  std::vector<JsonlFastSlot> slots;
  const auto& fields = plan.schema->fields;
  for (size_t f = 0; f < fields.size(); ++f) {
    JsonlFastSlot& slot = slots.emplace_back();
    slot.kind = fields[f].type->kind;
    slot.nullable = fields[f].type->nullable;
    slot.skip_text = f < plan.skip_text.size() && plan.skip_text[f];
  }
  return slots;
}

// The direct scanner stops for the rest of a piece when at least this many of its lines,
// and more than a quarter of them, were not its (each such line is parsed twice).
constexpr size_t kDirectMissesToStop = 16;

}  // namespace

JsonlPieceConverter::JsonlPieceConverter(const JsonlConvertPlan& plan)
    : plan_(plan), reader_(JsonlOptions{}), matcher_(*plan.schema), slots_(MakeSlots(plan)),
      scanner_(*plan.schema, matcher_, slots_) {}

bool JsonlPieceConverter::ConvertFast(simdjson::dom::object object) {
  namespace dom = simdjson::dom;
  for (JsonlFastSlot& slot : slots_) slot.set = false;
  matcher_.Reset();
  for (auto [key, value] : object) {
    int index = matcher_.Match(key);
    if (index < 0) continue;
    JsonlFastSlot& slot = slots_[static_cast<size_t>(index)];
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
        std::optional<int64_t> parsed = ParseJsonlTimeText(kind, value.get_string().value_unsafe());
        if (!parsed) return false;
        slot.int_value = *parsed;
        break;
      }
      default:
        return false;
    }
  }
  for (JsonlFastSlot& slot : slots_) {
    if (slot.set) continue;
    if (!slot.nullable) return false;  // missing: the general path names it
    slot.set = slot.null = true;
  }
  return true;
}

void JsonlPieceConverter::Convert(std::string_view text, bool input_start, const std::string& file,
                                  JsonlPieceResult& out) {
  const auto& fields = plan_.schema->fields;
  const size_t batch_rows = std::max<size_t>(plan_.batch_rows, 1);
  // Fast schemas fill `direct` columns (general-path rows are converted by a ColumnBuilder
  // and copied over); other schemas use `builders`.
  const bool fast = plan_.fast;
  std::vector<std::unique_ptr<ColumnBuilder>> builders;
  std::vector<FastColumn> direct;
  std::vector<uint32_t> keep;  // rows to keep when a row failed half-appended (should not happen)
  bool partial = false;
  size_t batch_records = 0;
  auto rows_so_far = [&]() -> size_t {
    if (fields.empty()) return 0;
    return fast ? direct[0].Rows() : builders[0]->Rows();
  };
  auto finish_batch = [&] {
    if (batch_records == 0) return;
    Batch batch;
    batch.schema = plan_.schema;
    batch.rows = rows_so_far();
    for (auto& builder : builders) batch.columns.push_back(builder->Finish());
    for (auto& column : direct) batch.columns.push_back(column.Finish());
    if (partial) batch = Compact(Select(batch, std::move(keep)));
    if (batch.rows > 0) out.batches.push_back(std::move(batch));
    builders.clear();
    direct.clear();
    keep.clear();
    partial = false;
    batch_records = 0;
  };
  // Lines hold at least 2 bytes ("{}"): a piece's rows are bounded by its size.
  const size_t reserve = std::min(batch_rows, text.size() / 2 + 1);
  ast::Value record;
  std::string message;
  reader_.ReadText(text, input_start);
  // The direct scanner reads the lines it can; a line it does not take is parsed alone by
  // simdjson. When many lines are not its, the rest of the piece goes to simdjson's block
  // parser. The results are the same either way.
  bool use_direct = fast && plan_.direct;
  size_t direct_lines = 0, direct_misses = 0;
  for (;;) {
    JsonlEvent event;
    bool scanned = false;
    if (use_direct) {
      event = reader_.NextUnvalidated();
      if (event == JsonlEvent::kLine) {
        ++direct_lines;
        scanned = scanner_.Scan(reader_.line().text);
        if (scanned) {
          reader_.AcceptLine();
          ++out.direct_rows;
          event = JsonlEvent::kRecord;
        } else {
          if (++direct_misses >= kDirectMissesToStop && direct_misses * 4 > direct_lines) use_direct = false;
          event = reader_.ValidateLine();
        }
      }
    } else {
      event = reader_.Next();
    }
    if (event == JsonlEvent::kEnd) break;
    if (event == JsonlEvent::kFailed) {
      out.failure = reader_.failure();
      break;
    }
    if (batch_records == batch_rows) finish_batch();
    if (batch_records == 0) {
      for (const ast::Field& field : fields) {
        if (fast) {
          direct.emplace_back(field.type, reserve);
        } else {
          builders.push_back(std::make_unique<ColumnBuilder>(field.type));
          builders.back()->Reserve(reserve);
        }
      }
    }
    ++batch_records;
    ++out.records;
    const JsonlLine& line = reader_.line();
    if (event == JsonlEvent::kError) {
      const JsonlError& e = reader_.error();
      out.errors.push_back(MakeSourceError(plan_.step, "jsonl_parse",
                                           ":" + std::to_string(e.column) + ": " + e.reason, line.text, file,
                                           line.number));
      continue;
    }
    if (scanned || (fast && ConvertFast(reader_.object()))) {
      for (size_t f = 0; f < fields.size(); ++f) direct[f].Append(slots_[f]);
      keep.push_back(static_cast<uint32_t>(rows_so_far() - (fields.empty() ? 0 : 1)));
      continue;
    }
    if (!JsonRecordToValue(reader_.object(), *plan_.schema, record, message)) {
      out.errors.push_back(MakeSourceError(plan_.step, "jsonl_type", ": " + message, line.text, file, line.number));
      continue;
    }
    size_t row = rows_so_far();
    bool ok = true;
    for (size_t f = 0; f < fields.size(); ++f) {
      if (fast) {
        // A fresh builder per value: this path is rare for a fast schema.
        ColumnBuilder one(fields[f].type);
        if (ok && AppendField(one, record.fields[f].second, fields[f].type, slots_[f].skip_text, message)) {
          direct[f].AppendCopy(*one.Finish(), 0);
          continue;
        }
      } else if (ok && AppendField(*builders[f], record.fields[f].second, fields[f].type, slots_[f].skip_text,
                                   message)) {
        continue;
      }
      if (ok) {
        ok = false;
        out.errors.push_back(MakeSourceError(plan_.step, "jsonl_type",
                                             ": field `" + fields[f].name + "`: " + message, line.text, file,
                                             line.number));
      }
      // A placeholder, dropped below.
      if (fast) {
        direct[f].AppendNull();
      } else if (builders[f]->Rows() == row) {
        builders[f]->AppendNull();
      }
    }
    if (!ok) {
      partial = true;
    } else {
      keep.push_back(static_cast<uint32_t>(row));
    }
  }
  finish_batch();
  out.lines = reader_.stats().lines;
}

}  // namespace etl::runtime
