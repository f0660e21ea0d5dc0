// Request targets of the HTTP transport (server/http_server.cpp): `/path?a=1&b=x%20y`
// split into the percent-decoded path and query pairs (`+` is a space in the query only).
#pragma once

#include <optional>
#include <string>

#include "server/http_server.h"

namespace etl::server {

// Sets request.path and request.query from `target`; an error message (for a 400) when it
// does not start with `/` or has a malformed percent escape.
std::optional<std::string> ParseTarget(const std::string& target, HttpRequest& request);

}  // namespace etl::server
