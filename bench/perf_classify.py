#!/usr/bin/env python3
"""Groups the samples of a `perf record --call-graph dwarf` profile of etlc into the
categories of bench/PROFILE.md (each sample goes to the first rule that matches a frame,
from the innermost frame out), and prints each category's share.

    python3 bench/perf_classify.py T1.data
"""
import re, subprocess, sys, collections
RULES = [  # (category, regex on symbol), checked per frame from leaf to root
 ("page faults", r"asm_exc_page_fault"),
 ("kernel read/copy", r"ksys_read|__x64_sys_read$|filemap_read|__x64_sys_pread"),
 ("sink write", r"ksys_write|__x64_sys_write|shmem_file_write|__x64_sys_pwrite|FileSink|OutputFile|Writer::(Flush|Write)"),
 ("executor/queue", r"futex|schedule|__x64_sys_sched|pthread_cond|Executor|Mailbox|Queue|Channel|RunTurn|WorkerLoop|Actor|try_to_wake_up|finish_task_switch"),
 ("startup (loader, compile)", r"_dl_|dl_main|do_lookup_x|antlr4|etl::ir::|etl::sema|etl::diag|etl::parse|etl::format|llvm::|execve|load_elf|_dl_start|__libc_start_main$|exit_mmap|do_exit"),
 ("row values (ast::Value)", r"ast::Value"),
 ("parsing/tokenising", r"CsvTokenizer|simdjson|JsonlReader|validate_utf8|IsValidUtf8|CsvReader::|JsonFieldMatcher|CheckUtf8|FindInvalidUtf8"),
 ("conversion to columns", r"ConvertCsvColumn|ParseIntText|ParseFloatText|from_chars|Strings|ColumnBuilder|ConvertFast|JsonlSource::Next|CsvSource::|ParseDecimal|Convert|strtod"),
 ("expression evaluation", r"eval::|Predicate|InterpretedConditions|Decided|Interleave|Compare|Kernel|Select|Compact|Project|Aggregate|Hash|op_|Filter"),
 ("output formatting", r"CsvSink|JsonlFormatter|AppendJsonString|AppendInt64|fmt::|dragonbox|AppendValueText|QuoteIfNeeded|Format|JsonlSink|Sink"),
 ("allocation", r"mi_|malloc|free$|operator new|operator delete|_mi_|clear_page|do_anonymous_page"),
]
def cat(frames):
    for f in frames:
        for name, rx in RULES:
            if re.search(rx, f):
                return name
    return "other: " + (frames[0] if frames else "?")
if len(sys.argv) != 2:
    sys.exit("usage: perf_classify.py PERF_DATA")
data = sys.argv[1]
out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,tid,ip,sym"], capture_output=True, text=True).stdout
counts = collections.Counter(); other = collections.Counter(); total = 0
for block in out.split("\n\n"):
    lines = [l.strip() for l in block.strip().split("\n") if l.strip()]
    if not lines: continue
    frames = [re.sub(r"^[0-9a-f]+ ", "", l) for l in lines[1:]]
    c = cat(frames); total += 1
    if c.startswith("other"):
        other[c] += 1; c = "other"
    counts[c] += 1
for c, n in counts.most_common():
    print(f"{100*n/total:5.1f}%  {c}")
print("  top other:", ", ".join(f"{k[7:]} {100*v/total:.1f}%" for k, v in other.most_common(6)))
print(f"  samples {total}")
