// The stored error records of a run, sorted for a replay (compiler/driver/replay.h): the
// records of an operator or sink step converted to its input type in the fixed pipeline,
// the raw records of a csv/jsonl source written back into files its reader re-reads, and
// the records that cannot be replayed, each with the reason.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "compiler/ast/value.h"
#include "compiler/driver/replay_plan.h"
#include "runtime/run_store.h"

namespace etl::driver {

// Records injected into one input port of a step.
struct ReplayInput {
  ReplayInjection target;
  ast::TypeRef type;                 // the port's record type in the fixed pipeline
  std::vector<ast::Value> records;   // converted to `type`
  std::vector<size_t> errors;        // which stored errors they are (indexes)
};

// The raw records of one file of a source, to be re-read.
struct ReplaySourceFile {
  std::string node;                // the source's id in the fixed pipeline
  std::string spec;                // "csv", "jsonl"
  std::string source;              // the file they came from
  std::vector<size_t> errors;      // indexes of the stored errors, in order
};

// A stored error that stays failed, and why.
struct ReplayUnfit {
  size_t error = 0;
  std::string node;    // the step it belongs to (the fixed pipeline's id when matched)
  std::string reason;  // "field `note` is not in the input of `clean` any more"
};

// What a replay does with each stored error.
struct ReplaySet {
  std::vector<ReplayInput> inputs;
  std::vector<ReplaySourceFile> files;
  std::vector<ReplayUnfit> unfit;
};

// Sorts `errors` (a run's stored errors; `old` is the pipeline that run ran, when its plan
// can be read) for the fixed pipeline `fixed`.
ReplaySet ClassifyErrors(const std::vector<runtime::StoredError>& errors, const ir::Pipeline* old,
                         const ir::Pipeline& fixed);

// Where a line of a re-read file came from.
struct RereadOrigin {
  int64_t temp_line = 0;  // the record's first line in the re-read file
  std::string source;     // its original file
  int64_t line = 0;       // its first line there
  size_t error = 0;       // the stored error
};

// The re-read files of a replay: per file written, where its records came from.
struct RereadFiles {
  std::vector<ReplayReread> rereads;                             // one glob per source node
  std::map<std::string, std::vector<RereadOrigin>> origins;      // by the written file's path
};

// Writes the raw records of `set.files` under `dir` (one folder per source, one file per
// original file; a CSV file starts with the original's header line when the source reads a
// header, `header` tells: `csv_header(node)`). Records whose file cannot be written or
// whose header cannot be read move to `set.unfit`. False with `error` when `dir` cannot be
// written at all.
bool WriteRereadFiles(ReplaySet& set, const std::vector<runtime::StoredError>& errors,
                      const std::function<bool(const std::string& node)>& csv_header, const std::string& dir,
                      RereadFiles& out, std::string& error);

// The stored error a source error of a re-read file stands for, with its source, line and
// message put back to the original file's; false when `source`/`line` are not a re-read
// file's.
bool MapRereadError(const RereadFiles& files, runtime::StoredError& error);

}  // namespace etl::driver
