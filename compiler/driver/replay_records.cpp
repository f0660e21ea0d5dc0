#include "compiler/driver/replay_records.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "runtime/input_stream.h"
#include "runtime/jsonl_convert.h"
#include "runtime/source_csv_convert.h"

namespace etl::driver {

namespace {

namespace fs = std::filesystem;

// The field names of a record type.
std::vector<std::string> FieldNames(const ast::TypeRef& type) {
  std::vector<std::string> names;
  if (type && type->kind == ast::TypeKind::Record) {
    for (const ast::Field& field : type->fields) names.push_back(field.name);
  }
  return names;
}

// Whether the keys of `object` are exactly the fields of `type` (in any order); the first
// difference in `why` when not. An extra key would be data the replay drops, a missing one
// a field the fixed pipeline computes upstream that the record never got.
bool SameFields(simdjson::dom::object object, const ast::TypeRef& type, const std::string& node,
                std::string& why) {
  std::vector<std::string> names = FieldNames(type);
  std::set<std::string, std::less<>> keys;
  for (auto field : object) {
    std::string_view key = field.key;
    if (std::find(names.begin(), names.end(), key) == names.end()) {
      why = fmt::format("field `{}` is not in the input of `{}` any more", key, node);
      return false;
    }
    keys.insert(std::string(key));
  }
  for (const std::string& name : names) {
    if (!keys.count(name)) {
      why = fmt::format("the input of `{}` now has field `{}`, which the record does not", node, name);
      return false;
    }
  }
  return true;
}

// The input port of `node` a stored record belongs to: its only input, or for a join the
// side whose fields the record has. Empty and `why` set when none fits.
std::string PortFor(const ir::Node& node, simdjson::dom::object object, std::string& why) {
  if (node.inputs.size() == 1) return node.inputs[0].name;
  for (const ir::Port& port : node.inputs) {
    std::string ignored;
    if (SameFields(object, port.type, node.id, ignored)) return port.name;
  }
  why = fmt::format("the record has the fields of no input of `{}` in the fixed pipeline", node.id);
  return "";
}

// Whether a source spec's records can be re-read from their raw text.
bool Rereadable(std::string_view spec) { return spec == "csv" || spec == "jsonl"; }

// The first line of `path` (decompressed), without its terminator.
bool ReadFirstLine(const std::string& path, std::string& line, std::string& why) {
  runtime::InputError error;
  std::unique_ptr<runtime::InputStream> in = runtime::OpenInputFile(path, &error);
  if (!in) {
    why = error.ToString();
    return false;
  }
  line.clear();
  char buffer[65536];
  while (true) {
    size_t n = in->Read(buffer, sizeof buffer);
    if (n == 0) break;
    std::string_view chunk(buffer, n);
    size_t newline = chunk.find('\n');
    line.append(chunk.substr(0, newline));
    if (newline != std::string_view::npos) return true;
  }
  if (in->error()) {
    why = in->error()->ToString();
    return false;
  }
  return true;  // a file of one line without a terminator
}

}  // namespace

ReplaySet ClassifyErrors(const std::vector<runtime::StoredError>& errors, const ir::Pipeline* old,
                         const ir::Pipeline& fixed) {
  ReplaySet set;
  std::map<std::pair<std::string, std::string>, size_t> input_of;  // (node, port) -> set.inputs
  std::map<std::pair<std::string, std::string>, size_t> file_of;   // (node, source) -> set.files
  simdjson::dom::parser parser;
  for (size_t i = 0; i < errors.size(); ++i) {
    const runtime::StoredError& stored = errors[i];
    auto unfit = [&](std::string node, std::string reason) {
      set.unfit.push_back(ReplayUnfit{i, std::move(node), std::move(reason)});
    };
    std::optional<std::string> id = MatchReplayNode(old, fixed, stored.step);
    if (!id) {
      unfit(stored.step, fmt::format("step `{}` is not in pipeline `{}` any more", stored.step, fixed.name));
      continue;
    }
    const ir::Node& node = *fixed.Find(*id);
    const ir::Node* before = old ? old->Find(stored.step) : nullptr;
    bool was_source = before ? before->kind == ir::NodeKind::Source : node.kind == ir::NodeKind::Source;
    if (was_source != (node.kind == ir::NodeKind::Source)) {
      unfit(*id, fmt::format("step `{}` is a {} now", *id, ir::Spelling(node.kind)));
      continue;
    }
    if (node.kind == ir::NodeKind::Source) {
      if (!Rereadable(node.step)) {
        unfit(*id, fmt::format("records of a `{}` source cannot be re-read (only csv and jsonl)", node.step));
        continue;
      }
      simdjson::dom::element raw;
      std::string_view text;
      if (parser.parse(stored.record).get(raw) || raw.get_string().get(text) || !stored.source) {
        unfit(*id, "the record is not the raw input text of a source error");
        continue;
      }
      auto key = std::make_pair(*id, *stored.source);
      auto [it, added] = file_of.try_emplace(key, set.files.size());
      if (added) set.files.push_back(ReplaySourceFile{*id, node.step, *stored.source, {}});
      set.files[it->second].errors.push_back(i);
      continue;
    }
    if (node.kind == ir::NodeKind::Aggregate) {
      unfit(*id, "an aggregate's error record holds its group's keys, not the records it was computed from");
      continue;
    }
    simdjson::dom::element json;
    simdjson::dom::object object;
    if (parser.parse(stored.record).get(json) || json.get_object().get(object)) {
      unfit(*id, "the stored record is not a record (JSON object)");
      continue;
    }
    std::string why;
    std::string port = PortFor(node, object, why);
    if (port.empty()) {
      unfit(*id, why);
      continue;
    }
    const ir::Port& input = *node.Input(port);
    ast::Value value;
    if (!SameFields(object, input.type, node.id, why) ||
        !runtime::JsonRecordToValue(object, *input.type, value, why)) {
      unfit(*id, fmt::format("the record does not fit the input of `{}`: {}", node.id, why));
      continue;
    }
    auto key = std::make_pair(*id, port);
    auto [it, added] = input_of.try_emplace(key, set.inputs.size());
    if (added) set.inputs.push_back(ReplayInput{ReplayInjection{*id, port}, input.type, {}, {}});
    set.inputs[it->second].records.push_back(std::move(value));
    set.inputs[it->second].errors.push_back(i);
  }
  return set;
}

bool WriteRereadFiles(ReplaySet& set, const std::vector<runtime::StoredError>& errors,
                      const std::function<bool(const std::string& node)>& csv_header, const std::string& dir,
                      RereadFiles& out, std::string& error) {
  std::map<std::string, size_t> folder_of;  // node -> its folder's number
  std::map<std::string, size_t> files_in;   // node -> files written so far
  std::vector<ReplaySourceFile> kept;
  for (ReplaySourceFile& file : set.files) {
    auto [folder, added] = folder_of.try_emplace(file.node, folder_of.size());
    fs::path folder_path = fs::path(dir) / std::to_string(folder->second);
    std::error_code ec;
    fs::create_directories(folder_path, ec);
    if (ec) {
      error = fmt::format("cannot create `{}`: {}", folder_path.string(), ec.message());
      return false;
    }
    std::string header;
    bool with_header = file.spec == "csv" && csv_header(file.node);
    std::string why;
    if (with_header && !ReadFirstLine(file.source, header, why)) {
      for (size_t e : file.errors) {
        set.unfit.push_back(ReplayUnfit{e, file.node, fmt::format("cannot read the header of `{}`: {}", file.source, why)});
      }
      continue;
    }
    std::string path =
        (folder_path / fmt::format("{:06}.{}", files_in[file.node]++, file.spec)).lexically_normal().string();
    std::string text;
    int64_t line = 1;
    if (with_header) {
      text += header + "\n";
      line += 1 + std::count(header.begin(), header.end(), '\n');
    }
    std::vector<RereadOrigin>& origins = out.origins[path];
    for (size_t e : file.errors) {
      simdjson::dom::parser parser;
      std::string_view raw;
      if (parser.parse(errors[e].record).get_string().get(raw)) continue;  // checked by ClassifyErrors
      origins.push_back(RereadOrigin{line, file.source, errors[e].line.value_or(0), e});
      text.append(raw);
      text += '\n';
      line += 1 + std::count(raw.begin(), raw.end(), '\n');
    }
    std::ofstream stream(path, std::ios::binary | std::ios::trunc);
    stream << text;
    if (!stream.flush()) {
      error = fmt::format("cannot write `{}`", path);
      return false;
    }
    if (added) {
      out.rereads.push_back(ReplayReread{
          file.node, (folder_path / fmt::format("*.{}", file.spec)).lexically_normal().string()});
    }
    kept.push_back(std::move(file));
  }
  set.files = std::move(kept);
  return true;
}

bool MapRereadError(const RereadFiles& files, runtime::StoredError& error) {
  if (!error.source || !error.line) return false;
  auto it = files.origins.find(fs::path(*error.source).lexically_normal().string());
  if (it == files.origins.end() || it->second.empty()) return false;
  // A line of the written file in the original: from the record whose text holds it (the
  // last one starting at or before it).
  auto original = [&](int64_t temp_line) -> std::optional<std::pair<std::string, int64_t>> {
    const RereadOrigin* origin = nullptr;
    for (const RereadOrigin& candidate : it->second) {
      if (candidate.temp_line <= temp_line) origin = &candidate;
    }
    if (!origin) return std::nullopt;
    return std::make_pair(origin->source, origin->line + (temp_line - origin->temp_line));
  };
  auto where = original(*error.line);
  if (!where) return false;
  // Messages start with `file:line:` (the line may be inside a multi-line record).
  std::string prefix = *error.source + ":";
  if (error.message.compare(0, prefix.size(), prefix) == 0) {
    size_t end = error.message.find(':', prefix.size());
    auto number = end == std::string::npos ? std::nullopt
                                           : runtime::ParseIntText(error.message.substr(prefix.size(), end - prefix.size()));
    if (number) {
      if (auto at = original(*number)) error.message = fmt::format("{}:{}{}", at->first, at->second, error.message.substr(end));
    }
  }
  error.source = where->first;
  error.line = where->second;
  return true;
}

}  // namespace etl::driver
