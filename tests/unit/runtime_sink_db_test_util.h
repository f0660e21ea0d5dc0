// What the sqlite and postgres sink tests share: a DbBackend (make a sink, run SQL, read
// rows as text) and the contract every database sink meets (modes, abort, checkpoint /
// crash / restore, idempotent commit, mismatched tables), written once and run on both.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/sink_db_common.h"
#include "runtime_sink_test_util.h"

namespace etl::runtime::db_test {

using ast::Value;
using sink_test::BatchOf;
using sink_test::DoneOf;

// One database for one test.
class DbBackend {
 public:
  virtual ~DbBackend() = default;
  // A sink on this database (options.target is filled by the backend).
  virtual std::unique_ptr<DbSink> Make(ast::TypeRef schema, DbSinkOptions options) = 0;
  // Runs statements; the test fails when they do.
  virtual void Exec(const std::string& sql) = 0;
  // The rows of a query, each as its values' text joined by "|" (null as "NULL").
  virtual std::vector<std::string> Rows(const std::string& sql) = 0;
  // Tables whose name starts with `prefix`.
  virtual std::vector<std::string> Tables(const std::string& prefix) = 0;
};

inline ast::TypeRef KeyedSchema() {
  return ast::RecordType({{"id", ast::IntType()}, {"name", ast::WithNullable(ast::StringType(), true)}});
}

inline std::vector<Value> KeyedRows(int from, int to, const std::string& tag) {
  std::vector<Value> rows;
  for (int i = from; i < to; ++i) {
    rows.push_back(sink_test::Record({{"id", Value::Int(i)},
                                      {"name", i % 5 == 4 ? Value::Null() : Value::String(tag + std::to_string(i))}}));
  }
  return rows;
}

inline DbSinkOptions Options(DbWriteMode mode, std::vector<std::string> keys = {}) {
  DbSinkOptions options;
  options.table = "items";
  options.mode = mode;
  options.keys = std::move(keys);
  options.durability.step = "out";
  return options;
}

// Options of a sink under `persist disk` (a resumed sink is one on which Restore() is called).
inline DbSinkOptions Durable(DbSinkOptions options, const std::string& run_id) {
  options.durability.enabled = true;
  options.durability.run_id = run_id;
  return options;
}

// Writes `rows` in batches of `per_batch` through a fresh sink and commits; true on success.
inline bool WriteAll(DbBackend& db, DbSinkOptions options, const std::vector<Value>& rows, size_t per_batch = 7) {
  auto sink = db.Make(KeyedSchema(), std::move(options));
  CollectingEmitter out;
  sink->Open(out);
  uint64_t sequence = 0;
  for (size_t i = 0; i < rows.size(); i += per_batch) {
    std::vector<Value> part(rows.begin() + i, rows.begin() + std::min(rows.size(), i + per_batch));
    sink->Push(0, BatchOf(KeyedSchema(), part, sequence++), out);
  }
  sink->Close(0, out);
  bool ok = sink->Commit();
  EXPECT_TRUE(ok) << (sink->failure() ? sink->failure()->ToString() : "");
  return ok;
}

inline std::vector<std::string> Expected(const std::vector<Value>& rows) {
  std::vector<std::string> out;
  for (const Value& row : rows) {
    out.push_back(std::to_string(row.fields[0].second.int_value) + "|" +
                  (row.fields[1].second.kind == Value::Kind::Null ? "NULL" : row.fields[1].second.string_value));
  }
  return out;
}

inline const char* kSelectItems = "SELECT id, name FROM items ORDER BY id";

inline void TestAppend(DbBackend& db) {
  auto schema = KeyedSchema();
  auto sink = db.Make(schema, Options(DbWriteMode::Append));
  CollectingEmitter out;
  sink->Open(out);
  std::vector<Value> rows = KeyedRows(0, 20000, "a");  // more than one staging transaction
  for (size_t i = 0; i < rows.size(); i += 4096) {
    std::vector<Value> part(rows.begin() + i, rows.begin() + std::min(rows.size(), i + 4096));
    sink->Push(0, BatchOf(schema, part, i), out);
  }
  sink->Close(0, out);
  EXPECT_EQ(DoneOf(out), "{target: \"" + sink->target() + "\", rows: 20000, bytes: 0}");
  EXPECT_TRUE(db.Tables("items").empty()) << "nothing is published before Commit";
  ASSERT_TRUE(sink->Commit()) << sink->failure()->ToString();
  EXPECT_EQ(db.Rows(kSelectItems), Expected(rows));
  EXPECT_TRUE(sink->Commit()) << "a second Commit is a no-op";
  EXPECT_EQ(db.Rows("SELECT count(*) FROM items"), std::vector<std::string>{"20000"});
  EXPECT_TRUE(db.Tables("_etl_stage").empty());
  // Appending again adds rows.
  ASSERT_TRUE(WriteAll(db, Options(DbWriteMode::Append), KeyedRows(20000, 20010, "b")));
  EXPECT_EQ(db.Rows("SELECT count(*) FROM items"), std::vector<std::string>{"20010"});
}

inline void TestReplace(DbBackend& db) {
  ASSERT_TRUE(WriteAll(db, Options(DbWriteMode::Append), KeyedRows(0, 30, "old")));
  ASSERT_TRUE(WriteAll(db, Options(DbWriteMode::Replace), KeyedRows(100, 110, "new")));
  EXPECT_EQ(db.Rows(kSelectItems), Expected(KeyedRows(100, 110, "new")));
  // Replacing with nothing empties the table.
  ASSERT_TRUE(WriteAll(db, Options(DbWriteMode::Replace), {}));
  EXPECT_TRUE(db.Rows(kSelectItems).empty());
}

inline void TestUpsert(DbBackend& db) {
  auto upsert = Options(DbWriteMode::Upsert, {"id"});
  ASSERT_TRUE(WriteAll(db, upsert, KeyedRows(0, 10, "v1")));
  // 5..14: 5..9 are updated, 10..14 inserted; a key twice in one run: the last record wins.
  std::vector<Value> second = KeyedRows(5, 15, "v2");
  second.push_back(sink_test::Record({{"id", Value::Int(7)}, {"name", Value::String("last")}}));
  ASSERT_TRUE(WriteAll(db, upsert, second, 3));
  std::vector<std::string> want = Expected(KeyedRows(0, 5, "v1"));
  for (const std::string& row : Expected(KeyedRows(5, 15, "v2"))) want.push_back(row == "7|v27" ? "7|last" : row);
  EXPECT_EQ(db.Rows(kSelectItems), want);
}

inline void TestUpsertNeedsUniqueIndex(DbBackend& db) {
  db.Exec("CREATE TABLE items (id BIGINT, name TEXT)");
  db.Exec("INSERT INTO items VALUES (1, 'kept')");
  auto sink = db.Make(KeyedSchema(), Options(DbWriteMode::Upsert, {"id"}));
  CollectingEmitter out;
  sink->Open(out);
  ASSERT_TRUE(sink->failure().has_value()) << "the table is checked when the sink opens";
  EXPECT_NE(sink->failure()->ToString().find("table `items` has no unique index on (id)"), std::string::npos)
      << sink->failure()->ToString();
  EXPECT_EQ(sink->failure()->path, sink->target());
  EXPECT_TRUE(sink->Done());
  sink->Push(0, BatchOf(KeyedSchema(), KeyedRows(0, 3, "x")), out);
  sink->Close(0, out);
  EXPECT_FALSE(sink->Commit());
  sink->Abort();
  EXPECT_EQ(db.Rows(kSelectItems), std::vector<std::string>{"1|kept"});
}

// `wrong_type`: a column type that cannot hold strings, as the database spells it in SQL;
// `shown`: as the message shows it.
inline void TestMismatchedTable(DbBackend& db, const std::string& wrong_type, const std::string& shown) {
  db.Exec("CREATE TABLE items (id BIGINT, label TEXT)");
  auto sink = db.Make(KeyedSchema(), Options(DbWriteMode::Append));
  CollectingEmitter out;
  sink->Open(out);
  ASSERT_TRUE(sink->failure().has_value());
  EXPECT_EQ(sink->failure()->message, "table `items` has no column `name` (a field of the input)");
  db.Exec("DROP TABLE items");
  db.Exec("CREATE TABLE items (id BIGINT, name " + wrong_type + ")");
  sink = db.Make(KeyedSchema(), Options(DbWriteMode::Append));
  sink->Open(out);
  ASSERT_TRUE(sink->failure().has_value());
  EXPECT_EQ(sink->failure()->message,
            "column `name` of table `items` is " + shown + ", which cannot hold the input's string?");
  db.Exec("DROP TABLE items");
  db.Exec("CREATE TABLE items (id BIGINT, name TEXT, extra TEXT NOT NULL)");
  sink = db.Make(KeyedSchema(), Options(DbWriteMode::Append));
  sink->Open(out);
  ASSERT_TRUE(sink->failure().has_value());
  EXPECT_EQ(sink->failure()->message,
            "column `extra` of table `items` is NOT NULL without a default and the input has no such field");
  // A table with the columns in another order and an extra nullable column is fine.
  db.Exec("DROP TABLE items");
  db.Exec("CREATE TABLE items (note TEXT, name TEXT, id BIGINT PRIMARY KEY)");
  ASSERT_TRUE(WriteAll(db, Options(DbWriteMode::Upsert, {"id"}), KeyedRows(0, 3, "o")));
  EXPECT_EQ(db.Rows(kSelectItems), Expected(KeyedRows(0, 3, "o")));
  EXPECT_TRUE(out.Rows(0).empty()) << "a failed sink emits no done record";
}

inline void TestAbortLeavesTargetUntouched(DbBackend& db, bool durable) {
  ASSERT_TRUE(WriteAll(db, Options(DbWriteMode::Append), KeyedRows(0, 3, "keep")));
  DbSinkOptions options = Options(DbWriteMode::Replace);
  if (durable) options = Durable(options, "abort-run");
  auto sink = db.Make(KeyedSchema(), options);
  CollectingEmitter out;
  sink->Open(out);
  sink->Push(0, BatchOf(KeyedSchema(), KeyedRows(10, 20, "gone")), out);
  if (durable) {
    ASSERT_TRUE(sink->Checkpoint("p"));
  }
  sink->Close(0, out);
  sink->Abort();
  sink->Abort();  // twice is fine
  EXPECT_FALSE(sink->Commit());
  EXPECT_EQ(db.Rows(kSelectItems), Expected(KeyedRows(0, 3, "keep")));
  EXPECT_TRUE(db.Tables("_etl_stage").empty());
  if (durable) {
    EXPECT_TRUE(db.Rows("SELECT step FROM _etl_progress WHERE run_id = 'abort-run'").empty());
  }
}

// A crash after a checkpoint: the new sink restores exactly the checkpointed rows, the
// replayed input completes them, the target gets every row once.
inline void TestCheckpointCrashRestore(DbBackend& db) {
  auto schema = KeyedSchema();
  // Batch 2 is larger than a staging transaction: part of it is committed after the
  // checkpoint and must be trimmed by Restore.
  std::vector<Value> rows = KeyedRows(0, 9030, "r");
  const std::vector<size_t> bounds = {0, 10, 20, 9020, 9030};
  auto batch = [&](size_t b) {
    return BatchOf(schema, std::vector<Value>(rows.begin() + bounds[b], rows.begin() + bounds[b + 1]), b);
  };
  std::string staging;
  {
    auto sink = db.Make(schema, Durable(Options(DbWriteMode::Append), "run-1"));
    EXPECT_TRUE(sink->Durable());
    CollectingEmitter out;
    sink->Open(out);
    sink->Push(0, batch(0), out);
    sink->Push(0, batch(1), out);
    ASSERT_TRUE(sink->Checkpoint(std::string("after\0two", 9))) << sink->failure()->ToString();
    sink->Push(0, batch(2), out);  // committed (more than kDbTransactionRows) but not checkpointed
    staging = sink->staging_table();
    EXPECT_EQ(staging.rfind("_etl_stage_run_1_out", 0), 0u) << staging;
  }  // the crash: no Commit, no Abort
  EXPECT_TRUE(db.Tables("items").empty());
  EXPECT_EQ(db.Rows("SELECT count(*) FROM " + QuoteIdentifier(staging)).at(0), "9020") << "committed after the checkpoint";
  {
    auto sink = db.Make(schema, Durable(Options(DbWriteMode::Append), "run-1"));
    std::optional<std::string> progress = sink->Restore();
    ASSERT_TRUE(progress.has_value()) << (sink->failure() ? sink->failure()->ToString() : "");
    EXPECT_EQ(*progress, std::string("after\0two", 9));
    EXPECT_EQ(sink->rows(), 20);
    CollectingEmitter out;
    sink->Open(out);
    sink->Push(0, batch(2), out);
    ASSERT_TRUE(sink->Checkpoint("after three"));
    sink->Push(0, batch(3), out);
    sink->Close(0, out);
    EXPECT_EQ(DoneOf(out), "{target: \"" + sink->target() + "\", rows: 9030, bytes: 0}");
    ASSERT_TRUE(sink->Commit()) << sink->failure()->ToString();
  }
  EXPECT_EQ(db.Rows(kSelectItems), Expected(rows));
  EXPECT_TRUE(db.Tables("_etl_stage").empty());
  // A crash after the publication, before the run store knew: the resumed run's Commit
  // finds the progress row published and does nothing.
  {
    auto sink = db.Make(schema, Durable(Options(DbWriteMode::Append), "run-1"));
    std::optional<std::string> progress = sink->Restore();
    ASSERT_TRUE(progress.has_value());
    EXPECT_EQ(*progress, "after three");
    ASSERT_TRUE(sink->Commit()) << (sink->failure() ? sink->failure()->ToString() : "");
  }
  EXPECT_EQ(db.Rows("SELECT count(*) FROM items"), std::vector<std::string>{"9030"});
}

// A crash before the first checkpoint: nothing to restore, the staging table starts empty.
inline void TestCrashBeforeCheckpoint(DbBackend& db) {
  auto schema = KeyedSchema();
  {
    auto sink = db.Make(schema, Durable(Options(DbWriteMode::Append), "run-2"));
    CollectingEmitter out;
    sink->Open(out);
    sink->Push(0, BatchOf(schema, KeyedRows(0, 10000, "x")), out);  // commits a staging transaction
  }
  auto sink = db.Make(schema, Durable(Options(DbWriteMode::Append), "run-2"));
  EXPECT_FALSE(sink->Restore().has_value());
  EXPECT_FALSE(sink->failure().has_value());
  EXPECT_EQ(sink->rows(), 0);
  CollectingEmitter out;
  sink->Open(out);
  sink->Push(0, BatchOf(schema, KeyedRows(0, 5, "x")), out);
  sink->Close(0, out);
  ASSERT_TRUE(sink->Commit());
  EXPECT_EQ(db.Rows(kSelectItems), Expected(KeyedRows(0, 5, "x")));
}

// A crash during publication is rolled back whole; Commit after Restore publishes once.
inline void TestCommitAfterRestoreWithoutInput(DbBackend& db) {
  auto schema = KeyedSchema();
  {
    auto sink = db.Make(schema, Durable(Options(DbWriteMode::Upsert, {"id"}), "run-3"));
    CollectingEmitter out;
    sink->Open(out);
    sink->Push(0, BatchOf(schema, KeyedRows(0, 6, "u")), out);
    sink->Close(0, out);
    ASSERT_TRUE(sink->Checkpoint("all"));
  }
  auto sink = db.Make(schema, Durable(Options(DbWriteMode::Upsert, {"id"}), "run-3"));
  ASSERT_EQ(sink->Restore(), std::optional<std::string>("all"));
  ASSERT_TRUE(sink->Commit()) << (sink->failure() ? sink->failure()->ToString() : "");
  EXPECT_EQ(db.Rows(kSelectItems), Expected(KeyedRows(0, 6, "u")));
}

}  // namespace etl::runtime::db_test
