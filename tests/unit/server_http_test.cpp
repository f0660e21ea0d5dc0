// The HTTP + WebSocket transport of `etlc serve` (server/http_server.h), driven over real
// loopback sockets by a small POSIX client written here (no Boost in this file: it keeps
// the test's compile time down). docs/dev/serve.md#the-http-transport.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "server/http_server.h"

namespace etl::server {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Every wait in these tests ends: a hung server fails the test instead of blocking CI.
constexpr int kReadTimeoutMs = 5000;

// A blocking loopback TCP client.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~Client() {
    if (fd_ >= 0) close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  void ShutdownWrite() { shutdown(fd_, SHUT_WR); }

  // Reads more bytes into buffer_: false on end of stream, error or timeout.
  bool Fill(int timeout_ms = kReadTimeoutMs) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) {
      timed_out_ = true;
      return false;
    }
    char chunk[65536];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  // Exactly `n` bytes (fewer when the stream ends).
  std::string Take(size_t n) {
    while (buffer_.size() < n && Fill()) {
    }
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, out.size());
    return out;
  }
  // Whether the server closes the connection (reads and drops everything until then).
  bool ClosedWithin(int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    timed_out_ = false;
    while (Clock::now() < deadline) {
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
      if (!Fill(std::max(left, 1))) return !timed_out_;
      buffer_.clear();
    }
    return false;
  }

  std::string buffer_;
  bool timed_out_ = false;

 private:
  int fd_ = -1;
  bool connected_ = false;
};

struct Response {
  int status = 0;  // 0: no response (closed or timed out)
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  std::string body;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// One HTTP response with a Content-Length body.
Response ReadResponse(Client& client) {
  Response response;
  size_t end;
  while ((end = client.buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!client.Fill()) return response;
  }
  std::string head = client.buffer_.substr(0, end + 2);
  client.buffer_.erase(0, end + 4);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.size() < 12 || status_line.rfind("HTTP/1.", 0) != 0) return response;
  response.status = std::stoi(status_line.substr(9, 3));
  for (size_t pos = line_end + 2; pos < head.size();) {
    size_t next = head.find("\r\n", pos);
    std::string line = head.substr(pos, next - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      response.headers[line.substr(0, colon)] = value;
    }
    pos = next + 2;
  }
  size_t length = response.headers.count("Content-Length") ? std::stoul(response.headers["Content-Length"]) : 0;
  response.body = client.Take(length);
  return response;
}

Response Exchange(uint16_t port, const std::string& raw) {
  Client client(port);
  EXPECT_TRUE(client.connected());
  client.Send(raw);
  return ReadResponse(client);
}

std::string Get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n\r\n";
}

// Answers every request with what it received, as JSON.
HttpResponse Echo(const HttpRequest& request) {
  nlohmann::json query = nlohmann::json::array();
  for (const auto& [name, value] : request.query) query.push_back({name, value});
  HttpResponse response;
  response.body = nlohmann::json{{"method", request.method},
                                 {"target", request.target},
                                 {"path", request.path},
                                 {"query", query},
                                 {"body", request.body},
                                 {"remote", request.remote},
                                 {"agent", request.Header("user-agent").value_or("")},
                                 {"limit", request.Query("limit").value_or("(none)")}}
                      .dump();
  return response;
}

// A started server on a free loopback port.
struct Served {
  explicit Served(HttpServerOptions options = {}, HttpHandler handler = Echo, WebSocketAuthorizer authorizer = {})
      : server(std::move(options), std::move(handler), std::move(authorizer)) {
    std::string error;
    started = server.Start(error);
    EXPECT_TRUE(started) << error;
  }
  uint16_t port() const { return server.Port(); }
  HttpServer server;
  bool started = false;
};

