#include "tests/e2e/fuzz_server.h"

#include <filesystem>
#include <random>
#include <sstream>

#include "lsp/features.h"
#include "lsp/server.h"

namespace etl::fuzz {

namespace {

using lsp::Json;

// Frames `messages` as LSP input.
std::string Frame(const std::vector<Json>& messages) {
  std::string out;
  for (const Json& m : messages) {
    std::string body = m.dump(-1, ' ', false, Json::error_handler_t::replace);
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  return out;
}

// Splits the server's output into messages; false if the framing is broken.
bool Unframe(const std::string& output, std::vector<Json>& messages) {
  size_t at = 0;
  while (at < output.size()) {
    size_t header_end = output.find("\r\n\r\n", at);
    if (header_end == std::string::npos || output.compare(at, 16, "Content-Length: ") != 0) return false;
    size_t length = std::stoul(output.substr(at + 16, header_end - at - 16));
    Json message = Json::parse(output.substr(header_end + 4, length), nullptr, false);
    if (message.is_discarded()) return false;
    messages.push_back(std::move(message));
    at = header_end + 4 + length;
  }
  return true;
}

// The (0-based) line/character of byte `offset` in ASCII-or-not text, counted in bytes
// per line: good enough to aim near tokens; the server clamps what is off.
Json PositionAt(const std::string& text, size_t offset) {
  size_t line = 0, line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return Json{{"line", line}, {"character", offset - line_start}};
}

}  // namespace

std::string DriveServer(const std::string& path, const std::string& text, uint32_t seed) {
  std::mt19937 random(seed);
  std::error_code ec;
  std::string uri = lsp::PathToUri(std::filesystem::absolute(path, ec).lexically_normal().string());
  Json doc{{"uri", uri}};

  // First the capabilities, from a server that only answers initialize.
  Json capabilities;
  {
    std::istringstream in(Frame({Json{{"jsonrpc", "2.0"}, {"id", 0}, {"method", "initialize"}, {"params", {{"capabilities", Json::object()}}}},
                                 Json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "shutdown"}},
                                 Json{{"jsonrpc", "2.0"}, {"method", "exit"}}}));
    std::ostringstream out;
    lsp::Server server(in, out);
    lsp::RegisterAllFeatures(server);
    server.Run();
    std::vector<Json> answers;
    if (!Unframe(out.str(), answers) || answers.empty()) return "the answer to initialize is not framed JSON";
    capabilities = answers[0]["result"]["capabilities"];
  }

