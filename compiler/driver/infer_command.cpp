// `etlc infer DATA_FILE`: prints an inferred `schema` declaration for a CSV or JSONL file.
#include "compiler/driver/commands.h"

#include <cctype>
#include <filesystem>

#include <fmt/format.h>

#include "compiler/driver/command.h"
#include "stdlib/schema_inference.h"

namespace etl::driver {
namespace {

// "orders_cdc.csv" -> "OrdersCdc": a schema name users would write.
std::string SchemaNameFor(const std::string& path) {
  std::string stem = std::filesystem::path(path).stem().string();
  std::string name;
  bool upper = true;
  for (char c : stem) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      upper = true;
      continue;
    }
    name += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "Inferred" + name;
  return name;
}

// A field name as source text: backticks unless it is a plain identifier.
std::string FieldName(const std::string& name) {
  bool plain = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return plain ? name : "`" + name + "`";
}

}  // namespace

int RunInfer(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"infer", "DATA_FILE [options]",
                   "Reads a sample of a CSV or JSONL file and prints a `schema` declaration for it,\n"
                   "with the types `csv(path)` / `jsonl(path)` without `schema:` would use."};
  po::options_description options("options");
  options.add_options()("format", po::value<std::string>()->value_name("FORMAT"),
                        "csv or jsonl (default: from the file extension)")(
      "name", po::value<std::string>()->value_name("NAME"), "schema name (default: from the file name)")(
      "no-header", "csv: the first row is data (columns are named column1, column2, ...)")(
      "delimiter", po::value<char>()->value_name("CHAR"), "csv: field delimiter (default `,`)")(
      "max-records", po::value<size_t>()->value_name("N")->default_value(1000), "records sampled");
  po::variables_map vm;
  std::vector<std::string> files;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::One, args, vm, files, io, "DATA_FILE")) return *done;
  const std::string& path = files[0];

  std::string format;
  if (vm.count("format")) {
    format = vm["format"].as<std::string>();
  } else {
    std::string ext = std::filesystem::path(path).extension().string();
    if (ext == ".csv" || ext == ".tsv") format = "csv";
    else if (ext == ".jsonl" || ext == ".ndjson" || ext == ".json") format = "jsonl";
    else return UsageError("infer", fmt::format("cannot tell the format of `{}`; pass --format csv|jsonl", path), io);
  }
  if (format != "csv" && format != "jsonl") return UsageError("infer", "--format must be csv or jsonl", io);

  stdlib::InferOptions infer;
  infer.header = vm.count("no-header") == 0;
  if (vm.count("delimiter")) infer.delimiter = vm["delimiter"].as<char>();
  else if (std::filesystem::path(path).extension() == ".tsv") infer.delimiter = '\t';
  infer.max_records = vm["max-records"].as<size_t>();
  std::string error;
  std::optional<ast::TypeRef> type = stdlib::InferSchema(path, format, infer, &error);
  if (!type || !*type || (*type)->kind != ast::TypeKind::Record) {
    io.err << fmt::format("etlc infer: error: {}\n", error.empty() ? "no schema could be inferred" : error);
    return kExitUsage;
  }
  std::string name = vm.count("name") ? vm["name"].as<std::string>() : SchemaNameFor(path);
  size_t width = 0;
  for (const ast::Field& field : (*type)->fields) width = std::max(width, FieldName(field.name).size() + 1);
  io.out << fmt::format("schema {} {{\n", name);
  for (const ast::Field& field : (*type)->fields) {
    io.out << fmt::format("  {:<{}} {}\n", FieldName(field.name) + ":", width, ast::ToString(field.type, true));
  }
  io.out << "}\n";
  return kExitOk;
}

}  // namespace etl::driver
