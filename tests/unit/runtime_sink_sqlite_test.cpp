// The sqlite sink: the database sink contract (runtime_sink_db_test_util.h), every type's
// column and value, a locked database.
#include <sqlite3.h>

#include <cmath>

#include "runtime/sink_sqlite.h"
#include "runtime_sink_db_test_util.h"

namespace etl::runtime {
namespace {

using namespace db_test;
using namespace sink_test;

class SqliteBackend : public DbBackend {
 public:
  explicit SqliteBackend(std::string path) : path_(std::move(path)) {}
  ~SqliteBackend() override { sqlite3_close(db_); }

  std::unique_ptr<DbSink> Make(ast::TypeRef schema, DbSinkOptions options) override {
    return MakeSqliteSink(std::move(schema), path_, std::move(options), busy_timeout_ms);
  }
  void Exec(const std::string& sql) override {
    char* message = nullptr;
    EXPECT_EQ(sqlite3_exec(Db(), sql.c_str(), nullptr, nullptr, &message), SQLITE_OK) << sql << ": " << (message ? message : "");
    sqlite3_free(message);
  }
  std::vector<std::string> Rows(const std::string& sql) override {
    std::vector<std::string> rows;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(Db(), sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(Db());
      return rows;
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        if (c) row += "|";
        const unsigned char* text = sqlite3_column_text(stmt, c);
        row += text ? std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt, c)) : "NULL";
      }
      rows.push_back(row);
    }
    sqlite3_finalize(stmt);
    return rows;
  }
  std::vector<std::string> Tables(const std::string& prefix) override {
    return Rows("SELECT name FROM sqlite_schema WHERE type = 'table' AND substr(name, 1, " +
                std::to_string(prefix.size()) + ") = '" + prefix + "'");
  }
  sqlite3* Db() {
    if (!db_) {
      EXPECT_EQ(sqlite3_open(path_.c_str(), &db_), SQLITE_OK);
    }
    return db_;
  }

  int busy_timeout_ms = kSqliteBusyTimeoutMs;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

std::string Hex(const std::string& bytes) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

class SqliteSinkTest : public SinkTest {
 protected:
  void SetUp() override {
    SinkTest::SetUp();
    fs::create_directories(PathOf("sub/dir"));
    db_ = std::make_unique<SqliteBackend>(PathOf("sub/dir/shop.db"));
  }
  void TearDown() override {
    db_.reset();
    SinkTest::TearDown();
  }
  std::unique_ptr<SqliteBackend> db_;
};

TEST_F(SqliteSinkTest, Append) { TestAppend(*db_); }
TEST_F(SqliteSinkTest, Replace) { TestReplace(*db_); }
TEST_F(SqliteSinkTest, Upsert) { TestUpsert(*db_); }
TEST_F(SqliteSinkTest, UpsertNeedsUniqueIndex) { TestUpsertNeedsUniqueIndex(*db_); }
TEST_F(SqliteSinkTest, MismatchedTable) { TestMismatchedTable(*db_, "INTEGER", "integer"); }
TEST_F(SqliteSinkTest, AbortLeavesTargetUntouched) { TestAbortLeavesTargetUntouched(*db_, false); }
TEST_F(SqliteSinkTest, AbortDurableLeavesTargetUntouched) { TestAbortLeavesTargetUntouched(*db_, true); }
TEST_F(SqliteSinkTest, CheckpointCrashRestore) { TestCheckpointCrashRestore(*db_); }
TEST_F(SqliteSinkTest, CrashBeforeCheckpoint) { TestCrashBeforeCheckpoint(*db_); }
TEST_F(SqliteSinkTest, CommitAfterRestoreWithoutInput) { TestCommitAfterRestoreWithoutInput(*db_); }

TEST_F(SqliteSinkTest, TargetNamesPathAndTable) {
  auto sink = db_->Make(KeyedSchema(), Options(DbWriteMode::Append));
  EXPECT_EQ(sink->target(), "sqlite:" + PathOf("sub/dir/shop.db") + "#items");
  EXPECT_EQ(sink->bytes(), 0);
}

