// The sort operator: order with nulls and directions, stability, row errors, empty input,
// and a spilled sort (several temporary files, removed afterwards) equal to the in-memory one.
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include "runtime/op_sort.h"
#include "runtime_op_stateful_util.h"

namespace etl::runtime::testing {
namespace {

constexpr const char* kIn = "{id: int, amount: float?, name: string?, n: int}";

Value Row(int64_t id, std::optional<double> amount, const char* name, int64_t n = 1) {
  return Rec({{"id", Value::Int(id)},
              {"amount", amount ? Value::Float(*amount) : Value::Null()},
              {"name", name ? Value::String(name) : Value::Null()},
              {"n", Value::Int(n)}});
}

ir::Node SortNode(std::vector<std::pair<Expr, bool>> keys) {
  ir::Node node = StatefulNode(ir::NodeKind::Sort, kIn, kIn);
  for (auto& [expr, desc] : keys) node.sort_keys.push_back({expr, desc});
  return node;
}

std::vector<int64_t> Ids(const CollectingEmitter& out) {
  std::vector<int64_t> ids;
  for (const Value& row : out.Rows(0)) ids.push_back(row.fields[0].second.int_value);
  return ids;
}

TEST(OpSort, NullsGoLastInBothDirectionsAndTiesKeepInputOrder) {
  std::vector<Batch> input = {
      MakeRows(kIn, {Row(1, 2.5, "b"), Row(2, std::nullopt, "a"), Row(3, -1.0, nullptr)}),
      MakeRows(kIn, {Row(4, 2.5, "a"), Row(5, 0.0, "b"), Row(6, -0.0, "a"), Row(7, std::nullopt, nullptr)}),
  };
  {
    ir::Node node = SortNode({{Fld(1, "amount", "float?"), false}});
    auto step = BindOp(node);
    CollectingEmitter out;
    Feed(*step, input, out);
    // -1, then 0.0 and -0.0 tie (input order), 2.5 twice (input order), nulls last.
    EXPECT_EQ(Ids(out), (std::vector<int64_t>{3, 5, 6, 1, 4, 2, 7}));
    ExpectSequences(out, node);
    EXPECT_EQ(out.acks.size(), 2u);
  }
  {
    ir::Node node = SortNode({{Fld(1, "amount", "float?"), true}, {Fld(2, "name", "string?"), false}});
    auto step = BindOp(node);
    CollectingEmitter out;
    Feed(*step, input, out);
    // 2.5 (a before b), 0.0/-0.0 (a before b), -1, then the null amounts (name a, then null).
    EXPECT_EQ(Ids(out), (std::vector<int64_t>{4, 1, 6, 5, 3, 2, 7}));
  }
  {
    // A batch with a selection: only its selected rows are sorted.
    ir::Node node = SortNode({{Fld(0, "id", "int"), true}});
    auto step = BindOp(node);
    CollectingEmitter out;
    Feed(*step, {Select(input[1], {0, 2, 3}), Select(input[0], {1})}, out);
    EXPECT_EQ(Ids(out), (std::vector<int64_t>{7, 6, 4, 2}));
    ExpectSequences(out, node);
  }
  {
    // Strings bytewise, descending: nulls last; "" and a string with a NUL byte order right.
    ir::Node node = SortNode({{Fld(2, "name", "string?"), true}});
    auto step = BindOp(node);
    CollectingEmitter out;
    Feed(*step,
         {MakeRows(kIn, {Row(1, 1.0, "ab"), Row(2, 1.0, ""), Row(3, 1.0, nullptr), Row(4, 1.0, "a"),
                         Rec({{"id", Value::Int(5)}, {"amount", Value::Float(1.0)}, {"name", Value::String(std::string("a\0b", 3))}, {"n", Value::Int(1)}}), Row(6, 1.0, "b")})},
         out);
    EXPECT_EQ(Ids(out), (std::vector<int64_t>{6, 1, 5, 4, 2, 3}));
  }
}

TEST(OpSort, KeyErrorsGoToErrorsAndEmptyInputGivesNothing) {
  ir::Node node = SortNode({{Bin(BinaryOp::Div, Fld(0, "id", "int"), Fld(3, "n", "int"), T("int")), false}});
  auto step = BindOp(node);
  CollectingEmitter out;
  Feed(*step, {MakeRows(kIn, {Row(9, 1.0, "x", 1), Row(8, 1.0, "y", 0), Row(7, 1.0, "z", 1)})}, out);
  EXPECT_EQ(Ids(out), (std::vector<int64_t>{7, 9}));
  EXPECT_EQ(ErrorLines(out), (std::vector<std::string>{R"(division_by_zero {"id":8,"amount":1,"name":"y","n":0})"}));
  auto empty = BindOp(node);
  CollectingEmitter none;
  Feed(*empty, {}, none);
  EXPECT_TRUE(none.Rows(0).empty());
  EXPECT_TRUE(none.errors.empty());
}

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> files;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") files.push_back(name);
    }
    closedir(d);
  }
  return files;
}

