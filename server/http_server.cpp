// The HTTP/1.1 + WebSocket transport of `etlc serve` on Boost.Beast. The only translation
// unit that includes Beast or Asio (one such file costs ~20 s to compile). docs/dev/serve.md.
//
// Threads: `threads` io threads run the io_context (every connection has its own strand);
// handlers and the authorizer run on a separate pool of `threads` threads, so a handler
// that blocks (database) never stalls reads, writes or WebSocket broadcasts.
#include <utility>  // before Asio: g++ 12 + Boost 1.74 awaitable.hpp needs std::exchange

#include "server/http_server.h"
#include "server/http_target.h"

#include <atomic>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace etl::server {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;
using Topic = std::map<std::string, std::string>;
using Filter = decltype(WebSocketAccept::filter);

namespace {

// How long Stop waits for connections to close by themselves (WebSocket close handshakes,
// handlers finishing) before it stops the io_context.
constexpr auto kStopGrace = std::chrono::milliseconds(1000);
// A lingering close reads (and drops) what a client still sends after an error response
// for at most this long, so the client reads the response instead of a reset.
constexpr auto kLingerTime = std::chrono::seconds(2);
// A WebSocket whose close frame cannot be sent (the client does not read) is cut after this.
constexpr auto kWebSocketCloseTimeout = std::chrono::seconds(5);
// Messages a client sends on the WebSocket are ignored; larger ones close it.
constexpr size_t kWebSocketReadLimit = 64 << 10;

std::string EndpointText(const tcp::endpoint& endpoint) {
  std::string address = endpoint.address().to_string();
  if (endpoint.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(endpoint.port());
}

HttpRequest ToHttpRequest(const http::request<http::string_body>& message, const std::string& remote) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    std::string name(field.name_string());
    auto [it, inserted] = request.headers.emplace(name, std::string(field.value()));
    // A repeated header is one comma-separated list (RFC 9110, 5.3).
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  request.body = message.body();
  request.remote = remote;
  return request;
}

http::response<http::string_body> ToBeastResponse(const HttpResponse& response, unsigned version, bool keep_alive,
                                                  bool head) {
  http::response<http::string_body> out;
  out.version(version);
  // Beast rejects codes outside 100..999; a handler bug must not take the connection down.
  bool valid_status = response.status >= 100 && response.status <= 999;
  out.result(static_cast<unsigned>(valid_status ? response.status : 500));
  out.set(http::field::server, "etlc");
  if (!response.content_type.empty()) out.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) {
    // The transport owns framing; a handler cannot break it.
    if (strcasecmp(name.c_str(), "content-length") == 0 || strcasecmp(name.c_str(), "transfer-encoding") == 0 ||
        strcasecmp(name.c_str(), "connection") == 0 || value.find_first_of("\r\n") != std::string::npos) {
      continue;
    }
    out.insert(name, value);
  }
  out.keep_alive(keep_alive);
  if (head) {
    out.content_length(response.body.size());
  } else {
    out.body() = response.body;
    out.prepare_payload();
  }
  return out;
}

}  // namespace

// A connection Stop can close: an HTTP session or a WebSocket.
class Connection {
 public:
  virtual ~Connection() = default;
  // Begins closing on the connection's strand (called from any thread).
  virtual void Shutdown() = 0;
  // Closes the socket at once; only when no io thread runs.
  virtual void ForceClose() = 0;
};

class WebSocketSession;

// The server's state, shared by its sessions (HttpServer::Impl is private to the class).
struct ServerCore {
  HttpServerOptions options;
  HttpHandler handler;
  WebSocketAuthorizer authorizer;
  std::atomic<bool> stopping{false};
  std::mutex lifecycle_mutex;  // Start and Stop
  bool started = false;
  bool stopped = false;
  uint16_t port = 0;

  // Every live connection, for Stop. Declared before io_context: destroying the
  // io_context destroys pending handlers, whose sessions unregister here.
  std::mutex connections_mutex;
  std::condition_variable connections_empty;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;

  // Open WebSockets in the order they were accepted, for Broadcast.
  mutable std::mutex websockets_mutex;
  std::vector<std::shared_ptr<WebSocketSession>> websockets;

  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  tcp::acceptor acceptor{net::make_strand(ioc)};
  std::vector<std::thread> io_threads;
  std::optional<net::thread_pool> handler_pool;

