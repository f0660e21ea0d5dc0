// The sort operator (language.md §4 "sort and take"): buffers its input as encoded rows
// with memcmp-ordered keys; past the step's memory budget it sorts the buffered run and
// spills it to a temporary file, and at Close merges the runs (k-way) into batches.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/op_common.h"

namespace etl::runtime {

// Binds a sort node; null and `error` set on a bind error.
std::unique_ptr<Step> MakeSort(const ir::Node& node, const StepContext& ctx, std::string* error);

// How many spill files a sort step has written so far, and whether they all still exist
// (tests check spilling happened and that files are removed).
struct SortSpillInfo {
  size_t runs_spilled = 0;
  std::vector<std::string> paths;
};
// The spill information of a step made by MakeSort (empty for other steps).
SortSpillInfo SpillInfo(const Step& step);

}  // namespace etl::runtime
