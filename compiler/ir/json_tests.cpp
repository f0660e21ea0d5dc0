// JSON of Plan::tests (docs/spec/plan.md "Tests"): writing, and reading with validation
// against the plan's pipelines, nodes and ports.
#include "compiler/ir/json_codec.h"

namespace etl::ir::json_codec {

namespace {

Json TestLocationToJson(const Location& location) {
  Json out = Json::object();
  if (!location.file.empty()) out["file"] = location.file;
  out["line"] = location.line;
  out["col"] = location.col;
  out["end_line"] = location.end_line;
  out["end_col"] = location.end_col;
  return out;
}

uint32_t TestPosition(const Json& object, const char* key, const std::string& pointer) {
  int64_t value = IntMember(object, key, pointer);
  if (value < 0 || value > UINT32_MAX) throw ReadError(Child(pointer, key), "out of range");
  return static_cast<uint32_t>(value);
}

Location TestLocationFromJson(const Json& object, const std::string& pointer) {
  std::string at = Child(pointer, "location");
  const Json& json = Member(object, "location", pointer);
  Location location;
  if (json.contains("file")) location.file = StringMember(json, "file", at);
  location.line = TestPosition(json, "line", at);
  location.col = TestPosition(json, "col", at);
  location.end_line = TestPosition(json, "end_line", at);
  location.end_col = TestPosition(json, "end_col", at);
  return location;
}

void CheckType(const Expr& expr, const TypeRef& want, const std::string& pointer, const char* what) {
  if (!ast::IsAssignable(expr.type, want)) {
    throw ReadError(pointer, std::string(what) + " has type " + ast::ToString(expr.type, true) + ", expected " +
                                 ast::ToString(want, true));
  }
}

}  // namespace

Json TestToJson(const Test& test) {
  Json out = Json::object();
  out["title"] = test.title;
  out["pipeline"] = test.pipeline;
  out["location"] = TestLocationToJson(test.location);
  Json given = Json::array();
  for (const auto& g : test.given) {
    given.push_back(Json{{"step", g.step}, {"node", g.node}, {"type", TypeToJson(g.type)},
                         {"location", TestLocationToJson(g.location)}, {"records", ExprToJson(g.records)}});
  }
  out["given"] = std::move(given);
  Json streams = Json::array();
  for (const auto& stream : test.streams) {
    Json ports = Json::array();
    for (const auto& port : stream.ports) ports.push_back(Json{{"node", port.node}, {"port", port.port}});
    streams.push_back(Json{{"name", stream.name}, {"type", TypeToJson(stream.type)}, {"ports", std::move(ports)}});
  }
  out["streams"] = std::move(streams);
  Json expects = Json::array();
  for (const auto& expect : test.expects) {
    Json e = Json::object();
    e["kind"] = std::string(Spelling(expect.kind));
    e["text"] = expect.text;
    e["location"] = TestLocationToJson(expect.location);
    if (expect.kind != TestExpect::Kind::Condition) e["stream"] = expect.stream;
    if (expect.count) e["count"] = ExprToJson(*expect.count);
    if (expect.condition) e["condition"] = ExprToJson(*expect.condition);
    expects.push_back(std::move(e));
  }
  out["expects"] = std::move(expects);
  return out;
}

Test TestFromJson(const Json& json, const std::string& pointer, const Plan& plan) {
  Test test;
  test.title = StringMember(json, "title", pointer);
  test.pipeline = StringMember(json, "pipeline", pointer);
  const Pipeline* pipeline = plan.Find(test.pipeline);
  if (!pipeline) throw ReadError(Child(pointer, "pipeline"), "unknown pipeline `" + test.pipeline + "`");
  test.location = TestLocationFromJson(json, pointer);
  const Json& given = ArrayMember(json, "given", pointer);
  for (size_t i = 0; i < given.size(); ++i) {
    std::string at = Child(Child(pointer, "given"), i);
    TestGiven g;
    g.step = StringMember(given[i], "step", at);
    g.node = StringMember(given[i], "node", at);
    const Node* node = pipeline->Find(g.node);
    if (!node) throw ReadError(Child(at, "node"), "unknown node `" + g.node + "`");
    const Port* out = node->Output(kOutPort);
    if (!out) throw ReadError(Child(at, "node"), "node `" + g.node + "` has no `out` port to replace");
    g.type = TypeFromJson(Member(given[i], "type", at), Child(at, "type"));
    if (!ast::IsAssignable(g.type, out->type)) {
      throw ReadError(Child(at, "type"), "does not fit `" + g.node + ".out` (" + ast::ToString(out->type, true) + ")");
    }
    g.location = TestLocationFromJson(given[i], at);
    g.records = ExprFromJson(Member(given[i], "records", at), Child(at, "records"));
    CheckType(g.records, ast::ListType(g.type), Child(at, "records"), "the records");
    test.given.push_back(std::move(g));
  }
  const Json& streams = ArrayMember(json, "streams", pointer);
  for (size_t i = 0; i < streams.size(); ++i) {
    std::string at = Child(Child(pointer, "streams"), i);
    TestStream stream;
    stream.name = StringMember(streams[i], "name", at);
    stream.type = TypeFromJson(Member(streams[i], "type", at), Child(at, "type"));
    if (stream.type->kind != ast::TypeKind::List || !stream.type->element ||
        stream.type->element->kind != ast::TypeKind::Record) {
      throw ReadError(Child(at, "type"), "a stream is a list of records");
    }
    const Json& ports = ArrayMember(streams[i], "ports", at);
    if (ports.empty()) throw ReadError(Child(at, "ports"), "a stream reads at least one port");
    for (size_t p = 0; p < ports.size(); ++p) {
      std::string port_at = Child(Child(at, "ports"), p);
      TestPort port{StringMember(ports[p], "node", port_at), StringMember(ports[p], "port", port_at)};
      const Node* node = pipeline->Find(port.node);
      if (!node) throw ReadError(Child(port_at, "node"), "unknown node `" + port.node + "`");
      const Port* output = node->Output(port.port);
      if (!output) throw ReadError(Child(port_at, "port"), "node `" + port.node + "` has no output port `" + port.port + "`");
      if (!ast::IsAssignable(output->type, stream.type->element)) {
        throw ReadError(port_at, "carries " + ast::ToString(output->type, true) + ", not the stream's records");
      }
      stream.ports.push_back(std::move(port));
    }
    test.streams.push_back(std::move(stream));
  }
  const Json& expects = ArrayMember(json, "expects", pointer);
  for (size_t i = 0; i < expects.size(); ++i) {
    std::string at = Child(Child(pointer, "expects"), i);
    TestExpect expect;
    std::string kind = StringMember(expects[i], "kind", at);
    if (kind == "rows") {
      expect.kind = TestExpect::Kind::Rows;
    } else if (kind == "empty") {
      expect.kind = TestExpect::Kind::Empty;
    } else if (kind == "condition") {
      expect.kind = TestExpect::Kind::Condition;
    } else {
      throw ReadError(Child(at, "kind"), "expected \"rows\", \"empty\" or \"condition\"");
    }
    expect.text = StringMember(expects[i], "text", at);
    expect.location = TestLocationFromJson(expects[i], at);
    if (expect.kind != TestExpect::Kind::Condition) {
      int64_t stream = IntMember(expects[i], "stream", at);
      if (stream < 0 || static_cast<size_t>(stream) >= test.streams.size()) throw ReadError(Child(at, "stream"), "no such stream");
      expect.stream = static_cast<int>(stream);
    }
    if (expect.kind == TestExpect::Kind::Rows) {
      expect.count = ExprFromJson(Member(expects[i], "count", at), Child(at, "count"));
      CheckType(*expect.count, ast::IntType(), Child(at, "count"), "the count");
    }
    if (expect.kind == TestExpect::Kind::Condition) {
      expect.condition = ExprFromJson(Member(expects[i], "condition", at), Child(at, "condition"));
      CheckType(*expect.condition, ast::BoolType(), Child(at, "condition"), "the condition");
    }
    test.expects.push_back(std::move(expect));
  }
  return test;
}

}  // namespace etl::ir::json_codec
