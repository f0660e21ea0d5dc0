// The run store's schema version 3 (issue 7, `etlc serve`), on both backends (SQLite and the
// test PostgreSQL server, run_store_backends.h): a version-2 database migrates keeping its
// runs (they read as started by the CLI, queued when they started); queued runs start once
// and can be cancelled while queued; ListRuns/CountRuns filters and paging; pages of a
// run's events and errors with totals; API tokens; the audit log, newest first.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/run_store.h"
#include "tests/unit/run_store_backends.h"

namespace etl::runtime {
namespace {

using testing::StoreBackend;

// Version 2 exactly as the earlier run store wrote it (migrations 1 and 2 of
// runtime/run_store.cpp), so the test does not depend on the code it checks, with two runs,
// their rows and step state.
constexpr const char* kSqliteVersion2 = R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (1), (2);
CREATE TABLE runs (id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, source_file TEXT NOT NULL,
  plan_json TEXT NOT NULL, plan_hash TEXT NOT NULL, params_json TEXT NOT NULL, status TEXT NOT NULL,
  failure TEXT NOT NULL DEFAULT '', started_at INTEGER NOT NULL, finished_at INTEGER,
  rows_in INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 1);
CREATE INDEX runs_by_start ON runs (started_at DESC, id DESC);
CREATE INDEX runs_by_pipeline ON runs (pipeline, started_at DESC);
CREATE INDEX runs_by_finish ON runs (finished_at);
CREATE TABLE step_metrics (run_id TEXT NOT NULL REFERENCES runs (id), seq INTEGER NOT NULL,
  step TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, rows_in INTEGER NOT NULL,
  rows_out INTEGER NOT NULL, filtered INTEGER NOT NULL, errors INTEGER NOT NULL,
  busy_us INTEGER NOT NULL, PRIMARY KEY (run_id, seq));
CREATE TABLE events (run_id TEXT NOT NULL REFERENCES runs (id), time INTEGER NOT NULL,
  level TEXT NOT NULL, step TEXT NOT NULL, event TEXT NOT NULL, fields_json TEXT NOT NULL);
CREATE INDEX events_by_run ON events (run_id);
CREATE TABLE errors (run_id TEXT NOT NULL REFERENCES runs (id), step TEXT NOT NULL,
  code TEXT NOT NULL, message TEXT NOT NULL, record TEXT NOT NULL, source TEXT, line INTEGER,
  at INTEGER NOT NULL);
CREATE INDEX errors_by_run ON errors (run_id);
CREATE TABLE step_state (pipeline TEXT NOT NULL, step TEXT NOT NULL, key TEXT NOT NULL,
  value TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (pipeline, step, key));
)sql";

// The same in PostgreSQL (migrations 1 and 2 of runtime/run_store_postgres.cpp).
constexpr const char* kPostgresVersion2 = R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (1), (2);
CREATE TABLE runs (id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, source_file TEXT NOT NULL,
  plan_json TEXT NOT NULL, plan_hash TEXT NOT NULL, params_json TEXT NOT NULL, status TEXT NOT NULL,
  failure TEXT NOT NULL DEFAULT '', started_at BIGINT NOT NULL, finished_at BIGINT,
  rows_in BIGINT NOT NULL DEFAULT 0, errors BIGINT NOT NULL DEFAULT 0,
  attempts BIGINT NOT NULL DEFAULT 1);
CREATE INDEX runs_by_start ON runs (started_at DESC, id COLLATE "C" DESC);
CREATE INDEX runs_by_pipeline ON runs (pipeline, started_at DESC);
CREATE INDEX runs_by_finish ON runs (finished_at);
CREATE TABLE step_metrics (run_id TEXT NOT NULL REFERENCES runs (id), seq BIGINT NOT NULL,
  step TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, rows_in BIGINT NOT NULL,
  rows_out BIGINT NOT NULL, filtered BIGINT NOT NULL, errors BIGINT NOT NULL,
  busy_us BIGINT NOT NULL, PRIMARY KEY (run_id, seq));
CREATE TABLE events (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id), time BIGINT NOT NULL, level TEXT NOT NULL,
  step TEXT NOT NULL, event TEXT NOT NULL, fields_json TEXT NOT NULL);
