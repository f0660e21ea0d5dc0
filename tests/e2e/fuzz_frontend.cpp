// Mutation test of the front end: truncated and randomly mutated versions of every file in
// examples/ must never crash or hang it.
//  1. In-process (thousands of cases): RunFrontend (LoadProgram, Check, Lower, plan JSON
//     round trip, FormatModule) under an alarm() watchdog; a signal handler names the case.
//  2. Through the language server (hundreds of cases, in-process): the case opened as a
//     document, every request the server advertises at random and out-of-range positions,
//     incremental edits, the requests again; no internal error, every request answered.
//  3. Through the binary (a couple of hundred cases): `etlc check` in a child process with
//     a time limit; it must exit 0 or 1 (diagnostics), never die by a signal or exit 2+.
// Deterministic: every case comes from a seeded generator; a failure prints the seed and
// case number and writes the offending input to fuzz_failure.etl in the current folder.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/driver/frontend.h"
#include "tests/e2e/fuzz_server.h"

namespace fs = std::filesystem;

namespace {

constexpr unsigned kCaseTimeoutSeconds = 5;
constexpr uint32_t kBaseSeed = 20240101;

// The case being run, readable from signal handlers (plain char buffer: async-signal-safe).
char g_current_case[512] = "(none)";
std::string g_current_input;

void WriteFailureInput() {
  std::ofstream out("fuzz_failure.etl", std::ios::binary);
  out << g_current_input;
}

void OnFatalSignal(int sig) {
  const char* what = sig == SIGALRM ? "HANG (no result within the time limit)" : "CRASH (fatal signal)";
  ssize_t ignored = write(2, "\nfuzz_frontend: ", 16);
  ignored = write(2, what, strlen(what));
  ignored = write(2, " in case ", 9);
  ignored = write(2, g_current_case, strlen(g_current_case));
  ignored = write(2, "\n", 1);
  (void)ignored;
  // Not async-signal-safe, but the process is lost anyway and the input is what matters.
  WriteFailureInput();
  signal(sig, SIG_DFL);
  if (sig == SIGALRM) _exit(3);
  raise(sig);
}

// A token of the mutator's crude lexer: words, numbers, strings, punctuation, spaces.
std::vector<std::string> Tokenize(const std::string& text) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i + 1;
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isalnum(c) || c == '_' || c >= 0x80) {
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_' ||
                                 static_cast<unsigned char>(text[j]) >= 0x80))
        ++j;
    } else if (c == '"') {
      while (j < text.size() && text[j] != '"' && text[j] != '\n') j += text[j] == '\\' ? 2 : 1;
      j = std::min(j + 1, text.size());
    } else if (std::isspace(c)) {
      while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    }
    tokens.push_back(text.substr(i, j - i));
    i = j;
  }
  return tokens;
}

const std::array<const char*, 42> kInsertions = {
    "{", "}", "(", ")", "[", "]", ",", ":", ".", "?.", "??", "|", "=", "==", "->", "=>", "@", "`",
    "\"", "\"${", "/*", "//", "?", "+", "-", "*", "/", "%", "~", "pipeline p {", "from", "into",
    "filter", "derive", "aggregate", "route", "join", "union(", "match", "fn f(", "schema S {", "null"};

class Mutator {
 public:
  explicit Mutator(uint32_t seed) : random_(seed) {}

  size_t Below(size_t n) { return n == 0 ? 0 : random_() % n; }

