// The REST API v1 of `etlc serve` (issue 7 item 3), documented by docs/api/openapi.yaml:
// routes a parsed request to the service, checks the bearer token and its role, writes
// every write request to the audit log, and answers JSON. Transport-free (tests and the
// Beast transport call Handle the same way).
#pragma once

#include <string>

#include "server/http_server.h"
#include "server/service.h"

namespace etl::server {

struct ApiOptions {
  bool insecure_local = false;  // no tokens: every request acts as admin `local`
  std::string version;          // etlc's version, for /api/v1/health
};

class Api {
 public:
  Api(Service& service, ApiOptions options) : service_(service), options_(std::move(options)) {}

  // Answers one request (thread-safe).
  HttpResponse Handle(const HttpRequest& request);
  // Decides on a WebSocket upgrade (only /api/v1/events, any role; `?pipeline=` and
  // `?run=` narrow what the connection gets).
  WebSocketAccept AcceptWebSocket(const HttpRequest& request);

 private:
  struct Caller;
  struct Route;
  HttpResponse Dispatch(const HttpRequest& request, Caller& caller, std::string& audit_detail);
  std::optional<HttpResponse> Authenticate(const HttpRequest& request, Caller& caller);
  void Audit(const HttpRequest& request, const Caller& caller, const HttpResponse& response,
             const std::string& detail);

  Service& service_;
  ApiOptions options_;
};

}  // namespace etl::server
