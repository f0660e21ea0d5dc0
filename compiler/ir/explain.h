// `etlc explain`: every step of every pipeline with its input and output schemas.
#pragma once

#include <string>

#include "compiler/ir/plan.h"

namespace etl::ir {

// A readable listing, one block per node: its id and kind, `in:` lines (schema and the
// upstream ports) and `out:` lines per port, plus what the node computes.
std::string Explain(const Plan& plan);

// A record type for people: `Order {id: int, customer: string}` or `{a: int}`.
std::string DescribeRecord(const TypeRef& type);

}  // namespace etl::ir
