// The HTTP and WebSocket transport of `etlc serve` (Boost.Beast, kept in one translation
// unit, http_server.cpp, behind this Boost-free header: a Beast file costs ~20 s to
// compile). It parses requests and hands them to a handler; it knows nothing of the API
// (server/api.h routes them). docs/dev/serve.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace etl::server {

// Header names compared without case.
struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

// One parsed request. `path` is the target before `?`, percent-decoded; `query` holds the
// decoded `name=value` pairs in order (a name without `=` has an empty value).
struct HttpRequest {
  std::string method;   // "GET", "POST", ...
  std::string target;   // as received: "/api/v1/runs?limit=5"
  std::string path;     // "/api/v1/runs"
  std::vector<std::pair<std::string, std::string>> query;
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  std::string body;
  std::string remote;   // "127.0.0.1:51234"

  // The first value of a query parameter; nullopt when absent.
  std::optional<std::string> Query(const std::string& name) const;
  // A header's value; nullopt when absent.
  std::optional<std::string> Header(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Location, WWW-Authenticate)
};

// `{"error": {"code": code, "message": message}}` with `status`: the shape of every error
// answer, the transport's own (400 malformed request, 413 body too large, 500 a handler
// that threw) included.
HttpResponse JsonError(int status, const std::string& code, const std::string& message);

// Answers a request. Called on the transport's threads, possibly concurrently: the
// handler does its own locking. An exception becomes a 500 JSON error.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Decides on a WebSocket upgrade request (`GET` with `Upgrade: websocket`) to `path`:
// nullopt accepts it, a response (401, 403, 404) refuses it. The accepted connection
// receives what Broadcast sends for which `filter` returns true.
struct WebSocketAccept {
  std::optional<HttpResponse> refusal;
  // Which broadcast messages this connection gets (null = all); called with Broadcast's
  // `topic` on the broadcasting thread.
  std::function<bool(const std::map<std::string, std::string>& topic)> filter;
};
using WebSocketAuthorizer = std::function<WebSocketAccept(const HttpRequest&)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;                 // 0 = any free port (see HttpServer::Port)
  size_t threads = 2;                // threads running the handler
  size_t body_limit = 8 << 20;       // larger bodies: 413
  size_t header_limit = 64 << 10;    // larger headers: 431 (Beast's limit)
  int64_t idle_timeout_us = 60'000'000;  // an idle keep-alive connection is closed after this
  size_t websocket_queue_limit = 10'000;  // a WebSocket client this far behind is closed (1008)
};

// Serves HTTP/1.1 (keep-alive) and WebSockets on one port until Stop().
class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler, WebSocketAuthorizer websockets);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the threads; false and `error` ("cannot listen on 127.0.0.1:8080:
  // Address already in use") when it cannot.
  bool Start(std::string& error);
  // The port it listens on (the chosen one when options.port was 0).
  uint16_t Port() const;
  // Sends `text` to every open WebSocket whose filter accepts `topic` (e.g.
  // {"pipeline": "load", "run": "2024...-ab12cd"}). Never blocks on a slow client: each
  // connection has its own queue (HttpServerOptions::websocket_queue_limit).
  void Broadcast(const std::map<std::string, std::string>& topic, const std::string& text);
  // How many WebSockets are open.
  size_t WebSocketCount() const;
  // Closes the listener and every connection (WebSockets with 1001 "going away") and joins
  // the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace etl::server
