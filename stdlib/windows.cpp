#include "stdlib/windows.h"

#include "stdlib/param_names.h"
#include "stdlib/step_support.h"

namespace etl::stdlib::support {

TypeRef WindowBoundsType() {
  static const TypeRef type = ast::RecordType({{"window_start", ast::TimestampType(), false},
                                               {"window_end", ast::TimestampType(), false}});
  return type;
}

bool CheckWindowTimeField(const StepBindContext& ctx) {
  const ast::Field* field = ResolveFieldArg(ctx, params::kOn, ctx.input);
  if (!field) return ast::IsError(ctx.input) && ctx.Arg(params::kOn);
  if (ast::IsError(field->type)) return true;
  if (field->type->kind != ast::TypeKind::Timestamp || field->type->nullable) {
    std::string message = "`on:` needs a `timestamp` field; `" + field->name + "` is `" + ast::ToString(field->type) + "`";
    if (field->type->kind == ast::TypeKind::Timestamp) message += " (filter `" + field->name + " is not null` first)";
    ctx.Error(params::kOn, message);
    return false;
  }
  return true;
}

}  // namespace etl::stdlib::support
