// Registry lookups and the records shared by every step.
#include <gtest/gtest.h>

#include "stdlib/spec.h"

namespace etl::stdlib {
namespace {

TEST(StdlibRegistry, FindsStepsByNameAndKind) {
  ASSERT_NE(FindStep("csv", StepKind::Source), nullptr);
  ASSERT_NE(FindStep("csv", StepKind::Sink), nullptr);
  EXPECT_NE(FindStep("csv", StepKind::Source), FindStep("csv", StepKind::Sink));
  EXPECT_EQ(FindStep("csv", StepKind::Transform), nullptr);
  EXPECT_EQ(FindStep("stdout", StepKind::Source), nullptr);
  EXPECT_EQ(FindStep("nope", StepKind::Source), nullptr);
  EXPECT_EQ(FindSteps("csv").size(), 2u);
  EXPECT_EQ(FindSteps("exec").size(), 3u);  // source, transform and sink
  EXPECT_TRUE(FindSteps("nope").empty());
  EXPECT_EQ(FindStep("tumbling", StepKind::Window)->kind, StepKind::Window);
  EXPECT_EQ(FindStep("webhook", StepKind::Trigger)->kind, StepKind::Trigger);
}

TEST(StdlibRegistry, EveryStepOfLanguageSection6IsThere) {
  for (const char* name : {"csv", "jsonl", "generate", "postgres", "sqlite", "http", "parquet", "kafka", "exec", "singer"}) {
    EXPECT_NE(FindStep(name, StepKind::Source), nullptr) << name;
  }
  for (const char* name : {"csv", "jsonl", "stdout", "postgres", "sqlite", "http", "parquet", "kafka", "exec", "singer"}) {
    EXPECT_NE(FindStep(name, StepKind::Sink), nullptr) << name;
  }
  EXPECT_NE(FindStep("exec", StepKind::Transform), nullptr);
  for (const char* name : {"file", "webhook", "event"}) EXPECT_NE(FindStep(name, StepKind::Trigger), nullptr) << name;
  for (const char* name : {"tumbling", "sliding", "session"}) EXPECT_NE(FindStep(name, StepKind::Window), nullptr) << name;
}

TEST(StdlibRegistry, EveryFunctionOfLanguageSection7IsThere) {
  for (const char* name : {"len", "lower", "upper", "trim", "ltrim", "rtrim", "substr", "replace", "split",
                           "starts_with", "ends_with", "contains", "concat", "format", "pad_left", "pad_right",
                           "regex_extract", "regex_replace", "abs", "round", "floor", "ceil", "min", "max", "pow",
                           "sqrt", "now", "date", "year", "month", "day", "hour", "parse_timestamp",
                           "format_timestamp", "trunc", "diff", "int", "float", "string", "bool", "decimal", "json",
                           "coalesce", "hash", "uuid", "env", "secret", "parse_json", "to_json", "keys", "lookup"}) {
    const FunctionSpec* spec = FindFunction(name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_FALSE(spec->aggregate) << name;
  }
  for (const char* name : {"count", "count_distinct", "sum", "avg", "min", "max", "first", "last", "list", "stddev",
                           "percentile"}) {
    const FunctionSpec* spec = FindFunction(name, true);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_TRUE(spec->aggregate) << name;
  }
}

TEST(StdlibRegistry, FunctionFormsAndFallback) {
  EXPECT_FALSE(FindFunction("min", false)->aggregate);
  EXPECT_TRUE(FindFunction("min", true)->aggregate);
  // Asking for a form that does not exist returns the other one (sema reports E0305).
  EXPECT_TRUE(FindFunction("sum", false)->aggregate);
  EXPECT_FALSE(FindFunction("len", true)->aggregate);
  EXPECT_EQ(FindFunction("nope"), nullptr);
  EXPECT_TRUE(ResolveFunction("max", 1)->aggregate);
  EXPECT_FALSE(ResolveFunction("max", 2)->aggregate);
  EXPECT_TRUE(ResolveFunction("count", 0)->aggregate);
  EXPECT_FALSE(ResolveFunction("uuid", 0)->aggregate);
  EXPECT_EQ(ResolveFunction("nope", 1), nullptr);
}

TEST(StdlibRegistry, SharedRecords) {
  EXPECT_EQ(ast::ToString(DoneType(), true), "{target: string, rows: int, bytes: int}");
  EXPECT_EQ(ast::ToString(ErrorsType(), true),
            "{step: string, code: string, message: string, record: json, source: string?, line: int?, at: timestamp}");
  EXPECT_EQ(DoneType(), DoneType()) << "built once";
}

TEST(StdlibRegistry, KindSpellings) {
  EXPECT_EQ(Spelling(StepKind::Source), "source");
  EXPECT_EQ(Spelling(StepKind::Transform), "transform");
  EXPECT_EQ(Spelling(StepKind::Sink), "sink");
  EXPECT_EQ(Spelling(StepKind::Trigger), "trigger");
  EXPECT_EQ(Spelling(StepKind::Window), "window");
}

TEST(StdlibRegistry, BindContextArgAndError) {
  const StepSpec* csv = FindStep("csv", StepKind::Source);
  StepBindContext ctx;
  diag::Diagnostics diagnostics;
  ctx.diagnostics = &diagnostics;
  ctx.call_range = {0, 0, 50};
  BoundArg arg;
  arg.param = &csv->params[0];
  arg.range = {0, 4, 9};
  ctx.args.push_back(arg);
  EXPECT_EQ(ctx.Arg("path"), &ctx.args[0]);
  EXPECT_EQ(ctx.Arg("schema"), nullptr);
  ctx.Error("path", "bad path");
  ctx.Error("schema", "absent: at the call");
  ASSERT_EQ(diagnostics.All().size(), 2u);
  EXPECT_EQ(diagnostics.All()[0].code, diag::Code::InvalidArgumentValue);
  EXPECT_EQ(diagnostics.All()[0].range.begin, 4u);
  EXPECT_EQ(diagnostics.All()[1].range.end, 50u);
  ctx.diagnostics = nullptr;
  ctx.Error("path", "probing reports nothing");  // must not crash
}

}  // namespace
}  // namespace etl::stdlib
