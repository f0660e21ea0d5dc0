// Where a splitting `csv` source cuts a mapped file into pieces (docs/dev/runtime-csv.md,
// "Pieces"): serial work done before the pieces are parsed in parallel, so it must cost far
// less than parsing: one SIMD pass counting quote bytes, then a short scan to a line end.
#pragma once

#include <cstddef>
#include <cstdint>

namespace etl::runtime {

// The end of the piece that starts at `begin` (a record start, so outside quotes) of
// data[0, size) and holds about `target` bytes: the first line end outside quotes at or
// after begin + target, judged by the parity of the quote bytes since `begin` (`""` toggles
// twice), or `size`. Only a guess on malformed input (a stray quote flips the parity): the
// source checks that each piece starts where the previous one really stopped.
uint64_t FindCsvCut(const char* data, uint64_t size, uint64_t begin, uint64_t target, char quote);

// Whether data[0, size) holds an odd number of bytes equal to `byte` (SSE2 where available:
// per-lane XOR of the compares, no count, so about one instruction per 16 bytes).
bool OddCsvByteCount(const char* data, uint64_t size, char byte);

}  // namespace etl::runtime
