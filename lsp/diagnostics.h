// The compiler's diagnostics as LSP `Diagnostic`s: code, severity, related locations for
// notes that point somewhere, the other notes in the message, fixes in `data` (for
// code actions).
#pragma once

#include "lsp/analysis.h"

namespace etl::lsp {

// The diagnostics of the analysis's own document, in position order. A diagnostic in an
// imported file is reported at the `import` that brought it in (its message names the
// file and position), so a broken import is visible where it is used.
Json DocumentDiagnostics(const Analysis& analysis);

// One diagnostic (its range must be in the analysis's document, or it is placed at `at`).
Json ToLspDiagnostic(const Analysis& analysis, const diag::Diagnostic& diagnostic);

}  // namespace etl::lsp
