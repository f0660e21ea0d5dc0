// Step typing rules: outputs, argument validation and the diagnostics they report.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "stdlib/spec.h"

namespace etl::stdlib {
namespace {

using ast::TypeRef;
using ast::Value;

// Binds arguments to a step's spec the way sema does, then runs its rule.
class Binder {
 public:
  Binder(std::string_view name, StepKind kind, TypeRef input = nullptr) : spec_(FindStep(name, kind)) {
    EXPECT_NE(spec_, nullptr) << name;
    ctx_.step = std::string(name);
    ctx_.input = std::move(input);
    ctx_.call_range = {0, 0, 100};
    ctx_.diagnostics = &diagnostics_;
  }
  Binder& Arg(std::string_view param, std::optional<Value> value, TypeRef type = nullptr) {
    BoundArg arg;
    for (const auto& p : spec_->params) {
      if (p.name == param) arg.param = &p;
    }
    EXPECT_NE(arg.param, nullptr) << "no parameter " << param;
    arg.value = std::move(value);
    arg.type = std::move(type);
    arg.range = {0, next_offset_, next_offset_ + 1};
    ++next_offset_;
    ctx_.args.push_back(std::move(arg));
    return *this;
  }
  Binder& Schema(std::string_view param, TypeRef record) {
    Arg(param, std::nullopt);
    ctx_.args.back().schema = std::move(record);
    return *this;
  }
  Binder& Expr(std::string_view param, const ast::Expr* expr) {
    Arg(param, std::nullopt);
    ctx_.args.back().expr = expr;
    return *this;
  }
  TypeRef Output() { return spec_->output(ctx_); }
  const diag::Diagnostics& Diagnostics() const { return diagnostics_; }
  bool Reported(diag::Code code) const {
    for (const auto& d : diagnostics_.All()) {
      if (d.code == code) return true;
    }
    return false;
  }
  std::string FirstMessage() const { return diagnostics_.All().empty() ? "" : diagnostics_.All()[0].message; }

