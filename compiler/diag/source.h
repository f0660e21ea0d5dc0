// Source files and ranges: every AST node and diagnostic points into a SourceManager.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace etl::diag {

// Index of a file in a SourceManager; kNoFile for synthetic nodes.
using FileId = uint32_t;
inline constexpr FileId kNoFile = UINT32_MAX;

// A half-open byte range [begin, end) in one file.
struct SourceRange {
  FileId file = kNoFile;
  uint32_t begin = 0;
  uint32_t end = 0;

  bool Valid() const { return file != kNoFile; }
  // The smallest range covering both (same file assumed).
  SourceRange Join(const SourceRange& other) const;
};

// A 1-based line and column (column counts bytes, like clang and rustc).
struct LineCol {
  uint32_t line = 0;
  uint32_t col = 0;
};

// One loaded file: its path as given, its text and a line table.
class SourceFile {
 public:
  SourceFile(std::string path, std::string text);
  const std::string& Path() const { return path_; }
  const std::string& Text() const { return text_; }
  LineCol Position(uint32_t offset) const;
  // The offset of a 1-based line/column (clamped to the file).
  uint32_t Offset(LineCol pos) const;
  // The text of a 1-based line, without its newline.
  std::string_view Line(uint32_t line) const;
  uint32_t LineCount() const { return static_cast<uint32_t>(line_starts_.size()); }

 private:
  std::string path_;
  std::string text_;
  std::vector<uint32_t> line_starts_;
};

// Owns every file of a compilation; FileIds index into it.
class SourceManager {
 public:
  FileId Add(std::string path, std::string text);
  // Reads a file from disk; returns kNoFile if it cannot be read.
  FileId Load(const std::string& path);
  const SourceFile& File(FileId id) const { return *files_.at(id); }
  size_t Count() const { return files_.size(); }
  // The id of an already loaded file with this (normalised) path, or kNoFile.
  FileId Find(const std::string& path) const;
  std::string_view Text(SourceRange range) const;

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

}  // namespace etl::diag
