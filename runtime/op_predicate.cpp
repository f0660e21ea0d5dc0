// The operators that choose rows by a condition: filter, route and validate. None copies a
// column: the rows they keep are a selection over the input batch's columns.
#include <optional>
#include <utility>

#include "runtime/op_common.h"

namespace etl::runtime {

namespace {

// `rows` of `batch`'s columns as a batch; the batch itself when they are all of its rows.
Batch Rows(const Batch& batch, std::vector<uint32_t> rows) {
  if (rows.size() == batch.Size()) return batch;
  return Select(batch, std::move(rows));
}

// The column rows of `batch` that condition `k` decided and that did not fail.
void Decided(const Batch& batch, const std::vector<uint32_t>& which, uint32_t k, const RowErrors& errors,
             std::vector<uint32_t>& rows) {
  rows.clear();
  for (size_t i = 0; i < which.size(); ++i) {
    if (which[i] == k && !errors.Failed(static_cast<uint32_t>(i))) rows.push_back(batch.RowAt(i));
  }
}

class FilterOp : public OperatorBase {
 public:
  FilterOp(const ir::Node& node, const StepContext& ctx, std::unique_ptr<ConditionsKernel> predicate)
      : OperatorBase(node, ctx), predicate_(std::move(predicate)) {}

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    errors_.Clear();
    predicate_->Classify(batch, eval_, errors_, which_);
    std::vector<uint32_t> kept;
    Decided(batch, which_, 0, errors_, kept);
    size_t failed = errors_.Errors().size();
    out.Filtered(batch.Size() - kept.size() - failed);
    EmitOn(0, Rows(batch, std::move(kept)), out);
    FailRows(batch, errors_, out);
    out.Ack(input, batch.sequence);
  }

 private:
  std::unique_ptr<ConditionsKernel> predicate_;
  RowErrors errors_;
  std::vector<uint32_t> which_;
};

class RouteOp : public OperatorBase {
 public:
  // ports[k] = the output port of condition k; `otherwise` = the `else` branch's port.
  RouteOp(const ir::Node& node, const StepContext& ctx, std::unique_ptr<ConditionsKernel> conditions,
          std::vector<size_t> ports, std::optional<size_t> otherwise)
      : OperatorBase(node, ctx), conditions_(std::move(conditions)), ports_(std::move(ports)), otherwise_(otherwise) {}

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    // The first branch whose condition is true takes a row; the rest go to `else`.
    errors_.Clear();
    if (conditions_) {
      conditions_->Classify(batch, eval_, errors_, which_);
    } else {
      which_.assign(batch.Size(), 0);
    }
    FailRows(batch, errors_, out);
    // One pass: the rows of each branch (the last bucket: no condition decided).
    buckets_.resize(ports_.size() + 1);
    for (auto& rows : buckets_) rows.clear();
    for (size_t i = 0; i < which_.size(); ++i) {
      if (!errors_.Failed(static_cast<uint32_t>(i))) buckets_[which_[i]].push_back(batch.RowAt(i));
    }
    for (size_t k = 0; k < buckets_.size(); ++k) {
      std::optional<size_t> port = k < ports_.size() ? std::optional<size_t>(ports_[k]) : otherwise_;
      if (!port) {
        out.Filtered(buckets_[k].size());
      } else if (!buckets_[k].empty()) {
        EmitOn(*port, Rows(batch, buckets_[k]), out);
      }
    }
    out.Ack(input, batch.sequence);
  }

 private:
  std::unique_ptr<ConditionsKernel> conditions_;  // null: only an `else` branch
  std::vector<size_t> ports_;
  std::optional<size_t> otherwise_;
  RowErrors errors_;
  std::vector<uint32_t> which_;
  std::vector<std::vector<uint32_t>> buckets_;  // per branch, reused
};

