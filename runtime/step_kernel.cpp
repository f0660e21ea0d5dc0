// Step kernels: the interpreter's implementations, the expressions of each node kind, and
// the choice between the JIT and the interpreter (step_kernel.h, docs/dev/jit.md).
#include "runtime/step_kernel.h"

#include <chrono>
#include <utility>

namespace etl::runtime {

TypeRef StepExprs::Scope(size_t i) const {
  std::vector<ast::Field> fields = input->fields;
  for (size_t j = 0; j < i && j < exprs.size(); ++j) fields.push_back({"#" + std::to_string(j), exprs[j].type, false});
  return ast::RecordType(std::move(fields));
}

void JitLog::Add(JitReport report) {
  std::lock_guard lock(mu_);
  reports_.push_back(std::move(report));
}

std::vector<JitReport> JitLog::Drain() {
  std::lock_guard lock(mu_);
  return std::exchange(reports_, {});
}

namespace {

// ---- the interpreter

class InterpretedValues : public ValuesKernel {
 public:
  InterpretedValues(std::vector<std::unique_ptr<Kernel>> kernels, std::vector<TypeRef> scopes, bool chained)
      : kernels_(std::move(kernels)), scopes_(std::move(scopes)), chained_(chained) {}

  void Evaluate(const Batch& input, const EvalContext& ctx, RowErrors& errors,
                std::vector<ColumnPtr>& results) const override {
    // A kernel reads a selection in place; only results read by later expressions (dense)
    // need the columns they join to be dense too.
    Batch work = chained_ && input.selection ? Compact(input) : input;
    results.clear();
    for (size_t i = 0; i < kernels_.size(); ++i) {
      work.schema = scopes_[i];
      ColumnPtr column = kernels_[i]->Evaluate(work, ctx, errors);
      if (chained_) work.columns.push_back(column);
      results.push_back(std::move(column));
    }
  }
  bool ReadsSelection() const override { return !chained_; }

 private:
  std::vector<std::unique_ptr<Kernel>> kernels_;
  std::vector<TypeRef> scopes_;
  bool chained_;  // an expression reads an earlier one's result (slot >= the input's width)
};

// Whether `expr` reads an input field at slot `width` or above (a derive's earlier result).
bool ReadsResults(const ir::Expr& expr, size_t width) {
  if (expr.kind == ir::ExprKind::Field && expr.side == 0 && expr.slot >= 0 && static_cast<size_t>(expr.slot) >= width) {
    return true;
  }
  for (const ir::Expr& child : expr.children) {
    if (ReadsResults(child, width)) return true;
  }
  return false;
}

class InterpretedConditions : public ConditionsKernel {
 public:
  InterpretedConditions(std::vector<std::unique_ptr<Predicate>> predicates, ConditionMode mode)
      : predicates_(std::move(predicates)), mode_(mode) {}

  void Classify(const Batch& input, const EvalContext& ctx, RowErrors& errors,
                std::vector<uint32_t>& which) const override {
    const size_t n = input.Size();
    const auto undecided = static_cast<uint32_t>(predicates_.size());
    which.assign(n, undecided);
    if (predicates_.empty() || n == 0) return;
    const bool first_true = mode_ == ConditionMode::FirstTrue;
    // Condition k sees only the rows no earlier one decided (positions = their index in
    // `input`'s selection order, where errors and `which` are reported); the first sees all.
    local_.Clear();
    std::vector<uint32_t> kept = predicates_[0]->Evaluate(input, ctx, local_);
    if (predicates_.size() == 1 && local_.Empty()) {
      // The only condition (every filter) and no row failed: a row is decided exactly when
      // it is true (FirstTrue) or not true (FirstNotTrue); no position lists are needed.
      size_t m = 0;
      for (size_t i = 0; i < n; ++i) {
        const bool is_true = m < kept.size() && kept[m] == input.RowAt(i);
        if (is_true) ++m;
        if (is_true == first_true) which[i] = 0;
      }
      return;
    }
    std::vector<uint32_t> positions(n), next, rows;
    for (size_t i = 0; i < n; ++i) positions[i] = static_cast<uint32_t>(i);
    Batch part = input;
    for (size_t k = 0;;) {
      next.clear();
      size_t m = 0;
      for (size_t i = 0; i < positions.size(); ++i) {
        uint32_t row = part.RowAt(i);
        bool is_true = m < kept.size() && kept[m] == row;
        if (is_true) ++m;
        if (local_.Failed(static_cast<uint32_t>(i)) || is_true == first_true) {
          which[positions[i]] = static_cast<uint32_t>(k);
        } else {
          next.push_back(positions[i]);
        }
      }
      for (const RowError& e : local_.Errors()) errors.Add(positions[e.row], e.code, e.message);
      positions.swap(next);
      if (++k == predicates_.size() || positions.empty()) return;
      if (positions.size() != n) {
        rows.clear();
        for (uint32_t p : positions) rows.push_back(input.RowAt(p));
        part = Select(input, rows);
      }
      local_.Clear();
      kept = predicates_[k]->Evaluate(part, ctx, local_);
    }
  }

