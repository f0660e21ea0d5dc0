// Validation of 5-field cron expressions (`schedule "0 2 * * *"`), shared with `etlc serve`.
#pragma once

#include <string>

namespace etl::sema {

// Returns an empty string when `spec` is a valid 5-field cron expression (minute hour
// day-of-month month day-of-week; `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`,
// lists `a,b`, month names jan-dec and day names sun-sat), else what is wrong.
std::string ValidateCron(const std::string& spec);

}  // namespace etl::sema
