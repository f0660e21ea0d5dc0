#include "stdlib/file_sources.h"

#include "stdlib/param_names.h"
#include "stdlib/schema_inference.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::support {

TypeRef FileSourceOutput(const StepBindContext& ctx, std::string_view format) {
  if (TypeRef schema = SchemaArg(ctx, params::kSchema)) return schema;
  auto path = ConstString(ctx, params::kPath);
  if (!path) {
    ctx.Error("", "cannot infer the schema: the path is not a constant; pass `schema:`");
    return ast::ErrorType();
  }
  InferOptions options;
  if (auto header = ConstBool(ctx, params::kHeader)) options.header = *header;
  if (auto delimiter = ConstString(ctx, params::kDelimiter); delimiter && delimiter->size() == 1) {
    options.delimiter = (*delimiter)[0];
  }
  if (auto quote = ConstString(ctx, params::kQuote); quote && quote->size() == 1) options.quote = (*quote)[0];
  if (auto marker = ConstString(ctx, params::kNull)) options.null_marker = *marker;
  std::string error;
  auto inferred = InferSchema(*path, format, options, &error);
  if (!inferred) {
    ctx.Error("", error + "; pass `schema:`");
    return ast::ErrorType();
  }
  return *inferred;
}

std::vector<ParamSpec> CsvDialectParams() {
  return {
      Optional(params::kHeader, "bool", "true", "Whether the first row names the columns (read) or is written (write)."),
      Optional(params::kDelimiter, "string", "\",\"", "The field separator: exactly one character, e.g. `\"\\t\"` or `\";\"`."),
      Optional(params::kNull, "string", "",
               "A marker read or written for null, e.g. `\"NA\"`. Without it an empty unquoted field is null "
               "(for a nullable field) and `\"\"` is always the empty string."),
      Optional(params::kQuote, "string", "\"\\\"\"", "The quote character: exactly one character."),
  };
}

bool CheckCsvDialect(const StepBindContext& ctx) {
  bool ok = CheckSingleChar(ctx, params::kDelimiter);
  ok = CheckSingleChar(ctx, params::kQuote) && ok;
  auto delimiter = ConstString(ctx, params::kDelimiter);
  auto quote = ConstString(ctx, params::kQuote);
  if (ok && delimiter && quote && *delimiter == *quote) {
    ctx.Error(params::kQuote, "the quote character must differ from the delimiter");
    ok = false;
  }
  return ok;
}

}  // namespace etl::stdlib::support
