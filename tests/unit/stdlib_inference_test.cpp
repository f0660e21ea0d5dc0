// Schema inference of CSV and JSONL samples.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "stdlib/schema_inference.h"

namespace etl::stdlib {
namespace {

class Inference : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("etl_inference_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    auto path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::string Infer(const std::string& path, const std::string& format, const InferOptions& options = {}) {
    std::string error;
    auto type = InferSchema(path, format, options, &error);
    return type ? ast::ToString(*type, true) : "error: " + error;
  }
  std::filesystem::path dir_;
};

TEST_F(Inference, CsvScalarTypes) {
  auto path = Write("a.csv",
                    "id,price,ok,day,at,name,note\n"
                    "1,2.5,true,2024-01-31,2024-01-31T12:00:00Z,ada,\n"
                    "2,3,false,2024-02-29,2024-02-01 08:30:00+01:00,\"bob, jr\",x\n");
  EXPECT_EQ(Infer(path, "csv"),
            "{id: int, price: float, ok: bool, day: date, at: timestamp, name: string, note: string?}");
}

TEST_F(Inference, CsvMixedColumnsBecomeStringsAndEmptyMakesNullable) {
  auto path = Write("b.csv", "a,b,c\n1,2024-01-01,\nx,2024-01-01T00:00:00Z,5\n3,,\n");
  EXPECT_EQ(Infer(path, "csv"), "{a: string, b: timestamp?, c: int?}");
}

TEST_F(Inference, CsvQuotedEmptyIsTheEmptyString) {
  auto path = Write("c.csv", "a\n\"\"\n");
  EXPECT_EQ(Infer(path, "csv"), "{a: string}");
}

TEST_F(Inference, CsvNullMarkerDelimiterAndNoHeader) {
  InferOptions options;
  options.header = false;
  options.delimiter = ';';
  options.null_marker = "NA";
  auto path = Write("d.csv", "1;NA\n2;3.5\n");
  EXPECT_EQ(Infer(path, "csv", options), "{column1: int, column2: float?}");
}

TEST_F(Inference, CsvQuotedNewlinesAndCrlf) {
  auto path = Write("e.csv", "id,text\r\n1,\"line one\nline \"\"two\"\"\"\r\n2,plain\r\n");
  EXPECT_EQ(Infer(path, "csv"), "{id: int, text: string}");
}

TEST_F(Inference, CsvInvalidDatesAreStrings) {
  auto path = Write("f.csv", "d\n2023-02-29\n");
  EXPECT_EQ(Infer(path, "csv"), "{d: string}");
}

TEST_F(Inference, GlobTakesTheFirstMatch) {
  Write("part-1.csv", "x\n1\n");
  Write("part-2.csv", "x\nnot a number\n");
  EXPECT_EQ(Infer((dir_ / "part-*.csv").string(), "csv"), "{x: int}");
  EXPECT_EQ(Infer((dir_ / "nothing-*.csv").string(), "csv").rfind("error: ", 0), 0u);
}

TEST_F(Inference, MissingFile) {
  EXPECT_EQ(Infer("no/such/file.csv", "csv"), "error: cannot infer the schema of `no/such/file.csv`: file not found");
}

TEST_F(Inference, JsonlNestedAndNullable) {
  auto path = Write("a.jsonl",
                    "{\"id\": 1, \"tags\": [\"a\"], \"geo\": {\"lat\": 1.5, \"lon\": 2}, \"v\": 1, \"when\": \"2024-01-01\"}\n"
                    "\n"
                    "{\"id\": 2, \"tags\": [], \"geo\": {\"lat\": 1, \"lon\": 2.5}, \"v\": \"x\", \"extra\": null, \"when\": \"2024-01-02T10:00:00Z\"}\n");
  EXPECT_EQ(Infer(path, "jsonl"),
            "{id: int, tags: list<string>, geo: {lat: float, lon: float}, v: json, when: timestamp, extra: json?}");
}

TEST_F(Inference, JsonlMissingKeysAreNullable) {
  auto path = Write("b.jsonl", "{\"a\": 1, \"b\": true}\n{\"a\": null}\n");
  EXPECT_EQ(Infer(path, "jsonl"), "{a: int?, b: bool?}");
}

TEST_F(Inference, JsonlErrorsNameTheLine) {
  auto path = Write("c.jsonl", "{\"a\": 1}\n[1, 2]\n");
  EXPECT_NE(Infer(path, "jsonl").find("line 2 is not a JSON object"), std::string::npos);
  auto broken = Write("d.jsonl", "{\"a\": \n");
  EXPECT_NE(Infer(broken, "jsonl").find("line 1 is not valid JSON"), std::string::npos);
}

TEST_F(Inference, SampleIsLimited) {
  std::string text = "n\n";
  for (int i = 0; i < 5; ++i) text += "1\n";
  text += "oops\n";
  InferOptions options;
  options.max_records = 5;
  EXPECT_EQ(Infer(Write("g.csv", text), "csv", options), "{n: int}");
  options.max_records = 6;
  EXPECT_EQ(Infer(Write("h.csv", text), "csv", options), "{n: string}");
}

}  // namespace
}  // namespace etl::stdlib
