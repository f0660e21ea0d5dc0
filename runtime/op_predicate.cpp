// The operators that choose rows by a condition: filter, route and validate. None copies a
// column: the rows they keep are a selection over the input batch's columns.
#include <utility>

#include "runtime/op_common.h"

namespace etl::runtime {

namespace {

// The column rows of `part` that are neither in `kept` (ascending column rows) nor failed
// (errors index `part` in its selection order); written to `rest`, which is reused.
void Remaining(const Batch& part, const std::vector<uint32_t>& kept, const RowErrors& errors,
               std::vector<uint32_t>& rest) {
  rest.clear();
  size_t k = 0;
  for (size_t i = 0, n = part.Size(); i < n; ++i) {
    uint32_t row = part.RowAt(i);
    if (k < kept.size() && kept[k] == row) {
      ++k;
      continue;
    }
    if (!errors.Failed(static_cast<uint32_t>(i))) rest.push_back(row);
  }
}

// `rows` of `batch`'s columns as a batch; the batch itself when they are all of its rows.
Batch Rows(const Batch& batch, std::vector<uint32_t> rows) {
  if (rows.size() == batch.Size()) return batch;
  return Select(batch, std::move(rows));
}

class FilterOp : public OperatorBase {
 public:
  FilterOp(const ir::Node& node, const StepContext& ctx, std::unique_ptr<Predicate> predicate)
      : OperatorBase(node, ctx), predicate_(std::move(predicate)) {}

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    errors_.Clear();
    std::vector<uint32_t> kept = predicate_->Evaluate(batch, eval_, errors_);
    size_t failed = errors_.Errors().size();
    out.Filtered(batch.Size() - kept.size() - failed);
    EmitOn(0, Rows(batch, std::move(kept)), out);
    FailRows(batch, errors_, out);
    out.Ack(input, batch.sequence);
  }

 private:
  std::unique_ptr<Predicate> predicate_;
  RowErrors errors_;
};

class RouteOp : public OperatorBase {
 public:
  struct Branch {
    std::unique_ptr<Predicate> condition;  // null: `else`
    size_t port = 0;
  };
  RouteOp(const ir::Node& node, const StepContext& ctx, std::vector<Branch> branches)
      : OperatorBase(node, ctx), branches_(std::move(branches)) {}

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    // Each branch sees only the rows no earlier branch took (first match wins).
    Batch remaining = batch;
    for (const Branch& branch : branches_) {
      if (remaining.Size() == 0) break;
      if (!branch.condition) {
        EmitOn(branch.port, std::move(remaining), out);
        remaining = Select(batch, {});
        break;
      }
      errors_.Clear();
      std::vector<uint32_t> kept = branch.condition->Evaluate(remaining, eval_, errors_);
      FailRows(remaining, errors_, out);
      Remaining(remaining, kept, errors_, rest_);
      EmitOn(branch.port, Rows(remaining, std::move(kept)), out);
      remaining = Select(batch, rest_);
    }
    out.Filtered(remaining.Size());
    out.Ack(input, batch.sequence);
  }

 private:
  std::vector<Branch> branches_;
  RowErrors errors_;
  std::vector<uint32_t> rest_;
};

class ValidateOp : public OperatorBase {
 public:
  struct Rule {
    std::unique_ptr<Predicate> condition;
    std::string message;
  };
  ValidateOp(const ir::Node& node, const StepContext& ctx, std::vector<Rule> rules)
      : OperatorBase(node, ctx), rules_(std::move(rules)) {}

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    // A record fails at its first failing rule, so it gets exactly one error record.
    Batch passing = batch;
    for (const Rule& rule : rules_) {
      if (passing.Size() == 0) break;
      errors_.Clear();
      std::vector<uint32_t> kept = rule.condition->Evaluate(passing, eval_, errors_);
      if (kept.size() == passing.Size()) continue;
      FailRows(passing, errors_, out);
      size_t k = 0;
      for (size_t i = 0, n = passing.Size(); i < n; ++i) {
        if (k < kept.size() && kept[k] == passing.RowAt(i)) {
          ++k;
        } else if (!errors_.Failed(static_cast<uint32_t>(i))) {
          FailRow(passing, i, "validate", rule.message, out);
        }
      }
      passing = Rows(passing, std::move(kept));
    }
    EmitOn(0, std::move(passing), out);
    out.Ack(input, batch.sequence);
  }

 private:
  std::vector<Rule> rules_;
  RowErrors errors_;
};

// Compiles a condition of `node` over its input, naming `what` in the bind error.
std::unique_ptr<Predicate> Condition(const ir::Node& node, const ir::Expr& expr, const TypeRef& input,
                                     const std::string& what, std::string* error) {
  std::string why;
  auto predicate = Predicate::Compile(expr, input, &why);
  if (!predicate) *error = "`" + node.id + "`: " + what + ": " + why;
  return predicate;
}

}  // namespace

std::unique_ptr<Step> MakeFilter(const ir::Node& node, const StepContext& ctx, std::string* error) {
  TypeRef input;
  size_t port = 0;
  if (!InputRecord(node, &input, error) || !OutputIndex(node, ir::kOutPort, &port, error)) return nullptr;
  if (port != 0) {
    *error = "`" + node.id + "`: `out` must be the first output port";
    return nullptr;
  }
  if (!node.expr) {
    *error = "`" + node.id + "`: filter without a predicate";
    return nullptr;
  }
  auto predicate = Condition(node, *node.expr, input, "the predicate", error);
  if (!predicate) return nullptr;
  return std::make_unique<FilterOp>(node, ctx, std::move(predicate));
}

std::unique_ptr<Step> MakeRoute(const ir::Node& node, const StepContext& ctx, std::string* error) {
  TypeRef input;
  if (!InputRecord(node, &input, error)) return nullptr;
  std::vector<RouteOp::Branch> branches;
  for (const ir::RouteBranch& branch : node.branches) {
    RouteOp::Branch bound;
    if (!OutputIndex(node, branch.name, &bound.port, error)) return nullptr;
    if (branch.condition) {
      bound.condition = Condition(node, *branch.condition, input, "branch `" + branch.name + "`", error);
      if (!bound.condition) return nullptr;
    } else if (&branch != &node.branches.back()) {
      *error = "`" + node.id + "`: `else` branch `" + branch.name + "` is not the last";
      return nullptr;
    }
    branches.push_back(std::move(bound));
  }
  if (branches.empty()) {
    *error = "`" + node.id + "`: route without branches";
    return nullptr;
  }
  return std::make_unique<RouteOp>(node, ctx, std::move(branches));
}

std::unique_ptr<Step> MakeValidate(const ir::Node& node, const StepContext& ctx, std::string* error) {
  TypeRef input;
  size_t port = 0;
  if (!InputRecord(node, &input, error) || !OutputIndex(node, ir::kOutPort, &port, error)) return nullptr;
  if (port != 0) {
    *error = "`" + node.id + "`: `out` must be the first output port";
    return nullptr;
  }
  std::vector<ValidateOp::Rule> rules;
  for (size_t i = 0; i < node.rules.size(); ++i) {
    ValidateOp::Rule rule{Condition(node, node.rules[i].condition, input, "rule " + std::to_string(i + 1), error),
                          node.rules[i].message};
    if (!rule.condition) return nullptr;
    rules.push_back(std::move(rule));
  }
  return std::make_unique<ValidateOp>(node, ctx, std::move(rules));
}

}  // namespace etl::runtime
