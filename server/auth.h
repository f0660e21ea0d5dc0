// API tokens of `etlc serve` (issue 7): roles, secrets, their SHA-256 in the run store.
// A token's secret is shown once when it is created and never stored; requests are
// matched by the secret's hash. docs/serve.md#tokens-and-roles.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/run_store.h"

namespace etl::server {

// What a token may do; each role may do everything the roles before it may.
enum class Role { Viewer, Operator, Admin };
std::string_view Spelling(Role role);                    // "viewer", "operator", "admin"
std::optional<Role> ParseRole(std::string_view text);

// SHA-256 of `text`, 64 lowercase hex digits.
std::string Sha256Hex(std::string_view text);

// Creates a token: a random secret (`etl_` + 48 hex digits), stored as its hash with a
// random id. The secret in `secret`, the row in `token`; an error message when the store
// cannot, or the role or name is invalid.
std::optional<std::string> CreateToken(runtime::RunStore& store, const std::string& name, Role role, int64_t now_us,
                                       std::string& secret, runtime::StoredToken& token);

// The token a bearer secret stands for: nullopt when unknown or revoked (the caller
// answers 401 either way, so a guess learns nothing).
std::optional<runtime::StoredToken> Authenticate(runtime::RunStore& store, const std::string& secret,
                                                 std::string& store_error);

}  // namespace etl::server
