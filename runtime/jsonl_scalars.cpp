#include "runtime/jsonl_scalars.h"

#include "compiler/ast/calendar.h"

#include <limits>

namespace etl::runtime {

namespace {

using ast::DaysFromCivil;

bool Digits(std::string_view text, size_t at, size_t count, int& value) {
  if (at + count > text.size()) return false;
  value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}


bool DateAt(std::string_view text, int64_t& days) {
  int y, m, d;
  if (text.size() < 10 || !Digits(text, 0, 4, y) || text[4] != '-' || !Digits(text, 5, 2, m) || text[7] != '-' ||
      !Digits(text, 8, 2, d)) {
    return false;
  }
  static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > month_days[m - 1] + (m == 2 && leap ? 1 : 0)) return false;
  days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

}  // namespace

std::optional<int32_t> ParseIsoDate(std::string_view text) {
  int64_t days;
  if (text.size() != 10 || !DateAt(text, days)) return std::nullopt;
  return static_cast<int32_t>(days);
}

std::optional<int64_t> ParseIsoTimestamp(std::string_view text) {
  int64_t days;
  if (!DateAt(text, days) || text.size() < 19) return std::nullopt;
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
  int hh, mm, ss;
  if (!Digits(text, 11, 2, hh) || text[13] != ':' || !Digits(text, 14, 2, mm) || text[16] != ':' ||
      !Digits(text, 17, 2, ss) || hh > 23 || mm > 59 || ss > 59) {
    return std::nullopt;
  }
  size_t i = 19;
  int64_t micros = 0;
  if (i < text.size() && text[i] == '.') {
    size_t start = ++i;
    int64_t scale = 100000;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (scale > 0) micros += (text[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start || i - start > 9) return std::nullopt;
  }
  int64_t offset_seconds = 0;
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) {
    ++i;
  } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    int sign = text[i] == '-' ? -1 : 1;
    int oh, om;
    if (!Digits(text, i + 1, 2, oh)) return std::nullopt;
    size_t at = i + 3;
    if (at < text.size() && text[at] == ':') ++at;
    if (!Digits(text, at, 2, om) || oh > 23 || om > 59) return std::nullopt;
    offset_seconds = sign * (oh * 3600 + om * 60);
    i = at + 2;
  } else {
    return std::nullopt;  // no zone: the instant would be ambiguous
  }
  if (i != text.size()) return std::nullopt;
  int64_t seconds = days * 86400 + hh * 3600 + mm * 60 + ss - offset_seconds;
  return seconds * 1000000 + micros;
}

std::optional<int64_t> ParseTimeOrDate(std::string_view text) {
  if (auto timestamp = ParseIsoTimestamp(text)) return timestamp;
  if (auto date = ParseIsoDate(text)) return static_cast<int64_t>(*date) * 86'400'000'000;
  return std::nullopt;
}

std::optional<int64_t> ParseDurationText(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && text[i] == '-') {
    negative = true;
    ++i;
  }
  if (i == text.size()) return std::nullopt;
  int64_t total = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    int64_t number = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (__builtin_mul_overflow(number, 10, &number) || __builtin_add_overflow(number, text[i] - '0', &number)) {
        return std::nullopt;
      }
      ++i;
    }
    int64_t unit;
    std::string_view rest = text.substr(i);
    if (rest.starts_with("ms")) { unit = 1000; i += 2; }
    else if (rest.starts_with("us")) { unit = 1; i += 2; }
    else if (rest.starts_with("d")) { unit = 86400000000LL; i += 1; }
    else if (rest.starts_with("h")) { unit = 3600000000LL; i += 1; }
    else if (rest.starts_with("m")) { unit = 60000000LL; i += 1; }
    else if (rest.starts_with("s")) { unit = 1000000LL; i += 1; }
    else return std::nullopt;
    int64_t part;
    if (__builtin_mul_overflow(number, unit, &part) || __builtin_add_overflow(total, part, &total)) return std::nullopt;
  }
  return negative ? -total : total;
}

