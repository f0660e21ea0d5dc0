// textDocument/completion: what fits at the cursor, decided by the text before it
// (lsp/cursor_context.h) and filled from the Analysis (fields of the record flowing in,
// declarations, steps, ports) and the stdlib specs (steps, functions, parameters).
#include <fmt/format.h>

#include <cctype>
#include <set>

#include "lsp/cursor_context.h"
#include "lsp/features.h"
#include "lsp/spec_markdown.h"

namespace etl::lsp {

namespace {

// LSP CompletionItemKind.
enum ItemKind {
  kFunction = 3,
  kField = 5,
  kVariable = 6,
  kModule = 9,
  kProperty = 10,
  kKeyword = 14,
  kReference = 18,
  kEnumMember = 20,
  kConstant = 21,
  kStruct = 22,
  kEvent = 23,
  kTypeParameter = 25,
};

// Sort groups: what is most likely first.
constexpr char kFirst = '0';   // fields of the record in scope, named arguments, expected words
constexpr char kLocal = '1';   // declarations of the program, steps
constexpr char kLibrary = '2';  // stdlib functions and steps
constexpr char kLast = '3';    // expression keywords

// Add()'s snippet that inserts the label as it is (keywords, which SourceName would quote).
constexpr std::string_view kAsIs = "\x01";

bool Matches(std::string_view label, std::string_view prefix) {
  if (prefix.empty()) return true;
  if (label.empty() || std::tolower(static_cast<unsigned char>(label[0])) != std::tolower(static_cast<unsigned char>(prefix[0]))) {
    return false;
  }
  size_t at = 0;
  for (char c : prefix) {
    while (at < label.size() && std::tolower(static_cast<unsigned char>(label[at])) != std::tolower(static_cast<unsigned char>(c))) ++at;
    if (at == label.size()) return false;
    ++at;
  }
  return true;
}

// A placeholder for a parameter in a snippet: quoted for strings.
std::string Placeholder(int index, const std::string& name, const std::string& type) {
  if (type == "string") return fmt::format("\"${{{}:{}}}\"", index, name);
  if (type == "schema") return fmt::format("${{{}:Schema}}", index);
  return fmt::format("${{{}:{}}}", index, name);
}

std::string StepSnippet(const stdlib::StepSpec& spec) {
  std::string out = spec.name + "(";
  int index = 1;
  for (const auto& param : spec.params) {
    // A source's `schema:` is optional (inferred from the file) but almost always written.
    bool schema = param.type == "schema" && spec.kind == stdlib::StepKind::Source;
    if (!param.required && !schema) continue;
    if (index > 1) out += ", ";
    if (!param.positional) out += param.name + ": ";
    out += Placeholder(index++, param.name, param.type);
  }
  return out + ")$0";
}

std::string FunctionSnippet(const stdlib::FunctionSpec& spec) {
  std::string out = spec.name + "(";
  int index = 1;
  for (const auto& param : spec.params) {
    if (!param.required) continue;
    out += (index > 1 ? ", " : "") + fmt::format("${{{}:{}}}", index, param.name);
    ++index;
  }
  return out + ")$0";
}

// The built-in ops after `|`, with their snippets.
struct OpSnippet {
  const char* name;
  const char* snippet;
  const char* doc;
};
constexpr OpSnippet kOps[] = {
    {"filter", "filter ${1:condition}", "Keep the records where the condition is true."},
    {"derive", "derive ${1:name} = ${2:expr}", "Add or replace fields; later ones see earlier ones."},
    {"select", "select ${1:field}", "Keep exactly the listed fields (`select a, b = e`)."},
    {"drop", "drop ${1:field}", "Remove fields."},
    {"rename", "rename ${1:field} as ${2:new_name}", "Rename fields."},
    {"route", "route {\n\t${1:name}: ${2:condition}\n\t${3:other}: else\n}", "Send each record to the first branch whose condition holds; branches are ports `step.name`."},
    {"explode", "explode ${1:list} as ${2:item}", "One record per element of a list."},
    {"aggregate", "aggregate by ${1:key} {\n\t${2:count} = count()\n}", "Group by keys and compute aggregates."},
    {"dedup", "dedup by ${1:key}", "Keep the first record per key."},
    {"sort", "sort by ${1:key}", "Sort a bounded input."},
    {"take", "take ${1:10}", "The first n records."},
    {"join", "join ${1:step} on ${2:condition}", "Hash join with another step (`join left` keeps unmatched records)."},
    {"validate", "validate {\n\t${1:condition}: \"${2:message}\"\n}", "Records that fail a rule go to `.errors` with its message."},
    {"into", "into ${1:sink}($2)", "Write the records to a sink."},
};

struct DeclSnippet {
  const char* name;
  const char* snippet;
};
constexpr DeclSnippet kDecls[] = {
    {"pipeline", "pipeline ${1:name} {\n\t$0\n}"},
    {"schema", "schema ${1:Name} {\n\t${2:field}: ${3:string}\n}"},
    {"const", "const ${1:name} = $0"},
    {"fn", "fn ${1:name}(${2:x}: ${3:int}) -> ${4:int} = $0"},
    {"param", "param ${1:name}: ${2:string} = $0"},
    {"import", "import \"${1:lib.etl}\""},
    {"test", "test \"${1:what it checks}\" for ${2:pipeline} {\n\t$0\n}"},
};
constexpr DeclSnippet kSettings[] = {
    {"schedule", "schedule \"${1:0 2 * * *}\""},
    {"after", "after ${1:pipeline}"},
    {"on", "on ${1:file}(\"${2:incoming/*.csv}\")"},
    {"retry", "retry ${1:3} backoff ${2:30s}"},
    {"timeout", "timeout ${1:1h}"},
    {"max_errors", "max_errors ${1:100}"},
    {"persist", "persist ${1|disk,memory|}"},
    {"jit", "jit ${1|on,off,auto|}"},
    {"concurrency", "concurrency ${1:4}"},
};
constexpr const char* kTypes[] = {"int", "float", "decimal", "bool", "string", "bytes", "date",
                                  "timestamp", "duration", "json", "secret", "list", "map"};

class Completer {
 public:
  Completer(const Analysis& analysis, const CursorContext& context, uint32_t cursor)
      : a_(analysis), c_(context), cursor_(cursor) {}