class ValidateOp : public OperatorBase {
 public:
  ValidateOp(const ir::Node& node, const StepContext& ctx, std::unique_ptr<ConditionsKernel> rules,
             std::vector<std::string> messages)
      : OperatorBase(node, ctx), rules_(std::move(rules)), messages_(std::move(messages)) {}

  void Push(size_t input, const Batch& batch, Emitter& out) override {
    // A record fails at its first failing rule, so it gets exactly one error record; error
    // records go out in the batch's row order.
    errors_.Clear();
    rules_->Classify(batch, eval_, errors_, which_);
    const std::vector<RowError>& failed = errors_.Errors();
    size_t e = 0;
    for (size_t i = 0; i < which_.size(); ++i) {
      if (e < failed.size() && failed[e].row == i) {
        FailRow(batch, i, failed[e].code, failed[e].message, out);
        ++e;
      } else if (which_[i] < messages_.size()) {
        FailRow(batch, i, "validate", messages_[which_[i]], out);
      }
    }
    Decided(batch, which_, static_cast<uint32_t>(messages_.size()), errors_, rows_);
    EmitOn(0, Rows(batch, rows_), out);
    out.Ack(input, batch.sequence);
  }

 private:
  std::unique_ptr<ConditionsKernel> rules_;
  std::vector<std::string> messages_;  // per rule
  RowErrors errors_;
  std::vector<uint32_t> which_, rows_;
};

// Binds the conditions of `node` (a filter, route or validate); null and `error` set on a
// bind error.
std::unique_ptr<ConditionsKernel> Conditions(const ir::Node& node, const StepContext& ctx, std::string* error) {
  NodeExprs exprs;
  if (!ExprsOfNode(node, &exprs, error)) return nullptr;
  auto kernel = CompileConditionsKernel(exprs.exprs, exprs.mode, ctx.jit, error);
  if (!kernel) *error = "`" + node.id + "`: " + *error;
  return kernel;
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
  auto predicate = Conditions(node, ctx, error);
  if (!predicate) return nullptr;
  return std::make_unique<FilterOp>(node, ctx, std::move(predicate));
}

std::unique_ptr<Step> MakeRoute(const ir::Node& node, const StepContext& ctx, std::string* error) {
  TypeRef input;
  if (!InputRecord(node, &input, error)) return nullptr;
  std::vector<size_t> ports;
  std::optional<size_t> otherwise;
  for (const ir::RouteBranch& branch : node.branches) {
    size_t port = 0;
    if (!OutputIndex(node, branch.name, &port, error)) return nullptr;
    if (branch.condition) {
      ports.push_back(port);
    } else if (&branch != &node.branches.back()) {
      *error = "`" + node.id + "`: `else` branch `" + branch.name + "` is not the last";
      return nullptr;
    } else {
      otherwise = port;
    }
  }
  if (node.branches.empty()) {
    *error = "`" + node.id + "`: route without branches";
    return nullptr;
  }
  std::unique_ptr<ConditionsKernel> conditions;
  if (!ports.empty()) {
    conditions = Conditions(node, ctx, error);
    if (!conditions) return nullptr;
  }
  return std::make_unique<RouteOp>(node, ctx, std::move(conditions), std::move(ports), otherwise);
}

std::unique_ptr<Step> MakeValidate(const ir::Node& node, const StepContext& ctx, std::string* error) {
  TypeRef input;
  size_t port = 0;
  if (!InputRecord(node, &input, error) || !OutputIndex(node, ir::kOutPort, &port, error)) return nullptr;
  if (port != 0) {
    *error = "`" + node.id + "`: `out` must be the first output port";
    return nullptr;
  }
  std::vector<std::string> messages;
  for (const ir::ValidateRule& rule : node.rules) messages.push_back(rule.message);
  auto rules = Conditions(node, ctx, error);
  if (!rules) return nullptr;
  return std::make_unique<ValidateOp>(node, ctx, std::move(rules), std::move(messages));
}

}  // namespace etl::runtime
