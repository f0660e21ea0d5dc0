// The reference documentation (docs/reference/), generated from the specs: what
// `etlc docs --out DIR` writes and what a test compares with the committed files.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace etl::stdlib {

// Every reference page as (file name relative to docs/reference/, markdown text):
// README.md (index), sources.md, transforms.md, sinks.md, triggers-and-windows.md, functions.md.
std::vector<std::pair<std::string, std::string>> RenderReference();

}  // namespace etl::stdlib