 private:
  std::vector<std::unique_ptr<Predicate>> predicates_;
  ConditionMode mode_;
  mutable RowErrors local_;  // scratch; a kernel is used by one step instance at a time
};

// ---- the JIT, with fallback

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Compiles with the JIT, reporting the outcome; null when the step stays interpreted.
template <typename K, typename CompileFn>
std::unique_ptr<K> TryJit(const StepExprs& exprs, const StepJit& jit, uint64_t after_rows, CompileFn compile) {
  JitCompileInfo info;
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<K> kernel = compile(info);
  JitReport report;
  report.step = exprs.step;
  report.compiled = kernel != nullptr;
  report.cached = kernel && info.cached;
  report.compile_ms = MillisecondsSince(start);
  report.failure = kernel ? std::string() : info.failure;
  report.after_rows = after_rows;
  if (jit.log && (kernel || !report.failure.empty())) jit.log->Add(std::move(report));
  return kernel;
}

// `jit auto`: interprets until the step has seen StepJit::auto_rows rows, then compiles
// (once) and runs the compiled kernel from the next batch on.
template <typename K>
class Adaptive {
 public:
  Adaptive(std::unique_ptr<K> interpreted, StepExprs exprs, StepJit jit)
      : interpreted_(std::move(interpreted)), exprs_(std::move(exprs)), jit_(jit) {}

  // The kernel for the next batch of `rows` rows; `compile` makes the JIT's.
  template <typename CompileFn>
  const K& For(size_t rows, CompileFn compile) const {
    if (state_ == State::Compiled) return *compiled_;
    if (state_ == State::Interpreting) {
      seen_ += rows;
      if (seen_ > jit_.auto_rows) {
        compiled_ = TryJit<K>(exprs_, jit_, seen_ - rows, compile);
        state_ = compiled_ ? State::Compiled : State::Interpreted;
        if (compiled_) return *compiled_;
      }
    }
    return *interpreted_;
  }
  // The kernel the next batch runs with, unless it is the one that compiles.
  const K& Current() const { return state_ == State::Compiled ? *compiled_ : *interpreted_; }
  const StepExprs& exprs() const { return exprs_; }
  const StepJit& jit() const { return jit_; }

 private:
  enum class State { Interpreting, Compiled, Interpreted };
  std::unique_ptr<K> interpreted_;
  StepExprs exprs_;
  StepJit jit_;
  // A step instance evaluates one batch at a time (the executor runs an actor on one
  // worker at a time), so these need no lock.
  mutable State state_ = State::Interpreting;
  mutable uint64_t seen_ = 0;
  mutable std::unique_ptr<K> compiled_;
};

class AdaptiveValues : public ValuesKernel {
 public:
  AdaptiveValues(std::unique_ptr<ValuesKernel> interpreted, StepExprs exprs, StepJit jit)
      : adaptive_(std::move(interpreted), std::move(exprs), jit) {}
  void Evaluate(const Batch& input, const EvalContext& ctx, RowErrors& errors,
                std::vector<ColumnPtr>& results) const override {
    const ValuesKernel& kernel = adaptive_.For(input.Size(), [&](JitCompileInfo& info) {
      return adaptive_.jit().compiler->CompileValues(adaptive_.exprs(), &info);
    });
    kernel.Evaluate(input, ctx, errors, results);
  }
  bool ReadsSelection() const override { return adaptive_.Current().ReadsSelection(); }

