// The JSON shapes of the REST API (docs/api/openapi.yaml): runs, pipelines, events,
// errors, step metrics, tokens and audit entries as the API shows them.
#pragma once

#include <nlohmann/json.hpp>

#include "runtime/run_store.h"
#include "server/project.h"
#include "server/service.h"

namespace etl::server {

// RFC 3339 with milliseconds, UTC ("2024-01-31T12:00:00.000Z"); null for nullopt.
nlohmann::json TimeJson(std::optional<int64_t> time_us);
nlohmann::json RunJson(const runtime::StoredRun& run);
nlohmann::json PipelineJson(const ProjectPipeline& pipeline, const PipelineActivity& activity,
                            const std::optional<runtime::StoredRun>& last_run);
nlohmann::json EventJson(const runtime::StoredEvent& event);
nlohmann::json ErrorRecordJson(const runtime::StoredError& error);
nlohmann::json StepJson(const runtime::StepMetrics& step);
nlohmann::json TokenJson(const runtime::StoredToken& token);
nlohmann::json AuditJson(const runtime::AuditEntry& entry);
// A JSON text as a value; the text itself (a string) when it is not JSON.
nlohmann::json ParseOrString(const std::string& text);

}  // namespace etl::server
