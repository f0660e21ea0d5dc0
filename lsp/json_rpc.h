// JSON-RPC 2.0 over LSP's base protocol: `Content-Length: N\r\n\r\n` + N bytes of JSON.
#pragma once

#include <istream>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>

#include "lsp/text.h"

namespace etl::lsp {

// JSON-RPC error codes used by the server (JSON-RPC 2.0 and LSP 3.17).
enum class ErrorCode : int {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  kServerNotInitialized = -32002,
  kRequestFailed = -32803,
  kRequestCancelled = -32800,
};

// What reading one message gave.
struct IncomingMessage {
  enum class Kind { Message, Malformed, EndOfStream };
  Kind kind = Kind::EndOfStream;
  Json json;           // Message
  std::string error;   // Malformed: why (bad header, bad JSON); the stream stays usable
};

// Reads one framed message. Headers other than Content-Length (Content-Type) are accepted
// and ignored; a malformed body is reported and skipped, a broken header ends the stream.
IncomingMessage ReadMessage(std::istream& in);

// Writes framed messages; safe to call from several threads.
class MessageWriter {
 public:
  explicit MessageWriter(std::ostream& out) : out_(out) {}
  void Write(const Json& message);

 private:
  std::ostream& out_;
  std::mutex mutex_;
};

}  // namespace etl::lsp
