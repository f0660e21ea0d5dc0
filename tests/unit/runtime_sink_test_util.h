// Helpers of the sink tests: a temporary directory per test, values of every type, batches.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/batch.h"
#include "runtime/step.h"

namespace etl::runtime::sink_test {

namespace fs = std::filesystem;
using ast::Value;

// A fresh directory under the system temp dir, removed after the test.
class SinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("etl_sink_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string PathOf(const std::string& name) const { return (dir_ / name).string(); }
  // Files in the test directory (atomicity checks).
  std::vector<std::string> Listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
      names.push_back(fs::relative(entry.path(), dir_).string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  static std::string ReadAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path dir_;
};

inline Value Typed(Value::Kind kind, int64_t v) {
  Value x;
  x.kind = kind;
  x.int_value = v;
  return x;
}
inline Value Date(int64_t days) { return Typed(Value::Kind::Date, days); }
inline Value Timestamp(int64_t us) { return Typed(Value::Kind::Timestamp, us); }
inline Value Duration(int64_t us) { return Typed(Value::Kind::Duration, us); }
inline Value List(std::vector<Value> items) {
  Value x;
  x.kind = Value::Kind::List;
  x.items = std::move(items);
  return x;
}
inline Value Record(std::vector<std::pair<std::string, Value>> fields) {
  Value x;
  x.kind = Value::Kind::Record;
  x.fields = std::move(fields);
  return x;
}

// A batch of `schema` from record constants; fails the test if they do not fit.
inline Batch BatchOf(const ast::TypeRef& schema, const std::vector<Value>& records, uint64_t sequence = 0) {
  Batch batch;
  std::string error;
  EXPECT_TRUE(MakeBatch(schema, records, batch, &error)) << error;
  batch.sequence = sequence;
  return batch;
}

// The one done record a sink emitted on port 0, as a literal.
inline std::string DoneOf(const CollectingEmitter& out) {
  std::vector<Value> rows = out.Rows(0);
  if (rows.size() != 1) return "<" + std::to_string(rows.size()) + " done records>";
  return ast::ToLiteral(rows[0]);
}

}  // namespace etl::runtime::sink_test
