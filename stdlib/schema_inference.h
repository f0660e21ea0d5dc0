// Schema inference: what `csv(path)` / `jsonl(path)` without `schema:` mean, and what
// `etlc infer FILE` prints. Reads a sample of the file at compile time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "compiler/ast/types.h"

namespace etl::stdlib {

// How to read the sample (the CSV options mirror the csv source's parameters).
struct InferOptions {
  bool header = true;          // csv: the first row names the columns (else column1, column2, ...)
  char delimiter = ',';        // csv
  char quote = '"';            // csv
  std::string null_marker;     // csv: an unquoted field equal to this is null ("" = empty only)
  size_t max_records = 1000;   // records sampled
};

// Infers the record type of the data file at `path` (a glob takes its first match; relative
// paths are relative to the current directory). `format` is "csv" or "jsonl". Field types:
// int, float, bool, date (YYYY-MM-DD), timestamp (ISO-8601), string; a field is nullable when
// a null/empty value (or, in JSONL, a missing key) was seen; JSON objects become records,
// arrays lists, and values of mixed kinds `json`. On failure returns nullopt and sets
// `*error` to a message such as "cannot infer the schema of `x.csv`: file not found".
std::optional<ast::TypeRef> InferSchema(std::string_view path, std::string_view format, const InferOptions& options,
                                        std::string* error);

}  // namespace etl::stdlib
