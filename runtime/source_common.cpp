#include "runtime/source_common.h"

#include <chrono>

#include "runtime/value_json.h"

namespace etl::runtime {

ErrorRecord MakeSourceError(std::string_view step, std::string code, std::string message,
                            std::string_view raw, const std::string& file, uint64_t line) {
  ErrorRecord error;
  error.step = std::string(step);
  error.code = std::move(code);
  error.message = std::move(message);
  AppendJsonString(error.record, raw);
  error.source = file;
  error.line = static_cast<int64_t>(line);
  error.at_us = NowMicros();
  return error;
}

std::string QuoteForMessage(std::string_view text) {
  constexpr size_t kMax = 40;
  bool cut = text.size() > kMax;
  if (cut) {
    size_t end = kMax;  // keep whole UTF-8 sequences
    while (end > 1 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    text = text.substr(0, end);
  }
  std::string out;
  AppendJsonString(out, text);
  if (cut) out.insert(out.size() - 1, "…");
  return out;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace etl::runtime
