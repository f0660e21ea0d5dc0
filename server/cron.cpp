#include "server/cron.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "compiler/sema/cron.h"

namespace etl::server {

namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kDay = 86'400;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int ParseValue(const std::string& text, int min, const std::vector<std::string>& names) {
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0]))) return std::stoi(text);
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = std::find(names.begin(), names.end(), lower);
  return min + static_cast<int>(it - names.begin());
}

// Sets the bits of one field. The spec was checked by sema::ValidateCron, so every item is
// well formed and in range. `a/n` means `a-max/n` (as in cronie and most other crons).
template <size_t N>
void ParseField(const std::string& text, int min, int max, const std::vector<std::string>& names, std::bitset<N>& bits) {
  std::istringstream list(text);
  for (std::string item; std::getline(list, item, ',');) {
    std::string range = item;
    int step = 1;
    if (auto slash = item.find('/'); slash != std::string::npos) {
      range = item.substr(0, slash);
      step = std::stoi(item.substr(slash + 1));
    }
    int lo = min, hi = max;
    if (range != "*") {
      if (auto dash = range.find('-'); dash != std::string::npos) {
        lo = ParseValue(range.substr(0, dash), min, names);
        hi = ParseValue(range.substr(dash + 1), min, names);
      } else {
        lo = ParseValue(range, min, names);
        hi = item.find('/') != std::string::npos ? max : lo;
      }
    }
    for (int v = lo; v <= hi; v += step) bits.set(static_cast<size_t>(v % static_cast<int>(N)));
  }
}

}  // namespace

std::optional<CronSchedule> CronSchedule::Parse(const std::string& spec, const std::string& timezone,
                                                std::string& error) {
  error = sema::ValidateCron(spec);
  if (!error.empty()) return std::nullopt;
  CronSchedule schedule;
  schedule.spec_ = spec;
  schedule.timezone_ = timezone;
  if (!timezone.empty()) {
    try {
      schedule.zone_ = date::locate_zone(timezone);
    } catch (const std::exception&) {
      error = "unknown time zone `" + timezone + "`";
      return std::nullopt;
    }
  }
  std::istringstream in(spec);
  std::vector<std::string> parts;
  for (std::string part; in >> part;) parts.push_back(part);
  static const std::vector<std::string> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                   "jul", "aug", "sep", "oct", "nov", "dec"};
  static const std::vector<std::string> kDays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  ParseField(parts[0], 0, 59, {}, schedule.minutes_);
  ParseField(parts[1], 0, 23, {}, schedule.hours_);
  ParseField(parts[2], 1, 31, {}, schedule.days_);
  ParseField(parts[3], 1, 12, kMonths, schedule.months_);
  // Day of week: `*` is 0-6; 7 is Sunday too (the modulo folds it onto 0).
  if (parts[4].front() == '*') {
    ParseField(parts[4], 0, 6, kDays, schedule.weekdays_);
  } else {
    ParseField(parts[4], 0, 7, kDays, schedule.weekdays_);
  }
  schedule.dom_star_ = parts[2].front() == '*';
  schedule.dow_star_ = parts[4].front() == '*';
  schedule.hour_wildcard_ = parts[1].find_first_of("*/") != std::string::npos;
  for (int m = 0; m < 60; ++m) {
    if (schedule.minutes_[m]) schedule.minute_list_.push_back(m);
  }
  for (int h = 0; h < 24; ++h) {
    if (schedule.hours_[h]) schedule.hour_list_.push_back(h);
  }
  return schedule;
}

bool CronSchedule::DayMatches(int64_t day) const {
  date::sys_days d{date::days{day}};
  date::year_month_day ymd{d};
  bool dom = days_[static_cast<unsigned>(ymd.day())];
  bool dow = weekdays_[date::weekday{d}.c_encoding()];
  // Vixie cron: when both fields are restricted a day matches either; else both must match
  // (the unrestricted one matches every day).
  if (!dom_star_ && !dow_star_) return dom || dow;
  return dom && dow;
}

