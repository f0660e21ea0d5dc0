// `etlc logs RUN [--level L] [--step ID] [--format text|json]`: the structured log of a
// recorded run, read from the run store's events, in the order it was written. Text uses
// the console's rendering (runtime/run_log.h), JSON the exact lines of the run's
// log.jsonl. docs/cli.md.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"
#include "compiler/driver/run_lookup.h"
#include "runtime/run_log.h"

namespace etl::driver {
namespace {

// Severity order of the stored level names; -1 for a name that is not one.
int LevelRank(std::string_view level) {
  if (level == "debug") return 0;
  if (level == "info") return 1;
  if (level == "warn") return 2;
  if (level == "error") return 3;
  return -1;
}

runtime::LogLevel LevelOf(std::string_view level) {
  switch (LevelRank(level)) {
    case 0:
      return runtime::LogLevel::Debug;
    case 2:
      return runtime::LogLevel::Warn;
    case 3:
      return runtime::LogLevel::Error;
    default:
      return runtime::LogLevel::Info;
  }
}

// A stored field back as a value, for the console's rendering: JSON has no dates or
// durations, so they come back as the strings the log wrote.
ast::Value FieldValue(const nlohmann::ordered_json& json) {
  if (json.is_boolean()) return ast::Value::Bool(json.get<bool>());
  if (json.is_number_integer() && !(json.is_number_unsigned() && json.get<uint64_t>() > INT64_MAX))
    return ast::Value::Int(json.get<int64_t>());
  if (json.is_number()) return ast::Value::Float(json.get<double>());
  if (json.is_string()) return ast::Value::String(json.get<std::string>());
  ast::Value value;
  if (json.is_array()) {
    value.kind = ast::Value::Kind::List;
    for (const auto& item : json) value.items.push_back(FieldValue(item));
  } else if (json.is_object()) {
    value.kind = ast::Value::Kind::Record;
    for (const auto& [name, field] : json.items()) value.fields.emplace_back(name, FieldValue(field));
  }
  return value;
}

// A stored event as the executor emitted it (fields only for the text rendering).
runtime::RunEvent ToRunEvent(const runtime::StoredRun& run, const runtime::StoredEvent& stored, bool with_fields) {
  runtime::RunEvent event;
  event.time_us = stored.time_us;
  event.level = LevelOf(stored.level);
  event.run = run.id;
  event.pipeline = run.pipeline;
  event.step = stored.step;
  event.event = stored.event;
  if (with_fields) {
    auto fields = nlohmann::ordered_json::parse(stored.fields_json, nullptr, false);
    if (fields.is_object()) {
      for (const auto& [name, value] : fields.items()) event.fields.emplace_back(name, FieldValue(value));
    }
  }
  return event;
}

// The log.jsonl line of an event: EventToJson without fields, then the stored fields as
// they were written (the same ValueToJson text, so nothing is re-rounded).
std::string JsonLine(const runtime::StoredRun& run, const runtime::StoredEvent& stored) {
  std::string line = runtime::EventToJson(ToRunEvent(run, stored, false));
  std::string_view fields = stored.fields_json;
  if (fields.size() > 2 && fields.front() == '{' && fields.back() == '}') {
    line.pop_back();  // the closing brace
    line += ',';
    line += fields.substr(1);
  }
  return line;
}

// The console's line of an event, with its time: "2026-11-21T13:03:24.266Z warning: `calc`: ...".
std::string TextLine(const runtime::StoredRun& run, const runtime::StoredEvent& stored) {
  std::string_view label = stored.level == "warn" ? "warning" : std::string_view(stored.level);
  return fmt::format("{} {}: {}", runtime::FormatRfc3339(stored.time_us), label,
                     runtime::RenderEventText(ToRunEvent(run, stored, true)));
}

}  // namespace

int RunLogs(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"logs", "RUN [options]",
                   "Prints the structured log of a recorded run from the run store, in order.\n"
                   "RUN is a run id (see `etlc runs`), a unique prefix of one, or `last` (the\n"
                   "newest run). Text: one line per event, as the console shows them, with the\n"
                   "time; json: the lines of the run's log.jsonl.\n"
                   "Exit: 0 printed, 2 usage (also an unknown or ambiguous RUN), 3 the store\n"
                   "cannot be read."};
  po::options_description options("options");
  AddStoreOptions(options);
  options.add_options()("level", po::value<std::string>()->value_name("LEVEL")->default_value("debug"),
                        "only events at this level or above: debug, info, warn, error")(
      "step", po::value<std::string>()->value_name("ID"), "only the events of this step")(
      "format", po::value<std::string>()->value_name("FORMAT")->default_value("text"),
      "text (console lines) or json (JSON lines, as log.jsonl)");
  po::variables_map vm;
  std::vector<std::string> positional;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::One, args, vm, positional, io, "RUN")) return *done;
  StoreArgs where;
  if (auto done = StoreArgsFrom("logs", vm, where, io)) return *done;
  std::string level = vm["level"].as<std::string>();
  int min_rank = LevelRank(level);
  if (min_rank < 0) return UsageError("logs", "--level must be debug, info, warn or error", io);
  std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json") return UsageError("logs", "--format must be text or json", io);
  std::optional<std::string> step;
  if (vm.count("step")) step = vm["step"].as<std::string>();

  std::unique_ptr<runtime::RunStore> store;
  if (auto done = OpenStoreOf("logs", where, store, io)) return *done;
  runtime::StoredRun run;
  if (auto done = ResolveRun("logs", store.get(), where, positional[0], run, io)) return *done;
  std::vector<runtime::StoredEvent> events;
  if (auto error = store->EventsOf(run.id, events)) return StoreError("logs", *error, io);
  for (const runtime::StoredEvent& event : events) {
    int rank = LevelRank(event.level);
    if ((rank < 0 ? 1 : rank) < min_rank) continue;  // a level this etlc does not know counts as info
    if (step && event.step != *step) continue;
    io.out << (format == "json" ? JsonLine(run, event) : TextLine(run, event)) << '\n';
  }
  return kExitOk;
}

}  // namespace etl::driver