CREATE INDEX events_by_run ON events (run_id, seq);
CREATE TABLE errors (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id), step TEXT NOT NULL, code TEXT NOT NULL,
  message TEXT NOT NULL, record TEXT NOT NULL, source TEXT, line BIGINT, at BIGINT NOT NULL);
CREATE INDEX errors_by_run ON errors (run_id, seq);
CREATE TABLE step_state (pipeline TEXT NOT NULL, step TEXT NOT NULL, key TEXT NOT NULL,
  value TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (pipeline, step, key));
)sql";

// The rows of both version-2 databases (the same SQL in both dialects).
constexpr const char* kVersion2Rows = R"sql(
INSERT INTO runs VALUES ('old1', 'p', 'x.etl', '{}', '0123456789abcdef', '{}', 'succeeded', '', 1000, 2000, 7, 1, 2);
INSERT INTO runs VALUES ('old2', 'q', 'y.etl', '{}', '0123456789abcdef', '{}', 'failed', 'it broke', 3000, 4000, 0, 0, 1);
INSERT INTO step_metrics VALUES ('old1', 0, 'raw', 'source', 'csv', 7, 7, 0, 0, 10);
INSERT INTO events (run_id, time, level, step, event, fields_json) VALUES ('old1', 1500, 'info', '', 'run_started', '{"workers":2}');
INSERT INTO events (run_id, time, level, step, event, fields_json) VALUES ('old1', 1900, 'info', '', 'run_finished', '{}');
INSERT INTO errors (run_id, step, code, message, record, source, line, at) VALUES ('old1', 'clean', 'cast_error', 'bad', '{"x":1}', 'in.csv', 3, 1600);
INSERT INTO step_state VALUES ('p', 'raw', 'cursor', '41', 1700);
)sql";

StoredRun NewRun(const std::string& id, int64_t started_us, const std::string& pipeline = "p",
                 const std::string& status = "running", const std::string& trigger = "{\"kind\":\"cli\"}") {
  StoredRun run;
  run.id = id;
  run.pipeline = pipeline;
  run.source_file = pipeline + ".etl";
  run.plan_json = "{}";
  run.plan_hash = "0123456789abcdef";
  run.params_json = "{}";
  run.status = status;
  run.started_us = started_us;
  run.trigger_json = trigger;
  return run;
}

RunEnd EndOf(const std::string& status, int64_t finished_us) {
  RunEnd end;
  end.status = status;
  end.failure = status == "succeeded" ? "" : "because";
  end.finished_us = finished_us;
  return end;
}

RunEvent EventAt(const std::string& run, int64_t time_us, const std::string& name) {
  RunEvent event;
  event.time_us = time_us;
  event.run = run;
  event.pipeline = "p";
  event.event = name;
  return event;
}

StoredToken TokenOf(const std::string& id, const std::string& role, const std::string& sha,
                    int64_t created_us) {
  StoredToken token;
  token.id = id;
  token.name = id + "'s token";
  token.role = role;
  token.secret_sha256 = sha;
  token.created_us = created_us;
  return token;
}

class RunStoreV3 : public ::testing::TestWithParam<StoreBackend> {
 protected:
  RunStoreV3() : backend_(GetParam()) {}
  std::unique_ptr<RunStore> Open() { return backend_.Open(); }

  // The ids ListRuns returns for `query`, after checking that CountRuns counts every run
  // the query matches (its limit and offset ignored).
  std::vector<std::string> Ids(RunStore& store, RunQuery query) {
    std::vector<StoredRun> runs;
    EXPECT_EQ(store.ListRuns(query, runs), std::nullopt);
    std::vector<std::string> ids;
    for (const auto& run : runs) ids.push_back(run.id);
    RunQuery all = query;
    all.limit = 0;
    all.offset = 0;
    std::vector<StoredRun> every;
    EXPECT_EQ(store.ListRuns(all, every), std::nullopt);
    uint64_t count = 0;
    EXPECT_EQ(store.CountRuns(query, count), std::nullopt);
    EXPECT_EQ(count, every.size());
    return ids;
  }

