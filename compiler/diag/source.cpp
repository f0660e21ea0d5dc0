#include "compiler/diag/source.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace etl::diag {

SourceRange SourceRange::Join(const SourceRange& other) const {
  if (!Valid()) return other;
  if (!other.Valid()) return *this;
  return {file, std::min(begin, other.begin), std::max(end, other.end)};
}

SourceFile::SourceFile(std::string path, std::string text)
    : path_(std::move(path)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (uint32_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

LineCol SourceFile::Position(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - line_starts_.begin());
  return {line, offset - line_starts_[line - 1] + 1};
}

uint32_t SourceFile::Offset(LineCol pos) const {
  if (pos.line == 0) return 0;
  if (pos.line > line_starts_.size()) return static_cast<uint32_t>(text_.size());
  uint32_t start = line_starts_[pos.line - 1];
  uint32_t line_len = static_cast<uint32_t>(Line(pos.line).size());
  uint32_t col = pos.col == 0 ? 0 : pos.col - 1;
  return start + std::min(col, line_len);
}

std::string_view SourceFile::Line(uint32_t line) const {
  if (line == 0 || line > line_starts_.size()) return {};
  uint32_t start = line_starts_[line - 1];
  uint32_t end = line < line_starts_.size() ? line_starts_[line] : static_cast<uint32_t>(text_.size());
  std::string_view view(text_.data() + start, end - start);
  while (!view.empty() && (view.back() == '\n' || view.back() == '\r')) view.remove_suffix(1);
  return view;
}

FileId SourceManager::Add(std::string path, std::string text) {
  files_.push_back(std::make_unique<SourceFile>(std::move(path), std::move(text)));
  return static_cast<FileId>(files_.size() - 1);
}

FileId SourceManager::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return kNoFile;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return kNoFile;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return kNoFile;
  return Add(path, buffer.str());
}

FileId SourceManager::Find(const std::string& path) const {
  std::error_code ec;
  auto wanted = std::filesystem::weakly_canonical(path, ec);
  for (FileId i = 0; i < files_.size(); ++i) {
    auto have = std::filesystem::weakly_canonical(files_[i]->Path(), ec);
    if (have == wanted) return i;
  }
  return kNoFile;
}

std::string_view SourceManager::Text(SourceRange range) const {
  if (!range.Valid() || range.file >= files_.size()) return {};
  const std::string& text = files_[range.file]->Text();
  uint32_t end = std::min<uint32_t>(range.end, static_cast<uint32_t>(text.size()));
  uint32_t begin = std::min(range.begin, end);
  return std::string_view(text).substr(begin, end - begin);
}

}  // namespace etl::diag
