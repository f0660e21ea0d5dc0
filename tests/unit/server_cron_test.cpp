// Cron schedules of `etlc serve` (server/cron.h): parsing, fields, month ends, the Vixie
// day rule and DST in two zones, every expected instant written out in UTC.
#include "server/cron.h"

#include <date/date.h>
#include <gtest/gtest.h>

#include <vector>

#include "runtime/run_log.h"

namespace etl::server {
namespace {

// A UTC instant in microseconds.
int64_t Utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
  auto day = date::sys_days{date::year{y} / date::month{mo} / date::day{d}};
  return (day.time_since_epoch().count() * 86400LL + h * 3600LL + mi * 60LL) * 1'000'000LL;
}

std::string Show(std::optional<int64_t> t) { return t ? runtime::FormatRfc3339(*t) : "never"; }

CronSchedule Must(const std::string& spec, const std::string& tz = "") {
  std::string error;
  auto schedule = CronSchedule::Parse(spec, tz, error);
  EXPECT_TRUE(schedule) << spec << ": " << error;
  return *schedule;
}

// The next `n` fire times after `after`, as RFC 3339 strings (readable failures).
std::vector<std::string> Next(const CronSchedule& schedule, int64_t after, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    auto t = schedule.NextAfter(after);
    out.push_back(Show(t));
    if (!t) break;
    after = *t;
  }
  return out;
}

TEST(CronParse, RejectsBadSpecsWithTheCompilersMessages) {
  std::string error;
  EXPECT_FALSE(CronSchedule::Parse("0 0 * *", "", error));
  EXPECT_EQ(error, "expected 5 fields, found 4");
  EXPECT_FALSE(CronSchedule::Parse("60 * * * *", "", error));
  EXPECT_EQ(error, "minute `60` is out of range (0-59)");
  EXPECT_FALSE(CronSchedule::Parse("* * * * funday", "", error));
  EXPECT_EQ(error, "`funday` is not a valid day-of-week");
  EXPECT_FALSE(CronSchedule::Parse("*/0 * * * *", "", error));
  EXPECT_EQ(error, "step `/0` in the minute field must be a positive number");
  EXPECT_FALSE(CronSchedule::Parse("0 5-2 * * *", "", error));
  EXPECT_EQ(error, "range `5-2` of the hour field is backwards");
  EXPECT_FALSE(CronSchedule::Parse("", "", error));
  EXPECT_FALSE(CronSchedule::Parse("0 0 * * *", "Mars/Olympus_Mons", error));
  EXPECT_EQ(error, "unknown time zone `Mars/Olympus_Mons`");
  EXPECT_TRUE(CronSchedule::Parse("0 0 * * *", "Europe/Paris", error)) << error;
  EXPECT_TRUE(CronSchedule::Parse("0 0 * * *", "UTC", error)) << error;
}

TEST(CronNext, EveryFifteenMinutesAcrossHourDayAndYear) {
  auto s = Must("*/15 * * * *");
  EXPECT_EQ(Next(s, Utc(2024, 1, 31, 23, 50), 3),
            (std::vector<std::string>{"2024-02-01T00:00:00.000Z", "2024-02-01T00:15:00.000Z",
                                      "2024-02-01T00:30:00.000Z"}));
  EXPECT_EQ(Show(s.NextAfter(Utc(2024, 12, 31, 23, 59))), "2025-01-01T00:00:00.000Z");
  // Strictly after: a fire time itself is not returned, a microsecond before it is.
  EXPECT_EQ(Show(s.NextAfter(Utc(2024, 1, 31, 23, 45))), "2024-02-01T00:00:00.000Z");
  EXPECT_EQ(Show(s.NextAfter(Utc(2024, 1, 31, 23, 45) - 1)), "2024-01-31T23:45:00.000Z");
  // Before the epoch too.
  EXPECT_EQ(Show(s.NextAfter(Utc(1969, 12, 31, 23, 59))), "1970-01-01T00:00:00.000Z");
}

