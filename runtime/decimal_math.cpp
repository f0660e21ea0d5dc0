#include "runtime/decimal_math.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "runtime/jsonl_scalars.h"

namespace etl::runtime::decimal {

namespace {

using U128 = unsigned __int128;

const char* kOverflow = "overflow";
const char* kDivZero = "division_by_zero";

// An unsigned 256-bit magnitude.
struct U256 {
  U128 hi = 0, lo = 0;
};

U128 Magnitude(__int128 x) { return x < 0 ? -static_cast<U128>(x) : static_cast<U128>(x); }

U256 Mul(U128 a, U128 b) {
  const U128 mask = ~uint64_t{0};
  U128 a0 = a & mask, a1 = a >> 64, b0 = b & mask, b1 = b >> 64;
  U128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  U128 mid = (p00 >> 64) + (p01 & mask) + (p10 & mask);  // < 3 * 2^64: no overflow
  U256 r;
  r.lo = (p00 & mask) | (mid << 64);
  r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
  return r;
}

// x * m, false on overflow of 256 bits.
bool MulWide(U256 x, U128 m, U256& out) {
  U128 high = 0;
  if (__builtin_mul_overflow(x.hi, m, &high)) return false;
  U256 low = Mul(x.lo, m);
  out.lo = low.lo;
  return !__builtin_add_overflow(high, low.hi, &out.hi);
}

bool Less(const U256& a, const U256& b) { return a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo; }

// x / d rounded half away from zero (d > 0); false when the quotient needs more than 127 bits.
bool DivRound(U256 x, U128 d, U128& q) {
  U128 r = 0;
  if (x.hi == 0) {
    q = x.lo / d;
    r = x.lo % d;
  } else {
    if (x.hi >= d) return false;
    r = x.hi;
    q = 0;
    for (int bit = 127; bit >= 0; --bit) {
      bool carry = (r >> 127) != 0;
      r = (r << 1) | ((x.lo >> bit) & 1);
      q <<= 1;
      if (carry || r >= d) {
        r -= d;
        q |= 1;
      }
    }
  }
  if (r >= d - r) ++q;  // r * 2 >= d without overflowing
  return q <= (~U128{0} >> 1);
}

}  // namespace

__int128 Pow10(int n) {
  static const auto table = [] {
    struct Table { __int128 v[39]; } t{};
    t.v[0] = 1;
    for (int i = 1; i <= 38; ++i) t.v[i] = t.v[i - 1] * 10;
    return t;
  }();
  return table.v[n < 0 ? 0 : n > 38 ? 38 : n];
}

bool Fits(__int128 x, int precision) { return Magnitude(x) < static_cast<U128>(Pow10(precision)); }

bool Rescale(__int128 x, int from, int to, __int128& out) {
  if (to >= from) return !__builtin_mul_overflow(x, Pow10(to - from), &out);
  int drop = from - to;
  if (drop > 38) {
    out = 0;
    return true;
  }
  U128 d = static_cast<U128>(Pow10(drop));
  U128 m = Magnitude(x);
  U128 q = m / d, r = m % d;
  if (r >= d - r) ++q;
  out = x < 0 ? -static_cast<__int128>(q) : static_cast<__int128>(q);
  return true;
}

int Compare(__int128 a, int sa, __int128 b, int sb) {
  if (sa == sb) return a < b ? -1 : a > b;
  int sign_a = a < 0 ? -1 : a > 0, sign_b = b < 0 ? -1 : b > 0;
  if (sign_a != sign_b) return sign_a < sign_b ? -1 : 1;
  int scale = sa > sb ? sa : sb;
  U256 x = Mul(Magnitude(a), static_cast<U128>(Pow10(scale - sa)));
  U256 y = Mul(Magnitude(b), static_cast<U128>(Pow10(scale - sb)));
  int c = Less(x, y) ? -1 : Less(y, x) ? 1 : 0;
  return sign_a < 0 ? -c : c;
}

const char* Arith(ast::BinaryOp op, __int128 a, int sa, __int128 b, int sb, int precision, int scale, __int128& out) {
  using ast::BinaryOp;
  if ((op == BinaryOp::Div || op == BinaryOp::Mod) && b == 0) return kDivZero;
  bool negative = (a < 0) != (b < 0);
  switch (op) {
    case BinaryOp::Add:
    case BinaryOp::Sub:
    case BinaryOp::Mod: {
      __int128 x = 0, y = 0;
      if (!Rescale(a, sa, scale, x) || !Rescale(b, sb, scale, y)) return kOverflow;
      if (op == BinaryOp::Add) {
        if (__builtin_add_overflow(x, y, &out)) return kOverflow;
      } else if (op == BinaryOp::Sub) {
        if (__builtin_sub_overflow(x, y, &out)) return kOverflow;
      } else {
        out = static_cast<__int128>(Magnitude(x) % Magnitude(y));
        if (x < 0) out = -out;
      }
      break;
    }
    case BinaryOp::Mul: {
      U256 product = Mul(Magnitude(a), Magnitude(b));  // at scale sa + sb
      int shift = scale - (sa + sb);
      U128 m = 0;
      if (shift >= 0) {
        U256 scaled;
        if (!MulWide(product, static_cast<U128>(Pow10(shift)), scaled) || scaled.hi != 0) return kOverflow;
        m = scaled.lo;
        if (m > (~U128{0} >> 1)) return kOverflow;
      } else if (!DivRound(product, static_cast<U128>(Pow10(-shift)), m)) {
        return kOverflow;
      }
      out = negative ? -static_cast<__int128>(m) : static_cast<__int128>(m);
      break;
    }
    case BinaryOp::Div: {
      // a / b at `scale` = a * 10^(scale + sb - sa) / b; the exponent is >= 0 as scale >= sa.
      int e = scale + sb - sa;
      U256 numerator = Mul(Magnitude(a), static_cast<U128>(Pow10(e > 38 ? 38 : e)));
      if (e > 38 && !MulWide(numerator, static_cast<U128>(Pow10(e - 38)), numerator)) return kOverflow;
      U128 m = 0;
      if (!DivRound(numerator, Magnitude(b), m)) return kOverflow;
      out = negative ? -static_cast<__int128>(m) : static_cast<__int128>(m);
      break;
    }
    default: return kOverflow;
  }
  return Fits(out, precision) ? nullptr : kOverflow;
}

const char* Negate(__int128 x, int precision, __int128& out) {
  out = -x;  // |x| < 10^38 < 2^127: never wraps for a value of a decimal column
  return Fits(out, precision) ? nullptr : kOverflow;
}

double ToDouble(__int128 x, int scale) {
  std::string text = ast::DecimalText(x, scale);
  return std::strtod(text.c_str(), nullptr);
}

bool FromDouble(double x, int precision, int scale, __int128& out, std::string& error) {
  if (!std::isfinite(x)) {
    error = "not a finite number";
    return false;
  }
  std::string text = fmt::format("{}", x);
  return ParseDecimalText(text, precision, scale, out, error);
}

bool ToInt(__int128 x, int scale, int64_t& out) {
  __int128 q = x / Pow10(scale);  // C++ truncates toward zero
  if (q < INT64_MIN || q > INT64_MAX) return false;
  out = static_cast<int64_t>(q);
  return true;
}

}  // namespace etl::runtime::decimal
