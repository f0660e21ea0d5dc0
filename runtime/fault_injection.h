// Fault injection for the crash tests (tests/e2e/fault_injection_test.py): with the
// environment variable ETL_FAULT_KILL_AT=N, the process kills itself with SIGKILL at the N-th
// fault point it passes (every write, sync, checkpoint and rename of `persist disk` and the
// sinks is one), so a test can crash a run at a chosen place and check that `--resume`
// loses and duplicates nothing. Without the variable a fault point costs one atomic load.
#pragma once

namespace etl::runtime {

// One place where a crash can happen; `where` names it in ETL_FAULT_TRACE output.
void FaultPoint(const char* where);

}  // namespace etl::runtime