TEST(CronNext, RangesListsStepsAndNames) {
  EXPECT_EQ(Next(Must("0 9-17/4 * * *"), Utc(2024, 1, 1, 9), 3),
            (std::vector<std::string>{"2024-01-01T13:00:00.000Z", "2024-01-01T17:00:00.000Z",
                                      "2024-01-02T09:00:00.000Z"}));
  // 2024-01-05 is a Friday, 2024-01-08 the next Monday.
  EXPECT_EQ(Show(Must("30 0 * * mon-fri").NextAfter(Utc(2024, 1, 5, 0, 30))), "2024-01-08T00:30:00.000Z");
  EXPECT_EQ(Next(Must("0 0 1 jan,jul *"), Utc(2024, 1, 1), 2),
            (std::vector<std::string>{"2024-07-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z"}));
  // 0, 7 and `sun` are all Sunday (2024-01-07).
  for (const char* spec : {"0 12 * * 0", "0 12 * * 7", "0 12 * * sun", "0 12 * * SUN"}) {
    EXPECT_EQ(Show(Must(spec).NextAfter(Utc(2024, 1, 1))), "2024-01-07T12:00:00.000Z") << spec;
  }
  // A range ending in 7: Friday, Saturday, Sunday.
  EXPECT_EQ(Next(Must("0 0 * * 5-7"), Utc(2024, 1, 1), 4),
            (std::vector<std::string>{"2024-01-05T00:00:00.000Z", "2024-01-06T00:00:00.000Z",
                                      "2024-01-07T00:00:00.000Z", "2024-01-12T00:00:00.000Z"}));
  // `a/n` is `a-max/n`.
  EXPECT_EQ(Next(Must("10/20 * * * *"), Utc(2024, 1, 1), 4),
            (std::vector<std::string>{"2024-01-01T00:10:00.000Z", "2024-01-01T00:30:00.000Z",
                                      "2024-01-01T00:50:00.000Z", "2024-01-01T01:10:00.000Z"}));
  EXPECT_EQ(Next(Must("5,7-8 23 * * *"), Utc(2024, 2, 28, 23, 5), 3),
            (std::vector<std::string>{"2024-02-28T23:07:00.000Z", "2024-02-28T23:08:00.000Z",
                                      "2024-02-29T23:05:00.000Z"}));
  EXPECT_EQ(Show(Must("0 0 * Feb-Mar/1 *").NextAfter(Utc(2024, 4, 1))), "2025-02-01T00:00:00.000Z");
}

TEST(CronNext, MonthEnds) {
  EXPECT_EQ(Next(Must("0 0 31 * *"), Utc(2024, 1, 31), 4),
            (std::vector<std::string>{"2024-03-31T00:00:00.000Z", "2024-05-31T00:00:00.000Z",
                                      "2024-07-31T00:00:00.000Z", "2024-08-31T00:00:00.000Z"}));
  EXPECT_EQ(Show(Must("0 0 29 2 *").NextAfter(Utc(2024, 3, 1))), "2028-02-29T00:00:00.000Z");
  // 2100 is not a leap year: the longest wait between two Feb 29, eight years.
  EXPECT_EQ(Show(Must("0 0 29 2 *").NextAfter(Utc(2096, 3, 1))), "2104-02-29T00:00:00.000Z");
  EXPECT_EQ(Show(Must("0 0 30 2 *").NextAfter(Utc(2024, 1, 1))), "never");
  EXPECT_EQ(Show(Must("0 0 31 4,6,9,11 *").NextAfter(Utc(2024, 1, 1))), "never");
  EXPECT_EQ(Show(Must("59 23 28-31 2 *").NextAfter(Utc(2023, 2, 28, 23, 59))), "2024-02-28T23:59:00.000Z");
}

TEST(CronNext, DayOfMonthOrDayOfWeekWhenBothAreRestricted) {
  // Fridays and the 13th: 2024-09-13 is both, 2024-10-13 is a Sunday.
  EXPECT_EQ(Next(Must("0 0 13 * fri"), Utc(2024, 9, 1), 8),
            (std::vector<std::string>{"2024-09-06T00:00:00.000Z", "2024-09-13T00:00:00.000Z",
                                      "2024-09-20T00:00:00.000Z", "2024-09-27T00:00:00.000Z",
                                      "2024-10-04T00:00:00.000Z", "2024-10-11T00:00:00.000Z",
                                      "2024-10-13T00:00:00.000Z", "2024-10-18T00:00:00.000Z"}));
  // A day-of-month starting with `*` counts as unrestricted (Vixie): both must match, so
  // days 1, 11, 21, 31 that are Mondays.
  EXPECT_EQ(Next(Must("0 0 */10 * mon"), Utc(2023, 12, 31), 4),
            (std::vector<std::string>{"2024-01-01T00:00:00.000Z", "2024-03-11T00:00:00.000Z",
                                      "2024-04-01T00:00:00.000Z", "2024-07-01T00:00:00.000Z"}));
  // Only day-of-week restricted: every Monday.
  EXPECT_EQ(Show(Must("0 0 * * mon").NextAfter(Utc(2024, 1, 1))), "2024-01-08T00:00:00.000Z");
}

