#include "runtime/run_record.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "runtime/fn_hash.h"
#include "runtime/run_log.h"
#include "runtime/jsonl_scalars.h"
#include "runtime/value_json.h"

namespace etl::runtime {

namespace {

// One line of the error file as a StoredError; an error message when it is not one.
std::optional<std::string> ParseErrorLine(const std::string& line, StoredError& error) {
  // ordered_json keeps the record's field order as the executor wrote it.
  auto json = nlohmann::ordered_json::parse(line, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return "not a JSON object";
  auto text = [&](const char* key) -> std::string {
    auto it = json.find(key);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  error.step = text("step");
  error.code = text("code");
  error.message = text("message");
  auto record = json.find("record");
  error.record = record == json.end() ? "null" : record->dump();
  auto source = json.find("source");
  error.source.reset();
  if (source != json.end() && source->is_string()) error.source = source->get<std::string>();
  auto number = json.find("line");
  error.line.reset();
  if (number != json.end() && number->is_number_integer()) error.line = number->get<int64_t>();
  auto at = runtime::ParseIsoTimestamp(text("at"));
  if (!at) return "no valid `at`";
  error.at_us = *at;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> StoreErrorFile(RunStore& store, const std::string& run_id,
                                          const std::string& path, uint64_t skip, size_t batch) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;  // the executor creates it only when a record goes there
  std::vector<StoredError> errors;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (skip > 0) {
      --skip;
      continue;
    }
    StoredError error;
    if (auto problem = ParseErrorLine(line, error)) return fmt::format("{}:{}: {}", path, number, *problem);
    errors.push_back(std::move(error));
    if (errors.size() >= batch) {
      if (auto problem = store.AddErrors(run_id, errors)) return problem;
      errors.clear();
    }
  }
  if (in.bad()) return fmt::format("cannot read `{}`", path);
  return store.AddErrors(run_id, errors);
}

std::string ParamsJson(const std::map<std::string, ast::Value, std::less<>>& params) {
  std::string out = "{";
  for (const auto& [name, value] : params) {
    if (out.size() > 1) out += ',';
    runtime::AppendJsonString(out, name);
    out += ':';
    out += runtime::ValueToJson(value);
  }
  out += '}';
  return out;
}

std::string MakeRunId(int64_t now_us) {
  std::string stamp = FormatRfc3339(now_us);  // 2024-01-31T12:00:00.000Z
  std::string compact;
  for (char c : stamp.substr(0, 19)) {
    if (c != '-' && c != ':') compact += c;
  }
  std::random_device random;
  return fmt::format("{}Z-{:06x}", compact, random() & 0xffffff);
}

std::optional<std::string> RecordRunEnd(RunStore& store, StoreEventRecorder& events, const std::string& run_id,
                                        const std::string& error_file, const RunResult& result,
                                        uint64_t errors_stored) {
  events.Flush();
  std::optional<std::string> problem = events.LastError();
  if (!problem) problem = StoreErrorFile(store, run_id, error_file, errors_stored);
  RunEnd end;
  end.status = std::string(Spelling(result.status));
  end.failure = result.failure;
  end.finished_us = result.finished_us;
  end.rows_in = RowsRead(result.steps);
  end.errors = result.errors;
  end.steps = result.steps;
  if (auto finish = store.FinishRun(run_id, end); finish && !problem) problem = finish;
  return problem;
}

std::string PlanHash(std::string_view plan_json) {
  return fmt::format("{:016x}", runtime::XxHash64(plan_json, 0));
}

}  // namespace etl::runtime