TEST(OpSort, SpilledSortEqualsTheInMemorySortAndRemovesItsFiles) {
  char dir_template[] = "/tmp/etl-sort-test-XXXXXX";
  ASSERT_TRUE(mkdtemp(dir_template));
  const std::string dir = dir_template;
  const char* old = getenv("TMPDIR");
  std::string saved = old ? old : "";
  setenv("TMPDIR", dir.c_str(), 1);

  std::mt19937_64 rng(2024);
  std::vector<Batch> input;
  std::vector<Value> all;
  for (int b = 0; b < 50; ++b) {
    std::vector<Value> rows;
    for (int i = 0; i < 4000; ++i) {
      int64_t id = static_cast<int64_t>(all.size());
      std::optional<double> amount;
      if (rng() % 10) amount = static_cast<double>(rng() % 500) / 4.0 - 20;
      std::string name = "n" + std::to_string(rng() % 1000);
      rows.push_back(Row(id, amount, rng() % 7 ? name.c_str() : nullptr));
      all.push_back(rows.back());
    }
    input.push_back(MakeRows(kIn, rows));
  }
  ir::Node node = SortNode({{Fld(1, "amount", "float?"), true}, {Fld(2, "name", "string?"), false}});

  auto memory = BindOp(node);
  CollectingEmitter expected;
  Feed(*memory, input, expected);
  EXPECT_EQ(SpillInfo(*memory).runs_spilled, 0u);

  StepContext small;
  small.memory_budget_bytes = 64 * 1024;
  auto spilling = BindOp(node, small);
  CollectingEmitter got;
  uint64_t seq = 0;
  size_t max_files = 0;
  for (Batch& batch : input) {
    batch.sequence = seq++;
    spilling->Push(0, batch, got);
    max_files = std::max(max_files, FilesIn(dir).size());
  }
  SortSpillInfo info = SpillInfo(*spilling);
  EXPECT_GT(info.runs_spilled, 10u);
  EXPECT_EQ(max_files, info.runs_spilled);
  spilling->Close(0, got);
  EXPECT_TRUE(FilesIn(dir).empty());
  EXPECT_TRUE(SpillInfo(*spilling).paths.empty());

  std::vector<std::string> a = JsonRows(expected), b = JsonRows(got);
  ASSERT_EQ(a.size(), all.size());
  EXPECT_TRUE(a == b);
  for (const Batch& batch : got.batches[0]) {
    if (&batch != &got.batches[0].back()) {
      EXPECT_EQ(batch.Size(), kDefaultBatchRows);
    }
  }
  ExpectSequences(got, node);
  // The in-memory order is the reference stable sort (amount desc, name asc, nulls last in both).
  std::vector<Value> reference = all;
  std::stable_sort(reference.begin(), reference.end(), [](const Value& x, const Value& y) {
    const Value &xa = x.fields[1].second, &ya = y.fields[1].second;
    if ((xa.kind == VK::Null) != (ya.kind == VK::Null)) return ya.kind == VK::Null;
    if (xa.kind != VK::Null && xa.float_value != ya.float_value) return xa.float_value > ya.float_value;
    const Value &xn = x.fields[2].second, &yn = y.fields[2].second;
    if ((xn.kind == VK::Null) != (yn.kind == VK::Null)) return yn.kind == VK::Null;
    return xn.kind != VK::Null && xn.string_value < yn.string_value;
  });
  std::vector<std::string> want;
  for (const Value& v : reference) want.push_back(ValueToJson(v));
  EXPECT_TRUE(want == a);

  // A step destroyed before Close removes its files too.
  {
    auto abandoned = BindOp(node, small);
    CollectingEmitter ignored;
    for (int i = 0; i < 5; ++i) abandoned->Push(0, input[static_cast<size_t>(i)], ignored);
    EXPECT_FALSE(FilesIn(dir).empty());
  }
  EXPECT_TRUE(FilesIn(dir).empty());
  if (old) {
    setenv("TMPDIR", saved.c_str(), 1);
  } else {
    unsetenv("TMPDIR");
  }
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace etl::runtime::testing

namespace etl::runtime::testing {
namespace {

TEST(OpSort, ThroughputOfAMillionRowsInMemoryAndSpilled) {
  // sort by amount desc over {id: int, country: string, amount: float}: 1M rows, in memory
  // and with a 16 MiB budget (several spill files).
  constexpr const char* schema = "{id: int, country: string, amount: float}";
  ir::Node node = StatefulNode(ir::NodeKind::Sort, schema, schema);
  node.sort_keys.push_back({Fld(2, "amount", "float"), true});
  std::mt19937_64 rng(3);
  std::vector<Batch> batches;
  for (size_t b = 0; b < 256; ++b) {
    ColumnBuilder id(T("int")), country(T("string")), amount(T("float"));
    for (size_t i = 0; i < kDefaultBatchRows; ++i) {
      id.AppendInt(static_cast<int64_t>(b * kDefaultBatchRows + i));
      country.AppendString("c" + std::to_string(rng() % 30));
      amount.AppendFloat(static_cast<double>(rng() % 10000000) / 100.0);
    }
    Batch batch;
    batch.schema = T(schema);
    batch.rows = kDefaultBatchRows;
    batch.sequence = b;
    batch.columns = {id.Finish(), country.Finish(), amount.Finish()};
    batches.push_back(batch);
  }
  for (size_t budget : {size_t{256} << 20, size_t{16} << 20}) {
    StepContext ctx;
    ctx.memory_budget_bytes = budget;
    auto step = BindOp(node, ctx);
    CollectingEmitter out;
    auto start = std::chrono::steady_clock::now();
    std::clock_t cpu_start = std::clock();
    for (const Batch& batch : batches) step->Push(0, batch, out);
    size_t spilled = SpillInfo(*step).runs_spilled;
    step->Close(0, out);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    size_t rows = 0;
    double previous = 1e300;
    bool sorted = true;
    for (const Batch& batch : out.batches[0]) {
      rows += batch.Size();
      for (size_t i = 0; i < batch.rows; ++i) {
        sorted = sorted && batch.columns[2]->floats[i] <= previous;
        previous = batch.columns[2]->floats[i];
      }
    }
    EXPECT_EQ(rows, batches.size() * kDefaultBatchRows);
    EXPECT_TRUE(sorted);
    if (budget < (size_t{256} << 20)) {
      EXPECT_GT(spilled, 2u);
    }
    // CPU time too: on a shared machine the wall time says more about the neighbours.
    std::printf("sort 1M rows by a float key (%zu spill files): %.1f ms wall, %.1f ms CPU = %.1f M rows/s of CPU\n",
                spilled, seconds * 1e3, cpu * 1e3, rows / cpu / 1e6);
  }
}

}  // namespace
}  // namespace etl::runtime::testing