// Europe/Paris 2024: clocks go 02:00 CET -> 03:00 CEST on Sunday March 31 (01:00Z) and
// 03:00 CEST -> 02:00 CET on Sunday October 27 (01:00Z).
TEST(CronDst, ParisSpringForward) {
  // Fixed hour: the missing 02:30 fires once, at the end of the gap (03:00 CEST = 01:00Z).
  EXPECT_EQ(Next(Must("30 2 * * *", "Europe/Paris"), Utc(2024, 3, 30), 3),
            (std::vector<std::string>{"2024-03-30T01:30:00.000Z", "2024-03-31T01:00:00.000Z",
                                      "2024-04-01T00:30:00.000Z"}));
  // Several missing times of a fixed hour still fire once.
  EXPECT_EQ(Next(Must("0,30 2 * * *", "Europe/Paris"), Utc(2024, 3, 31), 2),
            (std::vector<std::string>{"2024-03-31T01:00:00.000Z", "2024-04-01T00:00:00.000Z"}));
  // Wildcard hour: the gap is skipped, firing goes on at 03:00 CEST, 15 real minutes apart.
  EXPECT_EQ(Next(Must("*/15 * * * *", "Europe/Paris"), Utc(2024, 3, 31, 0, 30), 3),
            (std::vector<std::string>{"2024-03-31T00:45:00.000Z", "2024-03-31T01:00:00.000Z",
                                      "2024-03-31T01:15:00.000Z"}));
  // ... also when the first time after the gap does not match: 02:30 is skipped, 03:30 runs.
  EXPECT_EQ(Next(Must("30 * * * *", "Europe/Paris"), Utc(2024, 3, 31), 3),
            (std::vector<std::string>{"2024-03-31T00:30:00.000Z", "2024-03-31T01:30:00.000Z",
                                      "2024-03-31T02:30:00.000Z"}));
  EXPECT_EQ(Next(Must("0 * * * *", "Europe/Paris"), Utc(2024, 3, 30, 23, 30), 3),
            (std::vector<std::string>{"2024-03-31T00:00:00.000Z", "2024-03-31T01:00:00.000Z",
                                      "2024-03-31T02:00:00.000Z"}));
}

TEST(CronDst, ParisFallBack) {
  // Fixed hour: 02:30 happens twice, fires at the first (CEST, 00:30Z) only.
  EXPECT_EQ(Next(Must("30 2 * * *", "Europe/Paris"), Utc(2024, 10, 26), 3),
            (std::vector<std::string>{"2024-10-26T00:30:00.000Z", "2024-10-27T00:30:00.000Z",
                                      "2024-10-28T01:30:00.000Z"}));
  // A fixed hour with a minute step: the first pass of the hour only.
  EXPECT_EQ(Next(Must("*/20 2 * * *", "Europe/Paris"), Utc(2024, 10, 26, 23), 4),
            (std::vector<std::string>{"2024-10-27T00:00:00.000Z", "2024-10-27T00:20:00.000Z",
                                      "2024-10-27T00:40:00.000Z", "2024-10-28T01:00:00.000Z"}));
  // Wildcard hour: both passes, every 15 real minutes.
  EXPECT_EQ(Next(Must("*/15 * * * *", "Europe/Paris"), Utc(2024, 10, 27, 0, 40), 6),
            (std::vector<std::string>{"2024-10-27T00:45:00.000Z", "2024-10-27T01:00:00.000Z",
                                      "2024-10-27T01:15:00.000Z", "2024-10-27T01:30:00.000Z",
                                      "2024-10-27T01:45:00.000Z", "2024-10-27T02:00:00.000Z"}));
  EXPECT_EQ(Next(Must("0 * * * *", "Europe/Paris"), Utc(2024, 10, 26, 23, 30), 3),
            (std::vector<std::string>{"2024-10-27T00:00:00.000Z", "2024-10-27T01:00:00.000Z",
                                      "2024-10-27T02:00:00.000Z"}));
}