 private:
  const StepSpec* spec_;
  StepBindContext ctx_;
  diag::Diagnostics diagnostics_;
  uint32_t next_offset_ = 1;
};

Value Duration(int64_t us) {
  Value value;
  value.kind = Value::Kind::Duration;
  value.int_value = us;
  return value;
}

TypeRef Order() {
  return ast::RecordType({{"id", ast::IntType(), false},
                          {"customer", ast::StringType(), false},
                          {"ts", ast::TimestampType(), false},
                          {"seen", ast::WithNullable(ast::TimestampType(), true), false}},
                         "Order");
}

ast::ExprPtr Name(std::string text) {
  auto e = std::make_unique<ast::Expr>();
  e->kind = ast::ExprKind::NameRef;
  e->text = std::move(text);
  return e;
}

ast::ExprPtr Str(std::string text) {
  auto e = std::make_unique<ast::Expr>();
  e->kind = ast::ExprKind::StringLit;
  e->text = std::move(text);
  return e;
}

// `callee(keys: [k...])`
ast::ExprPtr ModeCall(std::string callee, std::vector<std::string> keys) {
  auto call = std::make_unique<ast::Expr>();
  call->kind = ast::ExprKind::Call;
  call->children.push_back(Name(std::move(callee)));
  auto list = std::make_unique<ast::Expr>();
  list->kind = ast::ExprKind::ListLit;
  for (auto& key : keys) list->children.push_back(Str(key));
  ast::Argument arg;
  arg.name = ast::Name{"keys", {}};
  arg.value = std::move(list);
  call->args.push_back(std::move(arg));
  return call;
}

TEST(StdlibSteps, SourcesWithASchemaReturnIt) {
  for (auto [name, param] : std::vector<std::pair<const char*, const char*>>{
           {"csv", "schema"}, {"jsonl", "schema"}, {"parquet", "schema"}, {"kafka", "schema"},
           {"exec", "output"}, {"singer", "schema"}}) {
    Binder b(name, StepKind::Source);
    b.Arg(std::string(name) == "kafka" ? "brokers" : (std::string(name) == "exec" ? "command" : (std::string(name) == "singer" ? "tap" : "path")),
          Value::String("x"));
    b.Schema(param, Order());
    EXPECT_TRUE(ast::SameType(b.Output(), Order())) << name;
    EXPECT_TRUE(b.Diagnostics().All().empty()) << name << ": " << b.FirstMessage();
  }
}

TEST(StdlibSteps, CsvDelimiterMustBeOneCharacter) {
  Binder b("csv", StepKind::Source);
  b.Arg("path", Value::String("x.csv")).Schema("schema", Order()).Arg("delimiter", Value::String(";;"));
  EXPECT_TRUE(ast::IsError(b.Output()));
  ASSERT_TRUE(b.Reported(diag::Code::InvalidArgumentValue));
  EXPECT_EQ(b.Diagnostics().All()[0].range.begin, 3u) << "reported at the delimiter argument";
  Binder sink("csv", StepKind::Sink, Order());
  sink.Arg("path", Value::String("out.csv")).Arg("delimiter", Value::String("\t"));
  EXPECT_TRUE(ast::SameType(sink.Output(), DoneType()));
}

TEST(StdlibSteps, CsvWithoutSchemaInfersFromTheFile) {
  auto dir = std::filesystem::temp_directory_path() / "etl_stdlib_steps_test";
  std::filesystem::create_directories(dir);
  auto path = (dir / "people.csv").string();
  std::ofstream(path) << "name;age\nada;36\n";
  Binder b("csv", StepKind::Source);
  b.Arg("path", Value::String(path)).Arg("delimiter", Value::String(";"));
  EXPECT_EQ(ast::ToString(b.Output(), true), "{name: string, age: int}");
  std::filesystem::remove_all(dir);
}

TEST(StdlibSteps, CsvWithoutSchemaReportsAMissingFileAtTheCall) {
  Binder b("csv", StepKind::Source);
  b.Arg("path", Value::String("definitely/missing/x.csv"));
  EXPECT_TRUE(ast::IsError(b.Output()));
  ASSERT_EQ(b.Diagnostics().All().size(), 1u);
  const auto& d = b.Diagnostics().All()[0];
  EXPECT_EQ(d.code, diag::Code::InvalidArgumentValue);
  EXPECT_EQ(d.message, "cannot infer the schema of `definitely/missing/x.csv`: file not found; pass `schema:`");
  EXPECT_EQ(d.range.end, 100u) << "at the call";
}

TEST(StdlibSteps, CsvWithoutSchemaNeedsAConstantPath) {
  Binder b("jsonl", StepKind::Source);
  b.Arg("path", std::nullopt, ast::StringType());
  EXPECT_TRUE(ast::IsError(b.Output()));
  EXPECT_TRUE(b.Reported(diag::Code::InvalidArgumentValue));
}

TEST(StdlibSteps, GenerateAndStdout) {
  Binder g("generate", StepKind::Source);
  g.Arg("count", Value::Int(10)).Schema("schema", Order());
  EXPECT_TRUE(ast::SameType(g.Output(), Order()));
  Binder zero("generate", StepKind::Source);
  zero.Arg("count", Value::Int(0)).Schema("schema", Order());
  EXPECT_TRUE(ast::IsError(zero.Output()));
  Binder table("stdout", StepKind::Sink, Order());
  table.Arg("format", Value::String("jsonl"));
  EXPECT_TRUE(ast::SameType(table.Output(), DoneType()));
  Binder bad("stdout", StepKind::Sink, Order());
  bad.Arg("format", Value::String("xml"));
  EXPECT_TRUE(ast::IsError(bad.Output()));
  EXPECT_NE(bad.FirstMessage().find("\"table\" or \"jsonl\""), std::string::npos) << bad.FirstMessage();
}

TEST(StdlibSteps, PostgresSourceNeedsQueryOrTable) {
  Binder neither("postgres", StepKind::Source);
  neither.Arg("url", Value::String("postgres://x")).Schema("schema", Order());
  EXPECT_TRUE(ast::IsError(neither.Output()));
  Binder both("postgres", StepKind::Source);
  both.Arg("url", Value::String("u")).Arg("query", Value::String("q")).Arg("table", Value::String("t")).Schema("schema", Order());
  EXPECT_TRUE(ast::IsError(both.Output()));
  Binder ok("postgres", StepKind::Source);
  ok.Arg("url", Value::String("u")).Arg("table", Value::String("orders")).Arg("incremental", Value::String("ts")).Schema("schema", Order());
  EXPECT_TRUE(ast::SameType(ok.Output(), Order())) << ok.FirstMessage();
  Binder unknown("postgres", StepKind::Source);
  unknown.Arg("url", Value::String("u")).Arg("table", Value::String("orders")).Arg("incremental", Value::String("tss")).Schema("schema", Order());
  EXPECT_TRUE(ast::IsError(unknown.Output()));
  ASSERT_TRUE(unknown.Reported(diag::Code::UnknownField));
  EXPECT_EQ(unknown.Diagnostics().All()[0].notes[0].message, "did you mean `ts`?");
}

TEST(StdlibSteps, PostgresSinkModes) {
  auto append = Name("append");
  Binder a("postgres", StepKind::Sink, Order());
  a.Arg("url", Value::String("u")).Arg("table", Value::String("t")).Expr("mode", append.get());
  EXPECT_TRUE(ast::SameType(a.Output(), DoneType())) << a.FirstMessage();

  auto upsert = ModeCall("upsert", {"id"});
  Binder u("postgres", StepKind::Sink, Order());
  u.Arg("url", Value::String("u")).Arg("table", Value::String("t")).Expr("mode", upsert.get());
  EXPECT_TRUE(ast::SameType(u.Output(), DoneType())) << u.FirstMessage();

  auto typo = ModeCall("upsert", {"idd"});
  Binder k("postgres", StepKind::Sink, Order());
  k.Arg("url", Value::String("u")).Arg("table", Value::String("t")).Expr("mode", typo.get());
  EXPECT_TRUE(ast::IsError(k.Output()));
  ASSERT_TRUE(k.Reported(diag::Code::UnknownField));
  EXPECT_EQ(k.Diagnostics().All()[0].notes[0].message, "did you mean `id`?");

  auto unknown = Name("upsurt");
  Binder m("postgres", StepKind::Sink, Order());
  m.Arg("url", Value::String("u")).Arg("table", Value::String("t")).Expr("mode", unknown.get());
  EXPECT_TRUE(ast::IsError(m.Output()));
  ASSERT_TRUE(m.Reported(diag::Code::InvalidArgumentValue));
  EXPECT_EQ(m.Diagnostics().All()[0].notes[0].message, "did you mean `upsert`?");

  auto keyless = Name("scd2");
  Binder s("postgres", StepKind::Sink, Order());
  s.Arg("url", Value::String("u")).Arg("table", Value::String("t")).Expr("mode", keyless.get());
  EXPECT_TRUE(ast::IsError(s.Output()));

  auto scd2 = ModeCall("scd2", {"id"});
  Binder lite("sqlite", StepKind::Sink, Order());
  lite.Arg("path", Value::String("x.db")).Arg("table", Value::String("t")).Expr("mode", scd2.get());
  EXPECT_TRUE(ast::IsError(lite.Output())) << "sqlite has no scd2";
}

TEST(StdlibSteps, ExecTransformDefaultsToItsInput) {
  Binder same("exec", StepKind::Transform, Order());
  same.Arg("command", Value::String("cat"));
  EXPECT_TRUE(ast::SameType(same.Output(), Order()));
  auto scored = ast::RecordType({{"score", ast::FloatType(), false}}, "Scored");
  Binder other("exec", StepKind::Transform, Order());
  other.Arg("command", Value::String("python3 score.py")).Schema("output", scored);
  EXPECT_TRUE(ast::SameType(other.Output(), scored));
}

TEST(StdlibSteps, WindowsCheckTheirTimeField) {
  auto ts = Name("ts");
  Binder ok("tumbling", StepKind::Window, Order());
  ok.Arg("size", Duration(300000000)).Expr("on", ts.get());
  EXPECT_EQ(ast::ToString(ok.Output(), true), "{window_start: timestamp, window_end: timestamp}") << ok.FirstMessage();

  auto customer = Name("customer");
  Binder wrong_type("session", StepKind::Window, Order());
  wrong_type.Arg("gap", Duration(1)).Expr("on", customer.get());
  EXPECT_TRUE(ast::IsError(wrong_type.Output()));
  EXPECT_TRUE(wrong_type.Reported(diag::Code::InvalidArgumentValue));

  auto seen = Name("seen");
  Binder nullable("tumbling", StepKind::Window, Order());
  nullable.Arg("size", Duration(1)).Expr("on", seen.get());
  EXPECT_TRUE(ast::IsError(nullable.Output()));
  EXPECT_NE(nullable.FirstMessage().find("is not null"), std::string::npos) << nullable.FirstMessage();

  auto typo = Name("tss");
  Binder unknown("tumbling", StepKind::Window, Order());
  unknown.Arg("size", Duration(1)).Expr("on", typo.get());
  EXPECT_TRUE(ast::IsError(unknown.Output()));
  EXPECT_TRUE(unknown.Reported(diag::Code::UnknownField));

  Binder slide("sliding", StepKind::Window, Order());
  slide.Arg("size", Duration(10)).Arg("every", Duration(20)).Arg("on", Value::String("ts"));
  EXPECT_TRUE(ast::IsError(slide.Output())) << "every > size";
}

TEST(StdlibSteps, TriggersValidateTheirArgument) {
  Binder hook("webhook", StepKind::Trigger);
  hook.Arg("path", Value::String("hooks/x"));
  EXPECT_TRUE(ast::IsError(hook.Output()));
  Binder file("file", StepKind::Trigger);
  file.Arg("glob", Value::String("in/*.csv"));
  EXPECT_FALSE(ast::IsError(file.Output()));
  Binder event("event", StepKind::Trigger);
  event.Arg("name", Value::String("loaded"));
  EXPECT_FALSE(ast::IsError(event.Output()));
}

TEST(StdlibSteps, HttpAndKafkaArguments) {
  Binder src("http", StepKind::Source);
  Value paginate;
  paginate.kind = Value::Kind::Record;
  paginate.fields.push_back({"next", Value::String("$.next")});
  src.Arg("url", Value::String("https://x")).Arg("paginate", paginate).Arg("records", Value::String("$.items")).Schema("schema", Order());
  EXPECT_TRUE(ast::SameType(src.Output(), Order())) << src.FirstMessage();
  Binder bad("http", StepKind::Source);
  bad.Arg("url", Value::String("https://x")).Arg("paginate", Value::String("pages")).Schema("schema", Order());
  EXPECT_TRUE(ast::IsError(bad.Output()));
  Binder sink("kafka", StepKind::Sink, Order());
  sink.Arg("brokers", Value::String("b")).Arg("topic", Value::String("t")).Arg("key", Value::String("customr"));
  EXPECT_TRUE(ast::IsError(sink.Output()));
  EXPECT_TRUE(sink.Reported(diag::Code::UnknownField));
}

}  // namespace
}  // namespace etl::stdlib