  testing::TestStoreBackend backend_;
};

using Ids_ = std::vector<std::string>;

TEST_P(RunStoreV3, AVersion2DatabaseMigratesKeepingItsRuns) {
  ASSERT_EQ(backend_.Sql(GetParam() == StoreBackend::Sqlite ? kSqliteVersion2 : kPostgresVersion2), "");
  ASSERT_EQ(backend_.Sql(kVersion2Rows), "");
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::optional<StoredRun> run;
  ASSERT_EQ(store->GetRun("old1", run), std::nullopt);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, "succeeded");
  EXPECT_EQ(run->rows_in, 7u);
  EXPECT_EQ(run->finished_us, 2000);
  EXPECT_EQ(run->attempts, 2);
  // A run from before version 3 was started by `etlc run`, and queued when it started.
  EXPECT_EQ(run->trigger_json, "{\"kind\":\"cli\"}");
  EXPECT_EQ(run->queued_us, 1000);
  EXPECT_EQ(Ids(*store, RunQuery{0}), (Ids_{"old2", "old1"}));
  RunQuery cli{0};
  cli.trigger_kind = "cli";
  EXPECT_EQ(Ids(*store, cli), (Ids_{"old2", "old1"}));
  RunQuery failed{0};
  failed.status = "failed";
  EXPECT_EQ(Ids(*store, failed), (Ids_{"old2"}));
  std::vector<StepMetrics> steps;
  ASSERT_EQ(store->StepMetricsOf("old1", steps), std::nullopt);
  ASSERT_EQ(steps.size(), 1u);
  std::vector<StoredEvent> events;
  uint64_t total = 0;
  ASSERT_EQ(store->EventsPage("old1", 1, 5, events, total), std::nullopt);
  EXPECT_EQ(total, 2u);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "run_finished");
  std::vector<StoredError> errors;
  ASSERT_EQ(store->ErrorsPage("old1", 0, 0, errors, total), std::nullopt);
  EXPECT_EQ(total, 1u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 3);
  std::optional<std::string> value;
  ASSERT_EQ(store->GetStepState("p", "raw", "cursor", value), std::nullopt);
  EXPECT_EQ(value, "41");

  // The new tables work on the migrated database, and a second open does not migrate again.
  ASSERT_EQ(store->AddToken(TokenOf("t1", "admin", "aa", 10)), std::nullopt);
  ASSERT_EQ(store->AddAudit(AuditEntry{0, 20, "t1", "t1's token", "admin", "token create", 0, "{}"}),
            std::nullopt);
  StoredRun queued = NewRun("new", 5000, "p", "queued", "{\"kind\":\"manual\"}");
  queued.queued_us = 5000;
  ASSERT_EQ(store->BeginRun(queued), std::nullopt);
  store.reset();
  store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<StoredToken> tokens;
  ASSERT_EQ(store->ListTokens(tokens), std::nullopt);
  EXPECT_EQ(tokens.size(), 1u);
  EXPECT_EQ(Ids(*store, RunQuery{0}), (Ids_{"new", "old2", "old1"}));
  EXPECT_EQ(backend_.Query("SELECT count(*) FROM schema_version"), "3");
  EXPECT_EQ(backend_.Query("SELECT max(version) FROM schema_version"), "3");
  // The old rows keep queued_at NULL (read as their start); the queued one has its time.
  EXPECT_EQ(backend_.Query("SELECT count(*) FROM runs WHERE queued_at IS NULL"), "2");
}

