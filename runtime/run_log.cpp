#include "runtime/run_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>

#include "runtime/value_json.h"

namespace etl::runtime {
namespace {

// Local on purpose: the `Spelling(LogLevel)` of run_events.h lives with the executor, and
// the console must not depend on it being linked.
std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::Debug:
      return "debug";
    case LogLevel::Info:
      return "info";
    case LogLevel::Warn:
      return "warn";
    case LogLevel::Error:
      return "error";
  }
  return "info";
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Whole seconds, coarse: "12 s", "2m05s", "1h02m" (an ETA is not precise anyway).
std::string FormatEta(int64_t us) {
  int64_t s = std::max<int64_t>(0, (us + 500'000) / 1'000'000);
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
}

// Field values on the console: strings as they are, the rest as etl literals.
std::string ConsoleValue(const ast::Value& value) {
  return value.kind == ast::Value::Kind::String ? value.string_value : ast::ToLiteral(value);
}

}  // namespace

std::string FormatCount(uint64_t count) {
  std::string digits = std::to_string(count);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string FormatSeconds(int64_t us) {
  if (us < 0) us = 0;
  if (us < 59'995'000) return fmt::format("{:.2f} s", static_cast<double>(us) / 1e6);
  int64_t s = (us + 500'000) / 1'000'000;
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
}

std::string FormatRfc3339(int64_t time_us) {
  int64_t seconds = FloorDiv(time_us, 1'000'000);
  int64_t millis = (time_us - seconds * 1'000'000) / 1000;
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

std::string EventToJson(const RunEvent& event) {
  std::string out = "{\"time\":";
  AppendJsonString(out, FormatRfc3339(event.time_us));
  out += ",\"level\":";
  AppendJsonString(out, LevelName(event.level));
  out += ",\"run\":";
  AppendJsonString(out, event.run);
  out += ",\"pipeline\":";
  AppendJsonString(out, event.pipeline);
  out += ",\"step\":";
  if (event.step.empty()) {
    out += "null";
  } else {
    AppendJsonString(out, event.step);
  }
  out += ",\"event\":";
  AppendJsonString(out, event.event);
  for (const auto& [name, value] : event.fields) {
    out += ',';
    AppendJsonString(out, name);
    out += ':';
    out += ValueToJson(value);
  }
  out += '}';
  return out;
}

ProgressEstimate EstimateProgress(const RunProgress& progress) {
  ProgressEstimate estimate;
  uint64_t bytes_in = 0, bytes_total = 0;
  bool sizes_known = true, any_source = false;
  for (const StepMetrics& step : progress.steps) {
    if (step.kind != ir::NodeKind::Source) continue;
    any_source = true;
    estimate.rows_read += step.rows_in;
    bytes_in += step.bytes_in;
    if (step.bytes_total) {
      bytes_total += *step.bytes_total;
    } else {
      sizes_known = false;
    }
  }
  int64_t elapsed_us = progress.now_us - progress.started_us;
  if (elapsed_us > 0) estimate.rows_per_second = static_cast<double>(estimate.rows_read) * 1e6 / elapsed_us;
  if (any_source && sizes_known && bytes_total > 0) {
    double fraction = std::min(1.0, static_cast<double>(bytes_in) / static_cast<double>(bytes_total));
    estimate.fraction = fraction;
    // The rate so far, extrapolated: the rest takes elapsed * (1 - f) / f.
    if (fraction > 0 && elapsed_us > 0) {
      estimate.eta_us = static_cast<int64_t>(std::llround(elapsed_us * (1.0 - fraction) / fraction));
    }
  }
  return estimate;
}

std::string RenderProgress(const ProgressEstimate& estimate) {
  std::string text = fmt::format("{} rows read, {} rows/s", FormatCount(estimate.rows_read),
                                 FormatCount(static_cast<uint64_t>(std::llround(estimate.rows_per_second))));
  if (estimate.fraction) {
    text += fmt::format(", {}%", static_cast<int>(std::floor(*estimate.fraction * 100)));
    if (estimate.eta_us) text += fmt::format(" (eta {})", FormatEta(*estimate.eta_us));
  }
  return text;
}

uint64_t RowsRead(const std::vector<StepMetrics>& steps) {
  uint64_t rows = 0;
  for (const StepMetrics& step : steps) {
    if (step.kind == ir::NodeKind::Source) rows += step.rows_in;
  }
  return rows;
}

std::string RenderSummaryTable(const std::vector<StepMetrics>& steps) {
  constexpr size_t kColumns = 7;
  // Text columns (step, kind) align left, the rest right.
  constexpr std::array<bool, kColumns> kRight = {false, false, true, true, true, true, true};
  std::vector<std::array<std::string, kColumns>> rows;
  rows.push_back({"step", "kind", "in", "out", "filtered", "errors", "time"});
  for (const StepMetrics& step : steps) {
    std::string kind = step.name.empty() ? std::string(ir::Spelling(step.kind)) : step.name;
    rows.push_back({step.step, kind, FormatCount(step.rows_in), FormatCount(step.rows_out),
                    FormatCount(step.filtered), FormatCount(step.errors), FormatSeconds(step.busy_us)});
  }
  std::array<size_t, kColumns> width{};
  for (const auto& row : rows) {
    for (size_t c = 0; c < kColumns; ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < kColumns; ++c) {
      if (c > 0) line += "  ";
      size_t pad = width[c] - row[c].size();
      if (kRight[c]) line.append(pad, ' ');
      line += row[c];
      if (!kRight[c]) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

std::string RenderRunSummary(std::string_view run_id, std::string_view status, int64_t elapsed_us,
                             uint64_t rows_read, uint64_t errors, std::string_view error_file) {
  std::string_view how = status == "succeeded" ? "in" : "after";
  std::string said = status == "timed_out" ? "timed out" : std::string(status);
  std::string text = fmt::format("run {} {} {} {}: {} row{} read, {} error{}", run_id, said, how,
                                 FormatSeconds(elapsed_us), FormatCount(rows_read), rows_read == 1 ? "" : "s",
                                 FormatCount(errors), errors == 1 ? "" : "s");
  if (errors > 0 && !error_file.empty()) text += fmt::format(" (see {})", error_file);
  return text;
}

void JsonLogWriter::OnEvent(const RunEvent& event) {
  line_ = EventToJson(event);
  line_ += '\n';
  out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
  out_.flush();
}

void FanOutObserver::Add(RunObserver* observer) {
  if (observer != nullptr) observers_.push_back(observer);
}

void FanOutObserver::OnEvent(const RunEvent& event) {
  for (RunObserver* observer : observers_) observer->OnEvent(event);
}

void FanOutObserver::OnProgress(const RunProgress& progress) {
  for (RunObserver* observer : observers_) observer->OnProgress(progress);
}

std::string RenderEventText(const RunEvent& event) {
  std::string text;
  if (!event.step.empty()) text += fmt::format("`{}`: ", event.step);
  const ast::Value* message = nullptr;
  std::vector<std::string> rest;
  for (const auto& [name, value] : event.fields) {
    if ((name == "message" || name == "failure" || name == "reason") && message == nullptr) {
      message = &value;
    } else {
      rest.push_back(fmt::format("{}={}", name, ConsoleValue(value)));
    }
  }
  text += message != nullptr ? ConsoleValue(*message) : event.event;
  if (!rest.empty()) text += fmt::format(" ({})", fmt::join(rest, ", "));
  return text;
}

void ConsoleReporter::OnEvent(const RunEvent& event) {
  if (event.level != LogLevel::Warn && event.level != LogLevel::Error) return;
  if (event.level == LogLevel::Warn && !options_.warnings) return;
  // How the run ended is the caller's summary line, not a second message.
  if (event.event == "run_finished" || event.event == "cancelled") return;
  ClearProgress();
  err_ << (event.level == LogLevel::Warn ? "warning: " : "error: ") << RenderEventText(event) << '\n';
  err_.flush();
}

void ConsoleReporter::OnProgress(const RunProgress& progress) {
  if (!options_.progress) return;
  if (last_drawn_us_ && progress.now_us - *last_drawn_us_ < options_.progress_every_us) return;
  last_drawn_us_ = progress.now_us;
  // \r then erase to the end of the line: the new text may be shorter than the old.
  err_ << '\r' << RenderProgress(EstimateProgress(progress)) << "\x1b[K";
  err_.flush();
  progress_shown_ = true;
}

void ConsoleReporter::ClearProgress() {
  if (!progress_shown_) return;
  err_ << "\r\x1b[K";
  err_.flush();
  progress_shown_ = false;
}

}  // namespace etl::runtime
