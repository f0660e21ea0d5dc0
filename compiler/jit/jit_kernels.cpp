// The JIT's step kernels (jit.h): per batch, evaluate the leaves with the interpreter, fill
// EtlJitArgs, run each segment's loop, then turn the recorded (row, site) pairs into
// RowErrors with the interpreter's codes and messages. Also MakeKernelCompiler, DumpLlvm.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <llvm/Support/raw_ostream.h>

#include "compiler/jit/jit.h"
#include "compiler/jit/jit_codegen.h"
#include "compiler/jit/jit_engine.h"
#include "compiler/jit/jit_plan.h"
#include "compiler/jit/kernel_abi.h"
#include "runtime/eval_node.h"

namespace etl::jit {

namespace {

using runtime::Batch;
using runtime::Column;
using runtime::ColumnPtr;
using runtime::EvalContext;
using runtime::Layout;
using runtime::RowErrors;

const void* DataOf(const Column& c) {
  switch (c.layout) {
    case Layout::Bool: return c.bools.data();
    case Layout::Int64: return c.ints.data();
    case Layout::Int32: return c.days.data();
    case Layout::Float64: return c.floats.data();
    case Layout::String: return c.strings.data();
    default: return nullptr;
  }
}

void* MutableData(Column& c) {
  switch (c.layout) {
    case Layout::Bool: return c.bools.data();
    case Layout::Int64: return c.ints.data();
    case Layout::Int32: return c.days.data();
    case Layout::Float64: return c.floats.data();
    default: return nullptr;
  }
}

// A native result column of n rows (values zero, validity built by the loop).
std::shared_ptr<Column> NewOutput(const runtime::TypeRef& type, size_t n) {
  auto c = std::make_shared<Column>();
  c->type = type;
  c->layout = runtime::LayoutOf(type);
  c->rows = n;
  switch (c->layout) {
    case Layout::Bool: c->bools.resize(n); break;
    case Layout::Int32: c->days.resize(n); break;
    case Layout::Float64: c->floats.resize(n); break;
    default: c->ints.resize(n); break;
  }
  return c;
}

// Everything one evaluation of a compiled step keeps alive while its loops run.
class Run {
 public:
  Run(const StepPlan& plan, const std::vector<KernelFn>& fns, const Batch& input, const EvalContext& ctx)
      : plan_(plan), fns_(fns), input_(input), ctx_(ctx), n_(input.Size()) {
    ones_.assign(std::max(input.rows, n_) / 64 + 1, ~uint64_t{0});
    columns_.resize(plan.sources.size(), EtlJitColumn{nullptr, nullptr, nullptr, nullptr});
    leaf_columns_.resize(plan.leaves.size());
    leaf_errors_.resize(plan.leaves.size());
    leaf_failed_.resize(plan.leaves.size());
    row_failed_.assign(n_, 0);
    error_rows_ = std::make_unique_for_overwrite<uint32_t[]>(n_ + 1);
    error_sites_ = std::make_unique_for_overwrite<uint32_t[]>(n_ + 1);
    param_columns_.resize(plan.sources.size());
    param_failed_.resize(plan.sources.size(), 0);
    args_ = EtlJitArgs{n_, input.selection ? input.selection->data() : nullptr, nullptr, nullptr, row_failed_.data(),
                       error_rows_.get(), error_sites_.get(), 0, nullptr};
  }

  // Values: runs every segment; results[j] per expression.
  void Values(RowErrors& errors, std::vector<ColumnPtr>& results) {
    const size_t count = plan_.exprs.exprs.size();
    std::vector<std::shared_ptr<Column>> outs(count);
    std::vector<std::vector<uint64_t>> words(count);
    std::vector<EtlJitOutput> outputs(count, EtlJitOutput{nullptr, nullptr});
    results.assign(count, nullptr);
    for (size_t j = 0; j < count; ++j) {
      if (plan_.roots[j].root_leaf) continue;
      outs[j] = NewOutput(plan_.exprs.exprs[j].type, n_);
      words[j].assign((n_ + 63) / 64, 0);
      outputs[j] = EtlJitOutput{MutableData(*outs[j]), words[j].data()};
    }
    args_.outputs = outputs.data();
    for (size_t k = 0; k < plan_.segments.size(); ++k) {
      const Segment& seg = plan_.segments[k];
      EvaluateLeaves(static_cast<int>(k), results);
      FillColumns();
      if (n_ > 0) fns_[k](&args_);
      // Finish this segment's native results: later segments' leaves may read them.
      for (size_t j = seg.first; j < seg.end; ++j) {
        if (plan_.roots[j].root_leaf) {
          results[j] = leaf_columns_[static_cast<size_t>(plan_.sources[static_cast<size_t>(plan_.roots[j].source)].leaf)];
          continue;
        }
        outs[j]->validity.Assign(AllSet(words[j]) ? std::vector<uint64_t>{} : words[j]);
        const auto& finished = outs[j]->validity.Words();
        outputs[j] = EtlJitOutput{MutableData(*outs[j]), const_cast<uint64_t*>(finished.empty() ? ones_.data() : finished.data())};
        results[j] = outs[j];
      }
    }
    Report(errors);
  }

