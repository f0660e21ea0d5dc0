#include "runtime/fault_injection.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace etl::runtime {

namespace {

struct FaultPlan {
  long kill_at = 0;     // 0 = never
  bool trace = false;   // ETL_FAULT_TRACE: print every point to stderr (finding points)
  FaultPlan() {
    if (const char* at = std::getenv("ETL_FAULT_KILL_AT")) kill_at = std::atol(at);
    trace = std::getenv("ETL_FAULT_TRACE") != nullptr;
  }
};

const FaultPlan& Plan() {
  static const FaultPlan plan;
  return plan;
}

std::atomic<long> passed{0};

}  // namespace

void FaultPoint(const char* where) {
  const FaultPlan& plan = Plan();
  if (plan.kill_at == 0 && !plan.trace) return;
  long n = passed.fetch_add(1) + 1;
  if (plan.trace) std::fprintf(stderr, "fault point %ld: %s\n", n, where);
  if (n == plan.kill_at) ::kill(::getpid(), SIGKILL);
}

}  // namespace etl::runtime