  Json Run() {
    switch (c_.place) {
      case Place::None: break;
      case Place::TopLevel:
        for (const auto& decl : kDecls) Add(decl.name, kKeyword, "declaration", "", kFirst, decl.snippet);
        break;
      case Place::Type: Types(); break;
      case Place::Expression: Expression(); break;
      case Place::Argument: Argument(); break;
      case Place::Fields: Fields(kFirst); break;
      case Place::StatementStart:
        if (c_.qualified) return Finish(Ports(c_.qualifier));
        for (const auto& setting : kSettings) Add(setting.name, kKeyword, "setting", "", kLast, setting.snippet);
        Steps();
        Add("from", kKeyword, "a chain from a source", "", kLocal, "from ${1:source}($2)");
        Add("union", kKeyword, "a chain from several streams", "", kLocal, "union(${1:a}, ${2:b})");
        break;
      case Place::Head:
        if (c_.qualified) return Finish(Ports(c_.qualifier));
        Add("from", kKeyword, "a chain from a source", "", kFirst, "from ${1:source}($2)");
        Add("union", kKeyword, "a chain from several streams", "", kFirst, "union(${1:a}, ${2:b})");
        Steps();
        break;
      case Place::StreamRef:
        if (c_.qualified) return Finish(Ports(c_.qualifier));
        Steps();
        break;
      case Place::PipeOp:
        for (const auto& op : kOps) Add(op.name, kKeyword, "operator", op.doc, kFirst, op.snippet);
        StdlibSteps(stdlib::StepKind::Transform);
        break;
      case Place::Source: StdlibSteps(stdlib::StepKind::Source); break;
      case Place::Sink: StdlibSteps(stdlib::StepKind::Sink); break;
      case Place::Window: StdlibSteps(stdlib::StepKind::Window); break;
      case Place::Trigger: StdlibSteps(stdlib::StepKind::Trigger); break;
      case Place::PipelineName:
        for (const auto& symbol : a_.Symbols()) {
          if (symbol.kind == SymbolKind::Pipeline) Add(symbol.name, kModule, "pipeline", symbol.doc, kLocal);
        }
        break;
      case Place::Words: break;
    }
    for (const auto& word : c_.words) Add(word, kKeyword, "keyword", "", kFirst, std::string(kAsIs));
    return Finish(true);
  }

