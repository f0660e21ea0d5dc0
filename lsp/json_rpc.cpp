#include "lsp/json_rpc.h"

#include <cctype>
#include <charconv>

namespace etl::lsp {

namespace {

// Largest message accepted (a 2,000-line file is ~100 KB; leave plenty of room).
constexpr size_t kMaxMessageBytes = 256u << 20;

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

IncomingMessage ReadMessage(std::istream& in) {
  IncomingMessage result;
  std::optional<size_t> length;
  std::string line;
  bool any_header = false;
  while (true) {
    if (!std::getline(in, line)) {
      if (any_header) {
        result.kind = IncomingMessage::Kind::Malformed;
        result.error = "the input ended inside a message header";
      }
      return result;  // EndOfStream
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (!any_header) continue;  // stray blank lines between messages
      break;
    }
    any_header = true;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;  // not a header line: ignore like VS Code
    std::string name = Lower(line.substr(0, colon));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(value.begin());
    if (name == "content-length") {
      size_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size()) {
        result.kind = IncomingMessage::Kind::Malformed;
        result.error = "Content-Length is not a number: `" + value + "`";
        return result;
      }
      length = n;
    }
  }
  if (!length) {
    result.kind = IncomingMessage::Kind::Malformed;
    result.error = "a message header without Content-Length";
    return result;
  }
  if (*length > kMaxMessageBytes) {
    result.kind = IncomingMessage::Kind::Malformed;
    result.error = "a message of " + std::to_string(*length) + " bytes is larger than the limit";
    in.ignore(static_cast<std::streamsize>(*length));
    return result;
  }
  std::string body(*length, '\0');
  in.read(body.data(), static_cast<std::streamsize>(*length));
  if (static_cast<size_t>(in.gcount()) != *length) {
    result.kind = IncomingMessage::Kind::Malformed;
    result.error = "the input ended inside a message body";
    return result;
  }
  result.json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (result.json.is_discarded()) {
    result.kind = IncomingMessage::Kind::Malformed;
    result.error = "the message body is not JSON";
    result.json = Json();
    return result;
  }
  result.kind = IncomingMessage::Kind::Message;
  return result;
}

void MessageWriter::Write(const Json& message) {
  // Invalid UTF-8 in user text (a file with stray bytes) is replaced, never thrown on.
  std::string body = message.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::lock_guard<std::mutex> lock(mutex_);
  out_ << "Content-Length: " << body.size() << "\r\n\r\n" << body;
  out_.flush();
}

}  // namespace etl::lsp
