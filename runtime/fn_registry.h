// The table of stdlib scalar functions (language.md §11) by name: a Call looks its
// implementation up when a kernel is bound, so an unknown name is a bind error.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "compiler/ast/types.h"
#include "compiler/ast/value.h"
#include "runtime/eval_value.h"
#include "runtime/kernel.h"

namespace etl::runtime {

// What a function sees besides its arguments.
struct FnCall {
  const TypeRef& result_type;
  std::span<const TypeRef> arg_types;
  const EvalContext& ctx;
};

// One row of a function: false with `error` set when the record fails.
using ValueFn = bool (*)(std::span<const ast::Value> args, const FnCall& call, ast::Value& out, ValueError& error);

// A function implementation. Unless `takes_nulls`, a null argument gives null without a call.
struct FunctionImpl {
  std::string_view name;
  ValueFn fn = nullptr;
  bool takes_nulls = false;
};

// The implementation of `name`, or null: the caller reports a bind error. Every non-aggregate
// stdlib function has one except `secret` (never a value).
const FunctionImpl* FindFunctionImpl(std::string_view name);
// All implemented functions (for tests).
std::vector<std::string_view> ImplementedFunctions();

// Per-group tables (fn_string.cpp, fn_number.cpp, fn_time.cpp, fn_cast.cpp, fn_other.cpp).
std::span<const FunctionImpl> StringFunctions();
std::span<const FunctionImpl> NumberFunctions();
std::span<const FunctionImpl> TimeFormatFunctions();  // fn_time_format.cpp
std::span<const FunctionImpl> HashFunctions();        // fn_hash.cpp
std::span<const FunctionImpl> RegexFunctions();       // fn_regex.cpp
std::span<const FunctionImpl> TimeFunctions();
std::span<const FunctionImpl> CastFunctions();
std::span<const FunctionImpl> OtherFunctions();

}  // namespace etl::runtime