 private:
  Json Finish(bool) {
    return Json{{"isIncomplete", !c_.prefix.empty()}, {"items", std::move(items_)}};
  }

  void Add(const std::string& label, int kind, const std::string& detail, const std::string& doc, char group,
           const std::string& snippet = "", size_t order = 0) {
    if (!Matches(label, c_.prefix) || !seen_.insert(label).second) return;
    Json item{{"label", label}, {"kind", kind}, {"sortText", fmt::format("{}{:04}_{}", group, order, label)}};
    if (!detail.empty()) item["detail"] = detail;
    if (!doc.empty()) item["documentation"] = Json{{"kind", "markdown"}, {"value", doc}};
    std::string text = snippet.empty() ? SourceName(label) : snippet == kAsIs ? label : snippet;
    if (!snippet.empty() && snippet != kAsIs) item["insertTextFormat"] = 2;
    item["textEdit"] = Json{{"range", a_.Range(diag::SourceRange{a_.File(), c_.prefix_begin, cursor_})}, {"newText", text}};
    items_.push_back(std::move(item));
  }

  // ------------------------------------------------------------ pieces

  void Types() {
    for (const char* type : kTypes) {
      std::string name = type;
      std::string snippet = name == "decimal" ? "decimal(${1:12}, ${2:2})" : name == "list" || name == "map" ? name + "<${1:string}>" : "";
      Add(name, kTypeParameter, "type", "", kFirst, snippet);
    }
    for (const auto& [name, decl] : a_.VisibleDecls()) {
      // Not the schema being declared: a schema cannot hold itself.
      if (c_.decl_keyword == "schema" && name == c_.decl_name) continue;
      if (const auto* schema = decl->As<ast::SchemaDecl>()) Add(name, kStruct, "schema", Doc(*schema), kLocal);
    }
  }

  std::string Doc(const ast::SchemaDecl& schema) const {
    return SchemaMarkdown(schema, a_.Program().sources.File(schema.range.file).Text());
  }

  // The schema field docs of a named record (`///` above a field), by field name.
  std::map<std::string, std::string> FieldDocs(const ast::TypeRef& record) const {
    std::map<std::string, std::string> docs;
    if (!record || record->name.empty()) return docs;
    auto it = a_.VisibleDecls().find(record->name);
    const ast::SchemaDecl* schema = it == a_.VisibleDecls().end() ? nullptr : it->second->As<ast::SchemaDecl>();
    if (!schema) return docs;
    for (const auto& field : schema->fields) docs[field.name.text] = field.doc;
    return docs;
  }

  void RecordFields(const ast::TypeRef& record, char group, const std::string& where) {
    if (!record || record->kind != ast::TypeKind::Record) return;
    std::map<std::string, std::string> docs = FieldDocs(record);
    for (size_t i = 0; i < record->fields.size(); ++i) {
      const auto& field = record->fields[i];
      std::string doc = "`" + SourceName(field.name) + ": " + TypeText(field.type) + "` " + where;
      if (!docs[field.name].empty()) doc += "\n\n" + docs[field.name];
      Add(field.name, kField, TypeText(field.type), doc, group, "", i);
    }
  }

  std::string Where(const ast::TypeRef& record) const {
    if (record && !record->name.empty()) return "(field of `" + record->name + "`)";
    return "(field of the record flowing in)";
  }

