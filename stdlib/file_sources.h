// What the csv and jsonl sources share: the schema of a file, given or inferred.
#pragma once

#include <string_view>
#include <vector>

#include "stdlib/spec.h"

namespace etl::stdlib::support {

// The output of a file source: the `schema:` argument, or else the schema inferred from the
// constant path (stdlib/schema_inference.h); E0312 at the call when it cannot be inferred.
TypeRef FileSourceOutput(const StepBindContext& ctx, std::string_view format);

// The CSV dialect parameters shared by the csv source and sink: header, delimiter, null, quote.
std::vector<ParamSpec> CsvDialectParams();
// Validates the dialect arguments (delimiter and quote are one character); false after reporting.
bool CheckCsvDialect(const StepBindContext& ctx);

}  // namespace etl::stdlib::support
