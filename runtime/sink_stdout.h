// The `stdout` sink (language.md §6): an aligned text table for people or JSON lines for
// programs, written to an injectable std::ostream. docs/dev/runtime-sinks.md.
#pragma once

#include <iostream>
#include <ostream>
#include <string>
#include <vector>

#include "runtime/sink_common.h"
#include "runtime/sink_jsonl.h"

namespace etl::runtime {

// The bound parameters of `stdout(format:)` (stdlib/sink_stdout.cpp), plus the table's limits.
struct StdoutSinkOptions {
  std::string format = "table";  // `format`: "table" or "jsonl"
  size_t max_rows = 50;          // table: rows shown; the rest are counted in a last line
  size_t max_width = 40;         // table: characters per cell; longer values end in "…"
};

// Prints records. jsonl streams rows as they come (through the sink buffer); table keeps
// the first max_rows rows' cells and prints the table at Close, flushed.
class StdoutSink : public BufferedSink {
 public:
  StdoutSink(const ast::TypeRef& schema, StdoutSinkOptions options, std::ostream& stream = std::cout);

 protected:
  void Format(const Batch& batch, std::string& buffer) override;
  void Finish(std::string& buffer) override;

 private:
  ast::TypeRef schema_;
  StdoutSinkOptions options_;
  bool table_;
  JsonlFormatter jsonl_;
  std::vector<std::vector<std::string>> cells_;  // table rows kept (at most max_rows)
  std::vector<bool> right_;                      // table: numbers align right
  size_t more_rows_ = 0;                         // table rows not shown
};

}  // namespace etl::runtime