  std::string Mutate(const std::string& text, std::string& description) {
    std::vector<std::string> tokens = Tokenize(text);
    size_t rounds = 1 + Below(3);
    for (size_t r = 0; r < rounds && !tokens.empty(); ++r) {
      size_t at = Below(tokens.size());
      switch (Below(6)) {
        case 0: {  // byte flip inside a token
          std::string& token = tokens[at];
          size_t pos = Below(token.size());
          token[pos] = static_cast<char>(Below(2) ? random_() % 256 : 32 + random_() % 95);
          description += " flip";
          break;
        }
        case 1:
          tokens.erase(tokens.begin() + static_cast<ptrdiff_t>(at));
          description += " delete";
          break;
        case 2:
          tokens.insert(tokens.begin() + static_cast<ptrdiff_t>(at), tokens[at]);
          description += " duplicate";
          break;
        case 3:
          std::swap(tokens[at], tokens[Below(tokens.size())]);
          description += " swap";
          break;
        case 4:
          tokens.insert(tokens.begin() + static_cast<ptrdiff_t>(at), kInsertions[Below(kInsertions.size())]);
          description += " insert";
          break;
        default: {  // duplicate a whole run of tokens (nested blocks, repeated statements)
          size_t length = 1 + Below(std::min<size_t>(30, tokens.size() - at));
          std::vector<std::string> run(tokens.begin() + static_cast<ptrdiff_t>(at),
                                       tokens.begin() + static_cast<ptrdiff_t>(at + length));
          tokens.insert(tokens.begin() + static_cast<ptrdiff_t>(at + length), run.begin(), run.end());
          description += " repeat";
          break;
        }
      }
    }
    std::string out;
    for (const auto& token : tokens) out += token;
    return out;
  }

 private:
  std::mt19937 random_;
};

struct Case {
  std::string file;  // the example it comes from
  std::string description;
  std::string text;
};

