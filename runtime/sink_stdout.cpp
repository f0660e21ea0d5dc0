#include "runtime/sink_stdout.h"

#include "runtime/sink_format.h"

namespace etl::runtime {

namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Characters (UTF-8 code points) in `text`.
size_t Width(std::string_view text) {
  size_t width = 0;
  for (char c : text) width += IsContinuation(c) ? 0 : 1;
  return width;
}

// A cell for the table: control characters escaped, cut to `max_width` characters with "…".
std::string Cell(std::string_view text, size_t max_width) {
  std::string cell;
  for (char c : text) {
    if (c == '\n') {
      cell += "\\n";
    } else if (c == '\r') {
      cell += "\\r";
    } else if (c == '\t') {
      cell += "\\t";
    } else {
      cell += c;
    }
  }
  if (Width(cell) <= max_width || max_width == 0) return cell;
  size_t kept = 0, pos = 0;
  while (pos < cell.size()) {
    if (!IsContinuation(cell[pos])) {
      if (kept == max_width - 1) break;
      ++kept;
    }
    ++pos;
  }
  cell.resize(pos);
  return cell + "…";
}

void Pad(std::string& out, std::string_view text, size_t width, bool right) {
  size_t pad = width - Width(text);
  if (right) out.append(pad, ' ');
  out += text;
  if (!right) out.append(pad, ' ');
}

}  // namespace

StdoutSink::StdoutSink(const ast::TypeRef& schema, StdoutSinkOptions options, std::ostream& stream)
    : BufferedSink("stdout", std::make_unique<StreamOutput>(stream)),
      schema_(schema),
      options_(std::move(options)),
      table_(options_.format != "jsonl"),
      jsonl_(schema) {
  for (const ast::Field& field : schema_->fields) {
    ast::TypeKind kind = field.type->kind;
    right_.push_back(kind == ast::TypeKind::Int || kind == ast::TypeKind::Float || kind == ast::TypeKind::Decimal);
  }
}

void StdoutSink::Format(const Batch& batch, std::string& buffer) {
  if (!table_) {
    jsonl_.Format(batch, buffer);
    return;
  }
  std::string text;
  const size_t rows = batch.Size();
  for (size_t i = 0; i < rows; ++i) {
    if (cells_.size() >= options_.max_rows) {
      more_rows_ += rows - i;
      return;
    }
    const uint32_t row = batch.RowAt(i);
    std::vector<std::string> cells;
    for (const ColumnPtr& column : batch.columns) {
      text.clear();
      if (column->IsNull(row)) {
        text = "null";
      } else {
        AppendValueText(text, *column, row);
      }
      cells.push_back(Cell(text, options_.max_width));
    }
    cells_.push_back(std::move(cells));
  }
}

void StdoutSink::Finish(std::string& buffer) {
  if (!table_) return;
  const size_t fields = schema_->fields.size();
  std::vector<std::string> names;
  std::vector<size_t> widths;
  for (const ast::Field& field : schema_->fields) {
    names.push_back(Cell(field.name, options_.max_width));
    widths.push_back(Width(names.back()));
  }
  for (const auto& row : cells_) {
    for (size_t f = 0; f < fields; ++f) widths[f] = std::max(widths[f], Width(row[f]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t f = 0; f < fields; ++f) {
      if (f) buffer += "  ";
      Pad(buffer, cells[f], widths[f], right_[f]);
    }
    while (!buffer.empty() && buffer.back() == ' ') buffer.pop_back();
    buffer += '\n';
  };
  line(names);
  for (size_t f = 0; f < fields; ++f) {
    if (f) buffer += "  ";
    buffer.append(widths[f], '-');
  }
  buffer += '\n';
  for (const auto& row : cells_) line(row);
  if (cells_.empty()) buffer += "(no rows)\n";
  if (more_rows_ > 0) buffer += "... and " + std::to_string(more_rows_) + " more rows\n";
}

}  // namespace etl::runtime
