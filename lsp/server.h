// The language server: LSP 3.17 over JSON-RPC on a pair of streams (stdio for `etlc lsp`).
// One thread reads messages into a queue; the main thread handles them in order, so a
// handler never races an edit. Each feature registers its handlers and capabilities
// (lsp/features.h); this file owns the lifecycle, document sync and diagnostics.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "lsp/analysis.h"
#include "lsp/json_rpc.h"
#include "lsp/workspace.h"

namespace etl::lsp {

// Thrown by a handler to answer with a JSON-RPC error instead of a result.
struct RequestError : std::runtime_error {
  RequestError(ErrorCode code, const std::string& message) : std::runtime_error(message), code(code) {}
  ErrorCode code;
};

// Options of `etlc lsp`.
struct ServerOptions {
  // Diagnostics of an edited document are published this long after the last edit
  // (and before the answer to any request that arrives sooner).
  int debounce_ms = 150;
  std::ostream* log = nullptr;  // one line per message handled, with its time (--log)
  // Join the reading thread when the server is destroyed (tests over string streams);
  // `etlc lsp` leaves it blocked on stdin and exits.
  bool join_reader = true;
};

class Server {
 public:
  Server(std::istream& in, std::ostream& out, ServerOptions options = {});
  ~Server();

  // Serves until `exit` or the end of input. Returns the process exit code: 0 after
  // shutdown + exit, 1 when the input ended or `exit` came without `shutdown` (LSP 3.17).
  int Run();

  // For features (lsp/features.h). A request handler returns the result (JSON null is a
  // valid result) or throws RequestError; any other exception becomes an InternalError
  // answer and the server keeps going.
  using RequestHandler = std::function<Json(const Json& params)>;
  using NotificationHandler = std::function<void(const Json& params)>;
  void OnRequest(const std::string& method, RequestHandler handler);
  void OnNotification(const std::string& method, NotificationHandler handler);
  // The `capabilities` answered to `initialize`; features add theirs when registered.
  Json& Capabilities() { return capabilities_; }
  const Json& ClientCapabilities() const { return client_capabilities_; }
  Workspace& GetWorkspace() { return workspace_; }
  void Notify(const std::string& method, Json params);

  // The analysis of `params.textDocument.uri` (open, or on disk); RequestError when there
  // is neither. Pending diagnostics are published first.
  std::shared_ptr<const Analysis> DocumentAnalysis(const Json& params);
  // The byte offset of `params.position` in that analysis's document.
  static uint32_t OffsetOf(const Analysis& analysis, const Json& params);

 private:
  // What the reading thread shares with the server. Owned by both: a detached reader
  // (`etlc lsp` exits while it is blocked on stdin) may still push into it after the
  // Server is gone, so it must not live inside the Server.
  struct Inbox {
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<IncomingMessage> queue;
    bool input_ended = false;
    std::set<std::string> cancelled;  // ids (dumped JSON) of requests cancelled while queued
  };
  static void ReadLoop(std::istream& in, const std::shared_ptr<Inbox>& inbox);
  void Handle(const Json& message);
  void HandleRequest(const Json& id, const std::string& method, const Json& params);
  void HandleNotification(const std::string& method, const Json& params);
  void Respond(const Json& id, Json result);
  void RespondError(const Json& id, ErrorCode code, const std::string& message);
  Json Initialize(const Json& params);
  void RegisterLifecycle();
  void RegisterDocumentSync();
  // Diagnostics: mark documents as edited, publish what is due (or everything pending).
  void MarkDirty(const std::string& uri);
  void PublishDue(bool all);
  void Publish(const std::string& uri);
  void Log(const std::string& line);

  std::istream& in_;
  std::thread reader_;
  MessageWriter writer_;
  ServerOptions options_;
  Workspace workspace_;
  Json capabilities_ = Json::object();
  Json client_capabilities_ = Json::object();
  std::map<std::string, RequestHandler> requests_;
  std::map<std::string, NotificationHandler> notifications_;
  bool initialized_ = false;
  bool shutdown_ = false;
  bool exited_ = false;

  std::shared_ptr<Inbox> inbox_ = std::make_shared<Inbox>();

  using Clock = std::chrono::steady_clock;
  std::map<std::string, Clock::time_point> dirty_;  // URI -> when its diagnostics are due
  Clock::time_point started_ = Clock::now();
};

}  // namespace etl::lsp