  void Conditions(RowErrors& errors, std::vector<uint32_t>& which) {
    which.assign(n_, static_cast<uint32_t>(plan_.exprs.exprs.size()));
    args_.which = which.data();
    std::vector<ColumnPtr> none;
    EvaluateLeaves(0, none);
    FillColumns();
    if (n_ > 0) fns_[0](&args_);
    Report(errors);
  }

 private:
  bool AllSet(const std::vector<uint64_t>& w) const {
    const size_t full = n_ / 64;
    for (size_t k = 0; k < full; ++k) {
      if (w[k] != ~uint64_t{0}) return false;
    }
    const size_t tail = n_ % 64;
    return tail == 0 || (w[full] & ((uint64_t{1} << tail) - 1)) == ((uint64_t{1} << tail) - 1);
  }

  // The leaves of segment k, each over the whole batch, with its own errors.
  void EvaluateLeaves(int segment, std::vector<ColumnPtr>& results) {
    for (size_t l = 0; l < plan_.leaves.size(); ++l) {
      const Leaf& leaf = plan_.leaves[l];
      if (leaf.segment != segment) continue;
      ColumnPtr column;
      if (!leaf.reads_results) {
        column = leaf.kernel->Evaluate(input_, ctx_, leaf_errors_[l]);
      } else {
        // Results are dense in batch order: the input fields it reads are gathered to match.
        Batch dense;
        dense.schema = plan_.exprs.Scope(leaf.scope);
        dense.rows = n_;
        dense.columns = input_.columns;
        for (int slot : leaf.input_slots) {
          const auto s = static_cast<size_t>(slot);
          if (input_.selection) dense.columns[s] = runtime::Take(*input_.columns[s], *input_.selection);
        }
        for (size_t j = 0; j < leaf.scope; ++j) dense.columns.push_back(results[j]);
        column = leaf.kernel->Evaluate(dense, ctx_, leaf_errors_[l]);
      }
      leaf_columns_[l] = column;
      // A root leaf is its expression's result at once: a later leaf of this segment may read it.
      const ExprPlan& root = plan_.roots[leaf.scope];
      if (!plan_.conditions && root.root_leaf && plan_.sources[static_cast<size_t>(root.source)].leaf == static_cast<int>(l)) {
        results[leaf.scope] = column;
      }
      leaf_failed_[l].assign(n_, 0);
      for (const runtime::RowError& e : leaf_errors_[l].Errors()) {
        if (e.row < n_) leaf_failed_[l][e.row] = 1;
      }
    }
  }

  EtlJitColumn ColumnOf(const Column& c, const uint8_t* failed) const {
    const uint64_t* valid = c.validity.AllValid() ? ones_.data() : c.validity.Words().data();
    const char* bytes = c.layout == Layout::String ? (c.bytes ? c.bytes->data() : "") : nullptr;
    return EtlJitColumn{DataOf(c), valid, bytes, failed};
  }

  void FillColumns() {
    for (size_t k = 0; k < plan_.sources.size(); ++k) {
      const Source& s = plan_.sources[k];
      switch (s.kind) {
        case SourceKind::Input: columns_[k] = ColumnOf(*input_.columns[static_cast<size_t>(s.slot)], nullptr); break;
        case SourceKind::Leaf: {
          const auto l = static_cast<size_t>(s.leaf);
          if (leaf_columns_[l]) columns_[k] = ColumnOf(*leaf_columns_[l], leaf_failed_[l].data());
          break;
        }
        case SourceKind::Constant: {
          if (param_columns_[k]) break;
          auto it = ctx_.params.find(s.param);
          param_failed_[k] = it == ctx_.params.end();
          param_columns_[k] = runtime::eval::FromValues(s.type, {param_failed_[k] ? ast::Value::Null() : it->second});
          columns_[k] = ColumnOf(*param_columns_[k], &param_failed_[k]);
          break;
        }
        case SourceKind::Output: break;  // EtlJitArgs::outputs
      }
    }
    args_.columns = columns_.data();
  }

  // The loops' (row, site) pairs as the interpreter's row errors.
  void Report(RowErrors& errors) {
    for (uint64_t e = 0; e < args_.error_count; ++e) {
      const uint32_t row = error_rows_[e];
      const Site& site = plan_.sites[error_sites_[e]];
      if (site.leaf < 0) {
        errors.Add(row, site.code, site.message);
        continue;
      }
      const auto& list = leaf_errors_[static_cast<size_t>(site.leaf)].Errors();
      auto it = std::lower_bound(list.begin(), list.end(), row, [](const runtime::RowError& x, uint32_t r) { return x.row < r; });
      if (it != list.end() && it->row == row) errors.Add(row, it->code, it->message);
    }
  }

