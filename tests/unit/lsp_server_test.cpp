// The server core over string streams: framing errors, malformed messages, lifecycle
// rules, cancellation and the end of input (no hang, the right exit code).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "lsp/features.h"
#include "lsp/server.h"

namespace etl::lsp {
namespace {

std::string Frame(const std::string& body) { return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body; }
std::string Frame(const Json& message) { return Frame(message.dump()); }

// Runs a server over `input`; returns its exit code and the messages it wrote.
int Serve(const std::string& input, std::vector<Json>& out) {
  std::istringstream in(input);
  std::ostringstream written;
  int code = 0;
  {
    Server server(in, written);
    RegisterAllFeatures(server);
    code = server.Run();
  }
  std::string text = written.str();
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find("\r\n\r\n", at);
    size_t length = std::stoul(text.substr(at + 16, end - at - 16));
    out.push_back(Json::parse(text.substr(end + 4, length)));
    at = end + 4 + length;
  }
  return code;
}

Json Request(int id, const std::string& method, Json params = Json::object()) {
  return Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}
const Json kExit{{"jsonrpc", "2.0"}, {"method", "exit"}};

TEST(LspServer, MalformedBodiesAreAnsweredAndTheServerGoesOn) {
  std::vector<Json> out;
  int code = Serve(Frame(Request(1, "initialize", {{"capabilities", Json::object()}})) + Frame(std::string("{not json")) +
                       Frame(std::string("[1, 2]")) + Frame(Json{{"jsonrpc", "2.0"}, {"id", 2}}) +
                       Frame(Request(3, "shutdown")) + Frame(kExit),
                   out);
  EXPECT_EQ(code, 0);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[1]["error"]["code"], -32700);  // not JSON: ParseError, null id
  EXPECT_TRUE(out[1]["id"].is_null());
  EXPECT_EQ(out[2]["error"]["code"], -32600);  // not an object
  EXPECT_EQ(out[3]["error"]["code"], -32600);  // no method
  EXPECT_EQ(out[3]["id"], 2);
  EXPECT_TRUE(out[4]["result"].is_null());     // shutdown still answered
}

TEST(LspServer, InputEndingInsideAMessageEndsTheServerWithExitCode1) {
  std::vector<Json> out;
  // A header with no body: the reader reports it and stops; the server must not wait.
  int code = Serve(Frame(Request(1, "initialize", {{"capabilities", Json::object()}})) + "Content-Length: 40\r\n\r\n{\"jso",
                   out);
  EXPECT_EQ(code, 1);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1]["error"]["code"], -32700);
  EXPECT_NE(out[1]["error"]["message"].get<std::string>().find("ended inside a message body"), std::string::npos);
}

TEST(LspServer, ExitWithoutShutdownIsExitCode1AndRequestsAfterShutdownAreRefused) {
  std::vector<Json> out;
  EXPECT_EQ(Serve(Frame(Request(1, "initialize", {{"capabilities", Json::object()}})) + Frame(kExit), out), 1);
  out.clear();
  int code = Serve(Frame(Request(1, "initialize", {{"capabilities", Json::object()}})) + Frame(Request(2, "shutdown")) +
                       Frame(Request(3, "textDocument/hover")) + Frame(kExit),
                   out);
  EXPECT_EQ(code, 0);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2]["error"]["code"], -32600);
}

TEST(LspServer, AQueuedRequestThatWasCancelledIsAnsweredCancelled) {
  std::vector<Json> out;
  // The reader records a cancel as it reads it, before the main thread can take any later
  // message; sending it ahead of its request makes the order deterministic here.
  Json cancel{{"jsonrpc", "2.0"}, {"method", "$/cancelRequest"}, {"params", {{"id", 2}}}};
  Serve(Frame(Request(1, "initialize", {{"capabilities", Json::object()}})) + Frame(cancel) +
            Frame(Request(2, "workspace/symbol", {{"query", "x"}})) + Frame(Request(3, "shutdown")) +
            Frame(kExit),
        out);
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(out[1]["id"], 2);
  EXPECT_EQ(out[1]["error"]["code"], -32800);
}

TEST(LspServer, MalformedParamsAreInvalidParamsNotACrash) {
  std::vector<Json> out;
  Serve(Frame(Request(1, "initialize", {{"capabilities", Json::object()}})) +
            Frame(Request(2, "textDocument/hover", {{"textDocument", {{"uri", 42}}}})) +
            Frame(Request(3, "textDocument/semanticTokens/range",
                          {{"textDocument", {{"uri", "file:///nonexistent/x.etl"}}}, {"range", "nope"}})) +
            Frame(Request(4, "shutdown")) + Frame(kExit),
        out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[1]["error"]["code"], -32602);
  EXPECT_EQ(out[2]["error"]["code"], -32602);
}

}  // namespace
}  // namespace etl::lsp