TEST_P(RunStoreV3, AQueuedRunStartsOnceAndFinishes) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  StoredRun queued = NewRun("q1", 100, "p", "queued", "{\"kind\":\"manual\",\"token\":\"t1\"}");
  queued.queued_us = 100;
  ASSERT_EQ(store->BeginRun(queued), std::nullopt);
  std::optional<StoredRun> run;
  ASSERT_EQ(store->GetRun("q1", run), std::nullopt);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, "queued");
  EXPECT_EQ(run->trigger_json, "{\"kind\":\"manual\",\"token\":\"t1\"}");
  EXPECT_EQ(run->queued_us, 100);
  EXPECT_FALSE(run->finished_us);

  bool changed = false;
  ASSERT_EQ(store->StartQueuedRun("q1", 250, changed), std::nullopt);
  EXPECT_TRUE(changed);
  ASSERT_EQ(store->GetRun("q1", run), std::nullopt);
  EXPECT_EQ(run->status, "running");
  EXPECT_EQ(run->started_us, 250);
  EXPECT_EQ(run->queued_us, 100);
  // Started already: a second start changes nothing.
  ASSERT_EQ(store->StartQueuedRun("q1", 300, changed), std::nullopt);
  EXPECT_FALSE(changed);
  ASSERT_EQ(store->GetRun("q1", run), std::nullopt);
  EXPECT_EQ(run->started_us, 250);

  ASSERT_EQ(store->FinishRun("q1", EndOf("succeeded", 400)), std::nullopt);
  ASSERT_EQ(store->GetRun("q1", run), std::nullopt);
  EXPECT_EQ(run->status, "succeeded");
  EXPECT_EQ(run->finished_us, 400);
  EXPECT_EQ(run->queued_us, 100);

  // `etlc run` leaves queued_us 0: it reads back as the start.
  ASSERT_EQ(store->BeginRun(NewRun("cli", 500)), std::nullopt);
  ASSERT_EQ(store->GetRun("cli", run), std::nullopt);
  EXPECT_EQ(run->queued_us, 500);
  EXPECT_EQ(run->trigger_json, "{\"kind\":\"cli\"}");
}

TEST_P(RunStoreV3, ARunCancelledWhileQueuedIsNeverStarted) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->BeginRun(NewRun("q1", 100, "p", "queued", "{\"kind\":\"schedule\"}")), std::nullopt);
  ASSERT_EQ(store->FinishRun("q1", EndOf("cancelled", 150)), std::nullopt);
  bool changed = true;
  ASSERT_EQ(store->StartQueuedRun("q1", 200, changed), std::nullopt);
  EXPECT_FALSE(changed);
  std::optional<StoredRun> run;
  ASSERT_EQ(store->GetRun("q1", run), std::nullopt);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, "cancelled");
  EXPECT_EQ(run->started_us, 100);
  EXPECT_EQ(run->finished_us, 150);
  // An unknown run is not an error: there is nothing to start.
  changed = true;
  ASSERT_EQ(store->StartQueuedRun("nope", 200, changed), std::nullopt);
  EXPECT_FALSE(changed);
}

TEST_P(RunStoreV3, ATriggerThatIsNotAJsonObjectIsRefused) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  for (const char* trigger : {"not json", "[1,2]", "\"cli\"", ""}) {
    auto error = store->BeginRun(NewRun("r", 100, "p", "queued", trigger));
    ASSERT_TRUE(error) << trigger;
    EXPECT_NE(error->find("run store `" + store->Describe() + "`"), std::string::npos) << *error;
  }
  RunQuery all{0};
  EXPECT_EQ(Ids(*store, all), Ids_{});
}

