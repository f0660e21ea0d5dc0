// `etlc token create|list|revoke` (issue 7): the API tokens of `etlc serve`, in the run
// store of a state directory. The secret is printed once, at creation; the store keeps
// only its SHA-256. Every change is written to the audit log. docs/serve.md#tokens-and-roles.
#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "compiler/driver/command.h"
#include "compiler/driver/commands.h"
#include "runtime/run_log.h"
#include "runtime/run_store.h"
#include "server/auth.h"

namespace etl::driver {

namespace {

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int TokenError(std::string_view message, Io& io) {
  io.err << fmt::format("etlc token: error: {}\n", message);
  return kExitRunFailed;
}

// The audit entry of a command-line change (there is no HTTP status: 0).
void AuditCommand(runtime::RunStore& store, const std::string& action, const runtime::StoredToken& token, Io& io) {
  runtime::AuditEntry entry;
  entry.time_us = NowUs();
  entry.action = action;
  entry.detail_json = nlohmann::json({{"token_id", token.id}, {"name", token.name}, {"role", token.role},
                                      {"by", "etlc token (command line)"}})
                          .dump();
  if (auto problem = store.AddAudit(entry)) io.err << fmt::format("etlc token: warning: {}\n", *problem);
}

}  // namespace

int RunToken(const std::vector<std::string>& args, Io& io) {
  CommandInfo info{"token", "create|list|revoke [ID] [options]",
                   "Manages the API tokens of `etlc serve`:\n"
                   "  etlc token create --role viewer|operator|admin [--name NAME]   prints the new secret once\n"
                   "  etlc token list                                                 id, name, role, dates\n"
                   "  etlc token revoke ID                                            the token stops working\n"
                   "Viewers read, operators also trigger and cancel runs, admins also manage tokens.\n"
                   "Use the same --state-dir (or --store) as the server."};
  po::options_description options("options");
  options.add_options()("role", po::value<std::string>()->value_name("ROLE"), "viewer, operator or admin (create)")(
      "name", po::value<std::string>()->value_name("NAME"), "what the token is for (create; default: the role)")(
      "state-dir", po::value<std::string>()->value_name("DIR")->default_value(".etl"), "the state directory")(
      "store", po::value<std::string>()->value_name("URL"),
      "the run store: a postgres:// URL (default: ETL_STORE, else <state-dir>/etl.db)");
  po::variables_map vm;
  std::vector<std::string> words;
  if (auto done = ParseFileCommandLine(info, options, FileArgs::Any, args, vm, words, io, "ACTION")) return *done;
  if (words.empty()) return UsageError("token", "missing action: create, list or revoke", io);
  const std::string& action = words[0];
  std::string store_url = vm.count("store") ? vm["store"].as<std::string>() : "";
  if (store_url.empty()) {
    if (const char* env = std::getenv("ETL_STORE")) store_url = env;
  }
  auto open = [&](std::string& error) {
    std::error_code ec;
    std::filesystem::create_directories(vm["state-dir"].as<std::string>(), ec);
    return runtime::OpenRunStore(store_url, vm["state-dir"].as<std::string>(), error);
  };
  if (action == "create") {
    if (words.size() > 1) return UsageError("token", fmt::format("unexpected argument `{}`", words[1]), io);
    if (!vm.count("role")) return UsageError("token", "create needs --role viewer|operator|admin", io);
    std::optional<server::Role> role = server::ParseRole(vm["role"].as<std::string>());
    if (!role) {
      return UsageError("token", fmt::format("--role `{}`: expected viewer, operator or admin", vm["role"].as<std::string>()), io);
    }
    std::string name = vm.count("name") ? vm["name"].as<std::string>() : std::string(server::Spelling(*role));
    std::string error;
    auto store = open(error);
    if (!store) return TokenError(error, io);
    std::string secret;
    runtime::StoredToken token;
    if (auto problem = server::CreateToken(*store, name, *role, NowUs(), secret, token)) return TokenError(*problem, io);
    AuditCommand(*store, "token create", token, io);
    io.out << secret << "\n";
    io.err << fmt::format("etlc token: created {} token {} (`{}`); the secret above is shown only now\n", token.role,
                          token.id, token.name);
    return kExitOk;
  }
  if (action == "list") {
    if (words.size() > 1) return UsageError("token", fmt::format("unexpected argument `{}`", words[1]), io);
    std::string error;
    auto store = open(error);
    if (!store) return TokenError(error, io);
    std::vector<runtime::StoredToken> tokens;
    if (auto problem = store->ListTokens(tokens)) return TokenError(*problem, io);
    io.out << fmt::format("{:<12}  {:<8}  {:<24}  {:<24}  {}\n", "ID", "ROLE", "CREATED", "LAST USED", "NAME");
    for (const auto& token : tokens) {
      std::string last = token.last_used_us ? runtime::FormatRfc3339(*token.last_used_us) : "-";
      std::string name = token.revoked_us ? token.name + " (revoked)" : token.name;
      io.out << fmt::format("{:<12}  {:<8}  {:<24}  {:<24}  {}\n", token.id, token.role,
                            runtime::FormatRfc3339(token.created_us), last, name);
    }
    return kExitOk;
  }
  if (action == "revoke") {
    if (words.size() != 2) return UsageError("token", "revoke needs one token ID (see etlc token list)", io);
    std::string error;
    auto store = open(error);
    if (!store) return TokenError(error, io);
    std::vector<runtime::StoredToken> tokens;
    if (auto problem = store->ListTokens(tokens)) return TokenError(*problem, io);
    auto found = std::find_if(tokens.begin(), tokens.end(), [&](const auto& t) { return t.id == words[1]; });
    if (found == tokens.end()) return UsageError("token", fmt::format("no token `{}`", words[1]), io);
    if (auto problem = store->RevokeToken(words[1], NowUs())) return TokenError(*problem, io);
    AuditCommand(*store, "token revoke", *found, io);
    io.err << fmt::format("etlc token: revoked {}\n", words[1]);
    return kExitOk;
  }
  return UsageError("token", fmt::format("unknown action `{}`: expected create, list or revoke", action), io);
}

}  // namespace etl::driver
