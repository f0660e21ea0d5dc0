#include "lsp/workspace.h"

#include <algorithm>
#include <filesystem>

namespace etl::lsp {

namespace fs = std::filesystem;

namespace {

uint64_t MTime(const std::string& path) {
  std::error_code ec;
  auto time = fs::last_write_time(path, ec);
  return ec ? 0 : static_cast<uint64_t>(time.time_since_epoch().count());
}

}  // namespace

std::string Workspace::PathOf(const std::string& uri) {
  if (auto path = UriToPath(uri)) return *path;
  std::string safe;
  for (char c : uri) safe += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_';
  return "/nonexistent/" + safe;
}

void Workspace::Open(const std::string& uri, std::string text, int version) {
  Document& doc = documents_[uri];
  doc.uri = uri;
  doc.path = PathOf(uri);
  doc.text = std::move(text);
  doc.version = version;
  uri_by_path_[sema::NormalizePath(doc.path)] = uri;
  analyses_.erase(uri);
}

bool Workspace::Change(const std::string& uri, const Json& changes, int version, std::string& error) {
  auto it = documents_.find(uri);
  if (it == documents_.end()) {
    error = "didChange for a document that is not open: " + uri;
    return false;
  }
  if (!changes.is_array()) {
    error = "`contentChanges` must be an array";
    return false;
  }
  for (const Json& change : changes) {
    if (!ApplyContentChange(it->second.text, change, encoding_, error)) return false;
  }
  it->second.version = version;
  analyses_.erase(uri);
  return true;
}

void Workspace::Close(const std::string& uri) {
  auto it = documents_.find(uri);
  if (it == documents_.end()) return;
  uri_by_path_.erase(sema::NormalizePath(it->second.path));
  documents_.erase(it);
  analyses_.erase(uri);
  read_paths_.erase(uri);
}

const Document* Workspace::Find(const std::string& uri) const {
  auto it = documents_.find(uri);
  return it == documents_.end() ? nullptr : &it->second;
}

std::vector<std::string> Workspace::OpenUris() const {
  std::vector<std::string> uris;
  for (const auto& [uri, doc] : documents_) uris.push_back(uri);
  return uris;
}

sema::FileReader Workspace::Reader() const {
  return [this](const std::string& path) -> std::optional<std::string> {
    auto open = uri_by_path_.find(sema::NormalizePath(path));
    if (open != uri_by_path_.end()) return documents_.at(open->second).text;
    return sema::ReadSourceFile(path);
  };
}

std::shared_ptr<const Analysis> Workspace::Analyze(const std::string& uri) {
  const Document* doc = Find(uri);
  std::string path = doc ? doc->path : PathOf(uri);
  auto cached = analyses_.find(uri);
  if (cached != analyses_.end()) {
    // A closed file is re-read when it changed on disk.
    if (doc || disk_stamps_[uri] == MTime(path)) return cached->second;
  }
  std::error_code ec;
  if (!doc && !fs::is_regular_file(path, ec)) return nullptr;  // LoadProgram reads it once
  auto analysis = Analysis::Build(uri, path, doc ? doc->version : 0, Reader(), encoding_);
  std::vector<std::string> read;
  const auto& sources = analysis->Program().sources;
  for (size_t i = 0; i < sources.Count(); ++i) read.push_back(sema::NormalizePath(sources.File(static_cast<diag::FileId>(i)).Path()));
  read_paths_[uri] = std::move(read);
  if (!doc) disk_stamps_[uri] = MTime(path);
  analyses_[uri] = analysis;
  return analysis;
}

std::vector<std::string> Workspace::DependentsOf(const std::string& path) const {
  std::string key = sema::NormalizePath(path);
  std::vector<std::string> uris;
  for (const auto& [uri, doc] : documents_) {
    if (sema::NormalizePath(doc.path) == key) {
      uris.push_back(uri);
      continue;
    }
    auto read = read_paths_.find(uri);
    if (read != read_paths_.end() && std::find(read->second.begin(), read->second.end(), key) != read->second.end()) {
      uris.push_back(uri);
    }
  }
  return uris;
}

std::vector<std::string> Workspace::EtlFilesUnderRoots(size_t limit) const {
  std::vector<std::string> files;
  for (const std::string& root : roots_) {
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (it->is_directory(ec)) {
        if ((!name.empty() && name[0] == '.') || name == "node_modules" || name.rfind("build", 0) == 0) {
          it.disable_recursion_pending();
        }
        continue;
      }
      if (it->path().extension() == ".etl") files.push_back(it->path().lexically_normal().string());
      if (files.size() >= limit) return files;
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

}  // namespace etl::lsp