  const StepPlan& plan_;
  const std::vector<KernelFn>& fns_;
  const Batch& input_;
  const EvalContext& ctx_;
  const size_t n_;
  std::vector<uint64_t> ones_;
  std::vector<EtlJitColumn> columns_;
  std::vector<ColumnPtr> leaf_columns_;
  std::vector<RowErrors> leaf_errors_;
  std::vector<std::vector<uint8_t>> leaf_failed_;
  std::vector<ColumnPtr> param_columns_;
  std::vector<uint8_t> param_failed_;
  std::vector<uint8_t> row_failed_;
  std::unique_ptr<uint32_t[]> error_rows_, error_sites_;  // written by the loops before read
  EtlJitArgs args_;
};

class JitValues : public runtime::ValuesKernel {
 public:
  JitValues(std::unique_ptr<StepPlan> plan, std::vector<KernelFn> fns) : plan_(std::move(plan)), fns_(std::move(fns)) {}
  void Evaluate(const Batch& input, const EvalContext& ctx, RowErrors& errors, std::vector<ColumnPtr>& results) const override {
    Run run(*plan_, fns_, input, ctx);
    run.Values(errors, results);
  }
  bool ReadsSelection() const override { return true; }

 private:
  std::unique_ptr<StepPlan> plan_;
  std::vector<KernelFn> fns_;
};

class JitConditions : public runtime::ConditionsKernel {
 public:
  JitConditions(std::unique_ptr<StepPlan> plan, std::vector<KernelFn> fns) : plan_(std::move(plan)), fns_(std::move(fns)) {}
  void Classify(const Batch& input, const EvalContext& ctx, RowErrors& errors, std::vector<uint32_t>& which) const override {
    Run run(*plan_, fns_, input, ctx);
    run.Conditions(errors, which);
  }

 private:
  std::unique_ptr<StepPlan> plan_;
  std::vector<KernelFn> fns_;
};

bool FaultRequested() {
  const char* fault = std::getenv("ETL_JIT_FAULT");
  return fault && std::strcmp(fault, "verify") == 0;
}

class JitCompiler : public runtime::KernelCompiler {
 public:
  explicit JitCompiler(std::unique_ptr<Engine> engine) : engine_(std::move(engine)) {}

  std::unique_ptr<runtime::ValuesKernel> CompileValues(const runtime::StepExprs& exprs, runtime::JitCompileInfo* info) override {
    std::vector<KernelFn> fns;
    auto plan = Build(exprs, false, runtime::ConditionMode::FirstTrue, info, &fns);
    if (!plan) return nullptr;
    return std::make_unique<JitValues>(std::move(plan), std::move(fns));
  }

  std::unique_ptr<runtime::ConditionsKernel> CompileConditions(const runtime::StepExprs& exprs, runtime::ConditionMode mode,
                                                               runtime::JitCompileInfo* info) override {
    std::vector<KernelFn> fns;
    auto plan = Build(exprs, true, mode, info, &fns);
    if (!plan) return nullptr;
    return std::make_unique<JitConditions>(std::move(plan), std::move(fns));
  }

 private:
  std::unique_ptr<StepPlan> Build(const runtime::StepExprs& exprs, bool conditions, runtime::ConditionMode mode,
                                  runtime::JitCompileInfo* info, std::vector<KernelFn>* fns) {
    runtime::JitCompileInfo local;
    if (!info) info = &local;
    *info = runtime::JitCompileInfo{};
    std::string error;
    auto plan = PlanStep(exprs, conditions, mode, &error);
    if (!plan) {
      info->failure = error;
      return nullptr;
    }
    if (plan->native_nodes == 0) return nullptr;  // every expression would call back: interpret
    std::lock_guard lock(mu_);
    auto context = std::make_unique<llvm::LLVMContext>();
    auto module = GenerateModule(*plan, *context, FaultRequested());
    Compiled compiled;
    if (!engine_->Compile(std::move(context), std::move(module), plan->segments.size(), &compiled, &error)) {
      info->failure = error;
      return nullptr;
    }
    info->cached = compiled.cached;
    *fns = std::move(compiled.functions);
    return plan;
  }

  std::mutex mu_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace

std::unique_ptr<runtime::KernelCompiler> MakeKernelCompiler(const JitOptions& options, std::string* error) {
  std::string message;
  auto engine = Engine::Create(options.cache_dir, &message);
  if (!engine) {
    if (error) *error = message;
    return nullptr;
  }
  return std::make_unique<JitCompiler>(std::move(engine));
}

bool DumpLlvm(const runtime::StepExprs& exprs, bool conditions, runtime::ConditionMode mode, std::string* ir,
              std::string* error) {
  std::string message;
  auto plan = PlanStep(exprs, conditions, mode, &message);
  if (!plan) {
    if (error) *error = message;
    return false;
  }
  llvm::LLVMContext context;
  auto module = GenerateModule(*plan, context, FaultRequested());
  if (!OptimizeForHost(*module, &message)) {
    if (error) *error = message;
    return false;
  }
  ir->clear();
  llvm::raw_string_ostream os(*ir);
  module->print(os, nullptr);
  os.flush();
  return true;
}

}  // namespace etl::jit