std::optional<int64_t> CronSchedule::BestOnDay(int64_t day, int64_t after_us) const {
  const int64_t midnight = day * kDay;  // local seconds
  std::optional<int64_t> best;
  auto consider = [&](int64_t instant) {
    if (instant * kSecond > after_us && (!best || instant < *best)) best = instant;
  };
  if (zone_) {
    auto start = zone_->get_info(date::local_seconds{std::chrono::seconds{midnight}});
    auto end = zone_->get_info(date::local_seconds{std::chrono::seconds{midnight + kDay}});
    bool constant = start.result == date::local_info::unique && end.result == date::local_info::unique &&
                    start.first.begin == end.first.begin;
    if (!constant) {
      // A transition day: ask the zone about every candidate. Later local times never map
      // to earlier instants except inside a repeated (fall-back) period, so the scan stops
      // at the first unique or skipped-over time past `after`.
      for (int h : hour_list_) {
        for (int m : minute_list_) {
          date::local_seconds local{std::chrono::seconds{midnight + h * 3600 + m * 60}};
          auto info = zone_->get_info(local);
          int64_t local_s = local.time_since_epoch().count();
          if (info.result == date::local_info::unique) {
            consider(local_s - info.first.offset.count());
            if (best) return best;
          } else if (info.result == date::local_info::nonexistent) {
            // Spring forward: a fixed hour fires at the end of the gap; `*`/steps skip it.
            if (!hour_wildcard_) {
              consider(info.second.begin.time_since_epoch().count());
              if (best) return best;
            }
          } else {
            // Fall back: a fixed hour fires at the first occurrence; `*`/steps at both.
            consider(local_s - info.first.offset.count());
            if (hour_wildcard_) consider(local_s - info.second.offset.count());
          }
        }
      }
      return best;
    }
    const int64_t offset = start.first.offset.count();
    for (int h : hour_list_) {
      for (int m : minute_list_) {
        consider(midnight + h * 3600 + m * 60 - offset);
        if (best) return best;
      }
    }
    return best;
  }
  for (int h : hour_list_) {
    // A whole hour before `after` cannot hold the answer: skip it without looking at minutes.
    if ((midnight + h * 3600 + minute_list_.back() * 60) * kSecond <= after_us) continue;
    for (int m : minute_list_) {
      consider(midnight + h * 3600 + m * 60);
      if (best) return best;
    }
  }
  return best;
}

std::optional<int64_t> CronSchedule::NextAfter(int64_t after_us) const {
  int64_t after_s = FloorDiv(after_us, kSecond);
  int64_t offset = 0;
  if (zone_) offset = zone_->get_info(date::sys_seconds{std::chrono::seconds{after_s}}).offset.count();
  // Start a day early: around a fall-back the previous local day can still have instants ahead.
  int64_t day = FloorDiv(after_s + offset, kDay) - 1;
  const int64_t last_day = day + kHorizonDays;
  while (day <= last_day) {
    date::year_month_day ymd{date::sys_days{date::days{day}}};
    if (!months_[static_cast<unsigned>(ymd.month())]) {
      // Skip the rest of a month that cannot match.
      auto next_month = date::year_month{ymd.year(), ymd.month()} + date::months{1};
      day = date::sys_days{next_month / 1}.time_since_epoch().count();
      continue;
    }
    if (DayMatches(day)) {
      if (auto found = BestOnDay(day, after_us)) {
        // The next day can hold an earlier instant only when a transition moves a whole
        // repeated period across midnight; looking one day further settles it.
        if (DayMatches(day + 1)) {
          if (auto next = BestOnDay(day + 1, after_us); next && *next < *found) found = next;
        }
        return *found * kSecond;
      }
    }
    ++day;
  }
  return std::nullopt;
}

std::optional<int64_t> CronSchedule::LatestIn(int64_t after_us, int64_t until_us) const {
  if (until_us <= after_us) return std::nullopt;
  // Look back over a window that grows 4x at a time, then walk forward inside it: the walk
  // costs about the number of fire times in the window, never one step per missed minute of
  // a long outage.
  int64_t window = 3600 * kSecond;
  while (true) {
    int64_t lo = until_us - after_us <= window ? after_us : until_us - window;
    auto fire = NextAfter(lo);
    if (fire && *fire <= until_us) {
      int64_t latest = *fire;
      while (auto next = NextAfter(latest)) {
        if (*next > until_us) break;
        latest = *next;
      }
      return latest;
    }
    if (lo == after_us) return std::nullopt;
    window = window > INT64_MAX / 4 ? INT64_MAX : window * 4;
  }
}

}  // namespace etl::server
