// The front end's mutation test through the language server (issue 6): one mutated
// document driven through every feature the server advertises, in-process.
#pragma once

#include <cstdint>
#include <string>

namespace etl::fuzz {

// Opens `text` as the file `path` in a fresh lsp::Server (over string streams), sends
// every request the server advertises at positions chosen from `seed` (in and out of
// range), then incremental edits and the requests again, then shutdown and exit.
// Returns "" when every answer was well-formed and no request failed with an internal
// error or invalid-params error; else what went wrong. Crashes and hangs are the
// caller's to catch (signals, alarm).
std::string DriveServer(const std::string& path, const std::string& text, uint32_t seed);

}  // namespace etl::fuzz
