#include "server/api_json.h"

#include "runtime/run_log.h"
#include "runtime/value_json.h"

namespace etl::server {

namespace {

nlohmann::json OptionalMs(std::optional<int64_t> us) {
  return us ? nlohmann::json(*us / 1000) : nlohmann::json(nullptr);
}

nlohmann::json OptionalText(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

}  // namespace

nlohmann::json TimeJson(std::optional<int64_t> time_us) {
  return time_us ? nlohmann::json(runtime::FormatRfc3339(*time_us)) : nlohmann::json(nullptr);
}

nlohmann::json ParseOrString(const std::string& text) {
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  return value.is_discarded() ? nlohmann::json(text) : value;
}

nlohmann::json RunJson(const runtime::StoredRun& run) {
  // A run cancelled while queued never started: its started_at is still the queue time
  // (StartQueuedRun sets a later one).
  bool queued = run.status == "queued" || (run.status == "cancelled" && run.queued_us && run.started_us == run.queued_us);
  std::optional<int64_t> started = queued ? std::nullopt : std::optional<int64_t>(run.started_us);
  std::optional<int64_t> duration;
  if (started && run.finished_us) duration = (*run.finished_us - *started) / 1000;
  nlohmann::json params = ParseOrString(run.params_json);
  nlohmann::json trigger = ParseOrString(run.trigger_json);
  if (!trigger.is_object()) trigger = {{"kind", "cli"}};
  return {{"id", run.id},
          {"pipeline", run.pipeline},
          {"status", run.status},
          {"failure", OptionalText(run.failure)},
          {"trigger", trigger},
          {"params", params.is_object() ? params : nlohmann::json::object()},
          {"queued_at", TimeJson(run.queued_us ? run.queued_us : run.started_us)},
          {"started_at", TimeJson(started)},
          {"finished_at", TimeJson(run.finished_us)},
          {"duration_ms", duration ? nlohmann::json(*duration) : nlohmann::json(nullptr)},
          {"rows_in", run.rows_in},
          {"errors", run.errors},
          {"attempts", run.attempts},
          {"plan_hash", run.plan_hash},
          {"source_file", run.source_file}};
}

nlohmann::json PipelineJson(const ProjectPipeline& pipeline, const PipelineActivity& activity,
                            const std::optional<runtime::StoredRun>& last_run) {
  const ir::Settings& s = pipeline.Pipeline().settings;
  nlohmann::json triggers = nlohmann::json::array();
  for (const ir::Trigger& trigger : s.triggers) {
    std::string arg = trigger.args.empty() || !trigger.args.front().value ? "" : trigger.args.front().value->string_value;
    triggers.push_back({{"kind", trigger.kind}, {"arg", arg}});
  }
  nlohmann::json settings = {
      {"schedule", s.schedule ? nlohmann::json(s.schedule->cron) : nlohmann::json(nullptr)},
      {"timezone", s.schedule && !s.schedule->timezone.empty() ? nlohmann::json(s.schedule->timezone)
                                                               : nlohmann::json(nullptr)},
      {"every_ms", OptionalMs(s.every_us)},
      {"after", s.after},
      {"triggers", triggers},
      {"retries", s.retry ? s.retry->count : 0},
      {"backoff_ms", s.retry && s.retry->backoff_us ? nlohmann::json(s.retry->backoff_us / 1000) : nlohmann::json(nullptr)},
      {"timeout_ms", OptionalMs(s.timeout_us)},
      {"concurrency", s.concurrency.value_or(1)},
      {"max_errors", s.max_errors ? nlohmann::json(*s.max_errors) : nlohmann::json(nullptr)},
      {"persist", OptionalText(s.persist)}};
  nlohmann::json params = nlohmann::json::array();
  for (const ir::Param& param : pipeline.plan->params) {
    params.push_back({{"name", param.name},
                      {"type", ast::ToString(param.type)},
                      {"required", param.required},
                      {"default", param.default_value ? ParseOrString(runtime::ValueToJson(*param.default_value))
                                                      : nlohmann::json(nullptr)}});
  }
  return {{"name", pipeline.name},
          {"file", pipeline.file},
          {"compiles", pipeline.compiles},
          {"plan_hash", pipeline.plan_hash},
          {"settings", settings},
          {"params", params},
          {"next_fire", TimeJson(activity.next_fire_us)},
          {"running", activity.running},
          {"queued", activity.queued},
          {"last_run", last_run ? RunJson(*last_run) : nlohmann::json(nullptr)}};
}

nlohmann::json EventJson(const runtime::StoredEvent& event) {
  nlohmann::json fields = ParseOrString(event.fields_json);
  return {{"time", TimeJson(event.time_us)},
          {"level", event.level},
          {"step", OptionalText(event.step)},
          {"event", event.event},
          {"fields", fields.is_object() ? fields : nlohmann::json::object()}};
}

nlohmann::json ErrorRecordJson(const runtime::StoredError& error) {
  return {{"step", error.step},
          {"code", error.code},
          {"message", error.message},
          {"record", ParseOrString(error.record)},
          {"source", error.source ? nlohmann::json(*error.source) : nlohmann::json(nullptr)},
          {"line", error.line ? nlohmann::json(*error.line) : nlohmann::json(nullptr)},
          {"at", TimeJson(error.at_us)}};
}

nlohmann::json StepJson(const runtime::StepMetrics& step) {
  return {{"step", step.step},
          {"kind", std::string(ir::Spelling(step.kind))},
          {"name", step.name},
          {"rows_in", step.rows_in},
          {"rows_out", step.rows_out},
          {"filtered", step.filtered},
          {"errors", step.errors},
          {"busy_ms", step.busy_us / 1000}};
}

nlohmann::json TokenJson(const runtime::StoredToken& token) {
  return {{"id", token.id},
          {"name", token.name},
          {"role", token.role},
          {"created_at", TimeJson(token.created_us)},
          {"last_used_at", TimeJson(token.last_used_us)},
          {"revoked_at", TimeJson(token.revoked_us)}};
}

nlohmann::json AuditJson(const runtime::AuditEntry& entry) {
  nlohmann::json detail = ParseOrString(entry.detail_json);
  return {{"seq", entry.seq},
          {"time", TimeJson(entry.time_us)},
          {"token_id", OptionalText(entry.token_id)},
          {"token_name", OptionalText(entry.token_name)},
          {"role", OptionalText(entry.role)},
          {"action", entry.action},
          {"status", entry.status},
          {"detail", detail.is_object() ? detail : nlohmann::json::object()}};
}

}  // namespace etl::server
