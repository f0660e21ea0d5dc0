// The postgres sink against the real server of the ctest `pg` fixture (ETL_TEST_PG_URL):
// the database sink contract (runtime_sink_db_test_util.h) in a schema of its own per
// test, every type's column and value, a constraint violation, a dead server, binding with
// `secret(...)` (the URL and its password never appear in a message).
#include <libpq-fe.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>

#include "runtime/io_factory.h"
#include "runtime/sink_postgres.h"
#include "runtime_sink_db_test_util.h"

namespace etl::runtime {
namespace {

using namespace db_test;
using namespace sink_test;

std::string BaseUrl() {
  const char* url = std::getenv("ETL_TEST_PG_URL");
  return url ? url : "";
}

class PostgresBackend : public DbBackend {
 public:
  explicit PostgresBackend(std::string schema) : schema_(std::move(schema)) {
    conn_ = PQconnectdb(BaseUrl().c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
      ADD_FAILURE() << "cannot connect to the test server: " << PQerrorMessage(conn_);
      return;
    }
    ok_ = true;
    Exec("SET client_min_messages TO warning; DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " +
         schema_ + "; SET search_path TO " + schema_ + "; SET TIME ZONE 'UTC'");
  }
  ~PostgresBackend() override {
    if (ok_) Exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    PQfinish(conn_);
  }
  bool ok() const { return ok_; }
  // The sink's URL: the test's schema first on its search path.
  std::string Url() const { return BaseUrl() + "?options=-csearch_path%3D" + schema_; }

  std::unique_ptr<DbSink> Make(ast::TypeRef schema, DbSinkOptions options) override {
    std::string error;
    auto sink = MakePostgresSink(std::move(schema), Url(), std::move(options), &error);
    EXPECT_TRUE(sink) << error;
    return sink;
  }
  void Exec(const std::string& sql) override {
    PGresult* result = PQexec(conn_, sql.c_str());
    ExecStatusType status = PQresultStatus(result);
    EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(conn_);
    PQclear(result);
  }
  std::vector<std::string> Rows(const std::string& sql) override {
    std::vector<std::string> rows;
    PGresult* result = PQexec(conn_, sql.c_str());
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
      ADD_FAILURE() << sql << ": " << PQerrorMessage(conn_);
    } else {
      for (int r = 0; r < PQntuples(result); ++r) {
        std::string row;
        for (int c = 0; c < PQnfields(result); ++c) {
          if (c) row += "|";
          row += PQgetisnull(result, r, c) ? "NULL" : PQgetvalue(result, r, c);
        }
        rows.push_back(row);
      }
    }
    PQclear(result);
    return rows;
  }
  std::vector<std::string> Tables(const std::string& prefix) override {
    return Rows("SELECT table_name FROM information_schema.tables WHERE table_schema = '" + schema_ +
                "' AND left(table_name, " + std::to_string(prefix.size()) + ") = '" + prefix + "'");
  }

 private:
  std::string schema_;
  PGconn* conn_ = nullptr;
  bool ok_ = false;
};

class PostgresSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(BaseUrl().empty())
        << "ETL_TEST_PG_URL is not set: these tests need the PostgreSQL server of the ctest `pg` fixture "
           "(run them through ctest, or start scripts/pg_test_server.sh and export its URL)";
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    db_ = std::make_unique<PostgresBackend>("t_" + std::to_string(::getpid()) + "_" + SanitizeIdentifier(name));
    ASSERT_TRUE(db_->ok());
  }
  std::unique_ptr<PostgresBackend> db_;
};

TEST_F(PostgresSinkTest, Append) { TestAppend(*db_); }
TEST_F(PostgresSinkTest, Replace) { TestReplace(*db_); }
TEST_F(PostgresSinkTest, Upsert) { TestUpsert(*db_); }
TEST_F(PostgresSinkTest, UpsertNeedsUniqueIndex) { TestUpsertNeedsUniqueIndex(*db_); }
TEST_F(PostgresSinkTest, MismatchedTable) { TestMismatchedTable(*db_, "BIGINT", "int8"); }
TEST_F(PostgresSinkTest, AbortLeavesTargetUntouched) { TestAbortLeavesTargetUntouched(*db_, false); }
TEST_F(PostgresSinkTest, AbortDurableLeavesTargetUntouched) { TestAbortLeavesTargetUntouched(*db_, true); }
TEST_F(PostgresSinkTest, CheckpointCrashRestore) { TestCheckpointCrashRestore(*db_); }
TEST_F(PostgresSinkTest, CrashBeforeCheckpoint) { TestCrashBeforeCheckpoint(*db_); }
TEST_F(PostgresSinkTest, CommitAfterRestoreWithoutInput) { TestCommitAfterRestoreWithoutInput(*db_); }

