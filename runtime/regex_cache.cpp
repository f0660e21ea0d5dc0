#include "runtime/regex_cache.h"

#include <re2/re2.h>

#include <memory>
#include <unordered_map>

namespace etl::runtime {

const re2::RE2* CompileRegex(std::string_view pattern, std::string* error) {
  // Bounded: patterns taken from the data could otherwise grow the cache without limit.
  constexpr size_t kMaxPatterns = 1024;
  thread_local std::unordered_map<std::string, std::unique_ptr<re2::RE2>> cache;
  auto it = cache.find(std::string(pattern));
  if (it == cache.end()) {
    if (cache.size() >= kMaxPatterns) cache.clear();
    re2::RE2::Options options;
    options.set_log_errors(false);
    it = cache.emplace(std::string(pattern), std::make_unique<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()),
                                                                        options)).first;
  }
  if (!it->second->ok()) {
    if (error) *error = "invalid regular expression \"" + std::string(pattern) + "\": " + it->second->error();
    return nullptr;
  }
  return it->second.get();
}

}  // namespace etl::runtime