TEST_F(SqliteSinkTest, EveryTypeAndNulls) {
  auto schema = ast::RecordType({
      {"i", ast::IntType()},
      {"f", ast::WithNullable(ast::FloatType(), true)},
      {"d", ast::DecimalType(12, 2)},
      {"w", ast::WithNullable(ast::DecimalType(30, 4), true)},
      {"b", ast::BoolType()},
      {"s", ast::WithNullable(ast::StringType(), true)},
      {"day", ast::DateType()},
      {"ts", ast::TimestampType()},
      {"du", ast::DurationType()},
      {"l", ast::ListType(ast::WithNullable(ast::StringType(), true))},
      {"r", ast::RecordType({{"x", ast::IntType()}})},
  });
  // 123456789012345678.0001 needs 22 digits: the Int128 layout.
  Value wide = Value::Decimal(static_cast<__int128>(1234567890123456780LL) * 1000 + 1, 4);
  Value dec = Value::Decimal(-1230, 2);
  std::vector<Value> rows = {
      Record({{"i", Value::Int(-9007199254740993LL)},
              {"f", Value::Float(1.5)},
              {"d", dec},
              {"w", wide},
              {"b", Value::Bool(true)},
              {"s", Value::String(std::string("tab\there, \"q\", nul\0byte é", 26))},
              {"day", Date(19753)},
              {"ts", Timestamp(1706702400123456LL)},
              {"du", Duration(5400000000LL)},
              {"l", List({Value::String("a"), Value::Null()})},
              {"r", Record({{"x", Value::Int(3)}})}}),
      Record({{"i", Value::Int(0)},
              {"f", Value::Null()},
              {"d", dec},
              {"w", Value::Null()},
              {"b", Value::Bool(false)},
              {"s", Value::Null()},
              {"day", Date(-1)},
              {"ts", Timestamp(0)},
              {"du", Duration(-90000000)},
              {"l", List({})},
              {"r", Record({{"x", Value::Int(-1)}})}}),
  };
  DbSinkOptions options = Options(DbWriteMode::Append);
  options.table = "all types";
  auto sink = db_->Make(schema, options);
  CollectingEmitter out;
  sink->Open(out);
  sink->Push(0, BatchOf(schema, rows), out);
  sink->Close(0, out);
  ASSERT_TRUE(sink->Commit()) << sink->failure()->ToString();
  EXPECT_EQ(db_->Rows("SELECT name, type, \"notnull\" FROM pragma_table_info('all types')"),
            (std::vector<std::string>{"i|INTEGER|1", "f|REAL|0", "d|TEXT|1", "w|TEXT|0", "b|BOOLEAN|1", "s|TEXT|0",
                                      "day|TEXT|1", "ts|TEXT|1", "du|INTEGER|1", "l|TEXT|1", "r|TEXT|1"}));
  std::vector<std::string> got = db_->Rows(
      "SELECT i, typeof(i), f, d, typeof(d), w, b, day, ts, du, l, r FROM \"all types\" ORDER BY i");
  EXPECT_EQ(got, (std::vector<std::string>{
                     "-9007199254740993|integer|1.5|-12.30|text|123456789012345678.0001|1|2024-01-31|"
                     "2024-01-31T12:00:00.123456Z|5400000000|[\"a\",null]|{\"x\":3}",
                     "0|integer|NULL|-12.30|text|NULL|0|1969-12-31|1970-01-01T00:00:00Z|-90000000|[]|{\"x\":-1}"}));
  // Strings are bound with their length: a NUL byte and everything after it survive.
  EXPECT_EQ(db_->Rows("SELECT length(CAST(s AS BLOB)), hex(s) FROM \"all types\" WHERE i < 0"),
            std::vector<std::string>{"26|" + Hex(std::string("tab\there, \"q\", nul\0byte é", 26))});
}

TEST_F(SqliteSinkTest, LockedDatabaseFailsNamingTheTarget) {
  ASSERT_TRUE(WriteAll(*db_, Options(DbWriteMode::Append), KeyedRows(0, 3, "keep")));
  db_->busy_timeout_ms = 100;
  auto sink = db_->Make(KeyedSchema(), Options(DbWriteMode::Replace));
  CollectingEmitter out;
  sink->Open(out);
  sink->Push(0, BatchOf(KeyedSchema(), KeyedRows(10, 20, "new")), out);
  sink->Close(0, out);
  db_->Exec("BEGIN EXCLUSIVE");  // another writer holds the database
  EXPECT_FALSE(sink->Commit());
  ASSERT_TRUE(sink->failure().has_value());
  EXPECT_EQ(sink->failure()->path, "sqlite:" + PathOf("sub/dir/shop.db") + "#items");
  EXPECT_NE(sink->failure()->message.find("database is locked"), std::string::npos) << sink->failure()->message;
  db_->Exec("ROLLBACK");
  sink->Abort();
  EXPECT_EQ(db_->Rows(kSelectItems), Expected(KeyedRows(0, 3, "keep")));
}

TEST_F(SqliteSinkTest, CreatesTheFileAndItsDirectories) {
  std::string path = PathOf("new/deeper/fresh.db");
  auto sink = MakeSqliteSink(KeyedSchema(), path, Options(DbWriteMode::Append));
  CollectingEmitter out;
  sink->Open(out);
  sink->Push(0, BatchOf(KeyedSchema(), KeyedRows(0, 2, "n")), out);
  sink->Close(0, out);
  ASSERT_TRUE(sink->Commit()) << sink->failure()->ToString();
  SqliteBackend fresh(path);
  EXPECT_EQ(fresh.Rows(kSelectItems), Expected(KeyedRows(0, 2, "n")));
}

TEST_F(SqliteSinkTest, UnwritablePathFails) {
  std::ofstream(PathOf("file")) << "x";
  auto sink = MakeSqliteSink(KeyedSchema(), PathOf("file/shop.db"), Options(DbWriteMode::Append));
  CollectingEmitter out;
  sink->Open(out);
  ASSERT_TRUE(sink->failure().has_value());
  EXPECT_NE(sink->failure()->ToString().find("file/shop.db#items: cannot connect: "), std::string::npos)
      << sink->failure()->ToString();
}

TEST(StagingTableName, SanitisedAndBounded) {
  EXPECT_EQ(StagingTableName("20261121T151155Z-abc123", "into_sqlite"), "_etl_stage_20261121t151155z_abc123_into_sqlite");
  std::string long_name = StagingTableName("20261121T151155Z-abc123", std::string(80, 'x'));
  EXPECT_EQ(long_name.size(), 63u);
  EXPECT_NE(long_name, StagingTableName("20261121T151155Z-abc123", std::string(81, 'x')));
  EXPECT_NE(StagingTableName("", "s"), StagingTableName("", "s")) << "non-durable runs get a random name";
}

}  // namespace
}  // namespace etl::runtime
