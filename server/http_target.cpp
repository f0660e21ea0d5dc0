// The Boost-free parts of the HTTP transport: request accessors, the JSON error shape,
// and request targets (percent-decoding, query pairs). Kept out of http_server.cpp, the
// only file that compiles Beast, so that they build and change cheaply.
#include "server/http_target.h"

#include <strings.h>

#include <nlohmann/json.hpp>

namespace etl::server {

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return strcasecmp(a.c_str(), b.c_str()) < 0;
}

std::optional<std::string> HttpRequest::Query(const std::string& name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::optional<std::string> HttpRequest::Header(const std::string& name) const {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

HttpResponse JsonError(int status, const std::string& code, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  // Replace invalid UTF-8 (a message may quote a malformed request) instead of throwing.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `%XY` escapes (and `+` as a space in a query); nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> ParseTarget(const std::string& target, HttpRequest& request) {
  if (target.empty() || target[0] != '/') return "request target `" + target + "` does not start with `/`";
  size_t question = target.find('?');
  std::string_view raw_path = std::string_view(target).substr(0, question);
  auto path = PercentDecode(raw_path, false);
  if (!path) return "malformed percent escape in path `" + std::string(raw_path) + "`";
  request.path = std::move(*path);
  if (question == std::string::npos) return std::nullopt;
  std::string_view rest = std::string_view(target).substr(question + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (part.empty()) continue;
    size_t equals = part.find('=');
    auto name = PercentDecode(part.substr(0, equals), true);
    auto value = equals == std::string_view::npos ? std::optional<std::string>("")
                                                   : PercentDecode(part.substr(equals + 1), true);
    if (!name || !value) return "malformed percent escape in query `" + std::string(part) + "`";
    request.query.emplace_back(std::move(*name), std::move(*value));
  }
  return std::nullopt;
}

}  // namespace etl::server