// America/New_York 2024: 02:00 EST -> 03:00 EDT on March 10 (07:00Z), 02:00 EDT -> 01:00 EST
// on November 3 (06:00Z).
TEST(CronDst, NewYorkBothDirections) {
  EXPECT_EQ(Next(Must("30 2 * * *", "America/New_York"), Utc(2024, 3, 9, 7), 3),
            (std::vector<std::string>{"2024-03-09T07:30:00.000Z", "2024-03-10T07:00:00.000Z",
                                      "2024-03-11T06:30:00.000Z"}));
  EXPECT_EQ(Next(Must("0 * * * *", "America/New_York"), Utc(2024, 3, 10, 5, 30), 3),
            (std::vector<std::string>{"2024-03-10T06:00:00.000Z", "2024-03-10T07:00:00.000Z",
                                      "2024-03-10T08:00:00.000Z"}));
  // A step in the hour field is a wildcard hour: 02:00 EST does not exist and is skipped.
  EXPECT_EQ(Next(Must("0 */2 * * *", "America/New_York"), Utc(2024, 3, 10, 5), 2),
            (std::vector<std::string>{"2024-03-10T08:00:00.000Z", "2024-03-10T10:00:00.000Z"}));
  EXPECT_EQ(Next(Must("30 1 * * *", "America/New_York"), Utc(2024, 11, 2, 5, 30), 2),
            (std::vector<std::string>{"2024-11-03T05:30:00.000Z", "2024-11-04T06:30:00.000Z"}));
  EXPECT_EQ(Next(Must("0,30 * * * *", "America/New_York"), Utc(2024, 11, 3, 5), 4),
            (std::vector<std::string>{"2024-11-03T05:30:00.000Z", "2024-11-03T06:00:00.000Z",
                                      "2024-11-03T06:30:00.000Z", "2024-11-03T07:00:00.000Z"}));
  // A plain day away from transitions: 09:00 EST = 14:00Z, 09:00 EDT = 13:00Z.
  EXPECT_EQ(Show(Must("0 9 * * *", "America/New_York").NextAfter(Utc(2024, 1, 15))), "2024-01-15T14:00:00.000Z");
  EXPECT_EQ(Show(Must("0 9 * * *", "America/New_York").NextAfter(Utc(2024, 7, 15))), "2024-07-15T13:00:00.000Z");
}

TEST(CronLatestIn, FindsTheLatestFireTimeOfLongOutagesQuickly) {
  auto daily = Must("0 2 * * *");
  EXPECT_EQ(Show(daily.LatestIn(Utc(2024, 1, 1), Utc(2024, 3, 15, 12))), "2024-03-15T02:00:00.000Z");
  EXPECT_EQ(Show(daily.LatestIn(Utc(2024, 1, 1), Utc(2024, 1, 1, 2))), "2024-01-01T02:00:00.000Z");
  EXPECT_EQ(Show(daily.LatestIn(Utc(2024, 1, 1, 2), Utc(2024, 1, 2, 1))), "never");
  // Every minute over twenty years: the window walks back, not twenty years forward.
  EXPECT_EQ(Show(Must("* * * * *").LatestIn(Utc(2000, 1, 1), Utc(2020, 6, 1, 12, 30) + 5)),
            "2020-06-01T12:30:00.000Z");
  EXPECT_EQ(Show(Must("0 0 29 2 *").LatestIn(Utc(1990, 1, 1), Utc(2023, 1, 1))), "2020-02-29T00:00:00.000Z");
  EXPECT_EQ(Show(Must("0 0 30 2 *").LatestIn(Utc(1990, 1, 1), Utc(2023, 1, 1))), "never");
  EXPECT_EQ(Show(daily.LatestIn(Utc(2024, 1, 2), Utc(2024, 1, 1))), "never");
}

}  // namespace
}  // namespace etl::server
