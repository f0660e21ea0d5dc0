// Windowed aggregates: tumbling, sliding and session windows, emission as the event time
// passes a window's end, late records, null times.
#include "runtime_op_stateful_util.h"

namespace etl::runtime::testing {
namespace {

constexpr const char* kIn = "{user: string, v: int, ts: timestamp}";
constexpr const char* kOut = "{user: string, window_start: timestamp, window_end: timestamp, n: int, s: int, vs: list<int>}";
constexpr int64_t kSecond = 1'000'000;

Value Row(const char* user, int64_t v, int64_t seconds) {
  return Rec({{"user", Value::String(user)}, {"v", Value::Int(v)}, {"ts", Kinded(VK::Timestamp, seconds * kSecond)}});
}

ir::StepArg DurationArg(const char* name, int64_t seconds) {
  ir::StepArg arg;
  arg.name = name;
  arg.type = T("duration");
  arg.value = Kinded(VK::Duration, seconds * kSecond);
  return arg;
}

// aggregate by user window <kind>(...) { n = count(), s = sum(v), vs = list(v) }
// `on` is given as the plan writes it (`"value": "ts"`, the field's name) or as an expression.
ir::Node WindowNode(const char* kind, std::vector<ir::StepArg> args, bool on_by_name = true) {
  ir::Node node = StatefulNode(ir::NodeKind::Aggregate, kIn, kOut);
  node.keys.push_back({"user", Fld(0, "user", "string")});
  ir::StepArg on;
  on.name = "on";
  on.type = T("timestamp");
  if (on_by_name) {
    on.value = Value::String("ts");
  } else {
    on.expr = Fld(2, "ts", "timestamp");
  }
  args.push_back(on);
  node.window = ir::Window{kind, std::move(args)};
  node.aggregates = {ir::AggregateCall{"count", {}, T("int")}, ir::AggregateCall{"sum", {Fld(1, "v", "int")}, T("int")},
                     ir::AggregateCall{"list", {Fld(1, "v", "int")}, T("list<int>")}};
  node.assignments = {{"n", AggRef(0, "int")}, {"s", AggRef(1, "int")}, {"vs", AggRef(2, "list<int>")}};
  return node;
}

// "user start..end n s [vs]" with times in seconds.
std::vector<std::string> Lines(const CollectingEmitter& out) {
  std::vector<std::string> lines;
  for (const Value& row : out.Rows(0)) {
    std::string line = row.fields[0].second.string_value + " " + std::to_string(row.fields[1].second.int_value / kSecond) +
                       ".." + std::to_string(row.fields[2].second.int_value / kSecond) + " " +
                       std::to_string(row.fields[3].second.int_value) + " " + std::to_string(row.fields[4].second.int_value) + " " +
                       ValueToJson(row.fields[5].second);
    lines.push_back(line);
  }
  return lines;
}

void Push(Step& step, std::vector<Value> rows, CollectingEmitter& out, uint64_t seq) {
  Batch batch = MakeRows(kIn, rows);
  batch.sequence = seq;
  step.Push(0, batch, out);
}

TEST(OpWindow, TumblingEmitsEachWindowOnceTheEventTimePassesItsEnd) {
  ir::Node node = WindowNode("tumbling", {DurationArg("size", 10)});
  auto step = BindOp(node);
  CollectingEmitter out;
  Push(*step, {Row("a", 1, 1), Row("b", 2, 3), Row("a", 3, 12)}, out, 0);
  EXPECT_EQ(Lines(out), (std::vector<std::string>{"a 0..10 1 1 [1]", "b 0..10 1 2 [2]"}));
  Push(*step, {Row("a", 5, 15), Row("b", 1, 2), Row("a", 7, 25)}, out, 1);
  step->Close(0, out);
  EXPECT_EQ(Lines(out), (std::vector<std::string>{"a 0..10 1 1 [1]", "b 0..10 1 2 [2]", "a 10..20 2 8 [3,5]",
                                                  "a 20..30 1 7 [7]"}));
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].code, "late");
  EXPECT_EQ(out.errors[0].record, R"({"user":"b","v":1,"ts":"1970-01-01T00:00:02Z"})");
  ExpectSequences(out, node);
  EXPECT_EQ(out.acks.size(), 2u);
}

