// Time functions (language.md §11, stdlib/functions_time.cpp), all in UTC.
#include <charconv>

#include "runtime/fn_registry.h"

namespace etl::runtime {

namespace {

using Value = ast::Value;
using VK = Value::Kind;
using Args = std::span<const Value>;

Value Kinded(VK kind, int64_t v) {
  Value out;
  out.kind = kind;
  out.int_value = v;
  return out;
}
int64_t DaysOf(const Value& v) { return v.kind == VK::Date ? v.int_value : FloorDiv(v.int_value, kMicrosPerDay); }

bool Now(Args, const FnCall& call, Value& out, ValueError&) {
  out = Kinded(VK::Timestamp, call.ctx.now_us);
  return true;
}
// date(t), date(d), date("YYYY-MM-DD")
bool Date(Args a, const FnCall&, Value& out, ValueError& err) {
  if (a[0].kind != VK::String) {
    out = Kinded(VK::Date, DaysOf(a[0]));
    return true;
  }
  const std::string& s = a[0].string_value;
  int y = 0, m = 0, d = 0;
  bool ok = s.size() == 10 && s[4] == '-' && s[7] == '-' && std::from_chars(s.data(), s.data() + 4, y).ptr == s.data() + 4 &&
            std::from_chars(s.data() + 5, s.data() + 7, m).ptr == s.data() + 7 &&
            std::from_chars(s.data() + 8, s.data() + 10, d).ptr == s.data() + 10 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
  if (ok) {
    int64_t days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
    int64_t yy;
    unsigned mm, dd;
    CivilFromDays(days, yy, mm, dd);
    ok = mm == static_cast<unsigned>(m);  // 2024-02-31 rolls over: not a date
    if (ok) out = Kinded(VK::Date, days);
  }
  if (!ok) err = {"cast", "not a YYYY-MM-DD date: " + ast::ToLiteral(a[0])};
  return ok;
}
template <int Part>
bool CivilPart(Args a, const FnCall&, Value& out, ValueError&) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(DaysOf(a[0]), y, m, d);
  out = Value::Int(Part == 0 ? y : Part == 1 ? m : d);
  return true;
}
bool Hour(Args a, const FnCall&, Value& out, ValueError&) {
  out = Value::Int(a[0].kind == VK::Date ? 0 : (a[0].int_value - FloorDiv(a[0].int_value, kMicrosPerDay) * kMicrosPerDay) / 3600000000LL);
  return true;
}
bool Diff(Args a, const FnCall&, Value& out, ValueError& err) {
  int64_t x = a[0].kind == VK::Date ? a[0].int_value * kMicrosPerDay : a[0].int_value;
  int64_t y = a[1].kind == VK::Date ? a[1].int_value * kMicrosPerDay : a[1].int_value;
  int64_t r = 0;
  if (__builtin_sub_overflow(x, y, &r)) {
    err = {"overflow", "diff overflows a duration"};
    return false;
  }
  out = Kinded(VK::Duration, r);
  return true;
}
// trunc(t, unit): second, minute, hour, day, week (Monday), month, year.
bool Trunc(Args a, const FnCall&, Value& out, ValueError& err) {
  const std::string& unit = a[1].string_value;
  bool is_date = a[0].kind == VK::Date;
  int64_t us = is_date ? a[0].int_value * kMicrosPerDay : a[0].int_value;
  int64_t days = FloorDiv(us, kMicrosPerDay);
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  int64_t r;
  if (unit == "second") {
    r = FloorDiv(us, 1000000) * 1000000;
  } else if (unit == "minute") {
    r = FloorDiv(us, 60000000) * 60000000;
  } else if (unit == "hour") {
    r = FloorDiv(us, 3600000000LL) * 3600000000LL;
  } else if (unit == "day") {
    r = days * kMicrosPerDay;
  } else if (unit == "week") {
    r = (days - ((days + 3) % 7 + 7) % 7) * kMicrosPerDay;  // 1970-01-01 was a Thursday
  } else if (unit == "month") {
    r = DaysFromCivil(y, m, 1) * kMicrosPerDay;
  } else if (unit == "year") {
    r = DaysFromCivil(y, 1, 1) * kMicrosPerDay;
  } else {
    err = {"argument", "trunc: unknown unit \"" + unit + "\""};
    return false;
  }
  out = is_date ? Kinded(VK::Date, FloorDiv(r, kMicrosPerDay)) : Kinded(VK::Timestamp, r);
  return true;
}

constexpr FunctionImpl kFunctions[] = {
    {"now", Now},   {"date", Date},          {"year", CivilPart<0>}, {"month", CivilPart<1>},
    {"day", CivilPart<2>}, {"hour", Hour},   {"diff", Diff},         {"trunc", Trunc},
};

}  // namespace

std::span<const FunctionImpl> TimeFunctions() { return kFunctions; }

}  // namespace etl::runtime