TEST_P(RunStoreV3, ListRunsAndCountRunsHonourEveryFilterAndPage) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  // id, start, pipeline, status, trigger kind
  ASSERT_EQ(store->BeginRun(
                NewRun("a", 100, "load", "succeeded", "{\"kind\":\"schedule\",\"cron\":\"* * * * *\"}")),
            std::nullopt);
  ASSERT_EQ(store->BeginRun(NewRun("b", 200, "load", "failed", "{\"kind\":\"manual\"}")), std::nullopt);
  ASSERT_EQ(
      store->BeginRun(NewRun("c", 300, "report", "succeeded", "{\"kind\":\"after\",\"of\":[\"load\"]}")),
      std::nullopt);
  ASSERT_EQ(store->BeginRun(NewRun("d", 300, "load", "running", "{\"kind\":\"schedule\"}")), std::nullopt);
  ASSERT_EQ(store->BeginRun(NewRun("e", 400, "report", "queued", "{\"kind\":\"manual\"}")), std::nullopt);
  ASSERT_EQ(store->BeginRun(NewRun("f", 500, "load", "queued", "{\"kind\":\"schedule\"}")), std::nullopt);
  ASSERT_EQ(store->BeginRun(NewRun("g", 600, "load", "succeeded")), std::nullopt);  // cli

  EXPECT_EQ(Ids(*store, RunQuery{0}), (Ids_{"g", "f", "e", "d", "c", "b", "a"}));  // ties: id descending
  RunQuery q{0};
  q.pipeline = "load";
  EXPECT_EQ(Ids(*store, q), (Ids_{"g", "f", "d", "b", "a"}));
  q = RunQuery{0};
  q.status = "queued";
  EXPECT_EQ(Ids(*store, q), (Ids_{"f", "e"}));
  q = RunQuery{0};
  q.trigger_kind = "schedule";
  EXPECT_EQ(Ids(*store, q), (Ids_{"f", "d", "a"}));
  q.trigger_kind = "webhook";
  EXPECT_EQ(Ids(*store, q), Ids_{});
  q = RunQuery{0};
  q.started_from_us = 300;
  q.started_before_us = 500;
  EXPECT_EQ(Ids(*store, q), (Ids_{"e", "d", "c"}));
  q = RunQuery{0};
  q.started_before_us = 300;
  EXPECT_EQ(Ids(*store, q), (Ids_{"b", "a"}));
  q = RunQuery{0};
  q.started_from_us = 500;
  EXPECT_EQ(Ids(*store, q), (Ids_{"g", "f"}));
  // All filters at once.
  q = RunQuery{0};
  q.pipeline = "load";
  q.status = "succeeded";
  q.trigger_kind = "schedule";
  q.started_from_us = 100;
  q.started_before_us = 101;
  EXPECT_EQ(Ids(*store, q), (Ids_{"a"}));
  q.started_from_us = 101;
  EXPECT_EQ(Ids(*store, q), Ids_{});

  // Pages: limit and offset after filtering; limit 0 = the rest.
  q = RunQuery{3};
  EXPECT_EQ(Ids(*store, q), (Ids_{"g", "f", "e"}));
  q.offset = 3;
  EXPECT_EQ(Ids(*store, q), (Ids_{"d", "c", "b"}));
  q.offset = 6;
  EXPECT_EQ(Ids(*store, q), (Ids_{"a"}));
  q.offset = 7;
  EXPECT_EQ(Ids(*store, q), Ids_{});
  q = RunQuery{0};
  q.offset = 5;
  EXPECT_EQ(Ids(*store, q), (Ids_{"b", "a"}));
  q = RunQuery{2};
  q.pipeline = "load";
  q.offset = 1;
  EXPECT_EQ(Ids(*store, q), (Ids_{"f", "d"}));
  uint64_t count = 0;
  ASSERT_EQ(store->CountRuns(q, count), std::nullopt);
  EXPECT_EQ(count, 5u);
  ASSERT_EQ(store->CountRuns(RunQuery{1}, count), std::nullopt);
  EXPECT_EQ(count, 7u);
}