  std::vector<Json> messages;
  int id = 1;
  auto request = [&](const std::string& method, Json params) {
    messages.push_back(Json{{"jsonrpc", "2.0"}, {"id", ++id}, {"method", method}, {"params", std::move(params)}});
  };
  messages.push_back(Json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"},
                          {"params", {{"capabilities", Json::object()}, {"rootUri", nullptr}}}});
  messages.push_back(Json{{"jsonrpc", "2.0"}, {"method", "initialized"}, {"params", Json::object()}});
  messages.push_back(Json{{"jsonrpc", "2.0"}, {"method", "textDocument/didOpen"},
                          {"params", {{"textDocument", {{"uri", uri}, {"languageId", "etl"}, {"version", 1}, {"text", text}}}}}});

  std::string current = text;
  auto requests_round = [&]() {
    std::vector<Json> positions;
    for (int i = 0; i < 4; ++i) {
      size_t offset = current.empty() ? 0 : random() % (current.size() + 1);
      positions.push_back(PositionAt(current, offset));
    }
    positions.push_back(Json{{"line", 100000}, {"character", 5}});      // past the end
    positions.push_back(Json{{"line", 0}, {"character", 100000}});      // past the line
    Json whole{{"start", {{"line", 0}, {"character", 0}}}, {"end", {{"line", 100000}, {"character", 0}}}};
    for (const Json& position : positions) {
      Json at{{"textDocument", doc}, {"position", position}};
      if (capabilities.contains("hoverProvider")) request("textDocument/hover", at);
      if (capabilities.contains("completionProvider")) request("textDocument/completion", at);
      if (capabilities.contains("signatureHelpProvider")) request("textDocument/signatureHelp", at);
      if (capabilities.contains("definitionProvider")) request("textDocument/definition", at);
      if (capabilities.contains("referencesProvider")) {
        Json references = at;
        references["context"] = {{"includeDeclaration", true}};
        request("textDocument/references", references);
      }
      if (capabilities.contains("documentHighlightProvider")) request("textDocument/documentHighlight", at);
      if (capabilities.contains("renameProvider")) {
        request("textDocument/prepareRename", at);
        Json rename = at;
        rename["newName"] = "renamed_x";
        messages.push_back(Json{{"jsonrpc", "2.0"}, {"id", ++id}, {"method", "textDocument/rename"}, {"params", rename}});
      }
    }
    Json document{{"textDocument", doc}};
    Json ranged{{"textDocument", doc}, {"range", whole}};
    if (capabilities.contains("documentSymbolProvider")) request("textDocument/documentSymbol", document);
    if (capabilities.contains("workspaceSymbolProvider")) request("workspace/symbol", Json{{"query", "o"}});
    if (capabilities.contains("semanticTokensProvider")) {
      request("textDocument/semanticTokens/full", document);
      request("textDocument/semanticTokens/range", ranged);
    }
    if (capabilities.contains("documentFormattingProvider")) {
      request("textDocument/formatting", Json{{"textDocument", doc}, {"options", {{"tabSize", 2}, {"insertSpaces", true}}}});
    }
    if (capabilities.contains("codeActionProvider")) {
      request("textDocument/codeAction", Json{{"textDocument", doc}, {"range", whole}, {"context", {{"diagnostics", Json::array()}}}});
    }
    if (capabilities.contains("inlayHintProvider")) request("textDocument/inlayHint", ranged);
  };
  requests_round();
  // Incremental edits: delete a random span, insert a random piece of the text elsewhere.
  for (int version = 2; version <= 3; ++version) {
    size_t from = current.empty() ? 0 : random() % (current.size() + 1);
    size_t to = std::min(current.size(), from + random() % 12);
    std::string inserted = current.substr(random() % (current.size() + 1), random() % 8);
    Json change{{"range", {{"start", PositionAt(current, from)}, {"end", PositionAt(current, to)}}}, {"text", inserted}};
    messages.push_back(Json{{"jsonrpc", "2.0"}, {"method", "textDocument/didChange"},
                            {"params", {{"textDocument", {{"uri", uri}, {"version", version}}}, {"contentChanges", Json::array({change})}}}});
    // The server applies the edit by LSP positions (UTF-16); the positions above count
    // bytes, so `current` only approximates the server's text: good enough for aiming.
    current = current.substr(0, from) + inserted + current.substr(to);
    requests_round();
  }
  messages.push_back(Json{{"jsonrpc", "2.0"}, {"id", ++id}, {"method", "shutdown"}});
  messages.push_back(Json{{"jsonrpc", "2.0"}, {"method", "exit"}});

  std::istringstream in(Frame(messages));
  std::ostringstream out;
  int code = 0;
  {
    lsp::ServerOptions options;
    options.debounce_ms = 0;
    lsp::Server server(in, out, options);
    lsp::RegisterAllFeatures(server);
    code = server.Run();
  }
  if (code != 0) return "the server exited with " + std::to_string(code) + " after shutdown + exit";
  std::vector<Json> answers;
  if (!Unframe(out.str(), answers)) return "the server's output is not framed JSON";
  size_t responses = 0;
  for (const Json& answer : answers) {
    if (!answer.contains("id")) continue;
    ++responses;
    if (!answer.contains("error")) continue;
    int error = answer["error"].value("code", 0);
    // RequestFailed (a refused rename) is an answer; internal errors and invalid
    // params for well-formed requests are bugs.
    if (error == static_cast<int>(lsp::ErrorCode::kInternalError) ||
        error == static_cast<int>(lsp::ErrorCode::kInvalidParams) ||
        error == static_cast<int>(lsp::ErrorCode::kMethodNotFound)) {
      std::string method;
      for (const Json& m : messages) {
        if (m.contains("id") && m["id"] == answer["id"]) method = m.value("method", "");
      }
      return "request " + method + " failed: " + answer["error"].dump();
    }
  }
  size_t requests = 0;
  for (const Json& m : messages) requests += m.contains("id") ? 1 : 0;
  if (responses != requests) {
    return "sent " + std::to_string(requests) + " requests, got " + std::to_string(responses) + " answers";
  }
  return "";
}

}  // namespace etl::fuzz
