// textDocument/signatureHelp: the parameters of the call whose `(` is open before the
// cursor: a stdlib function (each of its signatures), a user fn, or a step (`csv(`, after
// from / into / `|` / window / on). The active parameter is the named argument being
// written, else the position counted from the commas.
#include <fmt/format.h>

#include <set>

#include "lsp/cursor_context.h"
#include "lsp/features.h"
#include "lsp/spec_markdown.h"

namespace etl::lsp {

namespace {

Json Markdown(const std::string& text) { return Json{{"kind", "markdown"}, {"value", text}}; }

// The parameters of a signature text `name(a: T, b: list<T>, ...) -> R`, as [begin, end)
// offsets of each parameter in the text (commas inside `<>` or `()` do not split).
std::vector<std::pair<size_t, size_t>> SplitParams(const std::string& signature) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t open = signature.find('(');
  if (open == std::string::npos) return out;
  int depth = 0;
  size_t start = open + 1;
  for (size_t i = open + 1; i < signature.size(); ++i) {
    char c = signature[i];
    if (c == '(' || c == '<') ++depth;
    else if ((c == ')' || c == '>') && depth > 0) --depth;
    else if ((c == ',' || c == ')') && depth == 0) {
      size_t begin = start;
      while (begin < i && signature[begin] == ' ') ++begin;
      if (i > begin) out.emplace_back(begin, i);
      start = i + 1;
      if (c == ')') break;
    }
  }
  return out;
}

struct Parameter {
  std::string label;
  std::string name;  // without its type
  std::string doc;
  bool variadic = false;
};

Json Signature(const std::string& label, const std::vector<Parameter>& params, const std::string& doc) {
  Json parameters = Json::array();
  size_t search = label.find('(');
  for (const auto& param : params) {
    size_t at = label.find(param.label, search == std::string::npos ? 0 : search);
    Json p;
    if (at != std::string::npos) {
      p["label"] = Json::array({at, at + param.label.size()});  // offsets: unambiguous for repeated names
      search = at + param.label.size();
    } else {
      p["label"] = param.label;
    }
    if (!param.doc.empty()) p["documentation"] = Markdown(param.doc);
    parameters.push_back(std::move(p));
  }
  Json out{{"label", label}, {"parameters", parameters}};
  if (!doc.empty()) out["documentation"] = Markdown(doc);
  return out;
}

// The parameter the cursor is on: a named argument's, else the position (variadic tails
// repeat their last parameter).
int ActiveParameter(const std::vector<Parameter>& params, const OpenCall& call) {
  if (!call.arg_name.empty()) {
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i].name == call.arg_name) return static_cast<int>(i);
    }
    return -1;
  }
  if (call.arg_index < params.size()) return static_cast<int>(call.arg_index);
  for (size_t i = params.size(); i-- > 0;) {
    if (params[i].variadic) return static_cast<int>(i);
  }
  return -1;
}

Json Answer(std::vector<Json> signatures, int active_signature, int active_parameter) {
  Json out{{"signatures", std::move(signatures)}, {"activeSignature", active_signature}};
  // -1: no parameter fits. Just past the last parameter: clients (VS Code, Neovim) then
  // highlight none, where an absent value would mean the first one.
  size_t count = out["signatures"][static_cast<size_t>(active_signature)]["parameters"].size();
  out["activeParameter"] = active_parameter < 0 ? static_cast<int>(count) : active_parameter;
  return out;
}