TEST_P(RunStoreV3, EventAndErrorPagesAreInRecordedOrderWithTotals) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->BeginRun(NewRun("r", 100)), std::nullopt);
  ASSERT_EQ(store->BeginRun(NewRun("other", 100)), std::nullopt);
  // Three batches, times not in order: the recorded order wins.
  std::vector<std::string> names;
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<RunEvent> events;
    for (int i = 0; i < 9; ++i) {
      std::string name = "e" + std::to_string(batch * 9 + i);
      names.push_back(name);
      events.push_back(EventAt("r", 1000 - batch * 9 - i, name));
    }
    ASSERT_EQ(store->AddEvents("r", events), std::nullopt);
    ASSERT_EQ(store->AddEvents("other", {EventAt("other", 5, "x")}), std::nullopt);
  }
  auto page = [&](size_t offset, size_t limit) {
    std::vector<StoredEvent> events;
    uint64_t total = 99;
    EXPECT_EQ(store->EventsPage("r", offset, limit, events, total), std::nullopt);
    EXPECT_EQ(total, 27u);
    std::vector<std::string> got;
    for (const auto& e : events) got.push_back(e.event);
    return got;
  };
  EXPECT_EQ(page(0, 10), std::vector<std::string>(names.begin(), names.begin() + 10));
  EXPECT_EQ(page(10, 10), std::vector<std::string>(names.begin() + 10, names.begin() + 20));
  EXPECT_EQ(page(20, 10), std::vector<std::string>(names.begin() + 20, names.end()));
  EXPECT_EQ(page(5, 0), std::vector<std::string>(names.begin() + 5, names.end()));
  EXPECT_EQ(page(27, 10), std::vector<std::string>{});
  EXPECT_EQ(page(1000, 0), std::vector<std::string>{});
  std::vector<StoredEvent> all;
  ASSERT_EQ(store->EventsOf("r", all), std::nullopt);
  ASSERT_EQ(all.size(), 27u);
  EXPECT_EQ(all[26].event, "e26");
  EXPECT_EQ(all[26].time_us, 1000 - 26);
  std::vector<StoredEvent> none;
  uint64_t total = 99;
  ASSERT_EQ(store->EventsPage("nope", 0, 10, none, total), std::nullopt);
  EXPECT_EQ(total, 0u);
  EXPECT_TRUE(none.empty());

  std::vector<StoredError> errors;
  for (int i = 0; i < 12; ++i) {
    errors.push_back(StoredError{"clean", "cast_error", "bad " + std::to_string(i), "{\"x\":1}",
                                 i % 2 == 0 ? std::optional<std::string>("in.csv") : std::nullopt,
                                 i % 2 == 0 ? std::optional<int64_t>(i + 1) : std::nullopt, 100 - i});
  }
  ASSERT_EQ(store->AddErrors("r", std::vector<StoredError>(errors.begin(), errors.begin() + 7)),
            std::nullopt);
  ASSERT_EQ(store->AddErrors("other", {errors[0]}), std::nullopt);
  ASSERT_EQ(store->AddErrors("r", std::vector<StoredError>(errors.begin() + 7, errors.end())), std::nullopt);
  std::vector<StoredError> got;
  ASSERT_EQ(store->ErrorsPage("r", 4, 5, got, total), std::nullopt);
  EXPECT_EQ(total, 12u);
  ASSERT_EQ(got.size(), 5u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].message, errors[4 + i].message);
    EXPECT_EQ(got[i].source, errors[4 + i].source);
    EXPECT_EQ(got[i].line, errors[4 + i].line);
    EXPECT_EQ(got[i].at_us, errors[4 + i].at_us);
  }
  ASSERT_EQ(store->ErrorsPage("r", 10, 0, got, total), std::nullopt);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].message, "bad 11");
  ASSERT_EQ(store->ErrorsPage("other", 0, 0, got, total), std::nullopt);
  EXPECT_EQ(total, 1u);
}

