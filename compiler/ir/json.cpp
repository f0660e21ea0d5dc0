#include "compiler/ir/json.h"

#include <set>
#include <utility>

#include "compiler/ir/json_codec.h"

namespace etl::ir {

using json_codec::ArrayMember;
using json_codec::BoolMember;
using json_codec::Child;
using json_codec::IntMember;
using json_codec::Json;
using json_codec::Member;
using json_codec::ReadError;
using json_codec::StringMember;

namespace {

constexpr const char* kFormatName = "etl-plan";

template <typename T>
Json OptionalInt(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json OptionalString(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

Json NamedExprs(const std::vector<NamedExpr>& items) {
  Json out = Json::array();
  for (const auto& item : items) out.push_back(Json{{"name", item.name}, {"expr", json_codec::ExprToJson(item.expr)}});
  return out;
}

Json Args(const std::vector<StepArg>& args) {
  Json out = Json::array();
  for (const auto& arg : args) out.push_back(json_codec::StepArgToJson(arg));
  return out;
}

Json Exprs(const std::vector<Expr>& exprs) {
  Json out = Json::array();
  for (const auto& expr : exprs) out.push_back(json_codec::ExprToJson(expr));
  return out;
}

Json OptionalExpr(const std::optional<Expr>& expr) { return expr ? json_codec::ExprToJson(*expr) : Json(nullptr); }

Json LocationToJson(const Location& location) {
  Json out = Json::object();
  if (!location.file.empty()) out["file"] = location.file;
  out["line"] = location.line;
  out["col"] = location.col;
  out["end_line"] = location.end_line;
  out["end_col"] = location.end_col;
  return out;
}

Json NodeToJson(const Node& node) {
  Json out = Json::object();
  out["id"] = node.id;
  out["kind"] = std::string(Spelling(node.kind));
  out["binding"] = OptionalString(node.binding);
  out["location"] = LocationToJson(node.location);
  Json inputs = Json::array(), outputs = Json::array();
  for (const auto& port : node.inputs) inputs.push_back(json_codec::PortToJson(port));
  for (const auto& port : node.outputs) outputs.push_back(json_codec::PortToJson(port));
  out["inputs"] = std::move(inputs);
  out["outputs"] = std::move(outputs);
  switch (node.kind) {
    case NodeKind::Source:
    case NodeKind::Sink:
    case NodeKind::Step:
      out["step"] = node.step;
      out["args"] = Args(node.args);
      break;
    case NodeKind::Filter:
      out["predicate"] = OptionalExpr(node.expr);
      break;
    case NodeKind::Derive:
    case NodeKind::Select:
      out["assignments"] = NamedExprs(node.assignments);
      break;
    case NodeKind::Drop: {
      Json fields = Json::array();
      for (const auto& field : node.fields) fields.push_back(Json{{"name", field.name}, {"slot", field.slot}});
      out["fields"] = std::move(fields);
      break;
    }
    case NodeKind::Rename: {
      Json renames = Json::array();
      for (const auto& r : node.renames) renames.push_back(Json{{"from", r.from}, {"slot", r.slot}, {"to", r.to}});
      out["renames"] = std::move(renames);
      break;
    }
    case NodeKind::Route: {
      Json branches = Json::array();
      for (const auto& b : node.branches) branches.push_back(Json{{"name", b.name}, {"condition", OptionalExpr(b.condition)}});
      out["branches"] = std::move(branches);
      break;
    }
    case NodeKind::Explode:
      out["expr"] = OptionalExpr(node.expr);
      out["alias"] = node.alias;
      break;
    case NodeKind::Aggregate: {
      out["keys"] = NamedExprs(node.keys);
      out["window"] = node.window ? Json{{"step", node.window->step}, {"args", Args(node.window->args)}} : Json(nullptr);
      Json aggregates = Json::array();
      for (const auto& call : node.aggregates) {
        aggregates.push_back(Json{{"fn", call.function}, {"type", json_codec::TypeToJson(call.type)}, {"args", Exprs(call.args)}});
      }
      out["aggregates"] = std::move(aggregates);
      out["assignments"] = NamedExprs(node.assignments);
      break;
    }
    case NodeKind::Dedup:
      out["keys"] = Exprs(node.dedup_keys);
      out["within_us"] = OptionalInt(node.within_us);
      break;
    case NodeKind::Sort: {
      Json keys = Json::array();
      for (const auto& key : node.sort_keys) keys.push_back(Json{{"expr", json_codec::ExprToJson(key.expr)}, {"desc", key.descending}});
      out["keys"] = std::move(keys);
      break;
    }
    case NodeKind::Take:
      out["count"] = node.count;
      break;
    case NodeKind::Join:
      out["join"] = node.left_join ? "left" : "inner";
      out["condition"] = OptionalExpr(node.expr);
      break;
    case NodeKind::Validate: {
      Json rules = Json::array();
      for (const auto& rule : node.rules) {
        rules.push_back(Json{{"condition", json_codec::ExprToJson(rule.condition)}, {"message", rule.message}});
      }
      out["rules"] = std::move(rules);
      break;
    }
    case NodeKind::Union:
      break;
  }
  return out;
}

Json SettingsToJson(const Settings& s) {
  Json out = Json::object();
  out["schedule"] = s.schedule ? Json{{"cron", s.schedule->cron}, {"tz", OptionalString(s.schedule->timezone)}} : Json(nullptr);
  out["every_us"] = OptionalInt(s.every_us);
  Json after = Json::array();
  for (const auto& group : s.after) after.push_back(group);
  out["after"] = std::move(after);
  Json triggers = Json::array();
  for (const auto& t : s.triggers) triggers.push_back(Json{{"kind", t.kind}, {"args", Args(t.args)}});
  out["triggers"] = std::move(triggers);
  out["retry"] = s.retry ? Json{{"count", s.retry->count}, {"backoff_us", s.retry->backoff_us}} : Json(nullptr);
  out["timeout_us"] = OptionalInt(s.timeout_us);
  out["max_errors"] = OptionalInt(s.max_errors);
  out["persist"] = OptionalString(s.persist);
  out["jit"] = OptionalString(s.jit);
  out["concurrency"] = OptionalInt(s.concurrency);
  return out;
}

// ---------------------------------------------------------------- reading

std::optional<int64_t> OptionalIntMember(const Json& object, const char* key, const std::string& pointer) {
  const Json& value = Member(object, key, pointer);
  if (value.is_null()) return std::nullopt;
  return IntMember(object, key, pointer);
}

std::string OptionalStringMember(const Json& object, const char* key, const std::string& pointer) {
  const Json& value = Member(object, key, pointer);
  if (value.is_null()) return {};
  std::string text = StringMember(object, key, pointer);
  if (text.empty()) throw ReadError(Child(pointer, key), "write null rather than an empty string");
  return text;
}

std::optional<Expr> OptionalExprMember(const Json& object, const char* key, const std::string& pointer) {
  const Json& value = Member(object, key, pointer);
  if (value.is_null()) return std::nullopt;
  return json_codec::ExprFromJson(value, Child(pointer, key));
}

Expr ExprMember(const Json& object, const char* key, const std::string& pointer) {
  return json_codec::ExprFromJson(Member(object, key, pointer), Child(pointer, key));
}

std::vector<StepArg> ArgsMember(const Json& object, const char* key, const std::string& pointer) {
  const Json& array = ArrayMember(object, key, pointer);
  std::vector<StepArg> args;
  for (size_t i = 0; i < array.size(); ++i) args.push_back(json_codec::StepArgFromJson(array[i], Child(Child(pointer, key), i)));
  return args;
}

std::vector<NamedExpr> NamedExprsMember(const Json& object, const char* key, const std::string& pointer) {
  const Json& array = ArrayMember(object, key, pointer);
  std::vector<NamedExpr> items;
  for (size_t i = 0; i < array.size(); ++i) {
    std::string at = Child(Child(pointer, key), i);
    items.push_back({StringMember(array[i], "name", at), ExprMember(array[i], "expr", at)});
  }
  return items;
}

std::vector<Expr> ExprsMember(const Json& object, const char* key, const std::string& pointer) {
  const Json& array = ArrayMember(object, key, pointer);
  std::vector<Expr> items;
  for (size_t i = 0; i < array.size(); ++i) items.push_back(json_codec::ExprFromJson(array[i], Child(Child(pointer, key), i)));
  return items;
}

uint32_t Position(const Json& object, const char* key, const std::string& pointer) {
  int64_t value = IntMember(object, key, pointer);
  if (value < 0 || value > UINT32_MAX) throw ReadError(Child(pointer, key), "out of range");
  return static_cast<uint32_t>(value);
}

Node NodeFromJson(const Json& json, const std::string& pointer) {
  Node node;
  node.id = StringMember(json, "id", pointer);
  if (node.id.empty()) throw ReadError(Child(pointer, "id"), "a node id must not be empty");
  std::string kind = StringMember(json, "kind", pointer);
  if (!ParseNodeKind(kind, &node.kind)) throw ReadError(Child(pointer, "kind"), "unknown node kind `" + kind + "`");
  node.binding = OptionalStringMember(json, "binding", pointer);
  {
    std::string at = Child(pointer, "location");
    const Json& location = Member(json, "location", pointer);
    if (location.contains("file")) node.location.file = StringMember(location, "file", at);
    node.location.line = Position(location, "line", at);
    node.location.col = Position(location, "col", at);
    node.location.end_line = Position(location, "end_line", at);
    node.location.end_col = Position(location, "end_col", at);
  }
  for (const char* key : {"inputs", "outputs"}) {
    const Json& ports = ArrayMember(json, key, pointer);
    auto& list = std::string_view(key) == "inputs" ? node.inputs : node.outputs;
    std::set<std::string> seen;
    for (size_t i = 0; i < ports.size(); ++i) {
      std::string at = Child(Child(pointer, key), i);
      list.push_back(json_codec::PortFromJson(ports[i], at));
      if (!seen.insert(list.back().name).second) throw ReadError(Child(at, "port"), "duplicate port `" + list.back().name + "`");
    }
  }
  if (!node.Output(kErrorsPort)) throw ReadError(Child(pointer, "outputs"), "every node needs an `errors` output port");
  switch (node.kind) {
    case NodeKind::Source:
    case NodeKind::Sink:
    case NodeKind::Step:
      node.step = StringMember(json, "step", pointer);
      node.args = ArgsMember(json, "args", pointer);
      break;
    case NodeKind::Filter:
      node.expr = ExprMember(json, "predicate", pointer);
      break;
    case NodeKind::Derive:
    case NodeKind::Select:
      node.assignments = NamedExprsMember(json, "assignments", pointer);
      break;
    case NodeKind::Drop: {
      const Json& fields = ArrayMember(json, "fields", pointer);
      for (size_t i = 0; i < fields.size(); ++i) {
        std::string at = Child(Child(pointer, "fields"), i);
        node.fields.push_back({StringMember(fields[i], "name", at), static_cast<int>(IntMember(fields[i], "slot", at))});
      }
      break;
    }
    case NodeKind::Rename: {
      const Json& renames = ArrayMember(json, "renames", pointer);
      for (size_t i = 0; i < renames.size(); ++i) {
        std::string at = Child(Child(pointer, "renames"), i);
        node.renames.push_back({StringMember(renames[i], "from", at), static_cast<int>(IntMember(renames[i], "slot", at)),
                                StringMember(renames[i], "to", at)});
      }
      break;
    }
    case NodeKind::Route: {
      const Json& branches = ArrayMember(json, "branches", pointer);
      for (size_t i = 0; i < branches.size(); ++i) {
        std::string at = Child(Child(pointer, "branches"), i);
        RouteBranch branch{StringMember(branches[i], "name", at), OptionalExprMember(branches[i], "condition", at)};
        if (!node.Output(branch.name)) throw ReadError(Child(at, "name"), "route branch `" + branch.name + "` has no output port");
        node.branches.push_back(std::move(branch));
      }
      break;
    }
    case NodeKind::Explode:
      node.expr = ExprMember(json, "expr", pointer);
      node.alias = StringMember(json, "alias", pointer);
      break;
    case NodeKind::Aggregate: {
      node.keys = NamedExprsMember(json, "keys", pointer);
      const Json& window = Member(json, "window", pointer);
      if (!window.is_null()) {
        std::string at = Child(pointer, "window");
        node.window = Window{StringMember(window, "step", at), ArgsMember(window, "args", at)};
      }
      const Json& aggregates = ArrayMember(json, "aggregates", pointer);
      for (size_t i = 0; i < aggregates.size(); ++i) {
        std::string at = Child(Child(pointer, "aggregates"), i);
        AggregateCall call;
        call.function = StringMember(aggregates[i], "fn", at);
        call.type = json_codec::TypeFromJson(Member(aggregates[i], "type", at), Child(at, "type"));
        call.args = ExprsMember(aggregates[i], "args", at);
        node.aggregates.push_back(std::move(call));
      }
      node.assignments = NamedExprsMember(json, "assignments", pointer);
      break;
    }
    case NodeKind::Dedup:
      node.dedup_keys = ExprsMember(json, "keys", pointer);
      node.within_us = OptionalIntMember(json, "within_us", pointer);
      break;
    case NodeKind::Sort: {
      const Json& keys = ArrayMember(json, "keys", pointer);
      for (size_t i = 0; i < keys.size(); ++i) {
        std::string at = Child(Child(pointer, "keys"), i);
        node.sort_keys.push_back({ExprMember(keys[i], "expr", at), BoolMember(keys[i], "desc", at)});
      }
      break;
    }
    case NodeKind::Take:
      node.count = IntMember(json, "count", pointer);
      if (node.count < 0) throw ReadError(Child(pointer, "count"), "must be >= 0");
      break;
    case NodeKind::Join: {
      std::string join = StringMember(json, "join", pointer);
      if (join != "inner" && join != "left") throw ReadError(Child(pointer, "join"), "expected \"inner\" or \"left\"");
      node.left_join = join == "left";
      node.expr = ExprMember(json, "condition", pointer);
      break;
    }
    case NodeKind::Validate: {
      const Json& rules = ArrayMember(json, "rules", pointer);
      for (size_t i = 0; i < rules.size(); ++i) {
        std::string at = Child(Child(pointer, "rules"), i);
        node.rules.push_back({ExprMember(rules[i], "condition", at), StringMember(rules[i], "message", at)});
      }
      break;
    }
    case NodeKind::Union:
      break;
  }
  return node;
}

Settings SettingsFromJson(const Json& json, const std::string& pointer) {
  Settings s;
  const Json& schedule = Member(json, "schedule", pointer);
  if (!schedule.is_null()) {
    std::string at = Child(pointer, "schedule");
    s.schedule = Schedule{StringMember(schedule, "cron", at), OptionalStringMember(schedule, "tz", at)};
  }
  s.every_us = OptionalIntMember(json, "every_us", pointer);
  const Json& after = ArrayMember(json, "after", pointer);
  for (size_t i = 0; i < after.size(); ++i) {
    std::string at = Child(Child(pointer, "after"), i);
    if (!after[i].is_array() || after[i].empty()) throw ReadError(at, "expected a non-empty array of pipeline names");
    std::vector<std::string> group;
    for (size_t j = 0; j < after[i].size(); ++j) {
      if (!after[i][j].is_string()) throw ReadError(Child(at, j), "expected a pipeline name");
      group.push_back(after[i][j].get<std::string>());
    }
    s.after.push_back(std::move(group));
  }
  const Json& triggers = ArrayMember(json, "triggers", pointer);
  for (size_t i = 0; i < triggers.size(); ++i) {
    std::string at = Child(Child(pointer, "triggers"), i);
    s.triggers.push_back(Trigger{StringMember(triggers[i], "kind", at), ArgsMember(triggers[i], "args", at)});
  }
  const Json& retry = Member(json, "retry", pointer);
  if (!retry.is_null()) {
    std::string at = Child(pointer, "retry");
    s.retry = Retry{IntMember(retry, "count", at), IntMember(retry, "backoff_us", at)};
  }
  s.timeout_us = OptionalIntMember(json, "timeout_us", pointer);
  s.max_errors = OptionalIntMember(json, "max_errors", pointer);
  s.persist = OptionalStringMember(json, "persist", pointer);
  if (!s.persist.empty() && s.persist != "disk" && s.persist != "memory") {
    throw ReadError(Child(pointer, "persist"), "expected \"disk\", \"memory\" or null");
  }
  s.jit = OptionalStringMember(json, "jit", pointer);
  if (!s.jit.empty() && s.jit != "on" && s.jit != "off" && s.jit != "auto") {
    throw ReadError(Child(pointer, "jit"), "expected \"on\", \"off\", \"auto\" or null");
  }
  s.concurrency = OptionalIntMember(json, "concurrency", pointer);
  return s;
}

Pipeline PipelineFromJson(const Json& json, const std::string& pointer) {
  Pipeline pipeline;
  pipeline.name = StringMember(json, "name", pointer);
  pipeline.settings = SettingsFromJson(Member(json, "settings", pointer), Child(pointer, "settings"));
  const Json& nodes = ArrayMember(json, "nodes", pointer);
  std::set<std::string> ids;
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::string at = Child(Child(pointer, "nodes"), i);
    pipeline.nodes.push_back(NodeFromJson(nodes[i], at));
    if (!ids.insert(pipeline.nodes.back().id).second) {
      throw ReadError(Child(at, "id"), "duplicate node id `" + pipeline.nodes.back().id + "`");
    }
  }
  const Json& edges = ArrayMember(json, "edges", pointer);
  for (size_t i = 0; i < edges.size(); ++i) {
    std::string at = Child(Child(pointer, "edges"), i);
    Edge edge{StringMember(edges[i], "from", at), StringMember(edges[i], "from_port", at), StringMember(edges[i], "to", at),
              StringMember(edges[i], "to_port", at)};
    const Node* from = pipeline.Find(edge.from);
    if (!from) throw ReadError(Child(at, "from"), "unknown node `" + edge.from + "`");
    const Port* out = from->Output(edge.from_port);
    if (!out) throw ReadError(Child(at, "from_port"), "node `" + edge.from + "` has no output port `" + edge.from_port + "`");
    const Node* to = pipeline.Find(edge.to);
    if (!to) throw ReadError(Child(at, "to"), "unknown node `" + edge.to + "`");
    const Port* in = to->Input(edge.to_port);
    if (!in) throw ReadError(Child(at, "to_port"), "node `" + edge.to + "` has no input port `" + edge.to_port + "`");
    if (!ast::IsAssignable(out->type, in->type)) {
      throw ReadError(at, "`" + edge.from + "." + edge.from_port + "` carries " + ast::ToString(out->type, true) +
                              ", which does not fit `" + edge.to + "." + edge.to_port + "` (" + ast::ToString(in->type, true) + ")");
    }
    pipeline.edges.push_back(std::move(edge));
  }
  return pipeline;
}

Plan PlanFromJsonValue(const Json& json) {
  Plan plan;
  if (!json.is_object()) throw ReadError("", "a plan is a JSON object");
  std::string format = StringMember(json, "format", "");
  if (format != kFormatName) throw ReadError("/format", "expected \"etl-plan\", found \"" + format + "\"");
  int64_t version = IntMember(json, "version", "");
  if (version < 1 || version > kPlanVersion) {
    throw ReadError("/version", "unsupported plan version " + std::to_string(version) + " (this build reads 1 to " +
                                    std::to_string(kPlanVersion) + ")");
  }
  plan.version = static_cast<int>(version);
  plan.source = StringMember(json, "source", "");
  const Json& params = ArrayMember(json, "params", "");
  std::set<std::string> names;
  for (size_t i = 0; i < params.size(); ++i) {
    std::string at = Child("/params", i);
    Param param;
    param.name = StringMember(params[i], "name", at);
    param.type = json_codec::TypeFromJson(Member(params[i], "type", at), Child(at, "type"));
    param.required = BoolMember(params[i], "required", at);
    if (params[i].contains("default")) param.default_value = json_codec::ValueFromJson(params[i]["default"], Child(at, "default"));
    if (!names.insert(param.name).second) throw ReadError(Child(at, "name"), "duplicate parameter `" + param.name + "`");
    plan.params.push_back(std::move(param));
  }
  const Json& pipelines = ArrayMember(json, "pipelines", "");
  names.clear();
  for (size_t i = 0; i < pipelines.size(); ++i) {
    std::string at = Child("/pipelines", i);
    plan.pipelines.push_back(PipelineFromJson(pipelines[i], at));
    if (!names.insert(plan.pipelines.back().name).second) {
      throw ReadError(Child(at, "name"), "duplicate pipeline `" + plan.pipelines.back().name + "`");
    }
  }
  // Optional (added in version 1 without a bump): absent means no tests.
  if (json.contains("tests")) {
    const Json& tests = ArrayMember(json, "tests", "");
    for (size_t i = 0; i < tests.size(); ++i) plan.tests.push_back(json_codec::TestFromJson(tests[i], Child("/tests", i), plan));
  }
  return plan;
}

}  // namespace

std::string PlanToJson(const Plan& plan) {
  Json out = Json::object();
  out["format"] = kFormatName;
  out["version"] = plan.version;
  out["source"] = plan.source;
  Json params = Json::array();
  for (const auto& param : plan.params) {
    Json p = Json::object();
    p["name"] = param.name;
    p["type"] = json_codec::TypeToJson(param.type);
    p["required"] = param.required;
    if (param.default_value) p["default"] = json_codec::ValueToJson(*param.default_value);
    params.push_back(std::move(p));
  }
  out["params"] = std::move(params);
  Json pipelines = Json::array();
  for (const auto& pipeline : plan.pipelines) {
    Json p = Json::object();
    p["name"] = pipeline.name;
    p["settings"] = SettingsToJson(pipeline.settings);
    Json nodes = Json::array();
    for (const auto& node : pipeline.nodes) nodes.push_back(NodeToJson(node));
    p["nodes"] = std::move(nodes);
    Json edges = Json::array();
    for (const auto& e : pipeline.edges) {
      edges.push_back(Json{{"from", e.from}, {"from_port", e.from_port}, {"to", e.to}, {"to_port", e.to_port}});
    }
    p["edges"] = std::move(edges);
    pipelines.push_back(std::move(p));
  }
  out["pipelines"] = std::move(pipelines);
  Json tests = Json::array();
  for (const auto& test : plan.tests) tests.push_back(json_codec::TestToJson(test));
  out["tests"] = std::move(tests);
  return out.dump(2) + "\n";
}

std::optional<Plan> PlanFromJson(std::string_view text, std::string* error) {
  try {
    Json json = Json::parse(text);
    return PlanFromJsonValue(json);
  } catch (const ReadError& e) {
    if (error) *error = e.what();
  } catch (const nlohmann::json::exception& e) {
    // Malformed JSON text, or a value of the wrong JSON type deep inside.
    if (error) *error = std::string("/: ") + e.what();
  }
  return std::nullopt;
}

}  // namespace etl::ir