Json FunctionHelp(const stdlib::FunctionSpec& spec, const OpenCall& call) {
  std::vector<Json> signatures;
  int active_signature = -1, active_parameter = -1, first_parameter = -1;
  std::string doc = spec.summary + (spec.doc.empty() ? "" : "\n\n" + spec.doc);
  for (const auto& text : spec.signatures) {
    std::vector<Parameter> params;
    for (auto [begin, end] : SplitParams(text)) {
      Parameter p;
      p.label = text.substr(begin, end - begin);
      p.name = p.label.substr(0, p.label.find(':'));
      p.variadic = p.label.find("...") != std::string::npos;
      for (const auto& spec_param : spec.params) {
        if (spec_param.name == p.name) p.doc = spec_param.doc;
      }
      params.push_back(std::move(p));
    }
    int active = ActiveParameter(params, call);
    if (signatures.empty()) first_parameter = active;
    // The first signature that has room for the arguments written so far.
    if (active_signature < 0 && active >= 0) {
      active_signature = static_cast<int>(signatures.size());
      active_parameter = active;
    }
    signatures.push_back(Signature(text, params, doc));
  }
  if (signatures.empty()) return nullptr;
  if (active_signature < 0) return Answer(std::move(signatures), 0, first_parameter);
  return Answer(std::move(signatures), active_signature, active_parameter);
}

Json FnHelp(const ast::FnDecl& fn, const OpenCall& call) {
  std::vector<Parameter> params;
  std::string label = fn.name.text + "(";
  for (size_t i = 0; i < fn.params.size(); ++i) {
    Parameter p;
    p.name = fn.params[i].name.text;
    p.label = SourceName(p.name) + ": " + TypeText(fn.params[i].type ? fn.params[i].type->resolved : nullptr);
    label += (i ? ", " : "") + p.label;
    params.push_back(std::move(p));
  }
  label += ") -> " + TypeText(fn.result_type);
  return Answer({Signature(label, params, fn.doc)}, 0, ActiveParameter(params, call));
}

Json StepHelp(const stdlib::StepSpec& spec, const OpenCall& call) {
  std::vector<Parameter> params;
  for (const auto& param : spec.params) {
    Parameter p;
    p.name = param.name;
    p.label = ParamLabel(param);
    p.doc = std::string(param.required ? "*required* — " : "") + param.doc;
    params.push_back(std::move(p));
  }
  int active = -1;
  if (!call.arg_name.empty()) {
    active = ActiveParameter(params, call);
  } else if (call.named.empty() && call.arg_index < spec.params.size() && spec.params[call.arg_index].positional) {
    active = static_cast<int>(call.arg_index);
  } else {
    // After named arguments (or past the positional ones): the next parameter not given.
    std::set<std::string> given(call.named.begin(), call.named.end());
    for (size_t i = 0; i < spec.params.size(); ++i) {
      bool by_position = spec.params[i].positional && i < call.positional_before;
      if (!by_position && !given.count(spec.params[i].name)) {
        active = static_cast<int>(i);
        break;
      }
    }
  }
  std::string doc = fmt::format("*{}* — {}", stdlib::Spelling(spec.kind), spec.summary);
  return Answer({Signature(StepSignature(spec), params, doc)}, 0, active);
}

}  // namespace

void RegisterSignatureHelp(Server& server) {
  server.Capabilities()["signatureHelpProvider"] =
      Json{{"triggerCharacters", Json::array({"(", ","})}, {"retriggerCharacters", Json::array({":"})}};
  server.OnRequest("textDocument/signatureHelp", [&server](const Json& params) -> Json {
    auto analysis = server.DocumentAnalysis(params);
    CursorContext context = ContextAt(analysis->Text(), Server::OffsetOf(*analysis, params));
    if (!context.call) return nullptr;
    const OpenCall& call = *context.call;
    if (call.step) {
      const stdlib::StepSpec* spec = stdlib::FindStep(call.callee, *call.step);
      return spec ? StepHelp(*spec, call) : Json(nullptr);
    }
    auto it = analysis->VisibleDecls().find(call.callee);
    if (it != analysis->VisibleDecls().end()) {
      const auto* fn = it->second->As<ast::FnDecl>();
      return fn ? FnHelp(*fn, call) : Json(nullptr);
    }
    const stdlib::FunctionSpec* spec = context.aggregate_body ? stdlib::FindFunction(call.callee, true)
                                                              : stdlib::ResolveFunction(call.callee, call.arg_index + 1);
    return spec ? FunctionHelp(*spec, call) : Json(nullptr);
  });
}

}  // namespace etl::lsp