  void Fields(char group) {
    InputRecord input = InputRecordAt(a_, c_);
    RecordFields(input.input, group, Where(input.input));
  }

  void Steps() {
    for (const auto& symbol : a_.Symbols()) {
      if (symbol.kind != SymbolKind::Step || symbol.container != c_.decl_name || symbol.name_range.file != a_.File()) continue;
      Add(symbol.name, kVariable, "step → " + RecordLine(symbol.type, 60), "The step's output:\n\n" + RecordTable(symbol.type), kLocal);
    }
  }

  // The ports of step `step` (`route` branches, `errors`, `done` for a chain ending in a sink).
  bool Ports(const std::string& step) {
    const Symbol* found = nullptr;
    for (const auto& symbol : a_.Symbols()) {
      if (symbol.kind == SymbolKind::Step && symbol.name == step && symbol.container == c_.decl_name) found = &symbol;
    }
    for (const auto& symbol : a_.Symbols()) {
      if (symbol.kind == SymbolKind::Port && symbol.container == step) {
        Add(symbol.name, kEnumMember, "port → " + RecordLine(symbol.type, 60), "Route branch `" + step + "." + symbol.name + "`", kFirst);
      }
    }
    Add("errors", kEnumMember, "port → errors record", "Records the step rejected:\n\n" + RecordTable(stdlib::ErrorsType()), kLocal);
    bool sink = found && found->statement && !found->statement->chain.ops.empty() &&
                found->statement->chain.ops.back().kind == ast::OpKind::Into;
    if (sink) Add("done", kEnumMember, "port → done record", "One record per target written:\n\n" + RecordTable(stdlib::DoneType()), kLocal);
    return true;
  }

  void StdlibSteps(stdlib::StepKind kind) {
    for (const stdlib::StepSpec* spec : stdlib::AllSteps()) {
      if (spec->kind != kind) continue;
      Add(spec->name, kFunction, std::string(stdlib::Spelling(kind)) + ": " + spec->summary, StepMarkdown(*spec), kLibrary, StepSnippet(*spec));
    }
  }

  void Declarations() {
    for (const auto& [name, decl] : a_.VisibleDecls()) {
      if (const auto* c = decl->As<ast::ConstDecl>()) {
        std::string value = c->folded ? " = " + ast::ToLiteral(*c->folded) : "";
        Add(name, kConstant, TypeText(c->resolved_type), CodeAndDoc("const " + name + ": " + TypeText(c->resolved_type) + value, c->doc), kLocal);
      } else if (const auto* p = decl->As<ast::ParamDecl>()) {
        Add(name, kVariable, "param " + TypeText(p->resolved_type), CodeAndDoc("param " + name + ": " + TypeText(p->resolved_type), p->doc), kLocal);
      } else if (const auto* fn = decl->As<ast::FnDecl>()) {
        std::string snippet = name + "(";
        for (size_t i = 0; i < fn->params.size(); ++i) {
          snippet += (i ? ", " : "") + fmt::format("${{{}:{}}}", i + 1, fn->params[i].name.text);
        }
        Add(name, kFunction, FnSignature(*fn), CodeAndDoc(FnSignature(*fn), fn->doc), kLocal, snippet + ")$0");
      } else if (decl->kind == ast::DeclKind::Import && !decl->name.Empty()) {
        Add(name, kModule, "module", "", kLocal);
      }
    }
    // An aliased import's module: `geo` (its members are offered after `geo.`).
    for (const auto& symbol : a_.Symbols()) {
      if (symbol.kind == SymbolKind::Import && symbol.name_range.file == a_.File()) Add(symbol.name, kModule, "module", "", kLocal);
    }
  }

  void Functions(bool aggregate) {
    for (const stdlib::FunctionSpec* spec : stdlib::AllFunctions()) {
      if (spec->aggregate && !aggregate) continue;
      std::string detail = spec->signatures.empty() ? spec->name : spec->signatures[0];
      Add(spec->name, kFunction, detail, FunctionMarkdown(*spec), spec->aggregate ? kFirst : kLibrary, FunctionSnippet(*spec));
    }
  }

