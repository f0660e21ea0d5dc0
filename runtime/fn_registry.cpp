#include "runtime/fn_registry.h"

#include <unordered_map>

namespace etl::runtime {

namespace {

const std::unordered_map<std::string_view, const FunctionImpl*>& Table() {
  static const std::unordered_map<std::string_view, const FunctionImpl*> table = [] {
    std::unordered_map<std::string_view, const FunctionImpl*> t;
    for (auto group : {StringFunctions(), NumberFunctions(), TimeFunctions(), TimeFormatFunctions(), CastFunctions(),
                       OtherFunctions(), HashFunctions(), RegexFunctions()}) {
      for (const FunctionImpl& impl : group) t.emplace(impl.name, &impl);
    }
    return t;
  }();
  return table;
}

}  // namespace

const FunctionImpl* FindFunctionImpl(std::string_view name) {
  auto it = Table().find(name);
  return it == Table().end() ? nullptr : it->second;
}

std::vector<std::string_view> ImplementedFunctions() {
  std::vector<std::string_view> names;
  for (const auto& [name, impl] : Table()) names.push_back(name);
  return names;
}

}  // namespace etl::runtime
