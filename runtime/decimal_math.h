// Exact decimal arithmetic on unscaled 128-bit integers (value * 10^scale), for the
// interpreter's typed loops, the reference evaluator, casts and constants. Products and
// quotients are formed exactly in 256 bits and rounded half away from zero to the result
// scale; a result that does not fit the result precision is an overflow (language.md §14).
#pragma once

#include <cstdint>
#include <string>

#include "compiler/ast/ast.h"

namespace etl::runtime::decimal {

// 10^n for 0 <= n <= 38.
__int128 Pow10(int n);
// Whether |x| < 10^precision.
bool Fits(__int128 x, int precision);
// `x` at scale `from` rescaled to scale `to`, rounding half away from zero when digits are
// dropped. False when the result does not fit 128 bits.
bool Rescale(__int128 x, int from, int to, __int128& out);
// Exact three-way comparison of a (scale sa) with b (scale sb): -1, 0 or 1.
int Compare(__int128 a, int sa, __int128 b, int sb);
// a op b for + - * / % into decimal(precision, scale). Returns nullptr, "overflow" or
// "division_by_zero". `/` and `*` round half away from zero; `%` takes the dividend's sign.
const char* Arith(ast::BinaryOp op, __int128 a, int sa, __int128 b, int sb, int precision, int scale, __int128& out);
// -x, or "overflow" when it does not fit `precision` (never for a value that fits it).
const char* Negate(__int128 x, int precision, __int128& out);
// The nearest double to the exact value.
double ToDouble(__int128 x, int scale);
// A double rounded half away from zero to `scale` digits, from its shortest round-trip text
// (so 2.675 becomes 2.68, as printed). False for NaN, infinities and values too large;
// `error` says why.
bool FromDouble(double x, int precision, int scale, __int128& out, std::string& error);
// The value truncated toward zero to an int64; false when it does not fit.
bool ToInt(__int128 x, int scale, int64_t& out);

}  // namespace etl::runtime::decimal
