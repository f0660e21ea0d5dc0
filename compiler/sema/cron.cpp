#include "compiler/sema/cron.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <vector>

namespace etl::sema {

namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;
  std::vector<std::string> names;  // names[i] stands for min + i
};

bool ParseNumber(const std::string& text, const FieldSpec& field, int& out) {
  if (text.empty()) return false;
  if (std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (text.size() > 4) return false;
    out = std::stoi(text);
    return true;
  }
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (size_t i = 0; i < field.names.size(); ++i) {
    if (field.names[i] == lower) {
      out = field.min + static_cast<int>(i);
      return true;
    }
  }
  return false;
}

std::string CheckPart(const std::string& part, const FieldSpec& field) {
  std::string range = part;
  std::string step;
  if (auto slash = part.find('/'); slash != std::string::npos) {
    range = part.substr(0, slash);
    step = part.substr(slash + 1);
    int n = 0;
    if (!std::all_of(step.begin(), step.end(), [](unsigned char c) { return std::isdigit(c); }) || step.empty() ||
        step.size() > 4 || (n = std::stoi(step)) == 0) {
      return fmt::format("step `/{}` in the {} field must be a positive number", step, field.name);
    }
  }
  if (range == "*") return "";
  int lo = 0, hi = 0;
  if (auto dash = range.find('-'); dash != std::string::npos) {
    if (!ParseNumber(range.substr(0, dash), field, lo) || !ParseNumber(range.substr(dash + 1), field, hi)) {
      return fmt::format("`{}` is not a range of the {} field", range, field.name);
    }
    if (lo > hi) return fmt::format("range `{}` of the {} field is backwards", range, field.name);
  } else {
    if (!ParseNumber(range, field, lo)) return fmt::format("`{}` is not a valid {}", range, field.name);
    hi = lo;
  }
  // Day of week also accepts 7 for Sunday.
  int max = field.max + (std::string(field.name) == "day-of-week" ? 1 : 0);
  if (lo < field.min || hi > max) {
    return fmt::format("{} `{}` is out of range ({}-{})", field.name, range, field.min, field.max);
  }
  return "";
}

}  // namespace

std::string ValidateCron(const std::string& spec) {
  static const std::vector<FieldSpec> fields = {
      {"minute", 0, 59, {}},
      {"hour", 0, 23, {}},
      {"day-of-month", 1, 31, {}},
      {"month", 1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
      {"day-of-week", 0, 6, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
  };
  std::istringstream in(spec);
  std::vector<std::string> parts;
  for (std::string part; in >> part;) parts.push_back(part);
  if (parts.size() != 5) return fmt::format("expected 5 fields, found {}", parts.size());
  for (size_t i = 0; i < 5; ++i) {
    std::string item;
    std::istringstream list(parts[i]);
    if (parts[i].front() == ',' || parts[i].back() == ',') return fmt::format("empty item in the {} field", fields[i].name);
    while (std::getline(list, item, ',')) {
      if (item.empty()) return fmt::format("empty item in the {} field", fields[i].name);
      std::string error = CheckPart(item, fields[i]);
      if (!error.empty()) return error;
    }
  }
  return "";
}

std::string ValidateTimeZone(const std::string& name) {
  if (name.empty()) return "the time zone is empty (a tz database name such as \"Europe/Paris\", or leave `tz` out for UTC)";
  try {
    date::locate_zone(name);
    return "";
  } catch (const std::exception&) {
    // Not found, or the database itself cannot be read: both mean the server could not use it.
    return fmt::format("unknown time zone \"{}\"", name);
  }
}

std::vector<std::string> TimeZoneNames() {
  std::vector<std::string> names;
  try {
    for (const auto& zone : date::get_tzdb().zones) names.emplace_back(zone.name());
  } catch (const std::exception&) {
  }
  return names;
}

}  // namespace etl::sema
