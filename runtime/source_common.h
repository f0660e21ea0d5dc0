// Pieces shared by the typed sources (csv, jsonl, generate): counters, the fatal-failure
// convention and error records for input that does not fit the schema.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/input_stream.h"
#include "runtime/step.h"

namespace etl::runtime {

// Counters of one source: records_in == rows_out + errors at every point.
struct SourceStats {
  uint64_t records_in = 0;  // data records read (good and bad)
  uint64_t rows_out = 0;    // rows emitted in batches
  uint64_t errors = 0;      // records sent to `.errors`
  uint64_t bytes = 0;       // decompressed input bytes consumed
  uint64_t files = 0;       // files opened
};

// An error record of a source: `record` is the raw input text as a JSON string.
ErrorRecord MakeSourceError(std::string_view step, std::string code, std::string message,
                            std::string_view raw, const std::string& file, uint64_t line);

// `text` as a short JSON string for messages ("\"two\""), cut to about 40 bytes.
std::string QuoteForMessage(std::string_view text);

// Microseconds since the epoch now (error records' `at`).
int64_t NowMicros();

}  // namespace etl::runtime
