#include "runtime/test_runner.h"

#include <fmt/format.h>

#include <chrono>
#include <set>

#include "runtime/batch.h"
#include "runtime/eval_reference.h"
#include "runtime/executor.h"
#include "runtime/kernel.h"

namespace etl::runtime {

namespace {

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

ast::Value EmptyRecord() {
  ast::Value record;
  record.kind = ast::Value::Kind::Record;
  return record;
}

// A given record with the port's fields in order, matched by name (a given that is not a
// list literal, e.g. a const, may order or omit nullable fields differently).
ast::Value Complete(const ast::Value& record, const TypeRef& type) {
  if (record.kind != ast::Value::Kind::Record) return record;
  ast::Value out = EmptyRecord();
  for (const auto& field : type->fields) {
    const ast::Value* value = record.Find(field.name);
    out.fields.emplace_back(field.name, value ? *value : ast::Value::Null());
  }
  return out;
}

// Evaluates a constant expression (given records, row counts).
bool EvaluateConstant(const ir::Expr& expr, const EvalContext& ctx, ast::Value* out, std::string* error) {
  ReferenceResult result = EvaluateReference(expr, EmptyRecord(), ctx);
  if (result.error) {
    *error = result.error->message;
    return false;
  }
  *out = std::move(result.value);
  return true;
}

// Evaluates `expr` over the one-row batch of the test's streams with the interpreter.
bool EvaluateOverStreams(const ir::Expr& expr, const Batch& streams, const EvalContext& ctx, ast::Value* out,
                         std::string* error) {
  auto kernel = CompileKernel(expr, streams.schema, error);
  if (!kernel) return false;
  RowErrors errors;
  ColumnPtr column = kernel->Evaluate(streams, ctx, errors);
  if (!errors.Empty()) {
    *error = errors.Errors().front().message;
    return false;
  }
  if (!column) {
    *error = "no result";
    return false;
  }
  *out = column->Get(streams.RowAt(0));
  return true;
}

bool IsComparison(const ir::Expr& expr) {
  if (expr.kind != ir::ExprKind::Binary) return false;
  switch (expr.binary_op) {
    case ast::BinaryOp::Eq: case ast::BinaryOp::Ne: case ast::BinaryOp::Lt: case ast::BinaryOp::Le:
    case ast::BinaryOp::Gt: case ast::BinaryOp::Ge: case ast::BinaryOp::In: case ast::BinaryOp::NotIn:
    case ast::BinaryOp::Match:
      return true;
    default:
      return false;
  }
}

std::vector<std::string> FirstRows(const ast::Value& list, size_t limit) {
  std::vector<std::string> rows;
  for (size_t i = 0; i < list.items.size() && i < limit; ++i) rows.push_back(ast::ToLiteral(list.items[i]));
  if (list.items.size() > limit) rows.push_back(fmt::format("... and {} more", list.items.size() - limit));
  return rows;
}

std::string RowsWord(uint64_t n) { return n == 1 ? "1 row" : fmt::format("{} rows", n); }

// Keeps a test run's `jit_fallback` warnings as notes of the test (a step the JIT could not
// compile runs interpreted: worth knowing, not a failure).
class JitNotes : public RunObserver {
 public:
  void OnEvent(const RunEvent& event) override {
    if (event.event != "jit_fallback") return;
    std::string message;
    for (const auto& [name, value] : event.fields) {
      if (name == "message") message = value.string_value;
    }
    notes.push_back(fmt::format("`{}`: {}", event.step, message));
  }
  std::vector<std::string> notes;
};

class TestRun {
 public:
  TestRun(const ir::Plan& plan, const ir::Test& test, const TestRunOptions& options)
      : plan_(plan), test_(test), options_(options) {}

  TestResult Run() {
    int64_t started = NowUs();
    result_.title = test_.title;
    result_.pipeline = test_.pipeline;
    result_.location = test_.location;
    Execute();
    result_.passed = result_.failure.empty();
    for (const auto& expect : result_.expects) result_.passed = result_.passed && expect.passed;
    result_.duration_us = NowUs() - started;
    return std::move(result_);
  }