TEST_F(PostgresSinkTest, EveryTypeAndNulls) {
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
  std::vector<Value> rows = {
      Record({{"i", Value::Int(-9007199254740993LL)},
              {"f", Value::Float(1.5)},
              {"d", Value::Decimal(-1230, 2)},
              {"w", Value::Decimal(static_cast<__int128>(1234567890123456780LL) * 1000 + 1, 4)},
              {"b", Value::Bool(true)},
              {"s", Value::String("tab\there, back\\slash\nnew line \"q\" é")},
              {"day", Date(19753)},
              {"ts", Timestamp(1706702400123456LL)},
              {"du", Duration(5400000000LL)},
              {"l", List({Value::String("a\tb"), Value::Null()})},
              {"r", Record({{"x", Value::Int(3)}})}}),
      Record({{"i", Value::Int(0)},
              {"f", Value::Float(std::nan(""))},
              {"d", Value::Decimal(5, 2)},
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
  options.table = "All Types";
  auto sink = db_->Make(schema, options);
  CollectingEmitter out;
  sink->Open(out);
  sink->Push(0, BatchOf(schema, rows), out);
  sink->Close(0, out);
  ASSERT_TRUE(sink->Commit()) << sink->failure()->ToString();
  EXPECT_EQ(db_->Rows("SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                      "WHERE table_name = 'All Types' ORDER BY ordinal_position"),
            (std::vector<std::string>{"i|bigint|NO", "f|double precision|YES", "d|numeric|NO", "w|numeric|YES",
                                      "b|boolean|NO", "s|text|YES", "day|date|NO", "ts|timestamp with time zone|NO",
                                      "du|interval|NO", "l|jsonb|NO", "r|jsonb|NO"}));
  EXPECT_EQ(db_->Rows("SELECT i, f, d, w, b, s, day, ts, du, l, r FROM \"All Types\" ORDER BY i"),
            (std::vector<std::string>{
                "-9007199254740993|1.5|-12.30|123456789012345678.0001|t|tab\there, back\\slash\nnew line \"q\" é|"
                "2024-01-31|2024-01-31 12:00:00.123456+00|01:30:00|[\"a\\tb\", null]|{\"x\": 3}",
                "0|NaN|0.05|NULL|f|NULL|1969-12-31|1970-01-01 00:00:00+00|-00:01:30|[]|{\"x\": -1}"}));
}

TEST_F(PostgresSinkTest, ConstraintViolationFailsAndPublishesNothing) {
  db_->Exec("CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT)");
  db_->Exec("INSERT INTO items VALUES (3, 'kept')");
  auto sink = db_->Make(KeyedSchema(), Options(DbWriteMode::Append));
  CollectingEmitter out;
  sink->Open(out);
  sink->Push(0, BatchOf(KeyedSchema(), KeyedRows(0, 10, "dup")), out);
  sink->Close(0, out);
  EXPECT_FALSE(sink->Commit());
  ASSERT_TRUE(sink->failure().has_value());
  EXPECT_NE(sink->failure()->ToString().find("#items: cannot write table `items`: duplicate key value violates unique "
                                             "constraint \"items_pkey\""),
            std::string::npos)
      << sink->failure()->ToString();
  sink->Abort();
  EXPECT_EQ(db_->Rows(kSelectItems), std::vector<std::string>{"3|kept"});
}

TEST_F(PostgresSinkTest, DeadServerFailsWithoutThePassword) {
  std::string error;
  auto sink = MakePostgresSink(KeyedSchema(), "postgres://etl:hunter2@127.0.0.1:1/shop", Options(DbWriteMode::Append),
                               &error);
  ASSERT_TRUE(sink) << error;
  EXPECT_EQ(sink->target(), "postgres://127.0.0.1:1/shop#items");
  CollectingEmitter out;
  sink->Open(out);
  ASSERT_TRUE(sink->failure().has_value());
  std::string message = sink->failure()->ToString();
  EXPECT_EQ(message.rfind("postgres://127.0.0.1:1/shop#items: cannot connect: ", 0), 0u) << message;
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  EXPECT_FALSE(sink->Commit());
}

// scd2: a changed record closes the current version and opens a new one, an unchanged one
// is left alone, a new key gets its first version; the last record of a key in a run wins.
TEST_F(PostgresSinkTest, Scd2KeepsHistory) {
  const int64_t t1 = 1704067200000000LL, t2 = t1 + 86400000000LL;  // 2024-01-01, 2024-01-02
  auto run = [&](int64_t now, std::vector<Value> rows) {
    DbSinkOptions options = Options(DbWriteMode::Scd2, {"id"});
    options.now_us = now;
    ASSERT_TRUE(WriteAll(*db_, options, rows, 2));
  };
  auto row = [](int id, const char* name) {
    return Record({{"id", Value::Int(id)}, {"name", name ? Value::String(name) : Value::Null()}});
  };
  run(t1, {row(1, "ann"), row(2, "bea"), row(3, nullptr)});
  run(t2, {row(2, "bee"), row(3, nullptr), row(4, "dan"), row(1, "ann"), row(4, "dan 2")});
  EXPECT_EQ(db_->Rows("SELECT id, name, valid_from, valid_to FROM items ORDER BY id, valid_from"),
            (std::vector<std::string>{"1|ann|2024-01-01 00:00:00+00|NULL",
                                      "2|bea|2024-01-01 00:00:00+00|2024-01-02 00:00:00+00",
                                      "2|bee|2024-01-02 00:00:00+00|NULL", "3|NULL|2024-01-01 00:00:00+00|NULL",
                                      "4|dan 2|2024-01-02 00:00:00+00|NULL"}));
  // One current version per key is enforced by the index etl created.
  auto sink = db_->Make(KeyedSchema(), Options(DbWriteMode::Append));
  CollectingEmitter out;
  sink->Open(out);
  ASSERT_TRUE(sink->failure().has_value()) << "valid_from is NOT NULL and no field";
  db_->Exec("CREATE TABLE plain (id BIGINT, name TEXT)");
  DbSinkOptions options = Options(DbWriteMode::Scd2, {"id"});
  options.table = "plain";
  sink = db_->Make(KeyedSchema(), options);
  sink->Open(out);
  ASSERT_TRUE(sink->failure().has_value());
  EXPECT_EQ(sink->failure()->message,
            "table `plain` has no timestamp column `valid_from`, which `scd2` needs for each version's validity");
}

TEST(PostgresDisplayName, NoUserNoPassword) {
  EXPECT_EQ(PostgresDisplayName("postgres://u:secret@db.example:5433/shop?sslmode=disable"),
            "postgres://db.example:5433/shop");
  EXPECT_EQ(PostgresDisplayName("host=10.0.0.1 dbname=shop user=u password=secret"), "postgres://10.0.0.1/shop");
  EXPECT_EQ(PostgresDisplayName("postgresql://u@h/"), "postgres://h/u");
  EXPECT_FALSE(PostgresDisplayName("postgres://h:port:x/%zz?nope=1").has_value());
}

// Binding a plan node whose URL is `secret("...")`, as `etlc run` does, then a full run.
TEST_F(PostgresSinkTest, BindsWithSecretUrl) {
  ::setenv("ETL_SINK_TEST_URL", db_->Url().c_str(), 1);
  ir::Node node;
  node.id = "into_postgres";
  node.kind = ir::NodeKind::Sink;
  node.step = "postgres";
  node.inputs = {{"in", KeyedSchema()}};
  ir::StepArg url{"url", ast::SecretType(), std::nullopt, std::nullopt};
  url.expr = ir::CallExpr("secret", {ir::LiteralExpr(Value::String("ETL_SINK_TEST_URL"), ast::StringType())},
                          ast::SecretType());
  ir::StepArg table{"table", ast::StringType(), Value::String("items"), std::nullopt};
  Value mode = Record({{"$call", Value::String("upsert")}, {"keys", List({Value::String("id")})}});
  ir::StepArg mode_arg{"mode", ast::JsonType(), mode, std::nullopt};
  node.args = {url, table, mode_arg};
  IoBindContext ctx;
  std::string error;
  BoundSink bound = BindDatabaseSink(node, ctx, &error);
  ASSERT_TRUE(bound.sink) << error;
  EXPECT_EQ(bound.spec, "postgres");
  EXPECT_EQ(bound.target.rfind("postgres://127.0.0.1:", 0), 0u) << bound.target;
  EXPECT_EQ(bound.target.substr(bound.target.size() - 6), "#items");
  CollectingEmitter out;
  bound.sink->Open(out);
  bound.sink->Push(0, BatchOf(KeyedSchema(), KeyedRows(0, 4, "s")), out);
  bound.sink->Close(0, out);
  ASSERT_TRUE(bound.sink->Commit()) << bound.sink->failure()->ToString();
  EXPECT_EQ(db_->Rows(kSelectItems), Expected(KeyedRows(0, 4, "s")));

  // A missing secret names the secret, not a value; a key that is no field is a bind error.
  node.args[0].expr->children[0].value = Value::String("ETL_SINK_TEST_MISSING");
  EXPECT_FALSE(BindDatabaseSink(node, ctx, &error).sink);
  EXPECT_EQ(error, "`into_postgres`: argument `url`: secret `ETL_SINK_TEST_MISSING` is not set (environment variable "
                   "`ETL_SINK_TEST_MISSING`)");
  node.args[0].expr->children[0].value = Value::String("ETL_SINK_TEST_URL");
  node.args[2].value = Record({{"$call", Value::String("scd2")}, {"keys", List({Value::String("nope")})}});
  EXPECT_FALSE(BindDatabaseSink(node, ctx, &error).sink);
  EXPECT_EQ(error, "`into_postgres`: argument `mode`: key `nope` is not a field of the input");
  node.step = "sqlite";
  node.args[0] = ir::StepArg{"path", ast::StringType(), Value::String("x.db"), std::nullopt};
  EXPECT_FALSE(BindDatabaseSink(node, ctx, &error).sink);
  EXPECT_EQ(error, "`into_postgres`: argument `mode`: `scd2` is only available for `postgres`");
}

}  // namespace
}  // namespace etl::runtime