TEST(HttpServer, GetWithQueryAndPercentDecoding) {
  Served s;
  ASSERT_NE(s.port(), 0);
  Response r = Exchange(s.port(),
                        "GET /api/v1/runs/a%20b%2Fc?limit=5&pipeline=load%26go&flag&q=x+y&empty= HTTP/1.1\r\n"
                        "Host: test\r\nUser-Agent: unit\r\n\r\n");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["Content-Type"], "application/json");
  EXPECT_EQ(r.headers["Content-Length"], std::to_string(r.body.size()));
  auto json = r.Json();
  EXPECT_EQ(json["method"], "GET");
  EXPECT_EQ(json["target"], "/api/v1/runs/a%20b%2Fc?limit=5&pipeline=load%26go&flag&q=x+y&empty=");
  EXPECT_EQ(json["path"], "/api/v1/runs/a b/c");
  EXPECT_EQ(json["query"], nlohmann::json::parse(R"([["limit","5"],["pipeline","load&go"],["flag",""],["q","x y"],["empty",""]])"));
  EXPECT_EQ(json["limit"], "5");
  EXPECT_EQ(json["agent"], "unit");  // header lookup ignores case
  EXPECT_EQ(json["remote"].get<std::string>().rfind("127.0.0.1:", 0), 0u);
}

TEST(HttpServer, BadPercentEscapeIs400) {
  Served s;
  for (std::string target : {"/a%2", "/a%zz", "/ok?x=%g1", "/ok?x%=1"}) {
    Response r = Exchange(s.port(), Get(target));
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(r.Json()["error"]["code"], "bad_request") << target;
    EXPECT_EQ(r.headers["Connection"], "close");
  }
}

TEST(HttpServer, PostBody) {
  Served s;
  std::string body = R"({"params": {"day": "2024-01-31"}})";
  Response r = Exchange(s.port(), "POST /api/v1/pipelines/load/runs HTTP/1.1\r\nHost: t\r\nContent-Type: "
                                   "application/json\r\nContent-Length: " +
                                       std::to_string(body.size()) + "\r\n\r\n" + body);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["method"], "POST");
  EXPECT_EQ(r.Json()["body"], body);
}