TEST(OpWindow, AWindowIsEmittedWhenTheEventTimeReachesItsEndExactly) {
  ir::Node node = WindowNode("tumbling", {DurationArg("size", 10)});
  auto step = BindOp(node);
  CollectingEmitter out;
  Push(*step, {Row("a", 1, 1), Row("a", 2, 9)}, out, 0);
  EXPECT_TRUE(out.Rows(0).empty());  // 9s: [0, 10) may still get records
  Push(*step, {Row("a", 3, 10)}, out, 1);  // 10s is in [10, 20): [0, 10) is complete
  EXPECT_EQ(Lines(out), (std::vector<std::string>{"a 0..10 2 3 [1,2]"}));
  Push(*step, {Row("a", 4, 9)}, out, 2);  // too late for [0, 10)
  step->Close(0, out);
  EXPECT_EQ(Lines(out), (std::vector<std::string>{"a 0..10 2 3 [1,2]", "a 10..20 1 3 [3]"}));
  EXPECT_EQ(ErrorLines(out), (std::vector<std::string>{R"(late {"user":"a","v":4,"ts":"1970-01-01T00:00:09Z"})"}));
}

TEST(OpWindow, SlidingPutsARecordInEveryWindowHoldingIt) {
  ir::Node node = WindowNode("sliding", {DurationArg("size", 10), DurationArg("every", 5)}, false);
  auto step = BindOp(node);
  CollectingEmitter out;
  Push(*step, {Row("a", 1, 7), Row("a", 2, 12)}, out, 0);
  EXPECT_EQ(Lines(out), (std::vector<std::string>{"a 0..10 1 1 [1]"}));
  Push(*step, {Row("a", 4, 3), Row("a", 8, 10)}, out, 1);  // 3s: its window -5..5 is gone
  step->Close(0, out);
  EXPECT_EQ(Lines(out), (std::vector<std::string>{"a 0..10 1 1 [1]", "a 5..15 3 11 [1,2,8]", "a 10..20 2 10 [2,8]"}));
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].code, "late");
}

TEST(OpWindow, SessionsCloseAfterTheGapAndMergeWhenBridged) {
  ir::Node node = WindowNode("session", {DurationArg("gap", 10)});
  auto step = BindOp(node);
  CollectingEmitter out;
  Push(*step, {Row("a", 1, 0), Row("b", 2, 2), Row("a", 3, 5), Row("a", 4, 14)}, out, 0);
  EXPECT_EQ(Lines(out), (std::vector<std::string>{"b 2..12 1 2 [2]"}));
  Push(*step, {Row("a", 5, 40), Row("b", 9, 1), Row("a", 6, 20)}, out, 1);
  EXPECT_EQ(Lines(out), (std::vector<std::string>{"b 2..12 1 2 [2]", "a 0..30 4 14 [1,3,4,6]"}));
  // c: 0 and 18 are separate until 9 bridges them (one batch: nothing closes in between).
  Push(*step, {Row("c", 1, 100), Row("c", 2, 118), Row("c", 3, 109)}, out, 2);
  step->Close(0, out);
  EXPECT_EQ(Lines(out), (std::vector<std::string>{"b 2..12 1 2 [2]", "a 0..30 4 14 [1,3,4,6]", "a 40..50 1 5 [5]",
                                                  "c 100..128 3 6 [1,2,3]"}));
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].code, "late");
  ExpectSequences(out, node);
}

TEST(OpWindow, BadWindowsAreBindErrors) {
  std::string error;
  EXPECT_FALSE(MakeOperator(WindowNode("tumbling", {DurationArg("size", 0)}), {}, &error));
  EXPECT_NE(error.find("size"), std::string::npos) << error;
  EXPECT_FALSE(MakeOperator(WindowNode("sliding", {DurationArg("size", 5), DurationArg("every", 10)}), {}, &error));
  EXPECT_FALSE(MakeOperator(WindowNode("hopping", {}), {}, &error));
  ir::Node no_field = WindowNode("tumbling", {DurationArg("size", 10)});
  no_field.window->args.back().value = Value::String("nope");
  EXPECT_FALSE(MakeOperator(no_field, {}, &error));
  EXPECT_NE(error.find("on"), std::string::npos) << error;
}

}  // namespace
}  // namespace etl::runtime::testing
