// Columns and batches: layouts, nulls, nested values, selection, and constants in and out.
#include <gtest/gtest.h>

#include "runtime/batch.h"
#include "runtime/value_json.h"

namespace etl::runtime {
namespace {

TypeRef Parse(const char* text) { return *ast::ParseType(text); }

ast::Value Record(std::vector<std::pair<std::string, ast::Value>> fields) {
  ast::Value v;
  v.kind = ast::Value::Kind::Record;
  v.fields = std::move(fields);
  return v;
}

ast::Value List(std::vector<ast::Value> items) {
  ast::Value v;
  v.kind = ast::Value::Kind::List;
  v.items = std::move(items);
  return v;
}

TEST(Column, LayoutsFollowTypes) {
  EXPECT_EQ(LayoutOf(Parse("int")), Layout::Int64);
  EXPECT_EQ(LayoutOf(Parse("timestamp")), Layout::Int64);
  EXPECT_EQ(LayoutOf(Parse("decimal(10, 2)")), Layout::Int64);
  EXPECT_EQ(LayoutOf(Parse("decimal(30, 2)")), Layout::Int128);
  EXPECT_EQ(LayoutOf(Parse("date")), Layout::Int32);
  EXPECT_EQ(LayoutOf(Parse("json")), Layout::String);
  EXPECT_EQ(LayoutOf(Parse("list<int>")), Layout::List);
  EXPECT_EQ(LayoutOf(Parse("{a: int}")), Layout::Record);
}

TEST(Column, ValidityIsFreeUntilTheFirstNull) {
  ColumnBuilder builder(Parse("int?"));
  for (int i = 0; i < 100; ++i) builder.AppendInt(i);
  ColumnPtr all = builder.Finish();
  EXPECT_TRUE(all->validity.AllValid());
  ColumnBuilder nulls(Parse("int?"));
  for (int i = 0; i < 130; ++i) {
    if (i % 7 == 0) {
      nulls.AppendNull();
    } else {
      nulls.AppendInt(i);
    }
  }
  ColumnPtr column = nulls.Finish();
  EXPECT_EQ(column->rows, 130u);
  EXPECT_EQ(column->validity.NullCount(column->rows), 19u);
  EXPECT_TRUE(column->IsNull(126));
  EXPECT_FALSE(column->IsNull(127));
  EXPECT_EQ(column->ints[127], 127);
}

TEST(Column, NullInJsonIsTheJsonNullAndInNullableJsonIsMissing) {
  ColumnBuilder json(Parse("json"));
  ASSERT_TRUE(json.AppendValue(ast::Value::Null()));
  ColumnPtr plain = json.Finish();
  EXPECT_FALSE(plain->IsNull(0));
  EXPECT_EQ(plain->String(0), "null");
  ColumnBuilder nullable(Parse("json?"));
  ASSERT_TRUE(nullable.AppendValue(ast::Value::Null()));
  EXPECT_TRUE(nullable.Finish()->IsNull(0));
}

TEST(Column, SpreadIsTheInverseOfTakeForFlatLayouts) {
  // Rows 0..129 with nulls, taken at a selection and spread back: the selected rows come
  // back with their values and nulls, the others are null.
  std::vector<uint32_t> selection;
  for (uint32_t r = 1; r < 130; r += 3) selection.push_back(r);
  for (const char* type : {"int?", "float?", "bool?", "date?", "string?", "decimal(30, 2)?"}) {
    std::vector<ast::Value> values;
    for (int i = 0; i < 130; ++i) {
      if (i % 5 == 0) {
        values.push_back(ast::Value::Null());
      } else if (std::string(type) == "string?") {
        values.push_back(ast::Value::String("s" + std::to_string(i)));
      } else if (std::string(type) == "bool?") {
        values.push_back(ast::Value::Bool(i % 2 == 0));
      } else if (std::string(type) == "float?") {
        values.push_back(ast::Value::Float(i * 0.5));
      } else {
        values.push_back(ast::Value::Int(i));
        if (std::string(type) == "date?") values.back().kind = ast::Value::Kind::Date;
      }
    }
    ColumnBuilder builder(Parse(type));
    for (const ast::Value& v : values) ASSERT_TRUE(builder.AppendValue(v)) << type;
    ColumnPtr column = builder.Finish();
    ASSERT_TRUE(Spreadable(column->layout)) << type;
    ColumnPtr dense = Take(*column, selection);
    ColumnPtr spread = Spread(*dense, selection, column->rows);
    ASSERT_EQ(spread->rows, column->rows) << type;
    size_t k = 0;
    for (size_t r = 0; r < column->rows; ++r) {
      if (k < selection.size() && selection[k] == r) {
        EXPECT_EQ(ast::ToLiteral(spread->Get(r)), ast::ToLiteral(column->Get(r))) << type << " row " << r;
        ++k;
      } else {
        EXPECT_TRUE(spread->IsNull(r)) << type << " row " << r;
      }
    }
  }
  EXPECT_FALSE(Spreadable(Layout::List));
  EXPECT_FALSE(Spreadable(Layout::Record));
}

TEST(ValueJson, StringsAreValidUtf8JsonWhateverTheBytes) {
  auto quoted = [](std::string_view text) {
    std::string out;
    AppendJsonString(out, text);
    return out;
  };
  EXPECT_EQ(quoted("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(quoted("été €𝄞"), "\"été €𝄞\"");  // valid 2-, 3- and 4-byte sequences kept
  // A stray byte, a truncated sequence, an overlong form and a surrogate become U+FFFD each.
  EXPECT_EQ(quoted("a\xff" "b"), "\"a\xEF\xBF\xBD" "b\"");
  EXPECT_EQ(quoted("x\xc3"), "\"x\xEF\xBF\xBD\"");
  EXPECT_EQ(quoted("\xc0\xaf"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(quoted("\xed\xa0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(Batch, RecordsRoundTripThroughColumns) {
  TypeRef schema = Parse("{id: int, name: string, score: float?, tags: list<string>, geo: {lat: float, lon: float}?, "
                         "attrs: map<int>, day: date, price: decimal(10, 2), raw: json}");
  ast::Value day;
  day.kind = ast::Value::Kind::Date;
  day.int_value = 19753;
  std::vector<ast::Value> rows = {
      Record({{"id", ast::Value::Int(1)}, {"name", ast::Value::String("a\"b")}, {"score", ast::Value::Int(3)},
              {"tags", List({ast::Value::String("x"), ast::Value::String("y")})},
              {"geo", Record({{"lat", ast::Value::Float(1.5)}, {"lon", ast::Value::Float(-2)}})},
              {"attrs", Record({{"k", ast::Value::Int(7)}})}, {"day", day}, {"price", ast::Value::Float(12.34)},
              {"raw", Record({{"n", ast::Value::Null()}})}}),
      Record({{"id", ast::Value::Int(2)}, {"name", ast::Value::String("")}, {"score", ast::Value::Null()},
              {"tags", List({})}, {"geo", ast::Value::Null()}, {"attrs", Record({})}, {"day", day},
              {"price", ast::Value::Int(5)}, {"raw", List({ast::Value::Int(1)})}}),
  };
  Batch batch;
  std::string error;
  ASSERT_TRUE(MakeBatch(schema, rows, batch, &error)) << error;
  ASSERT_EQ(batch.Size(), 2u);
  EXPECT_EQ(ValueToJson(batch.Row(0)),
            R"({"id":1,"name":"a\"b","score":3,"tags":["x","y"],"geo":{"lat":1.5,"lon":-2},"attrs":{"k":7},)"
            R"("day":"2024-01-31","price":12.34,"raw":"{\"n\":null}"})");
  EXPECT_EQ(ValueToJson(batch.Row(1)),
            R"({"id":2,"name":"","score":null,"tags":[],"geo":null,"attrs":{},"day":"2024-01-31","price":5.00,"raw":"[1]"})");
  EXPECT_EQ(batch.columns[7]->ints[0], 1234);  // decimals are scaled integers
}

TEST(Batch, ARecordThatDoesNotFitNamesItselfAndLeavesNothing) {
  TypeRef schema = Parse("{id: int, inner: {a: int}}");
  std::vector<ast::Value> rows = {
      Record({{"id", ast::Value::Int(1)}, {"inner", Record({{"a", ast::Value::Int(1)}})}}),
      Record({{"id", ast::Value::Int(2)}, {"inner", Record({{"a", ast::Value::String("x")}})}}),
  };
  Batch batch;
  std::string error;
  EXPECT_FALSE(MakeBatch(schema, rows, batch, &error));
  EXPECT_EQ(error, "record 2: field `inner`: field `a`: expected `int`, found \"x\"");
  rows.pop_back();
  rows.push_back(Record({{"id", ast::Value::Null()}, {"inner", Record({{"a", ast::Value::Int(1)}})}}));
  EXPECT_FALSE(MakeBatch(schema, rows, batch, &error));
  EXPECT_EQ(error, "record 2: field `id`: null where `int` is required");
}

TEST(Batch, SelectionPassesRowsWithoutCopyingStrings) {
  TypeRef schema = Parse("{id: int, name: string?, tags: list<int>}");
  std::vector<ast::Value> rows;
  for (int i = 0; i < 10; ++i) {
    rows.push_back(Record({{"id", ast::Value::Int(i)},
                           {"name", i == 4 ? ast::Value::Null() : ast::Value::String("n" + std::to_string(i))},
                           {"tags", List(std::vector<ast::Value>(static_cast<size_t>(i % 3), ast::Value::Int(i)))}}));
  }
  Batch batch;
  ASSERT_TRUE(MakeBatch(schema, rows, batch, nullptr));
  Batch selected = Select(batch, {1, 4, 8});
  ASSERT_EQ(selected.Size(), 3u);
  EXPECT_EQ(ValueToJson(selected.Row(1)), R"({"id":4,"name":null,"tags":[4]})");
  Batch compact = Compact(selected);
  EXPECT_EQ(compact.selection, nullptr);
  ASSERT_EQ(compact.rows, 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(ValueToJson(compact.Row(i)), ValueToJson(selected.Row(i)));
  EXPECT_EQ(compact.columns[1]->bytes.get(), batch.columns[1]->bytes.get());  // same bytes, new views
  EXPECT_EQ(ValueToJson(compact.Row(2)), R"({"id":8,"name":"n8","tags":[8,8]})");
}

}  // namespace
}  // namespace etl::runtime
