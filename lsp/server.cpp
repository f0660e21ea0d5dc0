#include "lsp/server.h"

#include <thread>

#include <fmt/format.h>

#include "lsp/diagnostics.h"

namespace etl::lsp {

namespace {

std::string IdKey(const Json& id) { return id.dump(); }

const Json& Member(const Json& object, const char* name) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

std::string RequireUri(const Json& params) {
  const Json& uri = Member(Member(params, "textDocument"), "uri");
  if (!uri.is_string()) throw RequestError(ErrorCode::kInvalidParams, "`textDocument.uri` must be a string");
  return uri.get<std::string>();
}

}  // namespace

Server::Server(std::istream& in, std::ostream& out, ServerOptions options)
    : in_(in), writer_(out), options_(options) {
  // std::cin is tied to std::cout: every read would flush cout from the reader thread,
  // racing the writer (seen as messages sent twice).
  in_.tie(nullptr);
  RegisterLifecycle();
  RegisterDocumentSync();
}

Server::~Server() {
  if (!reader_.joinable()) return;
  if (options_.join_reader) {
    reader_.join();
  } else {
    reader_.detach();
  }
}

void Server::OnRequest(const std::string& method, RequestHandler handler) { requests_[method] = std::move(handler); }

void Server::OnNotification(const std::string& method, NotificationHandler handler) {
  notifications_[method] = std::move(handler);
}

void Server::Notify(const std::string& method, Json params) {
  writer_.Write(Json{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
}

void Server::Respond(const Json& id, Json result) {
  writer_.Write(Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

void Server::RespondError(const Json& id, ErrorCode code, const std::string& message) {
  writer_.Write(Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", static_cast<int>(code)}, {"message", message}}}});
}

void Server::Log(const std::string& line) {
  if (!options_.log) return;
  auto ms = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count() / 1000.0;
  *options_.log << fmt::format("[{:10.3f} ms] {}\n", ms, line);
  options_.log->flush();
}

void Server::ReadLoop(std::istream& in, const std::shared_ptr<Inbox>& inbox) {
  while (true) {
    IncomingMessage message = ReadMessage(in);
    bool end = message.kind == IncomingMessage::Kind::EndOfStream;
    // A broken header leaves the stream unsynchronised: stop reading after it.
    bool stop = end || (message.kind == IncomingMessage::Kind::Malformed && in.eof());
    {
      std::lock_guard<std::mutex> lock(inbox->mutex);
      if (message.kind == IncomingMessage::Kind::Message && Member(message.json, "method") == "$/cancelRequest") {
        const Json& id = Member(Member(message.json, "params"), "id");
        if (!id.is_null()) inbox->cancelled.insert(IdKey(id));
      }
      if (end) {
        inbox->input_ended = true;
      } else {
        inbox->queue.push_back(std::move(message));
      }
      if (stop) inbox->input_ended = true;
      // Notified under the lock: the server may be gone as soon as the lock is released.
      inbox->ready.notify_one();
    }
    if (stop) return;
  }
}

int Server::Run() {
  reader_ = std::thread([&in = in_, inbox = inbox_] { ReadLoop(in, inbox); });
  Inbox& inbox = *inbox_;
  while (!exited_) {
    IncomingMessage message;
    {
      std::unique_lock<std::mutex> lock(inbox.mutex);
      auto has_work = [&inbox] { return !inbox.queue.empty() || inbox.input_ended; };
      if (dirty_.empty()) {
        inbox.ready.wait(lock, has_work);
      } else {
        Clock::time_point due = Clock::time_point::max();
        for (const auto& [uri, when] : dirty_) due = std::min(due, when);
        if (!inbox.ready.wait_until(lock, due, has_work)) {
          lock.unlock();
          PublishDue(false);
          continue;
        }
      }
      if (inbox.queue.empty()) break;  // input ended
      message = std::move(inbox.queue.front());
      inbox.queue.pop_front();
    }
    if (message.kind == IncomingMessage::Kind::Malformed) {
      Log("malformed message: " + message.error);
      // JSON-RPC: a body that is not JSON gets a ParseError answer with a null id.
      writer_.Write(Json{{"jsonrpc", "2.0"},
                         {"id", nullptr},
                         {"error", {{"code", static_cast<int>(ErrorCode::kParseError)}, {"message", message.error}}}});
      continue;
    }
    Handle(message.json);
    PublishDue(false);
  }
  return exited_ && shutdown_ ? 0 : 1;
}

void Server::Handle(const Json& message) {
  if (!message.is_object()) {
    RespondError(nullptr, ErrorCode::kInvalidRequest, "a message must be a JSON object");
    return;
  }
  const Json& method = Member(message, "method");
  bool has_id = message.contains("id");
  const Json& id = Member(message, "id");
  if (has_id && !(id.is_string() || id.is_number_integer() || id.is_null())) {
    RespondError(nullptr, ErrorCode::kInvalidRequest, "`id` must be a string or an integer");
    return;
  }
  if (!method.is_string()) {
    if (has_id && (message.contains("result") || message.contains("error"))) return;  // a response to us: none expected
    RespondError(has_id ? id : Json(), ErrorCode::kInvalidRequest, "a request needs a string `method`");
    return;
  }
  const Json& params = Member(message, "params");
  std::string name = method.get<std::string>();
  auto started = Clock::now();
  if (has_id) {
    HandleRequest(id, name, params);
  } else {
    HandleNotification(name, params);
  }
  if (options_.log) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
    Log(fmt::format("{} {} in {:.3f} ms", has_id ? "request" : "notification", name, us / 1000.0));
  }
}

void Server::HandleRequest(const Json& id, const std::string& method, const Json& params) {
  {
    std::lock_guard<std::mutex> lock(inbox_->mutex);
    if (inbox_->cancelled.erase(IdKey(id))) {
      RespondError(id, ErrorCode::kRequestCancelled, "the request was cancelled");
      return;
    }
  }
  if (!initialized_ && method != "initialize") {
    RespondError(id, ErrorCode::kServerNotInitialized, "the server is not initialized yet: send `initialize` first");
    return;
  }
  if (shutdown_) {
    RespondError(id, ErrorCode::kInvalidRequest, "the server is shutting down: only `exit` is accepted");
    return;
  }
  // Every answer comes after the diagnostics of the edits before it (clients and the
  // transcript tests see one order).
  if (method != "initialize") PublishDue(true);
  auto it = requests_.find(method);
  if (it == requests_.end()) {
    RespondError(id, ErrorCode::kMethodNotFound, "unsupported method `" + method + "`");
    return;
  }
  try {
    Respond(id, it->second(params));
  } catch (const RequestError& error) {
    RespondError(id, error.code, error.what());
  } catch (const Json::exception& error) {
    RespondError(id, ErrorCode::kInvalidParams, fmt::format("malformed parameters of `{}`: {}", method, error.what()));
  } catch (const std::exception& error) {
    Log(fmt::format("internal error in {}: {}", method, error.what()));
    RespondError(id, ErrorCode::kInternalError, fmt::format("internal error in `{}`: {}", method, error.what()));
  }
}

void Server::HandleNotification(const std::string& method, const Json& params) {
  if (method == "exit") {
    exited_ = true;
    return;
  }
  if (!initialized_) return;  // LSP: notifications before initialize are dropped
  auto it = notifications_.find(method);
  if (it == notifications_.end()) return;  // `$/...` and unknown notifications are ignored
  try {
    it->second(params);
  } catch (const std::exception& error) {
    // A notification has no answer; tell the user through the log window.
    Log(fmt::format("error in {}: {}", method, error.what()));
    Notify("window/logMessage", Json{{"type", 1}, {"message", fmt::format("etlc lsp: {}: {}", method, error.what())}});
  }
}

Json Server::Initialize(const Json& params) {
  if (initialized_) throw RequestError(ErrorCode::kInvalidRequest, "`initialize` was already received");
  client_capabilities_ = Member(params, "capabilities");
  if (!client_capabilities_.is_object()) client_capabilities_ = Json::object();
  // Position encoding: UTF-8 when the client offers it (no conversion), else UTF-16, the
  // LSP default (Neovim 0.7 sends no list).
  PositionEncoding encoding = PositionEncoding::Utf16;
  const Json& offered = Member(Member(client_capabilities_, "general"), "positionEncodings");
  if (offered.is_array()) {
    for (const Json& e : offered) {
      if (e == "utf-8") {
        encoding = PositionEncoding::Utf8;
        break;
      }
    }
  }
  workspace_.SetEncoding(encoding);
  std::vector<std::string> roots;
  const Json& folders = Member(params, "workspaceFolders");
  if (folders.is_array()) {
    for (const Json& folder : folders) {
      const Json& uri = Member(folder, "uri");
      if (uri.is_string()) {
        if (auto path = UriToPath(uri.get<std::string>())) roots.push_back(*path);
      }
    }
  }
  if (roots.empty()) {
    const Json& root_uri = Member(params, "rootUri");
    const Json& root_path = Member(params, "rootPath");
    if (root_uri.is_string()) {
      if (auto path = UriToPath(root_uri.get<std::string>())) roots.push_back(*path);
    } else if (root_path.is_string()) {
      roots.push_back(root_path.get<std::string>());
    }
  }
  workspace_.SetRoots(std::move(roots));
  initialized_ = true;
  Json capabilities = capabilities_;
  capabilities["positionEncoding"] = std::string(Spelling(encoding));
  return Json{{"capabilities", capabilities}, {"serverInfo", {{"name", "etlc lsp"}, {"version", ETL_LSP_VERSION}}}};
}

void Server::RegisterLifecycle() {
  OnRequest("initialize", [this](const Json& params) { return Initialize(params); });
  OnNotification("initialized", [](const Json&) {});
  OnRequest("shutdown", [this](const Json&) {
    PublishDue(true);
    shutdown_ = true;
    return Json();
  });
}

void Server::RegisterDocumentSync() {
  // Incremental sync; didSave carries no text (we read buffers, not the disk).
  capabilities_["textDocumentSync"] = Json{{"openClose", true}, {"change", 2}, {"save", {{"includeText", false}}}};
  OnNotification("textDocument/didOpen", [this](const Json& params) {
    const Json& doc = Member(params, "textDocument");
    const Json& uri = Member(doc, "uri");
    const Json& text = Member(doc, "text");
    if (!uri.is_string() || !text.is_string()) throw RequestError(ErrorCode::kInvalidParams, "didOpen needs `uri` and `text`");
    const Json& version = Member(doc, "version");
    workspace_.Open(uri.get<std::string>(), text.get<std::string>(), version.is_number_integer() ? version.get<int>() : 0);
    // A newly opened file gets its diagnostics at once; files importing it are re-checked.
    for (const auto& dependent : workspace_.DependentsOf(Workspace::PathOf(uri.get<std::string>()))) MarkDirty(dependent);
    dirty_.erase(uri.get<std::string>());
    Publish(uri.get<std::string>());
  });
  OnNotification("textDocument/didChange", [this](const Json& params) {
    std::string uri = RequireUri(params);
    const Json& version = Member(Member(params, "textDocument"), "version");
    std::string error;
    bool ok = workspace_.Change(uri, Member(params, "contentChanges"),
                                version.is_number_integer() ? version.get<int>() : 0, error);
    if (workspace_.Find(uri)) {
      for (const auto& dependent : workspace_.DependentsOf(Workspace::PathOf(uri))) MarkDirty(dependent);
      MarkDirty(uri);
    }
    if (!ok) throw RequestError(ErrorCode::kInvalidParams, error);
  });
  OnNotification("textDocument/didSave", [](const Json&) {});
  OnNotification("textDocument/didClose", [this](const Json& params) {
    std::string uri = RequireUri(params);
    std::string path = Workspace::PathOf(uri);
    workspace_.Close(uri);
    dirty_.erase(uri);
    // Its diagnostics go away with it; importers now read it from disk.
    Notify("textDocument/publishDiagnostics", Json{{"uri", uri}, {"diagnostics", Json::array()}});
    for (const auto& dependent : workspace_.DependentsOf(path)) MarkDirty(dependent);
  });
}

void Server::MarkDirty(const std::string& uri) {
  dirty_[uri] = Clock::now() + std::chrono::milliseconds(options_.debounce_ms);
}

void Server::PublishDue(bool all) {
  auto now = Clock::now();
  std::vector<std::string> due;
  for (const auto& [uri, when] : dirty_) {
    if (all || when <= now) due.push_back(uri);
  }
  for (const auto& uri : due) {
    dirty_.erase(uri);
    Publish(uri);
  }
}

void Server::Publish(const std::string& uri) {
  const Document* doc = workspace_.Find(uri);
  if (!doc) return;
  std::shared_ptr<const Analysis> analysis = workspace_.Analyze(uri);
  Json params{{"uri", uri}, {"version", doc->version}, {"diagnostics", analysis ? DocumentDiagnostics(*analysis) : Json::array()}};
  Notify("textDocument/publishDiagnostics", std::move(params));
}

std::shared_ptr<const Analysis> Server::DocumentAnalysis(const Json& params) {
  PublishDue(true);
  std::string uri = RequireUri(params);
  std::shared_ptr<const Analysis> analysis = workspace_.Analyze(uri);
  if (!analysis || analysis->File() == diag::kNoFile) {
    throw RequestError(ErrorCode::kInvalidParams, "unknown document `" + uri + "`: open it first");
  }
  return analysis;
}

uint32_t Server::OffsetOf(const Analysis& analysis, const Json& params) {
  std::optional<Position> position = PositionFromJson(Member(params, "position"));
  if (!position) throw RequestError(ErrorCode::kInvalidParams, "`position` must be {line, character}");
  return analysis.Offset(*position);
}

}  // namespace etl::lsp
