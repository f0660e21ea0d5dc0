// Aggregate function states (language.md §4 "aggregate"; stdlib/functions_aggregate.cpp):
// one object per aggregate call of an aggregate node holds the running value of every
// group in flat vectors indexed by group id, updated a batch at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ir/plan.h"
#include "runtime/column.h"

namespace etl::runtime {

// A row that belongs to no group (it failed while its keys or arguments were evaluated).
inline constexpr uint32_t kNoGroup = UINT32_MAX;

// The running values of one aggregate call for every group of a group set.
class AggState {
 public:
  virtual ~AggState() = default;
  // Groups 0 .. groups-1 exist; new ones start empty.
  virtual void Grow(size_t groups) = 0;
  // Adds row i of `args` (dense columns of groups.size() rows) to group groups[i]
  // (rows with kNoGroup are skipped).
  virtual void Update(const std::vector<ColumnPtr>& args, const std::vector<uint32_t>& groups) = 0;
  // The results of groups [begin, end), a column of the call's result type.
  virtual ColumnPtr Finish(size_t begin, size_t end) = 0;
  // Whether group `group` cannot produce a result (an int sum that overflowed).
  virtual bool Overflowed(uint32_t group) const { return false; }
};

// The state of `call` (its function name, argument types from its expressions, result
// type); null and `error` set for an unknown function or unsupported argument type.
// `percentile`'s second argument must be a constant (literal, possibly widened).
std::unique_ptr<AggState> MakeAggState(const ir::AggregateCall& call, std::string* error);

// Internal constructors by family (agg_numeric.cpp, agg_value.cpp).
std::unique_ptr<AggState> MakeNumericAgg(const ir::AggregateCall& call, std::string* error);
std::unique_ptr<AggState> MakeValueAgg(const ir::AggregateCall& call, std::string* error);

// The numeric value of row `row` of a number column (int, float, decimal) as a double.
double NumberAt(const Column& column, size_t row);

}  // namespace etl::runtime
