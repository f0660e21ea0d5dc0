// Compiled regular expressions (RE2) for `~`, regex_extract and regex_replace: a pattern is
// compiled once per thread and reused for every record, whether it is a constant or comes
// from the data.
#pragma once

#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace etl::runtime {

// The compiled `pattern`, or null with `error` set ("missing ): ...") when it is invalid.
const re2::RE2* CompileRegex(std::string_view pattern, std::string* error);

}  // namespace etl::runtime
