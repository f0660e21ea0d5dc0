// PgConnection and the URL helpers: libpq behind a small RAII wrapper whose messages never
// hold the password. docs/dev/run-store.md#postgresql.
#include "runtime/run_store_postgres_conn.h"

#include <charconv>
#include <string_view>

namespace etl::runtime {
namespace {

// Where the userinfo of a postgres:// URL ends, the way libpq reads it: the first `@`
// before any `/` (npos when there is no userinfo).
size_t UserinfoEnd(std::string_view url, size_t start) {
  size_t end = url.find_first_of("@/", start);
  return end != std::string_view::npos && url[end] == '@' ? end : std::string_view::npos;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexDigit(text[i + 1]) >= 0 && HexDigit(text[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(text[i + 1]) * 16 + HexDigit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// Every password the URL holds, as written: in the userinfo and in `password=` parameters
// (and in `password=` of a keyword/value connection string).
std::vector<std::string> PasswordsOf(std::string_view url) {
  std::vector<std::string> out;
  size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    size_t start = scheme + 3;
    size_t at = UserinfoEnd(url, start);
    if (at != std::string_view::npos) {
      std::string_view userinfo = url.substr(start, at - start);
      size_t colon = userinfo.find(':');
      if (colon != std::string_view::npos) out.emplace_back(userinfo.substr(colon + 1));
    }
  }
  for (size_t pos = url.find("password="); pos != std::string_view::npos;
       pos = url.find("password=", pos + 1)) {
    size_t value = pos + 9;
    size_t end = url.find_first_of("& \t", value);
    out.emplace_back(url.substr(value, end == std::string_view::npos ? std::string_view::npos : end - value));
  }
  return out;
}

void ReplaceAll(std::string& text, const std::string& what, std::string_view with) {
  if (what.empty()) return;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + with.size())) {
    text.replace(pos, what.size(), with);
  }
}

// libpq's multi-line messages ("...failed: Connection refused\n\tIs the server running...")
// as one line.
std::string OneLine(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
      line.remove_suffix(1);
    if (!line.empty()) {
      if (!out.empty()) out += "; ";
      out += line;
    }
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return out.empty() ? "unknown error" : out;
}

void IgnoreNotice(void*, const char*) {}

}  // namespace

std::string RedactPostgresUrl(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return ScrubPostgresPassword(url, url);
  std::string out = url;
  size_t start = scheme + 3;
  size_t at = UserinfoEnd(out, start);
  if (at != std::string::npos) {
    size_t colon = out.find(':', start);
    if (colon < at) out.erase(colon, at - colon);
  }
  size_t query = out.find('?', start);
  if (query != std::string::npos) {
    std::string kept;
    size_t pos = query + 1;
    while (pos <= out.size()) {
      size_t end = out.find('&', pos);
      if (end == std::string::npos) end = out.size();
      std::string_view param(out.data() + pos, end - pos);
      if (!param.empty() && !param.starts_with("password=") && param != "password") {
        if (!kept.empty()) kept += '&';
        kept += param;
      }
      pos = end + 1;
    }
    out.erase(query);
    if (!kept.empty()) out += "?" + kept;
  }
  return out;
}

std::string ScrubPostgresPassword(const std::string& url, std::string message) {
  for (const std::string& password : PasswordsOf(url)) {
    ReplaceAll(message, password, "***");
    ReplaceAll(message, PercentDecode(password), "***");
  }
  return message;
}

std::unique_ptr<PgConnection> PgConnection::Connect(const std::string& url, std::string& error) {
  // The defaults come before `dbname` (the URL), so the URL's own settings win.
  const char* const keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* const values[] = {"10", "etlc", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (conn == nullptr) {
    error = "libpq could not allocate a connection";
    return nullptr;
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    error = ScrubPostgresPassword(url, OneLine(PQerrorMessage(conn)));
    PQfinish(conn);
    return nullptr;
  }
  return std::make_unique<PgConnection>(Key(), conn, url);
}

PgConnection::PgConnection(Key, PGconn* conn, std::string url)
    : conn_(conn), url_(std::move(url)), where_(RedactPostgresUrl(url_)) {
  // NOTICEs (CREATE TABLE IF NOT EXISTS ... skipping) would go to stderr.
  PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::Lost() const { return PQstatus(conn_) == CONNECTION_BAD; }

std::optional<std::string> PgConnection::Reconnect() {
  PQreset(conn_);
  if (PQstatus(conn_) == CONNECTION_OK) return std::nullopt;
  return ScrubPostgresPassword(url_, OneLine(PQerrorMessage(conn_)));
}

std::string PgConnection::ErrorOf(const PGresult* result) const {
  std::string text;
  if (result != nullptr) {
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    text = primary != nullptr ? primary : PQresultErrorMessage(result);
  }
  if (text.empty()) text = PQerrorMessage(conn_);
  return ScrubPostgresPassword(url_, OneLine(text));
}

std::optional<std::string> PgConnection::Exec(const std::string& sql, const std::vector<PgParam>& params,
                                              PgResult* result) {
  std::vector<const char*> values(params.size());
  for (size_t i = 0; i < params.size(); ++i) values[i] = params[i] ? params[i]->c_str() : nullptr;
  PgResult res(PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                            nullptr, nullptr, 0));
  ExecStatusType status = PQresultStatus(res.get());
  if (res && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)) {
    if (result != nullptr) *result = std::move(res);
    return std::nullopt;
  }
  return ErrorOf(res.get());
}

std::optional<std::string> PgConnection::ExecScript(const std::string& sql) {
  PgResult res(PQexec(conn_, sql.c_str()));
  ExecStatusType status = PQresultStatus(res.get());
  if (res && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)) return std::nullopt;
  return ErrorOf(res.get());
}

std::string PgText(const PGresult* result, int row, int column) {
  return std::string(PQgetvalue(result, row, column), static_cast<size_t>(PQgetlength(result, row, column)));
}

int64_t PgInt(const PGresult* result, int row, int column) {
  const char* text = PQgetvalue(result, row, column);
  int64_t value = 0;
  std::from_chars(text, text + PQgetlength(result, row, column), value);
  return value;
}

bool PgIsNull(const PGresult* result, int row, int column) { return PQgetisnull(result, row, column) != 0; }

std::string PgArrayLiteral(const std::vector<PgParam>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    if (!values[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : *values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace etl::runtime