TEST(HttpServer, ChunkedBodyAndExpectContinue) {
  Served s;
  Client client(s.port());
  client.Send("POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  Response chunked = ReadResponse(client);
  EXPECT_EQ(chunked.Json()["body"], "hello world");
  // With Expect: 100-continue the server says so before the client sends its body.
  client.Send("POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  Response go_on = ReadResponse(client);
  EXPECT_EQ(go_on.status, 100);
  client.Send("abc");
  Response expected = ReadResponse(client);
  EXPECT_EQ(expected.status, 200);
  EXPECT_EQ(expected.Json()["body"], "abc");
}

TEST(HttpServer, KeepAliveServesTwoRequestsOnOneConnection) {
  Served s;
  Client client(s.port());
  client.Send(Get("/one"));
  Response first = ReadResponse(client);
  client.Send(Get("/two"));
  Response second = ReadResponse(client);
  EXPECT_EQ(first.Json()["path"], "/one");
  EXPECT_EQ(second.Json()["path"], "/two");
  EXPECT_EQ(first.headers.count("Connection"), 0u);
  // Pipelined: both requests in one write, answered in order.
  client.Send(Get("/three") + Get("/four"));
  EXPECT_EQ(ReadResponse(client).Json()["path"], "/three");
  EXPECT_EQ(ReadResponse(client).Json()["path"], "/four");
  // The client asks to close: the answer says so, and the server closes.
  client.Send("GET /last HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  Response last = ReadResponse(client);
  EXPECT_EQ(last.Json()["path"], "/last");
  EXPECT_EQ(last.headers["Connection"], "close");
  EXPECT_TRUE(client.ClosedWithin(3000));
}

TEST(HttpServer, HandlerResponseHeadersAndStatus) {
  Served s({}, [](const HttpRequest&) {
    HttpResponse response;
    response.status = 405;
    response.content_type = "text/plain";
    response.body = "no";
    response.headers = {{"Allow", "GET, POST"}, {"Content-Length", "999"}};
    return response;
  });
  Response r = Exchange(s.port(), Get("/x"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["Content-Type"], "text/plain");
  EXPECT_EQ(r.headers["Allow"], "GET, POST");
  EXPECT_EQ(r.headers["Content-Length"], "2");  // framing belongs to the transport
  EXPECT_EQ(r.body, "no");
}

TEST(HttpServer, HandlerExceptionIs500Json) {
  Served s({}, [](const HttpRequest& request) -> HttpResponse {
    if (request.path == "/throw") throw std::runtime_error("database is locked");
    if (request.path == "/throw-int") throw 42;
    return Echo(request);
  });
  Client client(s.port());
  client.Send(Get("/throw"));
  Response r = ReadResponse(client);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.Json()["error"]["code"], "internal");
  EXPECT_NE(r.Json()["error"]["message"].get<std::string>().find("database is locked"), std::string::npos);
  // The connection survives a throwing handler.
  client.Send(Get("/throw-int"));
  EXPECT_EQ(ReadResponse(client).status, 500);
  client.Send(Get("/fine"));
  EXPECT_EQ(ReadResponse(client).status, 200);
}

TEST(HttpServer, MalformedRequestLineIs400JsonThenClose) {
  Served s;
  for (std::string raw : {"GARBAGE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET /\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n",
                          "GET http://x/ HTTP/1.1\r\nHost: t\r\n\r\n",
                          "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n"}) {
    Client client(s.port());
    client.Send(raw);
    Response r = ReadResponse(client);
    EXPECT_EQ(r.status, 400) << raw;
    EXPECT_EQ(r.Json()["error"]["code"], "bad_request") << raw;
    EXPECT_EQ(r.headers["Connection"], "close") << raw;
    EXPECT_TRUE(client.ClosedWithin(3000)) << raw;
  }
}

TEST(HttpServer, GarbageBytesNeverCrashOrHang) {
  Served s;
  std::mt19937 random(7);
  for (int i = 0; i < 60; ++i) {
    std::string garbage(1 + random() % 600, '\0');
    for (char& c : garbage) c = static_cast<char>(random());
    if (i % 2 == 0) garbage += "\r\n\r\n";
    Client client(s.port());
    client.Send(garbage);
    client.ShutdownWrite();  // a truncated request must end, not wait for more
    // Either a 400 and a close, or a plain close; never silence.
    Response r = ReadResponse(client);
    if (r.status != 0) {
      EXPECT_EQ(r.status, 400) << "case " << i;
    }
    EXPECT_FALSE(client.timed_out_) << "case " << i;
    EXPECT_TRUE(client.ClosedWithin(4000)) << "case " << i;
  }
  // Still serving.
  EXPECT_EQ(Exchange(s.port(), Get("/alive")).status, 200);
}

TEST(HttpServer, BodyOverTheLimitIs413) {
  HttpServerOptions options;
  options.body_limit = 1000;
  std::atomic<int> calls{0};
  Served s(options, [&](const HttpRequest& request) {
    ++calls;
    return Echo(request);
  });
  std::string body(2000, 'x');
  Client client(s.port());
  client.Send("POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n" + body);
  Response r = ReadResponse(client);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.Json()["error"]["code"], "payload_too_large");
  EXPECT_TRUE(client.ClosedWithin(4000));
  // A chunked body is counted as it arrives.
  Client chunked(s.port());
  chunked.Send("POST /big HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" + body + "\r\n0\r\n\r\n");
  EXPECT_EQ(ReadResponse(chunked).status, 413);
  // At the limit is fine.
  Response fits = Exchange(s.port(), "POST /ok HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" + body.substr(0, 1000));
  EXPECT_EQ(fits.status, 200);
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpServer, HeadersOverTheLimitAre431) {
  HttpServerOptions options;
  options.header_limit = 1024;
  Served s(options);
  Response r = Exchange(s.port(), "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.Json()["error"]["code"], "bad_request");
}

TEST(HttpServer, IdleConnectionIsClosed) {
  HttpServerOptions options;
  options.idle_timeout_us = 200'000;
  Served s(options);
  Client idle(s.port());
  auto start = Clock::now();
  EXPECT_TRUE(idle.ClosedWithin(4000));
  EXPECT_GE(Clock::now() - start, 150ms);
  Client half(s.port());  // half a request is idle too
  half.Send("GET / HTTP/1.1\r\nHo");
  EXPECT_TRUE(half.ClosedWithin(4000));
}

// Two handlers that can only finish together: each waits (up to 10 s) for the other to
// enter. Serialised handlers would answer "alone" after the wait.
TEST(HttpServer, ConcurrentSlowHandlersDoNotSerialise) {
  std::mutex mutex;
  std::condition_variable cv;
  int inside = 0;
  Served s({}, [&](const HttpRequest& request) {
    if (request.path != "/slow") return Echo(request);
    std::unique_lock lock(mutex);
    ++inside;
    cv.notify_all();
    bool together = cv.wait_for(lock, 10s, [&] { return inside >= 2; });
    lock.unlock();
    std::this_thread::sleep_for(300ms);  // a slow database call, after meeting
    HttpResponse response;
    response.body = together ? "together" : "alone";
    return response;
  });
  auto start = Clock::now();
  auto a = std::async(std::launch::async, [&] { return Exchange(s.port(), Get("/slow")); });
  auto b = std::async(std::launch::async, [&] { return Exchange(s.port(), Get("/slow")); });
  // While both pool threads block, other connections are still accepted, read and (for
  // the transport's own errors) answered.
  Response bad = Exchange(s.port(), "NOT HTTP\r\n\r\n");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(a.get().body, "together");
  EXPECT_EQ(b.get().body, "together");
  // Serialised would take over 10 s; together takes ~300 ms. A generous bound.
  EXPECT_LT(Clock::now() - start, 5s);
}

// --- WebSocket client: handshake, unmasked server frames, masked client frames. ---

struct Frame {
  int opcode = -1;  // -1: the connection ended
  std::string payload;
};

class WsClient : public Client {
 public:
  using Client::Client;

  // Sends the upgrade; the response (101 or a refusal).
  Response Handshake(const std::string& target, const std::string& extra_headers = "") {
    Send("GET " + target + " HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
         extra_headers + "\r\n");
    return ReadResponse(*this);
  }

  // One whole message (continuations joined); control frames are returned as they come.
  Frame Read() {
    Frame message;
    while (true) {
      std::string head = Take(2);
      if (head.size() < 2) return Frame{};
      bool fin = head[0] & 0x80;
      int opcode = head[0] & 0x0f;
      uint64_t length = head[1] & 0x7f;
      if (head[1] & 0x80) return Frame{};  // servers never mask
      if (length == 126 || length == 127) {
        std::string extended = Take(length == 126 ? 2 : 8);
        length = 0;
        for (char c : extended) length = (length << 8) | static_cast<uint8_t>(c);
      }
      std::string payload = Take(length);
      if (payload.size() < length) return Frame{};
      if (opcode >= 8) return Frame{opcode, payload};
      if (opcode != 0) message.opcode = opcode;
      message.payload += payload;
      if (fin) return message;
    }
  }

  void SendFrame(int opcode, const std::string& payload) {
    std::string frame;
    frame.push_back(static_cast<char>(0x80 | opcode));
    frame.push_back(static_cast<char>(0x80 | payload.size()));  // control frames: < 126 bytes
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    frame.append(mask, 4);
    for (size_t i = 0; i < payload.size(); ++i) frame.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    Send(frame);
  }
  void SendClose(uint16_t code) { SendFrame(8, std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)}); }
};

int CloseCode(const Frame& frame) {
  if (frame.opcode != 8 || frame.payload.size() < 2) return -1;
  return (static_cast<uint8_t>(frame.payload[0]) << 8) | static_cast<uint8_t>(frame.payload[1]);
}

// Accepts /events (filter ?pipeline=), refuses everything else with 401.
WebSocketAccept Authorize(const HttpRequest& request) {
  WebSocketAccept accept;
  if (request.path != "/events") {
    HttpResponse refusal = JsonError(401, "unauthorized", "no token");
    refusal.headers.emplace_back("WWW-Authenticate", "Bearer");
    accept.refusal = refusal;
    return accept;
  }
  if (auto pipeline = request.Query("pipeline")) {
    accept.filter = [pipeline = *pipeline](const std::map<std::string, std::string>& topic) {
      auto it = topic.find("pipeline");
      return it != topic.end() && it->second == pipeline;
    };
  }
  return accept;
}

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds limit = 5s) {
  auto deadline = Clock::now() + limit;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

TEST(HttpServerWebSocket, RefusedUpgradeGetsTheRefusal) {
  Served s({}, Echo, Authorize);
  WsClient client(s.port());
  Response r = client.Handshake("/private");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers["WWW-Authenticate"], "Bearer");
  EXPECT_EQ(r.Json()["error"]["code"], "unauthorized");
  EXPECT_EQ(s.server.WebSocketCount(), 0u);
  // The connection stays a normal HTTP connection.
  client.Send(Get("/after"));
  EXPECT_EQ(ReadResponse(client).Json()["path"], "/after");
}

