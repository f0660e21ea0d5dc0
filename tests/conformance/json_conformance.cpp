// JSONTestSuite (../shared/corpora/JSONTestSuite/test_parsing) against the JSON-lines reader.
// Each file's whole content is one input, read with objects_only off (the suite's documents
// are mostly arrays and scalars; "a record must be an object" is tested in the unit tests).
//   y_: exactly one valid record and no error. The two multi-line y_ files are not JSON
//       lines ([1\n] is two lines), so the reader must give errors and no record for them,
//       and the same bytes must pass as one whole document (ValidateJsonDocument).
//   n_: at least one error record and no valid one; documented exceptions (corpora README):
//       whitespace-only files give no record at all (blank lines are skipped), and two
//       multi-line files have a middle line that is valid on its own (error, valid, error).
//   i_: either result; must not crash or hang.
// Every y_ and n_ file is also checked as a whole document (the JSON layer alone).
// Every file is also read by the jsonl source's converter with a schema of nullable
// scalars, once with the direct scanner and once with simdjson alone: the records, errors
// and rows must be the same (the scanner must never take a line simdjson rejects).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/jsonl_reader.h"
#include "runtime/jsonl_split.h"
#include "runtime/value_json.h"

namespace fs = std::filesystem;
using etl::runtime::JsonlEvent;