TEST_P(RunStoreV3, TokensAreAddedFoundListedRevokedAndTouched) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<StoredToken> tokens;
  ASSERT_EQ(store->ListTokens(tokens), std::nullopt);
  EXPECT_TRUE(tokens.empty());
  ASSERT_EQ(store->AddToken(TokenOf("0000000000b2", "viewer", "sha-b", 200)), std::nullopt);
  ASSERT_EQ(store->AddToken(TokenOf("0000000000a1", "admin", "sha-a", 100)), std::nullopt);
  ASSERT_EQ(store->AddToken(TokenOf("0000000000c3", "operator", "sha-c", 200)), std::nullopt);
  ASSERT_EQ(store->ListTokens(tokens), std::nullopt);
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[0].id, "0000000000a1");  // by creation time, then id
  EXPECT_EQ(tokens[1].id, "0000000000b2");
  EXPECT_EQ(tokens[2].id, "0000000000c3");
  EXPECT_EQ(tokens[0].role, "admin");
  EXPECT_EQ(tokens[0].name, "0000000000a1's token");
  EXPECT_EQ(tokens[0].created_us, 100);
  EXPECT_FALSE(tokens[0].last_used_us);
  EXPECT_FALSE(tokens[0].revoked_us);

  std::optional<StoredToken> found;
  ASSERT_EQ(store->FindToken("sha-b", found), std::nullopt);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "0000000000b2");
  EXPECT_EQ(found->role, "viewer");
  ASSERT_EQ(store->FindToken("sha-unknown", found), std::nullopt);
  EXPECT_FALSE(found);

  // Uses: the latest wins, whatever order they are recorded in.
  ASSERT_EQ(store->TouchToken("0000000000b2", 500), std::nullopt);
  ASSERT_EQ(store->TouchToken("0000000000b2", 400), std::nullopt);
  ASSERT_EQ(store->FindToken("sha-b", found), std::nullopt);
  EXPECT_EQ(found->last_used_us, 500);
  ASSERT_EQ(store->TouchToken("0000000000b2", 600), std::nullopt);
  ASSERT_EQ(store->FindToken("sha-b", found), std::nullopt);
  EXPECT_EQ(found->last_used_us, 600);

  // A revoked token is still found (the caller refuses it); revoking again keeps the time.
  ASSERT_EQ(store->RevokeToken("0000000000b2", 700), std::nullopt);
  ASSERT_EQ(store->RevokeToken("0000000000b2", 800), std::nullopt);
  ASSERT_EQ(store->FindToken("sha-b", found), std::nullopt);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->revoked_us, 700);
  ASSERT_EQ(store->ListTokens(tokens), std::nullopt);
  EXPECT_EQ(tokens.size(), 3u);
  EXPECT_FALSE(tokens[0].revoked_us);

  // Unknown tokens, a secret already used, an unknown role: errors naming the store.
  const std::string where = "run store `" + store->Describe() + "`";
  auto error = store->RevokeToken("0000000000ff", 900);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find(where), std::string::npos) << *error;
  EXPECT_NE(error->find("no token `0000000000ff`"), std::string::npos) << *error;
  error = store->TouchToken("0000000000ff", 900);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("no token `0000000000ff`"), std::string::npos) << *error;
  error = store->AddToken(TokenOf("0000000000d4", "viewer", "sha-a", 300));
  ASSERT_TRUE(error);
  EXPECT_NE(error->find(where), std::string::npos) << *error;
  error = store->AddToken(TokenOf("0000000000a1", "viewer", "sha-new", 300));
  ASSERT_TRUE(error);
  error = store->AddToken(TokenOf("0000000000e5", "root", "sha-e", 300));
  ASSERT_TRUE(error);
  EXPECT_NE(error->find(where), std::string::npos) << *error;
  ASSERT_EQ(store->ListTokens(tokens), std::nullopt);
  EXPECT_EQ(tokens.size(), 3u);

  // Kept across connections.
  store.reset();
  store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->FindToken("sha-b", found), std::nullopt);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->revoked_us, 700);
  EXPECT_EQ(found->last_used_us, 600);
}

