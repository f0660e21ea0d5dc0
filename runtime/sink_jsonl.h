// The `jsonl` sink (language.md §6): one compact JSON object per line, keys in schema order,
// written atomically (sink_output.h). Also the row format of `stdout(format: "jsonl")`.
// docs/dev/runtime-sinks.md.
#pragma once

#include <string>
#include <vector>

#include "runtime/sink_common.h"

namespace etl::runtime {

// The bound parameters of `jsonl(path)` as a sink (stdlib/sink_jsonl.cpp).
struct JsonlSinkOptions {
  std::string path;     // `path`: the file to write
  bool append = false;  // add to the existing file
};

// Formats rows of one record type as JSON lines: the keys (`"name":`) are escaped once.
class JsonlFormatter {
 public:
  explicit JsonlFormatter(const ast::TypeRef& schema);
  // Appends the selected rows of `batch`, one object and "\n" each.
  void Format(const Batch& batch, std::string& buffer) const;

 private:
  std::vector<std::string> keys_;  // `{"a":`, `,"b":`, ...
  // The keys again, each at f * kKeySlot, padded: copied with one fixed-size move when
  // every key fits a slot (short_keys_).
  static constexpr size_t kKeySlot = 32;
  std::string key_slots_;
  bool short_keys_ = true;
};

// Writes records as JSON lines to a file.
class JsonlSink : public BufferedSink {
 public:
  JsonlSink(const ast::TypeRef& schema, JsonlSinkOptions options);

  bool FormatsApart() const override { return true; }
  void FormatApart(const Batch& batch, std::string& text) const override { formatter_.Format(batch, text); }

 protected:
  void Format(const Batch& batch, std::string& buffer) override { formatter_.Format(batch, buffer); }

 private:
  JsonlFormatter formatter_;
};

}  // namespace etl::runtime
