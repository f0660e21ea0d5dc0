#include "runtime/csv_header.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace etl::runtime {
namespace {

// Levenshtein distance, for did-you-mean suggestions (header sizes are small).
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

void FindDuplicateCsvNames(CsvHeader* header) {
  header->duplicates.clear();
  std::unordered_map<std::string_view, std::vector<size_t>> seen;
  for (size_t i = 0; i < header->names.size(); ++i) seen[header->names[i]].push_back(i);
  for (size_t i = 0; i < header->names.size(); ++i) {
    const auto& where = seen[header->names[i]];
    if (where.size() < 2 || where.front() != i) continue;
    std::string message = "duplicate column name `" + header->names[i] + "` (columns ";
    for (size_t k = 0; k < where.size(); ++k) {
      if (k > 0) message += k + 1 == where.size() ? " and " : ", ";
      message += std::to_string(where[k] + 1);
    }
    header->duplicates.push_back(message + ")");
  }
}

bool ResolveCsvColumns(const CsvHeader& header, const std::vector<std::string>& fields,
                       std::vector<size_t>* indexes, std::vector<std::string>* errors) {
  indexes->clear();
  errors->clear();
  if (!header.present) {
    for (size_t i = 0; i < fields.size(); ++i) indexes->push_back(i);
    return true;
  }
  for (const std::string& field : fields) {
    std::vector<size_t> matches;
    for (size_t i = 0; i < header.names.size(); ++i) {
      if (header.names[i] == field) matches.push_back(i);
    }
    if (matches.size() == 1) {
      indexes->push_back(matches[0]);
      continue;
    }
    indexes->push_back(static_cast<size_t>(-1));
    if (matches.size() > 1) {
      errors->push_back("column `" + field + "` is ambiguous: the header has it " +
                        std::to_string(matches.size()) + " times");
      continue;
    }
    std::string message = "column `" + field + "` not found in the header";
    // Suggest a case-insensitive match first, else the closest name within a third of its length.
    const std::string* best = nullptr;
    size_t best_distance = field.size() / 3 + 1;
    for (const std::string& name : header.names) {
      size_t d = Lower(name) == Lower(field) ? 0 : EditDistance(name, field);
      if (d < best_distance) {
        best = &name;
        best_distance = d;
      }
    }
    if (best != nullptr) message += "; did you mean `" + *best + "`?";
    errors->push_back(message);
  }
  return errors->empty();
}

}  // namespace etl::runtime