  void Register(const std::shared_ptr<Connection>& connection) {
    std::lock_guard lock(connections_mutex);
    connections.emplace(connection.get(), connection);
  }
  void Unregister(Connection* connection) {
    std::lock_guard lock(connections_mutex);
    connections.erase(connection);
    if (connections.empty()) connections_empty.notify_all();
  }
  void AddWebSocket(const std::shared_ptr<WebSocketSession>& session) {
    std::lock_guard lock(websockets_mutex);
    websockets.push_back(session);
  }
  void RemoveWebSocket(const WebSocketSession* session) {
    std::lock_guard lock(websockets_mutex);
    std::erase_if(websockets, [&](const auto& s) { return s.get() == session; });
  }
  // Runs `work` on the handler pool (it may block), unless the server is stopping.
  template <typename Work>
  void RunBlocking(Work&& work) {
    net::post(*handler_pool, [this, work = std::forward<Work>(work)]() mutable {
      if (!stopping.load()) work();
    });
  }

  void Accept();
  void Stop();
};

struct HttpServer::Impl : ServerCore {};

// An accepted WebSocket: a read loop that ignores client messages (Beast answers pings
// and close frames while a read is pending) and an outgoing queue, one write at a time.
class WebSocketSession : public Connection, public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(ServerCore& server, beast::tcp_stream&& stream, Filter filter)
      : server_(server), ws_(std::move(stream)), filter_(std::move(filter)), close_timer_(ws_.get_executor()) {}
  ~WebSocketSession() override { server_.Unregister(this); }

  void Start(http::request<http::string_body> request) {
    beast::get_lowest_layer(ws_).expires_never();  // the websocket stream has its own timeouts
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(5);
    // A dead peer is found by pings: sent after half the idle time, closed after all of it.
    timeouts.idle_timeout = std::chrono::microseconds(std::max<int64_t>(server_.options.idle_timeout_us, 1000));
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "etlc"); }));
    // A client's close frame ends its broadcasts at once, before the TCP teardown.
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::close) server_.RemoveWebSocket(this);
    });
    ws_.auto_fragment(false);
    ws_.read_message_max(kWebSocketReadLimit);
    request_ = std::move(request);
    ws_.async_accept(request_, [self = shared_from_this()](error_code ec) { self->OnAccept(ec); });
  }

  // Whether this connection wants a message about `topic` (broadcasting thread).
  bool Wants(const Topic& topic) const {
    if (!filter_) return true;
    try {
      return filter_(topic);
    } catch (...) {
      return false;  // a throwing filter must not break Broadcast for everyone else
    }
  }

  // Queues `text`; false when the queue overflowed and the connection is being closed.
  bool Enqueue(const std::shared_ptr<const std::string>& text) {
    std::lock_guard lock(mutex_);
    if (closing_) return false;
    if (queue_.size() >= server_.options.websocket_queue_limit) {
      closing_ = true;
      DropUnsent();
      net::post(ws_.get_executor(), [self = shared_from_this()] {
        self->Close(websocket::close_reason(websocket::close_code::policy_error, "too slow"));
      });
      return false;
    }
    queue_.push_back(text);
    if (!writing_) {
      writing_ = true;
      net::post(ws_.get_executor(), [self = shared_from_this()] { self->WriteFront(); });
    }
    return true;
  }

  void Shutdown() override {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
      DropUnsent();
    }
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->Close(websocket::close_reason(websocket::close_code::going_away, "server stopping"));
    });
  }

  void ForceClose() override {
    error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

 private:
  // Keeps only the message being written (mutex_ held).
  void DropUnsent() {
    if (queue_.empty()) return;
    if (writing_) {
      queue_.erase(queue_.begin() + 1, queue_.end());
    } else {
      queue_.clear();
    }
  }

  void OnAccept(error_code ec) {
    if (ec) return;  // Beast already answered a bad handshake; the session ends
    accepted_ = true;
    if (server_.stopping.load()) {
      Close(websocket::close_reason(websocket::close_code::going_away, "server stopping"));
    } else {
      server_.AddWebSocket(shared_from_this());
    }
    Read();
  }

  void Read() {
    ws_.async_read(read_buffer_, [self = shared_from_this()](error_code ec, size_t) {
      if (ec) return self->Finish();
      self->read_buffer_.consume(self->read_buffer_.size());
      self->Read();
    });
  }

  void WriteFront() {
    std::shared_ptr<const std::string> text;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty() || close_started_) {
        writing_ = false;
        return;
      }
      text = queue_.front();
    }
    ws_.text(true);
    ws_.async_write(net::buffer(*text), [self = shared_from_this(), text](error_code ec, size_t) {
      if (ec) return self->Finish();
      std::lock_guard lock(self->mutex_);
      self->queue_.pop_front();
      if (self->queue_.empty() || self->closing_) {
        self->writing_ = false;
        return;
      }
      net::post(self->ws_.get_executor(), [self] { self->WriteFront(); });
    });
  }

  // Sends a close frame (after the message being written); strand only.
  void Close(const websocket::close_reason& reason) {
    server_.RemoveWebSocket(this);
    if (close_started_ || finished_) return;
    close_started_ = true;
    if (!accepted_) return ForceClose();
    // A client that does not read never lets the close frame out: cut it after a while.
    close_timer_.expires_after(kWebSocketCloseTimeout);
    close_timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->ForceClose();
    });
    ws_.async_close(reason, [self = shared_from_this()](error_code) {
      // The pending read ends once the client answers (or the socket is cut).
    });
  }

  // The connection is over (read or write failed, or the close handshake completed).
  void Finish() {
    if (finished_) return;
    finished_ = true;
    server_.RemoveWebSocket(this);
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
      queue_.clear();
    }
    close_timer_.cancel();
    ForceClose();
  }

  ServerCore& server_;
  websocket::stream<beast::tcp_stream> ws_;
  Filter filter_;
  net::steady_timer close_timer_;
  http::request<http::string_body> request_;
  beast::flat_buffer read_buffer_;
  bool accepted_ = false;        // strand only
  bool close_started_ = false;   // strand only
  bool finished_ = false;        // strand only
  std::mutex mutex_;             // guards the queue and the flags below (Broadcast's thread + strand)
  std::deque<std::shared_ptr<const std::string>> queue_;  // front = being written
  bool writing_ = false;
  bool closing_ = false;
};

