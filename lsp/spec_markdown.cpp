#include "lsp/spec_markdown.h"

#include <array>
#include <cctype>

#include <fmt/format.h>

namespace etl::lsp {

namespace {

// Words the grammar reserves: they cannot name a field without backticks.
constexpr std::array<std::string_view, 14> kReserved = {"from", "into", "if",   "then", "else", "match", "and",
                                                        "or",   "not",  "in",   "is",   "null", "true",  "false"};

// A markdown table cell: one line, pipes escaped.
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

}  // namespace

std::string SourceName(const std::string& name) {
  bool plain = !name.empty() && name != "_" && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') plain = false;
  }
  for (std::string_view word : kReserved) {
    if (name == word) plain = false;
  }
  if (plain) return name;
  return "`" + name + "`";  // the lexer has no escape: a name with a backtick cannot be written
}

std::string TypeText(const ast::TypeRef& type) { return type ? ast::ToString(type) : "?"; }

std::string RecordLine(const ast::TypeRef& type, size_t max_chars) {
  if (!type || type->kind != ast::TypeKind::Record) return TypeText(type);
  std::string out = "{";
  for (size_t i = 0; i < type->fields.size(); ++i) {
    const auto& field = type->fields[i];
    std::string item = (i ? ", " : "") + SourceName(field.name) + ": " + TypeText(field.type);
    // Room for the item, the closing brace and a possible ", …".
    if (max_chars && i + 1 < type->fields.size() && out.size() + item.size() + 4 > max_chars) {
      out += i ? ", …" : "…";
      break;
    }
    if (max_chars && i + 1 == type->fields.size() && out.size() + item.size() + 1 > max_chars && i > 0) {
      out += ", …";
      break;
    }
    out += item;
  }
  if (type->nullable) return out + "}?";
  return out + "}";
}

std::string RecordTable(const ast::TypeRef& type) {
  if (!type || type->kind != ast::TypeKind::Record) return "`" + TypeText(type) + "`";
  if (type->fields.empty()) return "`{}` (no fields)";
  std::string out = "| field | type |\n|---|---|\n";
  for (const auto& field : type->fields) {
    out += "| `" + Cell(SourceName(field.name)) + "` | `" + Cell(TypeText(field.type)) + "` |\n";
  }
  return out;
}

std::string ParamLabel(const stdlib::ParamSpec& param) {
  std::string out = param.name + ": " + param.type;
  if (!param.required && !param.default_value.empty()) out += " = " + param.default_value;
  return out;
}

std::string StepSignature(const stdlib::StepSpec& spec) {
  std::string out = spec.name + "(";
  for (size_t i = 0; i < spec.params.size(); ++i) out += (i ? ", " : "") + ParamLabel(spec.params[i]);
  return out + ")";
}

std::string StepMarkdown(const stdlib::StepSpec& spec) {
  std::string out = "```etl\n" + StepSignature(spec) + "\n```\n";
  out += fmt::format("*{}* — {}\n", stdlib::Spelling(spec.kind), spec.summary);
  if (!spec.params.empty()) {
    out += "\n**Parameters**\n\n";
    for (const auto& param : spec.params) {
      out += "- `" + ParamLabel(param) + "`" + (param.required ? " (required)" : "") +
             (param.positional ? " (positional)" : "") + (param.secret ? " (secret)" : "") + " — " + param.doc + "\n";
    }
  }
  if (!spec.ports.empty()) {
    out += "\n**Ports**\n\n";
    for (const auto& port : spec.ports) out += "- `" + port.name + "` — " + port.doc + "\n";
  }
  if (!spec.output_doc.empty()) out += "\n**Output**: " + spec.output_doc + "\n";
  if (!spec.doc.empty()) out += "\n" + spec.doc + "\n";
  return out;
}

std::string FunctionMarkdown(const stdlib::FunctionSpec& spec) {
  std::string out = "```etl\n";
  for (const auto& signature : spec.signatures) out += signature + "\n";
  out += "```\n" + spec.summary + (spec.aggregate ? " *(aggregate: only in `aggregate { }`)*" : "") + "\n";
  if (!spec.params.empty()) {
    out += "\n**Parameters**\n\n";
    for (const auto& param : spec.params) {
      out += "- `" + param.name + ": " + param.type + "`" + (param.required ? "" : " (optional)") + " — " + param.doc + "\n";
    }
  }
  if (!spec.doc.empty()) out += "\n" + spec.doc + "\n";
  if (!spec.pure) out += "\nEvaluated at run time: never constant-folded.\n";
  return out;
}

std::string StdlibParamMarkdown(const stdlib::ParamSpec& param, const std::string& owner) {
  std::string code = "(parameter of " + owner + ") " + ParamLabel(param);
  std::string notes;
  if (param.required) notes += "required";
  if (param.positional) notes += std::string(notes.empty() ? "" : ", ") + "positional";
  if (param.secret) notes += std::string(notes.empty() ? "" : ", ") + "accepts a secret";
  return CodeAndDoc(code, (notes.empty() ? "" : "*" + notes + "* — ") + param.doc);
}

std::string FnSignature(const ast::FnDecl& fn) {
  std::string out = "fn " + fn.name.text + "(";
  for (size_t i = 0; i < fn.params.size(); ++i) {
    const auto& p = fn.params[i];
    out += (i ? ", " : "") + SourceName(p.name.text) + ": " + TypeText(p.type ? p.type->resolved : nullptr);
  }
  return out + ") -> " + TypeText(fn.result_type);
}

std::string_view SourceText(std::string_view file_text, const diag::SourceRange& range) {
  if (!range.Valid() || range.begin > range.end || range.end > file_text.size()) return {};
  return file_text.substr(range.begin, range.end - range.begin);
}

std::string SchemaMarkdown(const ast::SchemaDecl& schema, std::string_view file_text) {
  std::string out = "```etl\nschema " + schema.name.text + "\n```\n";
  if (!schema.doc.empty()) out += schema.doc + "\n";
  if (schema.fields.empty()) return out + "\nNo fields.\n";
  out += "\n| field | type | default | doc |\n|---|---|---|---|\n";
  for (const auto& field : schema.fields) {
    std::string default_text;
    if (field.default_value) default_text = "`" + std::string(SourceText(file_text, field.default_value->range)) + "`";
    out += "| `" + Cell(SourceName(field.name.text)) + "` | `" + Cell(TypeText(field.type ? field.type->resolved : nullptr)) +
           "` | " + Cell(default_text) + " | " + Cell(field.doc) + " |\n";
  }
  return out;
}

std::string CodeAndDoc(const std::string& code, const std::string& doc) {
  std::string out = "```etl\n" + code + "\n```";
  if (!doc.empty()) out += "\n" + doc;
  return out;
}

}  // namespace etl::lsp
