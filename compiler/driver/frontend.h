// The whole front end in-process on one text, for tests that feed it many inputs (the
// fuzz test) without a process per case.
#pragma once

#include <cstddef>
#include <string>

namespace etl::driver {

// What the stages produced for one input.
struct FrontendResult {
  bool loaded = false;     // the root text was parsed
  size_t errors = 0;       // after Check
  size_t warnings = 0;
  bool lowered = false;    // Lower ran (no errors) and its plan survived PlanToJson/PlanFromJson
  bool formatted = false;  // FormatModule ran (no syntax errors)
};

// Parses `text` as the file `path` (imports are read from disk relative to it), checks it,
// lowers and serialises the plan when there are no errors, and formats the root module.
FrontendResult RunFrontend(const std::string& path, const std::string& text);

}  // namespace etl::driver
