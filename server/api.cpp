#include "server/api.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "compiler/ir/graph.h"
#include "compiler/ir/json.h"
#include "runtime/jsonl_scalars.h"
#include "runtime/run_log.h"
#include "runtime/source_csv_convert.h"
#include "server/api_json.h"
#include "server/auth.h"

namespace etl::server {

namespace {

using Captures = std::map<std::string, std::string>;

// A request the API refuses: becomes a JSON error answer.
struct Refusal {
  int status;
  std::string code;
  std::string message;
};

HttpResponse Json(int status, const nlohmann::json& body) {
  HttpResponse response;
  response.status = status;
  response.body = body.dump();
  return response;
}

// `every 15m` as written: the largest unit that divides the interval.
std::string DurationSpec(int64_t us) {
  static const std::pair<int64_t, const char*> kUnits[] = {
      {86'400'000'000, "d"}, {3'600'000'000, "h"}, {60'000'000, "m"}, {1'000'000, "s"}, {1'000, "ms"}};
  for (const auto& [size, unit] : kUnits) {
    if (us % size == 0) return fmt::format("{}{}", us / size, unit);
  }
  return fmt::format("{}us", us);
}

HttpResponse ErrorOf(const ServiceError& error) { return JsonError(error.status, error.code, error.message); }

// Splits a path into its segments ("/api/v1/runs/x" -> api, v1, runs, x).
std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// Whether `path` matches `pattern` ("/api/v1/runs/{id}"); the `{name}` parts in `captures`.
bool Match(const std::string& pattern, const std::string& path, Captures& captures) {
  std::vector<std::string> want = Segments(pattern), have = Segments(path);
  if (want.size() != have.size()) return false;
  Captures found;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].front() == '{') {
      found[want[i].substr(1, want[i].size() - 2)] = have[i];
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  captures = std::move(found);
  return true;
}

// An integer query parameter in [min, max]; `fallback` when absent.
int64_t IntQuery(const HttpRequest& request, const std::string& name, int64_t min, int64_t max, int64_t fallback) {
  std::optional<std::string> text = request.Query(name);
  if (!text) return fallback;
  std::optional<int64_t> value = runtime::ParseIntText(*text);
  if (!value || *value < min || *value > max) {
    throw Refusal{400, "bad_request",
                  fmt::format("query parameter `{}` must be an integer from {} to {}, not `{}`", name, min, max, *text)};
  }
  return *value;
}

std::optional<int64_t> TimeQuery(const HttpRequest& request, const std::string& name) {
  std::optional<std::string> text = request.Query(name);
  if (!text) return std::nullopt;
  std::optional<int64_t> value = runtime::ParseTimeOrDate(*text);
  if (!value) {
    throw Refusal{400, "bad_request",
                  fmt::format("query parameter `{}` must be a time like 2024-01-31T12:00:00Z or a date, not `{}`", name,
                              *text)};
  }
  return value;
}

// The request body as a JSON value; `empty` when there is none.
nlohmann::json BodyJson(const HttpRequest& request, const nlohmann::json& empty) {
  bool blank = std::all_of(request.body.begin(), request.body.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
  if (blank) return empty;
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded()) throw Refusal{400, "bad_request", "the request body is not valid JSON"};
  return body;
}

nlohmann::json BodyObject(const HttpRequest& request) {
  nlohmann::json body = BodyJson(request, nlohmann::json::object());
  if (!body.is_object()) throw Refusal{400, "bad_request", "the request body must be a JSON object"};
  return body;
}

std::string GraphText(const ir::Plan& plan, const HttpRequest& request, HttpResponse& response) {
  std::string format = request.Query("format").value_or("json");
  std::optional<ir::GraphFormat> parsed = ir::ParseGraphFormat(format);
  if (!parsed) throw Refusal{400, "bad_request", fmt::format("`format` is json, dot or mermaid, not `{}`", format)};
  std::string text = ir::RenderGraph(plan, *parsed);
  if (*parsed != ir::GraphFormat::Json) response.content_type = "text/plain; charset=utf-8";
  return text;
}

const std::set<std::string> kStatuses = {"queued", "running", "succeeded", "failed", "cancelled", "timed_out"};
const std::set<std::string> kTriggerKinds = {"manual", "schedule", "catch_up", "every", "after", "file",
                                             "webhook", "event", "retry", "backfill", "cli"};
const std::vector<std::string> kLevels = {"debug", "info", "warn", "error"};
// How stale a token's last_used_at may get (see Authenticate).
constexpr int64_t kTouchEveryUs = 60'000'000;

}  // namespace

// Who is calling.
struct Api::Caller {
  std::optional<runtime::StoredToken> token;
  Role role = Role::Viewer;
  bool authenticated = false;
};

// One operation: method, path pattern, the role it needs, and what it does.
struct Api::Route {
  std::string method;
  std::string pattern;
  Role role;
  std::function<HttpResponse(const HttpRequest&, const Captures&, std::string& detail)> handle;
};

std::optional<HttpResponse> Api::Authenticate(const HttpRequest& request, Caller& caller) {
  if (options_.insecure_local) {
    caller.authenticated = true;
    caller.role = Role::Admin;
    caller.token = runtime::StoredToken{"local", "local", "admin", "", 0, std::nullopt, std::nullopt};
    return std::nullopt;
  }
  std::string secret;
  if (auto header = request.Header("Authorization")) {
    if (header->size() > 7 && std::equal(header->begin(), header->begin() + 7, "Bearer ",
                                         [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      secret = header->substr(7);
    }
  } else if (auto query = request.Query("token")) {
    secret = *query;  // browsers cannot set headers on a WebSocket
  }
  auto unauthorized = [](const std::string& message) {
    HttpResponse response = JsonError(401, "unauthorized", message);
    response.headers.push_back({"WWW-Authenticate", "Bearer"});
    return response;
  };
  if (secret.empty()) return unauthorized("a bearer token is required (Authorization: Bearer <token>)");
  std::string store_error;
  std::optional<runtime::StoredToken> token =
      service_.WithStore([&](runtime::RunStore& store) { return server::Authenticate(store, secret, store_error); });
  if (!store_error.empty()) return JsonError(500, "internal", store_error);
  if (!token) return unauthorized("unknown or revoked token");
  caller.authenticated = true;
  caller.role = *ParseRole(token->role);
  caller.token = token;
  // The last use is kept to the minute: a write per request would make every GET a
  // transaction in the store.
  int64_t now_us = service_.ClockRef().NowUs();
  if (!token->last_used_us || now_us - *token->last_used_us >= kTouchEveryUs) {
    service_.WithStore([&](runtime::RunStore& store) { return store.TouchToken(token->id, now_us); });
  }
  return std::nullopt;
}

void Api::Audit(const HttpRequest& request, const Caller& caller, const HttpResponse& response,
                const std::string& detail) {
  runtime::AuditEntry entry;
  entry.time_us = service_.ClockRef().NowUs();
  if (caller.token) {
    entry.token_id = caller.token->id;
    entry.token_name = caller.token->name;
    entry.role = caller.token->role;
  }
  entry.action = request.method + " " + request.path;
  entry.status = response.status;
  nlohmann::json info = ParseOrString(detail.empty() ? "{}" : detail);
  if (!info.is_object()) info = nlohmann::json::object();
  info["path"] = request.path;
  if (response.status >= 400) {
    nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_object() && body.contains("error")) info["error"] = body["error"]["message"];
  }
  entry.detail_json = info.dump();
  service_.WithStore([&](runtime::RunStore& store) { return store.AddAudit(entry); });
}

HttpResponse Api::Handle(const HttpRequest& request) {
  Caller caller;
  std::string detail;
  HttpResponse response;
  try {
    if (request.method == "GET" && request.path == "/api/v1/health") {
      return Json(200, {{"status", "ok"}, {"version", options_.version}, {"started_at", TimeJson(service_.StartedUs())}});
    }
    if (auto refusal = Authenticate(request, caller)) {
      response = *refusal;
    } else {
      response = Dispatch(request, caller, detail);
    }
  } catch (const Refusal& refusal) {
    response = JsonError(refusal.status, refusal.code, refusal.message);
  } catch (const std::exception& e) {
    response = JsonError(500, "internal", e.what());
  }
  if (request.method != "GET" && request.method != "HEAD") Audit(request, caller, response, detail);
  return response;
}

HttpResponse Api::Dispatch(const HttpRequest& request, Caller& caller, std::string& detail) {
  auto run_or_404 = [&](const std::string& id) {
    std::optional<runtime::StoredRun> run;
    if (auto problem = service_.WithStore([&](runtime::RunStore& store) { return store.GetRun(id, run); })) {
      throw Refusal{500, "internal", *problem};
    }
    if (!run) throw Refusal{404, "not_found", fmt::format("no run `{}`", id)};
    return *run;
  };
  auto pipeline_or_404 = [&](const std::string& name, std::shared_ptr<const ProjectSnapshot>& snapshot) {
    snapshot = service_.Snapshot();
    const ProjectPipeline* pipeline = snapshot->Find(name);
    if (!pipeline) throw Refusal{404, "not_found", fmt::format("no pipeline `{}`", name)};
    return pipeline;
  };
  auto stored_plan = [&](const runtime::StoredRun& run) {
    std::string why;
    std::optional<ir::Plan> plan = ir::PlanFromJson(run.plan_json, &why);
    if (!plan) throw Refusal{500, "internal", fmt::format("run {}: its stored plan is not readable: {}", run.id, why)};
    return *plan;
  };
  auto runs_json = [](const std::vector<runtime::StoredRun>& runs) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& run : runs) list.push_back(RunJson(run));
    return list;
  };
  auto page = [&](nlohmann::json body, uint64_t total, int64_t limit, int64_t offset) {
    body["total"] = total;
    body["limit"] = limit;
    body["offset"] = offset;
    return Json(200, body);
  };
  auto pipeline_json = [&](const ProjectPipeline& pipeline) {
    std::vector<runtime::StoredRun> last;
    runtime::RunQuery query;
    query.limit = 1;
    query.pipeline = pipeline.name;
    service_.WithStore([&](runtime::RunStore& store) { return store.ListRuns(query, last); });
    return PipelineJson(pipeline, service_.Activity(pipeline.name),
                        last.empty() ? std::nullopt : std::optional<runtime::StoredRun>(last.front()));
  };
  auto trigger_params = [](const nlohmann::json& body) {
    std::map<std::string, std::string> params;
    if (!body.contains("params")) return params;
    const nlohmann::json& given = body["params"];
    if (given.is_null()) return params;
    if (!given.is_object()) throw Refusal{400, "bad_request", "`params` must be an object of name: value"};
    for (const auto& [name, value] : given.items()) {
      if (value.is_object() || value.is_array()) {
        throw Refusal{400, "bad_request", fmt::format("param `{}`: a value is a string, number, bool or null", name)};
      }
      params[name] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    return params;
  };

  std::vector<Route> table = {
      {"GET", "/api/v1/pipelines", Role::Viewer,
       [&](const HttpRequest&, const Captures&, std::string&) {
         nlohmann::json list = nlohmann::json::array();
         auto snapshot = service_.Snapshot();
         for (const auto& [name, pipeline] : snapshot->pipelines) list.push_back(pipeline_json(pipeline));
         return Json(200, {{"pipelines", list}});
       }},
      {"GET", "/api/v1/pipelines/{name}", Role::Viewer,
       [&](const HttpRequest&, const Captures& c, std::string&) {
         std::shared_ptr<const ProjectSnapshot> snapshot;
         return Json(200, pipeline_json(*pipeline_or_404(c.at("name"), snapshot)));
       }},
      {"GET", "/api/v1/pipelines/{name}/plan", Role::Viewer,
       [&](const HttpRequest&, const Captures& c, std::string&) {
         std::shared_ptr<const ProjectSnapshot> snapshot;
         HttpResponse response;
         response.body = pipeline_or_404(c.at("name"), snapshot)->plan_json;
         return response;
       }},
      {"GET", "/api/v1/pipelines/{name}/graph", Role::Viewer,
       [&](const HttpRequest& r, const Captures& c, std::string&) {
         std::shared_ptr<const ProjectSnapshot> snapshot;
         const ProjectPipeline* pipeline = pipeline_or_404(c.at("name"), snapshot);
         HttpResponse response;
         response.body = GraphText(*pipeline->plan, r, response);
         return response;
       }},
      {"GET", "/api/v1/pipelines/{name}/diagnostics", Role::Viewer,
       [&](const HttpRequest&, const Captures& c, std::string&) {
         std::shared_ptr<const ProjectSnapshot> snapshot;
         const ProjectPipeline* pipeline = pipeline_or_404(c.at("name"), snapshot);
         const ProjectFile& file = snapshot->files.at(pipeline->file);
         return Json(200, {{"file", file.path}, {"compiles", file.compiles}, {"diagnostics", file.diagnostics}});
       }},
      {"POST", "/api/v1/pipelines/{name}/runs", Role::Operator,
       [&](const HttpRequest& r, const Captures& c, std::string& d) {
         nlohmann::json body = BodyObject(r);
         runtime::StoredRun run;
         if (auto error = service_.Trigger(c.at("name"), trigger_params(body), run)) return ErrorOf(*error);
         d = nlohmann::json({{"run", run.id}}).dump();
         return Json(202, RunJson(run));
       }},
      {"POST", "/api/v1/pipelines/{name}/backfill", Role::Operator,
       [&](const HttpRequest& r, const Captures& c, std::string& d) {
         nlohmann::json body = BodyObject(r);
         auto time_field = [&](const char* name) {
           if (!body.contains(name) || !body[name].is_string()) {
             throw Refusal{400, "bad_request", fmt::format("`{}` is required: a date or an RFC 3339 time", name)};
           }
           std::optional<int64_t> value = runtime::ParseTimeOrDate(body[name].get<std::string>());
           if (!value) {
             throw Refusal{400, "bad_request",
                           fmt::format("`{}`: `{}` is not a date or an RFC 3339 time", name, body[name].get<std::string>())};
           }
           return *value;
         };
         int64_t from = time_field("from"), to = time_field("to");
         std::string param;
         if (body.contains("param")) {
           if (!body["param"].is_string()) throw Refusal{400, "bad_request", "`param` must be a string"};
           param = body["param"].get<std::string>();
         }
         std::vector<runtime::StoredRun> runs;
         if (auto error = service_.Backfill(c.at("name"), from, to, param, runs)) return ErrorOf(*error);
         d = nlohmann::json({{"runs", runs.size()}}).dump();
         return Json(202, {{"runs", runs_json(runs)}});
       }},
      {"GET", "/api/v1/runs", Role::Viewer,
       [&](const HttpRequest& r, const Captures&, std::string&) {
         runtime::RunQuery query;
         int64_t limit = IntQuery(r, "limit", 1, 1000, 50), offset = IntQuery(r, "offset", 0, INT64_MAX, 0);
         query.limit = static_cast<size_t>(limit);
         query.offset = static_cast<size_t>(offset);
         if (auto p = r.Query("pipeline")) query.pipeline = *p;
         if (auto s = r.Query("status")) {
           if (!kStatuses.count(*s)) throw Refusal{400, "bad_request", fmt::format("unknown status `{}`", *s)};
           query.status = *s;
         }
         if (auto t = r.Query("trigger")) {
           if (!kTriggerKinds.count(*t)) throw Refusal{400, "bad_request", fmt::format("unknown trigger kind `{}`", *t)};
           query.trigger_kind = *t;
         }
         query.started_from_us = TimeQuery(r, "since");
         query.started_before_us = TimeQuery(r, "until");
         std::vector<runtime::StoredRun> runs;
         uint64_t total = 0;
         auto problem = service_.WithStore([&](runtime::RunStore& store) {
           auto error = store.ListRuns(query, runs);
           return error ? error : store.CountRuns(query, total);
         });
         if (problem) throw Refusal{500, "internal", *problem};
         return page({{"runs", runs_json(runs)}}, total, limit, offset);
       }},
      {"GET", "/api/v1/runs/{id}", Role::Viewer,
       [&](const HttpRequest&, const Captures& c, std::string&) { return Json(200, RunJson(run_or_404(c.at("id")))); }},
      {"GET", "/api/v1/runs/{id}/plan", Role::Viewer,
       [&](const HttpRequest&, const Captures& c, std::string&) {
         HttpResponse response;
         response.body = run_or_404(c.at("id")).plan_json;
         return response;
       }},
      {"GET", "/api/v1/runs/{id}/graph", Role::Viewer,
       [&](const HttpRequest& r, const Captures& c, std::string&) {
         ir::Plan plan = stored_plan(run_or_404(c.at("id")));
         HttpResponse response;
         response.body = GraphText(plan, r, response);
         return response;
       }},
      {"GET", "/api/v1/runs/{id}/steps", Role::Viewer,
       [&](const HttpRequest&, const Captures& c, std::string&) {
         runtime::StoredRun run = run_or_404(c.at("id"));
         std::vector<runtime::StepMetrics> steps;
         if (auto problem = service_.WithStore([&](runtime::RunStore& s) { return s.StepMetricsOf(run.id, steps); })) {
           throw Refusal{500, "internal", *problem};
         }
         nlohmann::json list = nlohmann::json::array();
         for (const auto& step : steps) list.push_back(StepJson(step));
         return Json(200, {{"steps", list}});
       }},
      {"GET", "/api/v1/runs/{id}/logs", Role::Viewer,
       [&](const HttpRequest& r, const Captures& c, std::string&) {
         runtime::StoredRun run = run_or_404(c.at("id"));
         int64_t limit = IntQuery(r, "limit", 1, 1000, 50), offset = IntQuery(r, "offset", 0, INT64_MAX, 0);
         std::optional<std::string> level = r.Query("level");
         size_t min_level = 0;
         if (level) {
           auto at = std::find(kLevels.begin(), kLevels.end(), *level);
           if (at == kLevels.end()) {
             throw Refusal{400, "bad_request", fmt::format("`level` is debug, info, warn or error, not `{}`", *level)};
           }
           min_level = static_cast<size_t>(at - kLevels.begin());
         }
         std::vector<runtime::StoredEvent> events;
         uint64_t total = 0;
         // A level filter pages what passes it; without one the store pages.
         auto problem = service_.WithStore([&](runtime::RunStore& s) {
           return level ? s.EventsPage(run.id, 0, 0, events, total)
                        : s.EventsPage(run.id, static_cast<size_t>(offset), static_cast<size_t>(limit), events, total);
         });
         if (problem) throw Refusal{500, "internal", *problem};
         nlohmann::json list = nlohmann::json::array();
         if (level) {
           std::erase_if(events, [&](const runtime::StoredEvent& e) {
             auto at = std::find(kLevels.begin(), kLevels.end(), e.level);
             return static_cast<size_t>(at - kLevels.begin()) < min_level;
           });
           total = events.size();
           for (size_t i = static_cast<size_t>(offset); i < events.size() && list.size() < static_cast<size_t>(limit); ++i) {
             list.push_back(EventJson(events[i]));
           }
         } else {
           for (const auto& e : events) list.push_back(EventJson(e));
         }
         return page({{"events", list}}, total, limit, offset);
       }},
      {"GET", "/api/v1/runs/{id}/errors", Role::Viewer,
       [&](const HttpRequest& r, const Captures& c, std::string&) {
         runtime::StoredRun run = run_or_404(c.at("id"));
         int64_t limit = IntQuery(r, "limit", 1, 1000, 50), offset = IntQuery(r, "offset", 0, INT64_MAX, 0);
         std::vector<runtime::StoredError> errors;
         uint64_t total = 0;
         if (auto problem = service_.WithStore([&](runtime::RunStore& s) {
               return s.ErrorsPage(run.id, static_cast<size_t>(offset), static_cast<size_t>(limit), errors, total);
             })) {
           throw Refusal{500, "internal", *problem};
         }
         nlohmann::json list = nlohmann::json::array();
         for (const auto& e : errors) list.push_back(ErrorRecordJson(e));
         return page({{"errors", list}}, total, limit, offset);
       }},
      {"POST", "/api/v1/runs/{id}/cancel", Role::Operator,
       [&](const HttpRequest&, const Captures& c, std::string& d) {
         runtime::StoredRun run;
         d = nlohmann::json({{"run", c.at("id")}}).dump();
         if (auto error = service_.Cancel(c.at("id"), run)) return ErrorOf(*error);
         return Json(202, RunJson(run));
       }},
      {"POST", "/api/v1/runs/{id}/retry", Role::Operator,
       [&](const HttpRequest&, const Captures& c, std::string& d) {
         runtime::StoredRun run;
         if (auto error = service_.Retry(c.at("id"), run)) return ErrorOf(*error);
         d = nlohmann::json({{"run", run.id}, {"of", c.at("id")}}).dump();
         return Json(202, RunJson(run));
       }},
      {"GET", "/api/v1/schedules", Role::Viewer,
       [&](const HttpRequest& r, const Captures&, std::string&) {
         size_t count = static_cast<size_t>(IntQuery(r, "count", 1, 100, 5));
         nlohmann::json schedules = nlohmann::json::array(), triggers = nlohmann::json::array();
         auto snapshot = service_.Snapshot();
         for (const auto& [name, pipeline] : snapshot->pipelines) {
           const ir::Settings& s = pipeline.Pipeline().settings;
           if (s.schedule || s.every_us) {
             nlohmann::json next = nlohmann::json::array();
             for (int64_t at : service_.NextFireTimes(name, count)) next.push_back(TimeJson(at));
             schedules.push_back(nlohmann::json{
                 {"pipeline", name},
                  {"kind", s.schedule ? "cron" : "every"},
                  {"spec", s.schedule ? s.schedule->cron : DurationSpec(*s.every_us)},
                  {"timezone", s.schedule && !s.schedule->timezone.empty() ? nlohmann::json(s.schedule->timezone)
                                                                           : nlohmann::json(nullptr)},
                  {"next", next}});
           }
           for (const ir::Trigger& trigger : s.triggers) {
             std::string arg =
                 trigger.args.empty() || !trigger.args.front().value ? "" : trigger.args.front().value->string_value;
             triggers.push_back({{"pipeline", name}, {"kind", trigger.kind}, {"arg", arg}});
           }
         }
         return Json(200, {{"schedules", schedules}, {"triggers", triggers}});
       }},
      {"POST", "/api/v1/events/{name}", Role::Operator,
       [&](const HttpRequest& r, const Captures& c, std::string& d) {
         nlohmann::json payload = BodyJson(r, nullptr);
         std::vector<runtime::StoredRun> runs;
         if (auto error = service_.Event(c.at("name"), payload, runs)) return ErrorOf(*error);
         d = nlohmann::json({{"runs", runs.size()}}).dump();
         return Json(202, {{"runs", runs_json(runs)}});
       }},
      {"GET", "/api/v1/tokens", Role::Admin,
       [&](const HttpRequest&, const Captures&, std::string&) {
         std::vector<runtime::StoredToken> tokens;
         if (auto problem = service_.WithStore([&](runtime::RunStore& s) { return s.ListTokens(tokens); })) {
           throw Refusal{500, "internal", *problem};
         }
         nlohmann::json list = nlohmann::json::array();
         for (const auto& token : tokens) list.push_back(TokenJson(token));
         return Json(200, {{"tokens", list}});
       }},
      {"POST", "/api/v1/tokens", Role::Admin,
       [&](const HttpRequest& r, const Captures&, std::string& d) {
         nlohmann::json body = BodyObject(r);
         if (!body.contains("name") || !body["name"].is_string()) throw Refusal{400, "bad_request", "`name` (a string) is required"};
         std::string role_text = body.contains("role") && body["role"].is_string() ? body["role"].get<std::string>() : "";
         std::optional<Role> role = ParseRole(role_text);
         if (!role) throw Refusal{400, "bad_request", "`role` is viewer, operator or admin"};
         std::string secret;
         runtime::StoredToken token;
         int64_t now_us = service_.ClockRef().NowUs();
         auto problem = service_.WithStore([&](runtime::RunStore& s) {
           return CreateToken(s, body["name"].get<std::string>(), *role, now_us, secret, token);
         });
         if (problem) throw Refusal{400, "bad_request", *problem};
         d = nlohmann::json({{"token_id", token.id}, {"name", token.name}, {"role", token.role}}).dump();
         nlohmann::json answer = TokenJson(token);
         answer["token"] = secret;
         return Json(201, answer);
       }},
      {"DELETE", "/api/v1/tokens/{id}", Role::Admin,
       [&](const HttpRequest&, const Captures& c, std::string& d) {
         std::vector<runtime::StoredToken> tokens;
         int64_t now_us = service_.ClockRef().NowUs();
         std::optional<runtime::StoredToken> found;
         auto problem = service_.WithStore([&](runtime::RunStore& s) -> std::optional<std::string> {
           if (auto error = s.ListTokens(tokens)) return error;
           for (const auto& token : tokens) {
             if (token.id == c.at("id")) found = token;
           }
           return found ? s.RevokeToken(found->id, now_us) : std::nullopt;
         });
         if (problem) throw Refusal{500, "internal", *problem};
         if (!found) throw Refusal{404, "not_found", fmt::format("no token `{}`", c.at("id"))};
         d = nlohmann::json({{"token_id", found->id}}).dump();
         return Json(200, {{"id", found->id}, {"revoked_at", TimeJson(found->revoked_us.value_or(now_us))}});
       }},
      {"GET", "/api/v1/audit", Role::Admin,
       [&](const HttpRequest& r, const Captures&, std::string&) {
         int64_t limit = IntQuery(r, "limit", 1, 1000, 50), offset = IntQuery(r, "offset", 0, INT64_MAX, 0);
         std::vector<runtime::AuditEntry> entries;
         uint64_t total = 0;
         if (auto problem = service_.WithStore([&](runtime::RunStore& s) {
               return s.AuditPage(static_cast<size_t>(offset), static_cast<size_t>(limit), entries, total);
             })) {
           throw Refusal{500, "internal", *problem};
         }
         nlohmann::json list = nlohmann::json::array();
         for (const auto& entry : entries) list.push_back(AuditJson(entry));
         return page({{"entries", list}}, total, limit, offset);
       }},
  };

  std::vector<std::string> allowed;
  for (const Route& route : table) {
    Captures captures;
    if (!Match(route.pattern, request.path, captures)) continue;
    if (route.method != request.method) {
      allowed.push_back(route.method);
      continue;
    }
    if (caller.role < route.role) {
      return JsonError(403, "forbidden",
                       fmt::format("{} {} needs the {} role; this token is {}", route.method, route.pattern,
                                   Spelling(route.role), Spelling(caller.role)));
    }
    return route.handle(request, captures, detail);
  }
  if (!allowed.empty()) {
    HttpResponse response = JsonError(405, "method_not_allowed",
                                      fmt::format("{} {} is not allowed (allowed: {})", request.method, request.path,
                                                  fmt::join(allowed, ", ")));
    response.headers.push_back({"Allow", fmt::format("{}", fmt::join(allowed, ", "))});
    return response;
  }
  // A POST outside the API may be a webhook a pipeline listens on.
  if (request.method == "POST" && request.path.rfind("/api/", 0) != 0) {
    if (caller.role < Role::Operator) {
      return JsonError(403, "forbidden", "a webhook needs the operator role; this token is viewer");
    }
    nlohmann::json body = BodyJson(request, nullptr);
    std::vector<runtime::StoredRun> runs;
    if (auto error = service_.Webhook(request.path, body, runs)) return ErrorOf(*error);
    detail = nlohmann::json({{"runs", runs.size()}}).dump();
    return Json(202, {{"runs", runs_json(runs)}});
  }
  return JsonError(404, "not_found", fmt::format("no such endpoint: {} {}", request.method, request.path));
}

WebSocketAccept Api::AcceptWebSocket(const HttpRequest& request) {
  WebSocketAccept accept;
  if (request.path != "/api/v1/events") {
    accept.refusal = JsonError(404, "not_found", fmt::format("no WebSocket at {}", request.path));
    return accept;
  }
  Caller caller;
  if (auto refusal = Authenticate(request, caller)) {
    accept.refusal = *refusal;
    return accept;
  }
  std::optional<std::string> pipeline = request.Query("pipeline"), run = request.Query("run");
  if (pipeline || run) {
    accept.filter = [pipeline, run](const std::map<std::string, std::string>& topic) {
      auto value = [&](const char* key) {
        auto it = topic.find(key);
        return it == topic.end() ? std::string() : it->second;
      };
      if (pipeline && value("pipeline") != *pipeline) return false;
      if (run && value("run") != *run) return false;
      return true;
    };
  }
  return accept;
}

}  // namespace etl::server
