// The documents the editor has open (their unsaved text, synced incrementally) and the
// analyses built from them. Imports read open buffers first, then the disk.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/sema/program.h"
#include "lsp/analysis.h"
#include "lsp/text.h"

namespace etl::lsp {

// One open document.
struct Document {
  std::string uri;
  std::string path;  // the file's path; `untitled:` documents get a made-up one (see PathOf)
  std::string text;
  int version = 0;
};

class Workspace {
 public:
  void SetEncoding(PositionEncoding encoding) { encoding_ = encoding; }
  PositionEncoding Encoding() const { return encoding_; }
  // The folders of the workspace (from `rootUri` / `workspaceFolders`), as paths.
  void SetRoots(std::vector<std::string> roots) { roots_ = std::move(roots); }
  const std::vector<std::string>& Roots() const { return roots_; }

  // didOpen / didChange / didClose. Change applies the events in order; false (with
  // `error`) when one is malformed, the document then keeps the events before it.
  void Open(const std::string& uri, std::string text, int version);
  bool Change(const std::string& uri, const Json& changes, int version, std::string& error);
  void Close(const std::string& uri);
  const Document* Find(const std::string& uri) const;
  std::vector<std::string> OpenUris() const;

  // The analysis of `uri` at its current text: an open document, or else the file on disk
  // (nullptr when it is neither). Cached until that document or a file it imports changes.
  std::shared_ptr<const Analysis> Analyze(const std::string& uri);
  // The open documents whose last analysis read `path` (the document itself included).
  std::vector<std::string> DependentsOf(const std::string& path) const;

  // A URI's file path: `file://` URIs decoded; any other scheme maps to a path under
  // /nonexistent so that imports relative to it are not found on disk.
  static std::string PathOf(const std::string& uri);
  // Every `.etl` file under the roots (skipping hidden folders, build*/ and node_modules),
  // for workspace symbols; at most `limit` files.
  std::vector<std::string> EtlFilesUnderRoots(size_t limit = 5000) const;
  // Reads open buffers by path, else the disk.
  sema::FileReader Reader() const;

 private:
  PositionEncoding encoding_ = PositionEncoding::Utf16;
  std::vector<std::string> roots_;
  std::map<std::string, Document> documents_;           // by URI
  std::map<std::string, std::string> uri_by_path_;       // normalised path -> URI of open documents
  std::map<std::string, std::shared_ptr<const Analysis>> analyses_;  // by URI
  std::map<std::string, std::vector<std::string>> read_paths_;      // URI -> normalised paths its analysis read
  std::map<std::string, uint64_t> disk_stamps_;  // URI (not open) -> mtime of its analysis
};

}  // namespace etl::lsp
