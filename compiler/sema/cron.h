// Validation of 5-field cron expressions (`schedule "0 2 * * *"`), shared with `etlc serve`.
#pragma once

#include <string>
#include <vector>

namespace etl::sema {

// Returns an empty string when `spec` is a valid 5-field cron expression (minute hour
// day-of-month month day-of-week; `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`,
// lists `a,b`, month names jan-dec and day names sun-sat), else what is wrong.
std::string ValidateCron(const std::string& spec);

// Returns an empty string when `name` is a zone of the tz database the OS has
// (/usr/share/zoneinfo, read by Howard Hinnant's date library, as `etlc serve` does), else
// what is wrong (`schedule "..." tz "Europe/Paris"`).
std::string ValidateTimeZone(const std::string& name);

// The zone names of that database, for "did you mean" (empty when it cannot be read).
std::vector<std::string> TimeZoneNames();

}  // namespace etl::sema