// One HTTP/1.1 connection: read a request, answer it (handler on the pool), repeat while
// keep-alive; hands itself over to a WebSocketSession on an accepted upgrade.
class HttpSession : public Connection, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(ServerCore& server, tcp::socket&& socket)
      : server_(server), executor_(socket.get_executor()), stream_(std::move(socket)) {
    error_code ec;
    // Small answers and WebSocket messages go out at once, not after a delayed ACK.
    stream_.socket().set_option(tcp::no_delay(true), ec);
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = EndpointText(endpoint);
  }
  ~HttpSession() override { server_.Unregister(this); }

  void Start() {
    net::dispatch(executor_, [self = shared_from_this()] { self->ReadHeader(); });
  }

  void Shutdown() override {
    net::post(executor_, [self = shared_from_this()] {
      self->closed_ = true;
      self->ForceClose();
    });
  }

  void ForceClose() override {
    if (handed_over_) return;  // the WebSocketSession owns the socket now
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

 private:
  std::chrono::microseconds IdleTimeout() const {
    return std::chrono::microseconds(std::max<int64_t>(server_.options.idle_timeout_us, 1));
  }

  void ReadHeader() {
    if (closed_ || server_.stopping.load()) return ForceClose();
    parser_.emplace();
    parser_->body_limit(server_.options.body_limit);
    parser_->header_limit(static_cast<uint32_t>(std::min<size_t>(server_.options.header_limit, UINT32_MAX)));
    stream_.expires_after(IdleTimeout());
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](error_code ec, size_t) {
      self->OnHeader(ec);
    });
  }

  void OnHeader(error_code ec) {
    if (ec) return OnReadError(ec);
    if (parser_->is_done()) return OnRequest();
    auto expect = parser_->get()[http::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      // curl waits a second for this before it sends a body.
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(IdleTimeout());
      net::async_write(stream_, net::buffer(kContinue), [self = shared_from_this()](error_code ec, size_t) {
        if (ec) return self->ForceClose();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    stream_.expires_after(IdleTimeout());
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](error_code ec, size_t) {
      if (ec) return self->OnReadError(ec);
      self->OnRequest();
    });
  }

  void OnReadError(error_code ec) {
    if (ec == http::error::body_limit) {
      return Fail(JsonError(413, "payload_too_large",
                            "request body larger than " + std::to_string(server_.options.body_limit) + " bytes"));
    }
    if (ec == http::error::header_limit) {
      return Fail(JsonError(431, "bad_request",
                            "request headers larger than " + std::to_string(server_.options.header_limit) + " bytes"));
    }
    // The client closed (between or inside requests), timed out, or the socket failed.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec.category() != http::make_error_code(http::error::end_of_stream).category()) {
      return ForceClose();
    }
    Fail(JsonError(400, "bad_request", "malformed HTTP request: " + ec.message()));
  }

  void OnRequest() {
    auto message = parser_->release();
    parser_.reset();
    version_ = message.version();
    keep_alive_ = message.keep_alive();
    head_ = message.method() == http::verb::head;
    HttpRequest request = ToHttpRequest(message, remote_);
    if (auto error = ParseTarget(request.target, request)) {
      return Fail(JsonError(400, "bad_request", *error));
    }
    stream_.expires_never();  // the handler may take its time; the write sets a new deadline
    if (websocket::is_upgrade(message) && server_.authorizer) {
      return Authorize(std::move(request), std::move(message));
    }
    server_.RunBlocking([self = shared_from_this(), request = std::move(request)] {
      HttpResponse response = self->CallHandler(request);
      net::post(self->executor_, [self, response = std::move(response)] {
        self->Write(response, !self->keep_alive_);
      });
    });
  }

  HttpResponse CallHandler(const HttpRequest& request) {
    if (!server_.handler) return JsonError(404, "not_found", "no handler for `" + request.path + "`");
    try {
      return server_.handler(request);
    } catch (const std::exception& e) {
      return JsonError(500, "internal", std::string("internal error: ") + e.what());
    } catch (...) {
      return JsonError(500, "internal", "internal error");
    }
  }

  void Authorize(HttpRequest request, http::request<http::string_body> message) {
    auto shared_message = std::make_shared<http::request<http::string_body>>(std::move(message));
    server_.RunBlocking([self = shared_from_this(), request = std::move(request), shared_message] {
      WebSocketAccept decision;
      try {
        decision = self->server_.authorizer(request);
      } catch (const std::exception& e) {
        decision.refusal = JsonError(500, "internal", std::string("internal error: ") + e.what());
      } catch (...) {
        decision.refusal = JsonError(500, "internal", "internal error");
      }
      net::post(self->executor_, [self, decision = std::move(decision), shared_message]() mutable {
        if (decision.refusal) return self->Write(*decision.refusal, !self->keep_alive_);
        if (self->closed_ || self->server_.stopping.load()) return self->ForceClose();
        self->handed_over_ = true;
        auto session = std::make_shared<WebSocketSession>(self->server_, std::move(self->stream_),
                                                          std::move(decision.filter));
        self->server_.Register(session);
        session->Start(std::move(*shared_message));
      });
    });
  }

  // Answers and then reads the next request, or closes when `close` (or the client asked).
  void Write(const HttpResponse& response, bool close) {
    if (closed_) return ForceClose();
    close = close || !keep_alive_ || server_.stopping.load();
    response_ = ToBeastResponse(response, version_, !close, head_);
    stream_.expires_after(IdleTimeout());
    http::async_write(stream_, response_, [self = shared_from_this(), close](error_code ec, size_t) {
      if (ec) return self->ForceClose();
      if (close) return self->LingeringClose();
      self->ReadHeader();
    });
  }

  // An error answer before the request was read completely: answer, then close.
  void Fail(const HttpResponse& response) {
    keep_alive_ = false;
    head_ = false;
    Write(response, true);
  }

  // Half-closes and drops what the client still sends, so that closing with unread data
  // does not reset the connection before the client has read the answer.
  void LingeringClose() {
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    linger_deadline_ = std::chrono::steady_clock::now() + kLingerTime;
    Drain();
  }

  void Drain() {
    auto left = linger_deadline_ - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero() || closed_) return ForceClose();
    stream_.expires_after(left);
    stream_.async_read_some(net::buffer(drain_buffer_), [self = shared_from_this()](error_code ec, size_t) {
      if (ec) return self->ForceClose();
      self->Drain();
    });
  }

  ServerCore& server_;
  net::any_io_executor executor_;  // the connection's strand (stream_ is moved out on an upgrade)
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::string remote_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;
  bool closed_ = false;       // Stop closed it (strand only)
  bool handed_over_ = false;  // upgraded to a WebSocket (strand only)
  std::chrono::steady_clock::time_point linger_deadline_;
  std::array<char, 4096> drain_buffer_{};
};

