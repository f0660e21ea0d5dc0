// Late materialisation's analysis (docs/dev/late-materialisation.md): which fields of a
// source's output record some later step may observe, so that the csv and jsonl sources
// can skip building the columns of the others.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "compiler/ir/plan.h"

namespace etl::ir {

// What a run observes besides what the plan's steps read.
struct FieldsReadOptions {
  // Output ports (node id, port name) whose records the run keeps whole (`etlc test` taps).
  std::vector<std::pair<std::string, std::string>> tapped;
  // Every field of every source is read: a run that logs whole batches (`persist disk`).
  bool every_field = false;
  // The params that have a value in this run. A `param` without one fails every record it
  // is evaluated for, and an error record carries the whole record.
  std::set<std::string, std::less<>> bound_params;
};

// Per field of `source`'s main (`out`) output port: false only when no path from that port
// can observe the field (no step evaluates it, no sink writes it, no error record, tap or
// log carries it); true for every field when the analysis meets something it does not know.
// Empty when `source` has no `out` port with a record type. `source` is a node of `pipeline`.
std::vector<bool> FieldsRead(const Pipeline& pipeline, const Node& source, const FieldsReadOptions& options);

// Whether evaluating `expr` may fail a record (the record then goes to the step's `.errors`
// with all its fields). False only for expressions built of operations that cannot fail.
bool MayFail(const Expr& expr, const std::set<std::string, std::less<>>& bound_params);

}  // namespace etl::ir
