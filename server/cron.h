// Cron schedules of `etlc serve` (`schedule "0 2 * * *" tz "Europe/Paris"`): parsing and the
// next fire time, with the time-zone and DST rules of docs/serve.md#scheduling.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace date {
class time_zone;
}

namespace etl::server {

// A parsed 5-field cron schedule in a time zone.
class CronSchedule {
 public:
  // How far NextAfter looks ahead: 28 years, one cycle of weekdays and leap years (in
  // 1901-2099), so every day-of-month/month/day-of-week combination that ever matches comes
  // up (Feb 29 within 8 years; "Feb 1 that is a Monday" can take 11). A schedule that
  // matches no day within it never fires.
  static constexpr int kHorizonDays = 28 * 366;

  // nullopt and `error` when spec or timezone ("" = UTC) is invalid.
  static std::optional<CronSchedule> Parse(const std::string& spec, const std::string& timezone, std::string& error);

  // The first fire time strictly after `after_us` (UTC microseconds since the epoch);
  // nullopt when none within kHorizonDays (e.g. "0 0 30 2 *").
  std::optional<int64_t> NextAfter(int64_t after_us) const;

  // The latest fire time in (after_us, until_us], nullopt when none (catch-up and late polls).
  std::optional<int64_t> LatestIn(int64_t after_us, int64_t until_us) const;

  // The spec and the time zone as given.
  const std::string& Spec() const { return spec_; }
  const std::string& Timezone() const { return timezone_; }

 private:
  CronSchedule() = default;
  bool DayMatches(int64_t day) const;
  // The earliest fire instant (UTC seconds) > after_us among the local times of local day `day`.
  std::optional<int64_t> BestOnDay(int64_t day, int64_t after_us) const;

  std::string spec_;
  std::string timezone_;
  const date::time_zone* zone_ = nullptr;  // null: UTC (no lookups)
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;      // 1..31
  std::bitset<13> months_;    // 1..12
  std::bitset<7> weekdays_;   // 0 = Sunday
  bool dom_star_ = false;     // day-of-month starts with `*`: the Vixie OR rule does not apply
  bool dow_star_ = false;
  bool hour_wildcard_ = false;  // hour is `*` or has a step: DST follows real time (see docs)
  std::vector<int> minute_list_;  // the set bits, ascending
  std::vector<int> hour_list_;
};

}  // namespace etl::server