 private:
  void Execute() {
    const ir::Pipeline* pipeline = plan_.Find(test_.pipeline);
    if (!pipeline) {
      result_.failure = fmt::format("the plan has no pipeline `{}`", test_.pipeline);
      return;
    }
    for (const auto& param : plan_.params) {
      auto given = options_.params.find(param.name);
      if (given != options_.params.end()) {
        ctx_.params[param.name] = given->second;
      } else if (param.default_value) {
        ctx_.params[param.name] = *param.default_value;
      }
    }
    ctx_.now_us = options_.now_us;
    ctx_.seed = options_.seed;

    RunOptions run;
    run.run_id = "test";
    run.workers = options_.workers;
    run.params = ctx_.params;
    run.now_us = options_.now_us;
    run.seed = options_.seed;
    run.dry_sinks = true;
    run.progress_interval_us = 0;
    run.jit_compiler = options_.jit_compiler;
    if (options_.jit) {
      run.jit = *options_.jit;
    } else {
      const std::string& setting = pipeline->settings.jit;
      run.jit = setting == "on" ? JitMode::On : setting == "auto" ? JitMode::Auto : JitMode::Off;
    }
    if (!MakeGiven(run)) return;
    std::set<PortRef> taps;
    for (const auto& stream : test_.streams) {
      for (const auto& port : stream.ports) taps.insert({port.node, port.port});
    }
    run.taps.assign(taps.begin(), taps.end());

    JitNotes jit_notes;
    run.observer = &jit_notes;
    RunResult ran = RunPipeline(plan_, *pipeline, run);
    for (std::string& note : jit_notes.notes) result_.notes.push_back(std::move(note));
    if (ran.status != RunStatus::Succeeded) {
      result_.failure = fmt::format("the run {}: {}", Spelling(ran.status), ran.failure);
      return;
    }
    for (const auto& error : ran.unconsumed_errors) {
      result_.notes.push_back(fmt::format("`{}`: {}: {} in {}", error.step, error.code, error.message, error.record));
    }
    if (ran.unconsumed_error_count > ran.unconsumed_errors.size()) {
      result_.notes.push_back(fmt::format("... and {} more unconsumed error records",
                                          ran.unconsumed_error_count - ran.unconsumed_errors.size()));
    }
    Batch streams;
    if (!MakeStreams(ran, &streams)) return;
    for (const auto& expect : test_.expects) result_.expects.push_back(Evaluate(expect, streams));
  }

  bool MakeGiven(RunOptions& run) {
    for (const auto& given : test_.given) {
      ast::Value list;
      std::string error;
      if (!EvaluateConstant(given.records, ctx_, &list, &error)) {
        result_.failure = fmt::format("`given {}`: {}", given.step, error);
        return false;
      }
      std::vector<ast::Value> records;
      for (const auto& item : list.items) records.push_back(Complete(item, given.type));
      Batch batch;
      if (!MakeBatch(given.type, records, batch, &error)) {
        result_.failure = fmt::format("`given {}`: {}", given.step, error);
        return false;
      }
      run.given[given.node].push_back(std::move(batch));
    }
    return true;
  }

  // The one-row batch whose field i is the list of stream i's records.
  bool MakeStreams(const RunResult& ran, Batch* out) {
    ast::Value record = EmptyRecord();
    for (const auto& stream : test_.streams) {
      ast::Value list;
      list.kind = ast::Value::Kind::List;
      for (const auto& port : stream.ports) {
        auto it = ran.tapped.find(PortRef{port.node, port.port});
        if (it == ran.tapped.end()) continue;  // the port emitted nothing
        for (const auto& batch : it->second) {
          for (size_t i = 0; i < batch.Size(); ++i) list.items.push_back(batch.Row(i));
        }
      }
      stream_values_.push_back(list);
      record.fields.emplace_back(stream.name, std::move(list));
    }
    std::string error;
    if (!MakeBatch(test_.StreamsRecord(), {record}, *out, &error)) {
      result_.failure = fmt::format("the tapped records do not fit their streams: {}", error);
      return false;
    }
    return true;
  }