namespace {

struct Outcome {
  int records = 0;
  int errors = 0;
  uint64_t blank = 0;
  std::vector<int> valid_lines;  // line numbers of valid records
  std::string first_error;
};

Outcome Read(const std::string& text) {
  etl::runtime::JsonlOptions options;
  options.objects_only = false;
  etl::runtime::JsonlReader reader(etl::runtime::MakeJsonlStringSource(text), options);
  Outcome outcome;
  for (;;) {
    JsonlEvent event = reader.Next();
    if (event == JsonlEvent::kEnd || event == JsonlEvent::kFailed) break;
    if (event == JsonlEvent::kRecord) {
      ++outcome.records;
      outcome.valid_lines.push_back(static_cast<int>(reader.line().number));
    } else {
      if (outcome.errors++ == 0) outcome.first_error = reader.error().message;
    }
  }
  outcome.blank = reader.stats().blank_lines;
  return outcome;
}

// The converter's reading of `text`, rendered: counts, error messages and rows.
std::string ReadWithConverter(const std::string& text, bool direct, uint64_t* direct_rows = nullptr) {
  using etl::ast::TypeKind;
  auto nullable = [](TypeKind kind) { return etl::ast::MakeType(kind, true); };
  etl::runtime::JsonlConvertPlan plan;
  plan.step = "conformance";
  // Keys the suite's objects use ("a", "", "asd", "id", ...), of every scalar kind.
  plan.schema = etl::ast::RecordType({{"a", nullable(TypeKind::String)},
                                      {"", nullable(TypeKind::Int)},
                                      {"asd", nullable(TypeKind::String)},
                                      {"id", nullable(TypeKind::Int)},
                                      {"min", nullable(TypeKind::Float)},
                                      {"max", nullable(TypeKind::Float)},
                                      {"b", nullable(TypeKind::Bool)}});
  plan.fast = true;
  plan.direct = direct;
  etl::runtime::JsonlPieceConverter converter(plan);
  etl::runtime::PaddedText padded = etl::runtime::PaddedText::Copy(text);
  etl::runtime::JsonlPieceResult result;
  converter.Convert(padded.view(), true, "suite.jsonl", result);
  if (direct_rows) *direct_rows += result.direct_rows;
  std::string out = std::to_string(result.records) + " records, " + std::to_string(result.lines) + " lines\n";
  for (const auto& error : result.errors) out += error.message + "\n";
  for (const auto& batch : result.batches) {
    for (size_t r = 0; r < batch.rows; ++r) out += etl::runtime::ValueToJson(batch.Row(r)) + "\n";
  }
  return out + result.failure;
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpora = "../shared/corpora";
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--corpora") corpora = argv[i + 1];
  }
  fs::path dir = fs::path(corpora) / "JSONTestSuite" / "test_parsing";
  if (!fs::is_directory(dir)) {
    std::cerr << "JSONTestSuite: no directory " << dir << "\n";
    return 2;
  }
  const std::set<std::string> multi_line_y = {"y_array_with_1_and_newline.json", "y_object_with_newlines.json"};
  const std::set<std::string> blank_n = {"n_single_space.json", "n_structure_no_data.json",
                                         "n_structure_UTF8_BOM_no_data.json"};
  const std::set<std::string> valid_middle_n = {"n_array_newlines_unclosed.json", "n_array_unclosed_with_new_lines.json"};

  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());

  int y_total = 0, y_ok = 0, y_as_lines = 0, y_as_document = 0;
  int n_total = 0, n_ok = 0, n_blank = 0, n_valid_middle = 0;
  int i_total = 0, i_accepted = 0;
  int failures = 0, direct_agree = 0, direct_total = 0;
  uint64_t direct_rows = 0;
  for (const auto& path : files) {
    std::string name = path.filename().string();
    if (name.size() < 2 || name[1] != '_') continue;
    std::string text = Slurp(path);
    Outcome outcome = Read(text);
    std::string document_error = etl::runtime::ValidateJsonDocument(text);
    bool pass = false;
    std::string note;
    switch (name[0]) {
      case 'y':
        ++y_total;
        if (multi_line_y.count(name)) {
          pass = outcome.records == 0 && outcome.errors > 0 && document_error.empty();
          note = "multi-line document: not JSON lines, valid as a whole document";
          if (pass) ++y_as_document;
        } else {
          pass = outcome.records == 1 && outcome.errors == 0 && document_error.empty();
          if (pass) ++y_as_lines;
        }
        if (pass) ++y_ok;
        break;
      case 'n':
        ++n_total;
        if (blank_n.count(name)) {
          pass = outcome.records == 0 && outcome.errors == 0 && !document_error.empty();
          note = "whitespace only: no record (blank lines are skipped)";
          if (pass) ++n_blank;
        } else if (valid_middle_n.count(name)) {
          pass = outcome.records == 1 && outcome.valid_lines == std::vector<int>{2} && outcome.errors == 2 &&
                 !document_error.empty();
          note = "error, valid middle line, error";
          if (pass) ++n_valid_middle;
        } else {
          pass = outcome.records == 0 && outcome.errors > 0 && !document_error.empty();
          note = outcome.first_error;
        }
        if (pass) ++n_ok;
        break;
      case 'i':
        ++i_total;
        pass = true;  // reaching this line means no crash or hang
        if (outcome.records == 1 && outcome.errors == 0) ++i_accepted;
        note = outcome.records == 1 && outcome.errors == 0 ? "accepted" : "rejected: " + outcome.first_error;
        break;
      default: continue;
    }
    ++direct_total;
    std::string simdjson_reading = ReadWithConverter(text, false);
    if (ReadWithConverter(text, true, &direct_rows) == simdjson_reading) {
      ++direct_agree;
    } else {
      pass = false;
      note = "the direct scanner read it differently from simdjson | " + note;
    }
    if (!pass) ++failures;
    std::printf("%s %s: %d record(s), %d error(s), whole document %s%s%s\n", pass ? "PASS" : "FAIL", name.c_str(),
                outcome.records, outcome.errors, document_error.empty() ? "valid" : "invalid",
                note.empty() ? "" : " | ", note.substr(0, 120).c_str());
  }
  std::printf("\ny: %d/%d accepted (%d as one JSON line, %d multi-line as whole documents)\n", y_ok, y_total, y_as_lines,
              y_as_document);
  std::printf("n: %d/%d rejected (%d whitespace-only give no record, %d give error/valid/error by line)\n", n_ok,
              n_total, n_blank, n_valid_middle);
  std::printf("i: %d without crash (%d accepted, %d rejected)\n", i_total, i_accepted, i_total - i_accepted);
  std::printf("direct scanner: %d/%d files read as simdjson reads them (%llu rows read by the scanner)\n",
              direct_agree, direct_total, static_cast<unsigned long long>(direct_rows));
  std::printf("JSONTestSuite: %d/%d y accepted, %d/%d n rejected, %d i without crash%s\n", y_ok, y_total, n_ok,
              n_total, i_total, failures ? (", " + std::to_string(failures) + " FAILED").c_str() : "");
  return failures == 0 && y_total > 0 && n_total > 0 ? 0 : 1;
}