bool ParseDecimalText(std::string_view text, int precision, int scale, __int128& unscaled, std::string& error) {
  error.clear();
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  // Collect significant digits and the position of the point, then apply the exponent.
  std::string_view int_part, frac_part;
  size_t start = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  int_part = text.substr(start, i - start);
  if (i < text.size() && text[i] == '.') {
    size_t f = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    frac_part = text.substr(f, i - f);
  }
  int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) exp_negative = text[i++] == '-';
    size_t e = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (exponent < 100000) exponent = exponent * 10 + (text[i] - '0');
      ++i;
    }
    if (i == e) i = text.size() + 1;  // force the error below
    if (exp_negative) exponent = -exponent;
  }
  if (i != text.size() || (int_part.empty() && frac_part.empty())) {
    error = "not a decimal number";
    return false;
  }
  // The number is D * 10^(exponent - |frac|) for the digit string D; at `scale` the
  // unscaled value is D * 10^shift, dropping -shift digits (rounded) when shift < 0.
  int64_t shift = exponent - static_cast<int64_t>(frac_part.size()) + scale;
  int64_t total = static_cast<int64_t>(int_part.size() + frac_part.size());
  int64_t keep = shift >= 0 ? total : total + shift;  // digits of D that stay
  __int128 limit = 1;
  for (int d = 0; d < precision; ++d) limit *= 10;
  __int128 value = 0;
  auto too_big = [&] {
    error = "more than " + std::to_string(precision - scale) + " integer digits";
    return false;
  };
  // Grows value by one digit; value >= limit / 10 means the result would reach limit.
  auto push = [&](int digit) {
    if (value >= limit / 10 && (value > 0 || digit > 0)) return false;
    value = value * 10 + digit;
    return value < limit;
  };
  int64_t k = 0;
  int round_digit = 0;
  for (auto part : {int_part, frac_part}) {
    for (char c : part) {
      if (k < keep) {
        if (!push(c - '0')) return too_big();
      } else if (k == keep) {
        round_digit = c - '0';
      }
      ++k;
    }
  }
  for (int64_t z = 0; z < shift; ++z) {
    if (value == 0) break;
    if (!push(0)) return too_big();
  }
  if (round_digit >= 5 && ++value >= limit) return too_big();  // half away from zero
  unscaled = negative ? -value : value;
  return true;
}

std::string DecimalToText(__int128 unscaled, int scale) {
  bool negative = unscaled < 0;
  unsigned __int128 v = negative ? static_cast<unsigned __int128>(-(unscaled + 1)) + 1 : static_cast<unsigned __int128>(unscaled);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v > 0);
  if (static_cast<int>(digits.size()) <= scale) digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
  if (scale > 0) digits.insert(digits.size() - static_cast<size_t>(scale), ".");
  return negative ? "-" + digits : digits;
}

bool DecodeBase64(std::string_view text, std::string& out) {
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  size_t n = text.size();
  if (n % 4 == 0 && n > 0 && text[n - 1] == '=') n -= text[n - 2] == '=' ? 2 : 1;
  if (n % 4 == 1) return false;
  uint32_t bits = 0;
  int count = 0;
  for (size_t i = 0; i < n; ++i) {
    int s = sextet(text[i]);
    if (s < 0) return false;
    bits = (bits << 6) | static_cast<uint32_t>(s);
    if (++count == 4) {
      out.push_back(static_cast<char>(bits >> 16));
      out.push_back(static_cast<char>(bits >> 8));
      out.push_back(static_cast<char>(bits));
      bits = 0;
      count = 0;
    }
  }
  if (count == 2) out.push_back(static_cast<char>(bits >> 4));
  if (count == 3) {
    out.push_back(static_cast<char>(bits >> 10));
    out.push_back(static_cast<char>(bits >> 2));
  }
  return true;
}

}  // namespace etl::runtime