  ExpectResult Evaluate(const ir::TestExpect& expect, const Batch& streams) {
    ExpectResult out;
    out.kind = expect.kind;
    out.text = expect.text;
    out.location = expect.location;
    std::string error;
    switch (expect.kind) {
      case ir::TestExpect::Kind::Rows:
      case ir::TestExpect::Kind::Empty: {
        const ast::Value& list = stream_values_.at(static_cast<size_t>(expect.stream));
        out.row_count = list.items.size();
        uint64_t want = 0;
        if (expect.kind == ir::TestExpect::Kind::Rows) {
          ast::Value count;
          if (!expect.count || !EvaluateConstant(*expect.count, ctx_, &count, &error)) {
            out.message = fmt::format("the row count could not be evaluated: {}", error);
            return out;
          }
          if (count.kind != ast::Value::Kind::Int || count.int_value < 0) {
            out.message = fmt::format("the row count is {}, not a count", ast::ToLiteral(count));
            return out;
          }
          want = static_cast<uint64_t>(count.int_value);
        }
        out.passed = out.row_count == want;
        if (!out.passed) {
          out.message = fmt::format("found {}", RowsWord(out.row_count));
          out.rows = FirstRows(list, options_.rows_shown);
        }
        return out;
      }
      case ir::TestExpect::Kind::Condition: {
        ast::Value value;
        if (!expect.condition || !EvaluateOverStreams(*expect.condition, streams, ctx_, &value, &error)) {
          out.message = fmt::format("evaluation failed: {}", error);
          return out;
        }
        out.passed = value.kind == ast::Value::Kind::Bool && value.bool_value;
        if (out.passed) return out;
        out.message = Explain(*expect.condition, value, streams, 0);
        return out;
      }
    }
    return out;
  }

  // Why `condition` (which evaluated to `value`, not true) failed: for `a and b`, the first
  // operand that is not true (numbered when there are several); for a comparison, both sides.
  std::string Explain(const ir::Expr& condition, const ast::Value& value, const Batch& streams, int depth) {
    if (condition.kind == ir::ExprKind::Binary && condition.binary_op == ast::BinaryOp::And && depth < 16) {
      std::vector<const ir::Expr*> operands;
      Flatten(condition, &operands);
      for (size_t i = 0; i < operands.size(); ++i) {
        ast::Value part;
        std::string error;
        if (!EvaluateOverStreams(*operands[i], streams, ctx_, &part, &error)) {
          return fmt::format("operand {} of `and`: evaluation failed: {}", i + 1, error);
        }
        if (part.kind == ast::Value::Kind::Bool && part.bool_value) continue;
        return fmt::format("operand {} of `and`: {}", i + 1, Explain(*operands[i], part, streams, depth + 1));
      }
    }
    if (IsComparison(condition)) {
      ast::Value left, right;
      std::string left_error, right_error;
      bool has_left = EvaluateOverStreams(condition.children[0], streams, ctx_, &left, &left_error);
      bool has_right = EvaluateOverStreams(condition.children[1], streams, ctx_, &right, &right_error);
      return fmt::format("left side is {}, right side is {}",
                         has_left ? ast::ToLiteral(left) : "an error (" + left_error + ")",
                         has_right ? ast::ToLiteral(right) : "an error (" + right_error + ")");
    }
    return value.kind == ast::Value::Kind::Null ? "the condition is null" : "the condition is false";
  }

  // The operands of a chain of `and`s, left to right.
  static void Flatten(const ir::Expr& expr, std::vector<const ir::Expr*>* out) {
    if (expr.kind == ir::ExprKind::Binary && expr.binary_op == ast::BinaryOp::And) {
      Flatten(expr.children[0], out);
      Flatten(expr.children[1], out);
    } else {
      out->push_back(&expr);
    }
  }

  const ir::Plan& plan_;
  const ir::Test& test_;
  const TestRunOptions& options_;
  EvalContext ctx_;
  TestResult result_;
  std::vector<ast::Value> stream_values_;  // per stream, its records as a list
};

}  // namespace

TestResult RunTest(const ir::Plan& plan, const ir::Test& test, const TestRunOptions& options) {
  return TestRun(plan, test, options).Run();
}

}  // namespace etl::runtime
