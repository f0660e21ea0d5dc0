#include "server/auth.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace etl::server {

namespace {

std::string Hex(const unsigned char* bytes, size_t size) {
  std::string text;
  text.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) text += fmt::format("{:02x}", bytes[i]);
  return text;
}

// `size` random bytes from the operating system's generator, as hex.
std::optional<std::string> RandomHex(size_t size) {
  std::string bytes(size, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(size)) != 1) return std::nullopt;
  return Hex(reinterpret_cast<const unsigned char*>(bytes.data()), size);
}

}  // namespace

std::string_view Spelling(Role role) {
  switch (role) {
    case Role::Viewer: return "viewer";
    case Role::Operator: return "operator";
    case Role::Admin: return "admin";
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view text) {
  for (Role role : {Role::Viewer, Role::Operator, Role::Admin}) {
    if (Spelling(role) == text) return role;
  }
  return std::nullopt;
}

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  return Hex(digest, size);
}

std::optional<std::string> CreateToken(runtime::RunStore& store, const std::string& name, Role role, int64_t now_us,
                                       std::string& secret, runtime::StoredToken& token) {
  if (name.empty() || name.size() > 200) return "a token's name must have 1 to 200 characters";
  std::optional<std::string> random = RandomHex(24);
  std::optional<std::string> id = RandomHex(6);
  if (!random || !id) return "cannot draw random bytes for the token";
  secret = "etl_" + *random;
  token = {};
  token.id = *id;
  token.name = name;
  token.role = std::string(Spelling(role));
  token.secret_sha256 = Sha256Hex(secret);
  token.created_us = now_us;
  return store.AddToken(token);
}

std::optional<runtime::StoredToken> Authenticate(runtime::RunStore& store, const std::string& secret,
                                                 std::string& store_error) {
  std::optional<runtime::StoredToken> token;
  if (auto problem = store.FindToken(Sha256Hex(secret), token)) {
    store_error = *problem;
    return std::nullopt;
  }
  if (!token || token->revoked_us || !ParseRole(token->role)) return std::nullopt;
  return token;
}

}  // namespace etl::server
