// The calling convention between the C++ side of a JIT kernel (jit_kernels.cpp) and the
// machine code it runs (jit_codegen.cpp): `void etl_kernel_<hash>(EtlJitArgs*)`, one call
// per batch and per segment. Plain C structs with fixed offsets: the code generator
// addresses their fields by index (kArgs* below), so the two sides must change together
// (and kCodegenVersion in jit_engine.cpp with them, which invalidates the object cache).
// docs/dev/jit.md "ABI".
#pragma once

#include <cstdint>

namespace etl::jit {

// One column the loop reads: an input field (read at the selection's row), a leaf's or a
// root leaf's result (dense, read at the batch row) or a param (one row, read at 0).
struct EtlJitColumn {
  const void* data;        // uint8 bools / int64 / int32 days / double / StringView (offset, length)
  const uint64_t* valid;   // validity words (bit set = valid); never null for nullable sources
  const char* bytes;       // String layout: the base the StringViews point into
  const uint8_t* failed;   // leaves and params: per row (params: row 0) 1 = the row failed there
};
// Field indexes of EtlJitColumn for the code generator.
enum : unsigned { kColData = 0, kColValid, kColBytes, kColFailed };

// One fixed-width result of a values kernel: written at the batch row.
struct EtlJitOutput {
  void* data;        // rows values of the result's layout
  uint64_t* valid;   // (rows + 63) / 64 words, zero on entry: the loop sets the valid bits
};
enum : unsigned { kOutData = 0, kOutValid };

// Everything one call of a kernel sees.
struct EtlJitArgs {
  uint64_t rows;                  // rows of the batch (input.Size())
  const uint32_t* selection;      // column rows of the batch's rows; null = 0 .. rows-1
  const EtlJitColumn* columns;    // the kernel's sources, in the plan's order
  EtlJitOutput* outputs;          // values kernels: one per expression (fixed-width ones)
  uint8_t* row_failed;            // rows x 1: set for a row that failed (later segments skip it)
  uint32_t* error_rows;           // rows capacity: the failed rows, in row order
  uint32_t* error_sites;          // the error site of each failed row (plan's site table)
  uint64_t error_count;           // in/out: entries used in error_rows / error_sites
  uint32_t* which;                // conditions kernels: rows x the deciding condition
};
enum : unsigned {
  kArgsRows = 0,
  kArgsSelection,
  kArgsColumns,
  kArgsOutputs,
  kArgsRowFailed,
  kArgsErrorRows,
  kArgsErrorSites,
  kArgsErrorCount,
  kArgsWhich,
};

// The helpers the generated code calls (absolute symbols of the JIT, jit_engine.cpp).
// Compares two byte strings like std::string_view::compare (negative, 0, positive): string
// ==, <, ... and `in` on strings.
extern "C" int EtlJitCompareBytes(const char* a, uint32_t a_length, const char* b, uint32_t b_length);

// len(s): the code points of a UTF-8 string (bytes that are not continuation bytes), as
// fn_string.cpp counts them.
extern "C" int64_t EtlJitCodePoints(const char* s, uint32_t length);
// starts_with (op 0), ends_with (1), contains (2) of two byte strings: 1 or 0.
extern "C" int32_t EtlJitStringTest(int32_t op, const char* s, uint32_t s_length, const char* t, uint32_t t_length);

using KernelFn = void (*)(EtlJitArgs*);

}  // namespace etl::jit