TEST(HttpServerWebSocket, BroadcastsArriveInOrderThroughTheFilter) {
  Served s({}, Echo, Authorize);
  WsClient all(s.port());
  WsClient only_a(s.port());
  Response accepted = all.Handshake("/events");
  ASSERT_EQ(accepted.status, 101);
  EXPECT_EQ(accepted.headers["Sec-WebSocket-Accept"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");  // RFC 6455's example
  ASSERT_EQ(only_a.Handshake("/events?pipeline=a").status, 101);
  ASSERT_TRUE(WaitFor([&] { return s.server.WebSocketCount() == 2; }));
  s.server.Broadcast({{"pipeline", "a"}}, R"({"n":1})");
  s.server.Broadcast({{"pipeline", "b"}}, R"({"n":2})");
  s.server.Broadcast({{"pipeline", "a"}, {"run", "r1"}}, R"({"n":3})");
  for (std::string expected : {R"({"n":1})", R"({"n":2})", R"({"n":3})"}) {
    Frame frame = all.Read();
    EXPECT_EQ(frame.opcode, 1);
    EXPECT_EQ(frame.payload, expected);
  }
  EXPECT_EQ(only_a.Read().payload, R"({"n":1})");
  EXPECT_EQ(only_a.Read().payload, R"({"n":3})");  // not n=2: filtered out
  // A ping is answered; a close is echoed and the socket goes away.
  only_a.SendFrame(9, "hi");
  Frame pong = only_a.Read();
  EXPECT_EQ(pong.opcode, 10);
  EXPECT_EQ(pong.payload, "hi");
  only_a.SendClose(1000);
  EXPECT_EQ(CloseCode(only_a.Read()), 1000);
  EXPECT_TRUE(only_a.ClosedWithin(3000));
  only_a.ShutdownWrite();  // the server's teardown waits for the client's end of TCP
  EXPECT_TRUE(WaitFor([&] { return s.server.WebSocketCount() == 1; }));
  s.server.Broadcast({{"pipeline", "a"}}, "after");
  EXPECT_EQ(all.Read().payload, "after");
}

TEST(HttpServerWebSocket, ManyMessagesArriveCompleteAndInOrder) {
  Served s({}, Echo, Authorize);
  WsClient client(s.port());
  ASSERT_EQ(client.Handshake("/events").status, 101);
  ASSERT_TRUE(WaitFor([&] { return s.server.WebSocketCount() == 1; }));
  constexpr int kCount = 5000;
  std::thread sender([&] {
    for (int i = 0; i < kCount; ++i) {
      // Sizes vary across the 7-bit, 16-bit and 64-bit frame length encodings.
      std::string padding(i % 50 == 0 ? 70000 : static_cast<size_t>(i % 300), 'p');
      s.server.Broadcast({{"pipeline", "p"}}, std::to_string(i) + ":" + padding);
    }
  });
  int received = 0;
  for (; received < kCount; ++received) {
    Frame frame = client.Read();
    if (frame.opcode != 1) break;
    size_t colon = frame.payload.find(':');
    ASSERT_EQ(frame.payload.substr(0, colon), std::to_string(received));
    ASSERT_EQ(frame.payload.size() - colon - 1, received % 50 == 0 ? 70000u : static_cast<size_t>(received % 300));
  }
  sender.join();
  EXPECT_EQ(received, kCount);
  EXPECT_EQ(s.server.WebSocketCount(), 1u);
}

TEST(HttpServerWebSocket, ClientThatNeverReadsIsClosedWithoutBlockingBroadcast) {
  HttpServerOptions options;
  options.websocket_queue_limit = 4;
  Served s(options, Echo, Authorize);
  WsClient slow(s.port());
  WsClient fast(s.port());
  ASSERT_EQ(slow.Handshake("/events").status, 101);
  ASSERT_EQ(fast.Handshake("/events?pipeline=other").status, 101);
  ASSERT_TRUE(WaitFor([&] { return s.server.WebSocketCount() == 2; }));
  // 64 MB for a client that reads nothing: far more than loopback socket buffers hold.
  std::string megabyte(1 << 20, 'm');
  auto start = Clock::now();
  for (int i = 0; i < 64; ++i) s.server.Broadcast({{"pipeline", "p"}}, megabyte);
  EXPECT_LT(Clock::now() - start, 2s);  // never waits for the client
  EXPECT_TRUE(WaitFor([&] { return s.server.WebSocketCount() == 1; }));
  // The other client is unaffected.
  s.server.Broadcast({{"pipeline", "other"}}, "still here");
  EXPECT_EQ(fast.Read().payload, "still here");
  // The slow client, reading at last, finds what was in flight, then a 1008 close.
  Frame last;
  int messages = 0;
  while (true) {
    Frame frame = slow.Read();
    if (frame.opcode != 1) {
      last = frame;
      break;
    }
    EXPECT_EQ(frame.payload.size(), megabyte.size());
    ++messages;
  }
  EXPECT_LT(messages, 64);
  EXPECT_EQ(CloseCode(last), 1008);
  EXPECT_NE(last.payload.find("too slow"), std::string::npos);
}

TEST(HttpServer, StopWithOpenConnectionsReturnsPromptly) {
  auto served = std::make_unique<Served>(HttpServerOptions{}, Echo, Authorize);
  uint16_t port = served->port();
  Client idle(port);
  idle.Send(Get("/first"));
  ASSERT_EQ(ReadResponse(idle).status, 200);
  Client partial(port);
  partial.Send("GET /half HTTP/1.1\r\nHost");
  WsClient polite(port);
  ASSERT_EQ(polite.Handshake("/events").status, 101);
  WsClient deaf(port);  // never answers the close frame
  ASSERT_EQ(deaf.Handshake("/events").status, 101);
  ASSERT_TRUE(WaitFor([&] { return served->server.WebSocketCount() == 2; }));
  auto stopper = std::async(std::launch::async, [&] {
    auto start = Clock::now();
    served->server.Stop();
    return Clock::now() - start;
  });
  Frame going_away = polite.Read();
  EXPECT_EQ(CloseCode(going_away), 1001);
  polite.SendClose(1001);
  auto took = stopper.get();
  EXPECT_LT(took, 3s);
  EXPECT_EQ(served->server.WebSocketCount(), 0u);
  EXPECT_TRUE(idle.ClosedWithin(2000));
  EXPECT_TRUE(partial.ClosedWithin(2000));
  EXPECT_TRUE(polite.ClosedWithin(2000));
  EXPECT_EQ(CloseCode(deaf.Read()), 1001);
  EXPECT_TRUE(deaf.ClosedWithin(2000));
  served->server.Stop();  // idempotent
  served.reset();         // and the destructor after it
  Client refused(port);
  EXPECT_FALSE(refused.connected());
}

TEST(HttpServer, StopWithoutStartAndDestructorWithoutStop) {
  { HttpServer never({}, Echo, {}); }
  {
    HttpServer never({}, Echo, {});
    never.Stop();
    never.Stop();
  }
  Served running;
  Client client(running.port());
  client.Send(Get("/x"));
  EXPECT_EQ(ReadResponse(client).status, 200);
}  // `running` is destroyed with an open keep-alive connection

TEST(HttpServer, StartOnAPortInUseFails) {
  Served first;
  HttpServerOptions options;
  options.port = first.port();
  HttpServer second(options, Echo, {});
  std::string error;
  EXPECT_FALSE(second.Start(error));
  EXPECT_EQ(error, "cannot listen on 127.0.0.1:" + std::to_string(first.port()) + ": Address already in use");
  HttpServerOptions bad;
  bad.address = "not-an-address";
  HttpServer third(bad, Echo, {});
  EXPECT_FALSE(third.Start(error));
  EXPECT_EQ(error, "cannot listen on not-an-address:0: `not-an-address` is not an IP address");
  std::string again;
  EXPECT_FALSE(first.server.Start(again));
  EXPECT_NE(again.find("already started"), std::string::npos);
}

}  // namespace
}  // namespace etl::server