void ServerCore::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open() || stopping.load()) return;
    if (ec) {
      // Out of descriptors and the like: wait a little instead of spinning.
      auto timer = std::make_shared<net::steady_timer>(acceptor.get_executor(), std::chrono::milliseconds(50));
      timer->async_wait([this, timer](error_code) {
        if (!stopping.load()) Accept();
      });
      return;
    }
    auto session = std::make_shared<HttpSession>(*this, std::move(socket));
    Register(session);
    session->Start();
    Accept();
  });
}

void ServerCore::Stop() {
  std::lock_guard lifecycle(lifecycle_mutex);
  if (!started || stopped) return;
  stopped = true;
  stopping.store(true);
  net::post(acceptor.get_executor(), [this] {
    error_code ec;
    acceptor.close(ec);
  });
  {
    std::lock_guard lock(websockets_mutex);
    websockets.clear();
  }
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::unique_lock lock(connections_mutex);
    for (auto& [raw, weak] : connections) {
      if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
  }
  for (auto& connection : open) connection->Shutdown();
  open.clear();  // the sessions must be able to end
  {
    std::unique_lock lock(connections_mutex);
    connections_empty.wait_for(lock, kStopGrace, [this] { return connections.empty(); });
  }
  // Handlers still running finish (their answers are dropped); queued ones are skipped.
  handler_pool->join();
  work.reset();
  ioc.stop();
  for (auto& thread : io_threads) thread.join();
  io_threads.clear();
  // No io thread runs now: cut what did not close in time. Their pending handlers (and
  // the sessions they hold) are destroyed with the io_context.
  std::lock_guard lock(connections_mutex);
  for (auto& [raw, weak] : connections) {
    if (auto connection = weak.lock()) connection->ForceClose();
  }
  // A WebSocket accepted while Stop began may have joined the list; none may outlive the
  // io_context (declared after the list, so destroyed before it).
  std::lock_guard websockets_lock(websockets_mutex);
  websockets.clear();
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler, WebSocketAuthorizer websockets)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  impl_->authorizer = std::move(websockets);
}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::Start(std::string& error) {
  Impl& impl = *impl_;
  std::lock_guard lifecycle(impl.lifecycle_mutex);
  std::string where = (impl.options.address.find(':') != std::string::npos ? "[" + impl.options.address + "]"
                                                                            : impl.options.address) +
                      ":" + std::to_string(impl.options.port);
  if (impl.started) {
    error = "cannot listen on " + where + ": the server was already started";
    return false;
  }
  error_code ec;
  auto address = net::ip::make_address(impl.options.address, ec);
  if (ec) {
    error = "cannot listen on " + where + ": `" + impl.options.address + "` is not an IP address";
    return false;
  }
  tcp::endpoint endpoint(address, impl.options.port);
  auto fail = [&](error_code failure) {
    error_code ignored;
    impl.acceptor.close(ignored);
    error = "cannot listen on " + where + ": " + failure.message();
    return false;
  };
  if (impl.acceptor.open(endpoint.protocol(), ec); ec) return fail(ec);
  if (impl.acceptor.set_option(net::socket_base::reuse_address(true), ec); ec) return fail(ec);
  if (impl.acceptor.bind(endpoint, ec); ec) return fail(ec);
  if (impl.acceptor.listen(net::socket_base::max_listen_connections, ec); ec) return fail(ec);
  impl.port = impl.acceptor.local_endpoint(ec).port();
  impl.started = true;
  size_t threads = std::max<size_t>(impl.options.threads, 1);
  impl.handler_pool.emplace(threads);
  impl.work.emplace(impl.ioc.get_executor());
  impl.Accept();
  for (size_t i = 0; i < threads; ++i) {
    impl.io_threads.emplace_back([&impl] { impl.ioc.run(); });
  }
  return true;
}

uint16_t HttpServer::Port() const { return impl_->port; }

void HttpServer::Broadcast(const std::map<std::string, std::string>& topic, const std::string& text) {
  auto shared_text = std::make_shared<const std::string>(text);
  // One lock over the whole pass: concurrent broadcasts reach every client in the same order.
  std::lock_guard lock(impl_->websockets_mutex);
  std::erase_if(impl_->websockets, [&](const std::shared_ptr<WebSocketSession>& session) {
    return session->Wants(topic) && !session->Enqueue(shared_text);
  });
}

size_t HttpServer::WebSocketCount() const {
  std::lock_guard lock(impl_->websockets_mutex);
  return impl_->websockets.size();
}

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace etl::server