// Truncations at ~200 cut points and `mutations` mutated versions of `text`.
std::vector<Case> MakeCases(const std::string& file, const std::string& text, size_t cuts, size_t mutations,
                            uint32_t seed) {
  std::vector<Case> cases;
  size_t step = std::max<size_t>(1, text.size() / cuts);
  for (size_t cut = 0; cut < text.size(); cut += step) {
    cases.push_back({file, "prefix of " + std::to_string(cut) + " bytes", text.substr(0, cut)});
  }
  Mutator mutator(seed);
  for (size_t i = 0; i < mutations; ++i) {
    std::string description = "mutation #" + std::to_string(i) + " (seed " + std::to_string(seed) + "):";
    std::string mutated = mutator.Mutate(text, description);
    cases.push_back({file, description, std::move(mutated)});
  }
  return cases;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Runs `etlc check FILE` in a child with a time limit; returns "" or what went wrong.
std::string CheckInChild(const std::string& etlc, const std::string& file) {
  pid_t pid = fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    alarm(kCaseTimeoutSeconds);  // survives exec: a hanging etlc dies of SIGALRM
    execl(etlc.c_str(), etlc.c_str(), "check", file.c_str(), "--color", "never", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    return WTERMSIG(status) == SIGALRM ? "etlc check hung (killed after the time limit)"
                                       : "etlc check died of signal " + std::to_string(WTERMSIG(status));
  }
  int code = WEXITSTATUS(status);
  if (code != 0 && code != 1) return "etlc check exited with " + std::to_string(code) + " (expected 0 or 1)";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  std::string etlc;
  fs::path examples = "examples";
  size_t mutations_per_file = 700;
  size_t subprocess_cases = 200;
  size_t server_cases = 600;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--etlc") etlc = argv[i + 1];
    else if (flag == "--examples") examples = argv[i + 1];
    else if (flag == "--mutations") mutations_per_file = std::stoul(argv[i + 1]);
    else if (flag == "--subprocess-cases") subprocess_cases = std::stoul(argv[i + 1]);
    else if (flag == "--server-cases") server_cases = std::stoul(argv[i + 1]);
    else {
      std::cerr << "usage: fuzz_frontend [--etlc PATH] [--examples DIR] [--mutations N] [--subprocess-cases N]"
                   " [--server-cases N]\n";
      return 2;
    }
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(examples)) {
    if (entry.is_regular_file() && entry.path().extension() == ".etl") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << "fuzz_frontend: no .etl files under " << examples << "\n";
    return 1;
  }
  for (int sig : {SIGSEGV, SIGABRT, SIGFPE, SIGBUS, SIGILL, SIGALRM}) signal(sig, OnFatalSignal);

  auto started = std::chrono::steady_clock::now();
  std::vector<Case> all;
  uint32_t seed = kBaseSeed;
  for (const fs::path& file : files) {
    std::string text = ReadFile(file);
    auto cases = MakeCases(file.string(), text, 200, mutations_per_file, seed++);
    all.insert(all.end(), std::make_move_iterator(cases.begin()), std::make_move_iterator(cases.end()));
  }

  // 1. In-process. The case is parsed as if it were the example itself, so its imports
  //    (relative to the example) resolve as in the original.
  size_t with_errors = 0;
  size_t exceptions = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    const Case& c = all[i];
    std::snprintf(g_current_case, sizeof g_current_case, "%zu: %s, %s", i, c.file.c_str(), c.description.c_str());
    g_current_input = c.text;
    alarm(kCaseTimeoutSeconds);
    etl::driver::FrontendResult result;
    try {
      result = etl::driver::RunFrontend(c.file, c.text);
    } catch (const std::exception& error) {
      // An escaped exception would end etlc with an internal error: a bug like a crash,
      // but the process survives, so keep going and report every such case.
      alarm(0);
      if (++exceptions <= 10) {
        std::cerr << "fuzz_frontend: EXCEPTION in case " << g_current_case << ": " << error.what() << "\n";
        if (exceptions == 1) WriteFailureInput();
      }
      continue;
    }
    alarm(0);
    if (!result.loaded) {
      std::cerr << "fuzz_frontend: case " << g_current_case << ": the front end did not load the text\n";
      WriteFailureInput();
      return 1;
    }
    if (result.errors > 0) ++with_errors;
  }
  if (exceptions > 0) {
    std::cerr << "fuzz_frontend: " << exceptions << " cases threw an exception out of the front end "
              << "(the first one's input is in fuzz_failure.etl)\n";
    return 1;
  }
  std::cout << "in-process: " << all.size() << " cases from " << files.size() << " files, " << with_errors
            << " with errors, none crashed or hung\n";

  // 2. Through the language server (in-process): every n-th case opened as a document and
  //    driven through every request the server advertises, before and after edits.
  if (server_cases > 0) {
    size_t stride = std::max<size_t>(1, all.size() / server_cases);
    size_t ran = 0;
    for (size_t i = 0; i < all.size() && ran < server_cases; i += stride, ++ran) {
      const Case& c = all[i];
      std::snprintf(g_current_case, sizeof g_current_case, "%zu (server): %s, %s", i, c.file.c_str(),
                    c.description.c_str());
      g_current_input = c.text;
      alarm(kCaseTimeoutSeconds * 4);
      std::string problem = etl::fuzz::DriveServer(c.file, c.text, kBaseSeed + static_cast<uint32_t>(i));
      alarm(0);
      if (!problem.empty()) {
        std::cerr << "fuzz_frontend: case " << g_current_case << ": " << problem << "\n";
        WriteFailureInput();
        return 1;
      }
    }
    std::cout << "language server: " << ran << " cases through every advertised request, none failed\n";
  }

  // 3. Through the binary: every n-th case, in a temporary folder holding links to the
  //    original's siblings so its imports resolve as in the original.
  if (!etlc.empty() && subprocess_cases > 0) {
    char pattern[] = "/tmp/etl_fuzz_XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
      std::cerr << "fuzz_frontend: cannot create a temporary folder\n";
      return 1;
    }
    fs::path temp_dir = pattern;
    size_t stride = std::max<size_t>(1, all.size() / subprocess_cases);
    size_t ran = 0;
    std::string failure;
    for (size_t i = 0; i < all.size() && ran < subprocess_cases && failure.empty(); i += stride, ++ran) {
      const Case& c = all[i];
      fs::path folder = temp_dir / std::to_string(i);
      fs::create_directories(folder);
      for (const auto& sibling : fs::directory_iterator(fs::absolute(fs::path(c.file).parent_path()))) {
        fs::create_symlink(sibling.path(), folder / sibling.path().filename());
      }
      fs::path temp = folder / ".fuzz_case.etl";
      {
        std::ofstream out(temp, std::ios::binary);
        out << c.text;
      }
      std::snprintf(g_current_case, sizeof g_current_case, "%zu: %s, %s", i, c.file.c_str(), c.description.c_str());
      g_current_input = c.text;
      std::string problem = CheckInChild(etlc, temp.string());
      if (!problem.empty()) failure = std::string("case ") + g_current_case + ": " + problem;
    }
    fs::remove_all(temp_dir);
    if (!failure.empty()) {
      std::cerr << "fuzz_frontend: " << failure << "\n";
      WriteFailureInput();
      return 1;
    }
    std::cout << "subprocess: " << ran << " cases through `etlc check`, all exited 0 or 1\n";
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "fuzz_frontend: ok in " << seconds << " s\n";
  return 0;
}