  // Members after `qualifier.`: a module's declarations, a join's right side, a record's fields.
  void Member() {
    std::string module_prefix = c_.qualifier + ".";
    bool module = false;
    for (const auto& [name, decl] : a_.VisibleDecls()) {
      if (name.compare(0, module_prefix.size(), module_prefix) != 0) continue;
      module = true;
      std::string member = name.substr(module_prefix.size());
      switch (decl->kind) {
        case ast::DeclKind::Schema: Add(member, kStruct, "schema", Doc(*decl->As<ast::SchemaDecl>()), kLocal); break;
        case ast::DeclKind::Const: {
          const auto* c = decl->As<ast::ConstDecl>();
          std::string value = c->folded ? " = " + ast::ToLiteral(*c->folded) : "";
          Add(member, kConstant, TypeText(c->resolved_type), CodeAndDoc("const " + name + ": " + TypeText(c->resolved_type) + value, c->doc), kLocal);
          break;
        }
        case ast::DeclKind::Fn: {
          const auto* fn = decl->As<ast::FnDecl>();
          Add(member, kFunction, FnSignature(*fn), CodeAndDoc(FnSignature(*fn), fn->doc), kLocal);
          break;
        }
        case ast::DeclKind::Param: Add(member, kVariable, "param", decl->doc, kLocal); break;
        default: Add(member, kReference, std::string(ast::Spelling(decl->kind)), decl->doc, kLocal); break;
      }
    }
    if (module) return;
    InputRecord input = InputRecordAt(a_, c_);
    if (!c_.join_step.empty() && c_.qualifier == c_.join_step) {
      RecordFields(input.right, kFirst, "(field of `" + c_.join_step + "`, the join's right side)");
      return;
    }
    if (c_.decl_keyword == "test") {
      Ports(c_.qualifier);
      return;
    }
    // A record-typed field or const.
    ast::TypeRef record;
    if (input.input && input.input->kind == ast::TypeKind::Record) {
      if (const ast::Field* field = input.input->FindField(c_.qualifier)) record = field->type;
    }
    auto it = a_.VisibleDecls().find(c_.qualifier);
    if (!record && it != a_.VisibleDecls().end()) {
      if (const auto* c = it->second->As<ast::ConstDecl>()) record = c->resolved_type;
    }
    RecordFields(record, kFirst, "(field of `" + c_.qualifier + "`)");
  }

  void Expression() {
    if (c_.qualified) return Member();
    // A step argument's value: schema names after `schema:`, fields after a "field" parameter.
    if (c_.call && !c_.call->arg_name.empty()) {
      if (const stdlib::ParamSpec* param = CallParam(c_.call->arg_name)) {
        if (param->type == "schema") {
          for (const auto& [name, decl] : a_.VisibleDecls()) {
            if (const auto* schema = decl->As<ast::SchemaDecl>()) Add(name, kStruct, "schema", Doc(*schema), kFirst);
          }
          return;
        }
        if (param->type == "field" || param->type == "fields") {
          Fields(kFirst);
          return;
        }
        if (param->type == "mode") {
          for (const char* mode : {"append", "replace"}) Add(mode, kKeyword, "mode", "", kFirst, std::string(kAsIs));
          Add("upsert", kKeyword, "mode", "", kFirst, "upsert(keys: [\"${1:id}\"])");
          Add("scd2", kKeyword, "mode", "", kFirst, "scd2(keys: [\"${1:id}\"])");
          return;
        }
      }
    }
    bool step_argument = c_.call && c_.call->step;
    if (!step_argument) {
      if (c_.in_chain) {
        InputRecord input = InputRecordAt(a_, c_);
        // In `aggregate { }` the aggregate functions come first: outputs are aggregates.
        RecordFields(input.input, c_.aggregate_body ? kLocal : kFirst, Where(input.input));
        if (!c_.join_step.empty()) {
          Add(c_.join_step, kVariable, "the join's right side", "Its fields: `" + c_.join_step + ".field`\n\n" + RecordTable(input.right), kFirst);
        }
      }
      FnParams();
      if (c_.decl_keyword == "test") Steps();
    }
    Declarations();
    if (!step_argument) Functions(c_.aggregate_body);
    for (const char* keyword : {"if", "match", "not", "null", "true", "false"}) {
      Add(keyword, kKeyword, "keyword", "", kLast, std::string(kAsIs));
    }
  }