 private:
  Adaptive<ValuesKernel> adaptive_;
};

class AdaptiveConditions : public ConditionsKernel {
 public:
  AdaptiveConditions(std::unique_ptr<ConditionsKernel> interpreted, StepExprs exprs, ConditionMode mode, StepJit jit)
      : adaptive_(std::move(interpreted), std::move(exprs), jit), mode_(mode) {}
  void Classify(const Batch& input, const EvalContext& ctx, RowErrors& errors,
                std::vector<uint32_t>& which) const override {
    const ConditionsKernel& kernel = adaptive_.For(input.Size(), [&](JitCompileInfo& info) {
      return adaptive_.jit().compiler->CompileConditions(adaptive_.exprs(), mode_, &info);
    });
    kernel.Classify(input, ctx, errors, which);
  }

 private:
  Adaptive<ConditionsKernel> adaptive_;
  ConditionMode mode_;
};

// A copy of `expr` whose input fields (side 0) read slot map[slot].
ir::Expr RemapFields(const ir::Expr& expr, const std::vector<int>& map) {
  ir::Expr out = expr;
  if (out.kind == ir::ExprKind::Field && out.side == 0 && out.slot >= 0 && static_cast<size_t>(out.slot) < map.size()) {
    out.slot = map[static_cast<size_t>(out.slot)];
  }
  for (ir::Expr& child : out.children) child = RemapFields(child, map);
  return out;
}

// Prefixes a bind error with what expression i is.
void Named(const StepExprs& exprs, size_t i, std::string* error) {
  if (error && i < exprs.names.size()) *error = exprs.names[i] + ": " + *error;
}

bool SingleInput(const ir::Node& node, TypeRef* input, std::string* error) {
  if (node.inputs.size() != 1 || !node.inputs[0].type || node.inputs[0].type->kind != ast::TypeKind::Record) {
    *error = "`" + node.id + "`: expected one input of a record type";
    return false;
  }
  *input = node.inputs[0].type;
  return true;
}

}  // namespace

bool ExprsOfNode(const ir::Node& node, NodeExprs* out, std::string* error) {
  *out = NodeExprs{};
  out->exprs.step = node.id;
  if (!SingleInput(node, &out->exprs.input, error)) return false;
  const TypeRef& input = out->exprs.input;
  switch (node.kind) {
    case ir::NodeKind::Derive: {
      // The working record: each slot reads an input column or an earlier assignment.
      std::vector<int> source;
      std::vector<ast::Field> working = input->fields;
      for (size_t i = 0; i < working.size(); ++i) source.push_back(static_cast<int>(i));
      const int width = static_cast<int>(working.size());
      for (size_t i = 0; i < node.assignments.size(); ++i) {
        const ir::NamedExpr& named = node.assignments[i];
        out->exprs.exprs.push_back(RemapFields(named.expr, source));
        out->exprs.names.push_back("`" + named.name + "`");
        int slot = ast::RecordType(working)->FieldIndex(named.name);
        if (slot < 0) {
          slot = static_cast<int>(working.size());
          working.push_back({named.name, named.expr.type, false});
          source.push_back(0);
        } else {
          working[static_cast<size_t>(slot)].type = named.expr.type;
        }
        source[static_cast<size_t>(slot)] = width + static_cast<int>(i);
        out->outputs.push_back(static_cast<size_t>(slot));
      }
      out->output = ast::RecordType(std::move(working));
      return true;
    }
    case ir::NodeKind::Select: {
      for (const ir::NamedExpr& named : node.assignments) {
        const ir::Expr& expr = named.expr;
        if (expr.kind == ir::ExprKind::Field && expr.side == 0 && expr.slot >= 0 &&
            static_cast<size_t>(expr.slot) < input->fields.size()) {
          out->items.push_back(-1);
          out->fields.push_back(expr.slot);
          continue;
        }
        out->items.push_back(static_cast<int>(out->exprs.exprs.size()));
        out->fields.push_back(-1);
        out->exprs.exprs.push_back(expr);
        out->exprs.names.push_back("`" + named.name + "`");
      }
      return true;
    }
    case ir::NodeKind::Filter:
      if (!node.expr) {
        *error = "`" + node.id + "`: filter without a predicate";
        return false;
      }
      out->conditions = true;
      out->exprs.exprs.push_back(*node.expr);
      out->exprs.names.push_back("the predicate");
      return true;
    case ir::NodeKind::Route:
      out->conditions = true;
      for (const ir::RouteBranch& branch : node.branches) {
        if (!branch.condition) continue;
        out->exprs.exprs.push_back(*branch.condition);
        out->exprs.names.push_back("branch `" + branch.name + "`");
      }
      return true;
    case ir::NodeKind::Validate:
      out->conditions = true;
      out->mode = ConditionMode::FirstNotTrue;
      for (size_t i = 0; i < node.rules.size(); ++i) {
        out->exprs.exprs.push_back(node.rules[i].condition);
        out->exprs.names.push_back("rule " + std::to_string(i + 1));
      }
      return true;
    default:
      *error = "`" + node.id + "`: a " + std::string(ir::Spelling(node.kind)) + " step has no step kernel";
      return false;
  }
}

std::unique_ptr<ValuesKernel> InterpretValues(const StepExprs& exprs, std::string* error) {
  std::vector<std::unique_ptr<Kernel>> kernels;
  std::vector<TypeRef> scopes;
  for (size_t i = 0; i < exprs.exprs.size(); ++i) {
    scopes.push_back(exprs.Scope(i));
    auto kernel = CompileKernel(exprs.exprs[i], scopes.back(), error);
    if (!kernel) {
      Named(exprs, i, error);
      return nullptr;
    }
    kernels.push_back(std::move(kernel));
  }
  bool chained = false;
  for (const ir::Expr& expr : exprs.exprs) chained = chained || ReadsResults(expr, exprs.input->fields.size());
  return std::make_unique<InterpretedValues>(std::move(kernels), std::move(scopes), chained);
}

std::unique_ptr<ConditionsKernel> InterpretConditions(const StepExprs& exprs, ConditionMode mode, std::string* error) {
  std::vector<std::unique_ptr<Predicate>> predicates;
  for (size_t i = 0; i < exprs.exprs.size(); ++i) {
    auto predicate = Predicate::Compile(exprs.exprs[i], exprs.input, error);
    if (!predicate) {
      Named(exprs, i, error);
      return nullptr;
    }
    predicates.push_back(std::move(predicate));
  }
  return std::make_unique<InterpretedConditions>(std::move(predicates), mode);
}

std::unique_ptr<ValuesKernel> CompileValuesKernel(const StepExprs& exprs, const StepJit& jit, std::string* error) {
  auto interpreted = InterpretValues(exprs, error);
  if (!interpreted || !jit.compiler || jit.mode == JitMode::Off || exprs.exprs.empty()) return interpreted;
  if (jit.mode == JitMode::Auto) return std::make_unique<AdaptiveValues>(std::move(interpreted), exprs, jit);
  auto compiled = TryJit<ValuesKernel>(exprs, jit, 0, [&](JitCompileInfo& info) {
    return jit.compiler->CompileValues(exprs, &info);
  });
  return compiled ? std::move(compiled) : std::move(interpreted);
}

std::unique_ptr<ConditionsKernel> CompileConditionsKernel(const StepExprs& exprs, ConditionMode mode,
                                                          const StepJit& jit, std::string* error) {
  auto interpreted = InterpretConditions(exprs, mode, error);
  if (!interpreted || !jit.compiler || jit.mode == JitMode::Off || exprs.exprs.empty()) return interpreted;
  if (jit.mode == JitMode::Auto) return std::make_unique<AdaptiveConditions>(std::move(interpreted), exprs, mode, jit);
  auto compiled = TryJit<ConditionsKernel>(exprs, jit, 0, [&](JitCompileInfo& info) {
    return jit.compiler->CompileConditions(exprs, mode, &info);
  });
  return compiled ? std::move(compiled) : std::move(interpreted);
}

std::optional<JitMode> ParseJitMode(std::string_view text) {
  if (text == "on") return JitMode::On;
  if (text == "off") return JitMode::Off;
  if (text == "auto") return JitMode::Auto;
  return std::nullopt;
}

}  // namespace etl::runtime