TEST_P(RunStoreV3, TheAuditLogPagesNewestFirst) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<AuditEntry> entries;
  uint64_t total = 99;
  ASSERT_EQ(store->AuditPage(0, 10, entries, total), std::nullopt);
  EXPECT_EQ(total, 0u);
  EXPECT_TRUE(entries.empty());
  for (int i = 0; i < 7; ++i) {
    AuditEntry entry;
    entry.seq = 1000;  // ignored: the store assigns it
    entry.time_us = 100 + i;
    entry.token_id = i % 2 == 0 ? "0000000000a1" : "";
    entry.token_name = i % 2 == 0 ? "ci" : "";
    entry.role = i % 2 == 0 ? "operator" : "";
    entry.action = "POST /api/v1/pipelines/load/runs";
    entry.status = i % 2 == 0 ? 202 : 401;
    entry.detail_json = "{\"n\":" + std::to_string(i) + "}";
    ASSERT_EQ(store->AddAudit(entry), std::nullopt);
  }
  ASSERT_EQ(store->AuditPage(0, 3, entries, total), std::nullopt);
  EXPECT_EQ(total, 7u);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].detail_json, "{\"n\":6}");
  EXPECT_EQ(entries[1].detail_json, "{\"n\":5}");
  EXPECT_EQ(entries[2].detail_json, "{\"n\":4}");
  EXPECT_GT(entries[0].seq, entries[1].seq);
  EXPECT_GT(entries[1].seq, entries[2].seq);
  EXPECT_EQ(entries[0].time_us, 106);
  EXPECT_EQ(entries[0].token_id, "0000000000a1");
  EXPECT_EQ(entries[0].token_name, "ci");
  EXPECT_EQ(entries[0].role, "operator");
  EXPECT_EQ(entries[0].action, "POST /api/v1/pipelines/load/runs");
  EXPECT_EQ(entries[0].status, 202);
  EXPECT_EQ(entries[1].status, 401);
  EXPECT_EQ(entries[1].token_id, "");
  const int64_t newest = entries[0].seq;
  ASSERT_EQ(store->AuditPage(3, 3, entries, total), std::nullopt);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].detail_json, "{\"n\":3}");
  EXPECT_EQ(entries[2].detail_json, "{\"n\":1}");
  ASSERT_EQ(store->AuditPage(6, 0, entries, total), std::nullopt);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].detail_json, "{\"n\":0}");
  ASSERT_EQ(store->AuditPage(7, 0, entries, total), std::nullopt);
  EXPECT_TRUE(entries.empty());
  EXPECT_EQ(total, 7u);

  // Sequence numbers keep growing across connections.
  store.reset();
  store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->AddAudit(AuditEntry{0, 200, "local", "", "admin", "token create", 0, "{}"}), std::nullopt);
  ASSERT_EQ(store->AuditPage(0, 1, entries, total), std::nullopt);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_GT(entries[0].seq, newest);
  EXPECT_EQ(entries[0].action, "token create");
  EXPECT_EQ(total, 8u);
}

INSTANTIATE_TEST_SUITE_P(Backends, RunStoreV3,
                         ::testing::Values(StoreBackend::Sqlite, StoreBackend::Postgres),
                         testing::BackendParamName);

// PostgreSQL only: the new calls reconnect after a lost connection like the others.
TEST(RunStoreV3Postgres, TheNewCallsReconnectAfterALostConnection) {
  testing::PgTestSchema schema;
  ASSERT_FALSE(schema.Server().empty());
  std::string app = "etl_test_" + schema.Name();
  std::string error;
  auto store = OpenPostgresRunStore(schema.Url() + "&application_name=" + app, error);
  ASSERT_NE(store, nullptr) << error;
  const std::string kill =
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '" + app + "'";
  ASSERT_EQ(store->BeginRun(NewRun("q", 100, "p", "queued")), std::nullopt);
  ASSERT_EQ(store->AddEvents("q", {EventAt("q", 100, "queued")}), std::nullopt);

  EXPECT_EQ(testing::PgTestQuery(schema.Server(), kill), "1");
  uint64_t count = 0;
  ASSERT_EQ(store->CountRuns(RunQuery{0}, count), std::nullopt);
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(testing::PgTestQuery(schema.Server(), kill), "1");
  std::vector<StoredEvent> events;
  uint64_t total = 0;
  ASSERT_EQ(store->EventsPage("q", 0, 10, events, total), std::nullopt);  // a snapshot read
  EXPECT_EQ(total, 1u);
  EXPECT_EQ(testing::PgTestQuery(schema.Server(), kill), "1");
  bool changed = false;
  ASSERT_EQ(store->StartQueuedRun("q", 200, changed), std::nullopt);
  EXPECT_TRUE(changed);
  EXPECT_EQ(testing::PgTestQuery(schema.Server(), kill), "1");
  ASSERT_EQ(store->AddAudit(AuditEntry{0, 300, "", "", "", "POST /x", 401, "{}"}), std::nullopt);
  EXPECT_EQ(testing::PgTestQuery(schema.Url(), "SELECT count(*) FROM audit"), "1");
  EXPECT_EQ(testing::PgTestQuery(schema.Url(), "SELECT status FROM runs WHERE id = 'q'"), "running");
}

}  // namespace
}  // namespace etl::runtime