  void FnParams() {
    if (c_.decl_keyword != "fn") return;
    for (size_t i = 0; i < c_.fn_params.size(); ++i) {
      const auto& [name, type] = c_.fn_params[i];
      Add(name, kVariable, type, "parameter of `fn " + c_.decl_name + "`", kFirst, "", i);
    }
  }

  // The spec parameter `name` of the open call, when it is a stdlib step or function.
  const stdlib::ParamSpec* CallParam(const std::string& name) const {
    for (const auto& param : CallParams()) {
      if (param->name == name) return param;
    }
    return nullptr;
  }

  std::vector<const stdlib::ParamSpec*> CallParams() const {
    std::vector<const stdlib::ParamSpec*> out;
    if (!c_.call) return out;
    const std::vector<stdlib::ParamSpec>* params = nullptr;
    if (c_.call->step) {
      if (const stdlib::StepSpec* spec = stdlib::FindStep(c_.call->callee, *c_.call->step)) params = &spec->params;
    } else if (!a_.VisibleDecls().count(c_.call->callee)) {
      if (const stdlib::FunctionSpec* spec = stdlib::FindFunction(c_.call->callee, c_.aggregate_body)) params = &spec->params;
    }
    if (params) {
      for (const auto& param : *params) out.push_back(&param);
    }
    return out;
  }

  void Argument() {
    if (!c_.call) return Expression();
    const std::set<std::string> given(c_.call->named.begin(), c_.call->named.end());
    size_t index = 0;
    for (const stdlib::ParamSpec* param : CallParams()) {
      ++index;
      // Positional parameters already given by position are not offered by name.
      if (given.count(param->name) || (param->positional && index <= c_.call->positional_before)) continue;
      std::string value = param->type == "string" ? "\"$1\"" : param->type == "schema" ? "${1:Schema}" : "$1";
      // A step's arguments are mostly named; a function's mostly fields and values.
      Add(param->name + ":", kProperty, ParamLabel(*param), param->doc, c_.call->step ? kFirst : kLocal,
          param->name + ": " + value, index);
    }
    auto it = a_.VisibleDecls().find(c_.call->callee);
    if (it != a_.VisibleDecls().end()) {
      if (const auto* fn = it->second->As<ast::FnDecl>()) {
        for (size_t i = 0; i < fn->params.size(); ++i) {
          const auto& p = fn->params[i];
          if (given.count(p.name.text) || i < c_.call->positional_before) continue;
          Add(p.name.text + ":", kProperty, TypeText(p.type ? p.type->resolved : nullptr), "", kLocal, p.name.text + ": $1", i);
        }
      }
    }
    Expression();
  }

  const Analysis& a_;
  const CursorContext& c_;
  uint32_t cursor_;
  Json items_ = Json::array();
  std::set<std::string> seen_;
};

}  // namespace

void RegisterCompletion(Server& server) {
  // Space is not a trigger: it would pop a list after every word; clients still ask when
  // a word starts, which covers `from c`, `| f`, `derive x = u`.
  server.Capabilities()["completionProvider"] =
      Json{{"triggerCharacters", Json::array({".", "|", "(", ":"})}, {"resolveProvider", false}};
  server.OnRequest("textDocument/completion", [&server](const Json& params) -> Json {
    auto analysis = server.DocumentAnalysis(params);
    uint32_t offset = Server::OffsetOf(*analysis, params);
    CursorContext context = ContextAt(analysis->Text(), offset);
    return Completer(*analysis, context, offset).Run();
  });
}

}  // namespace etl::lsp
