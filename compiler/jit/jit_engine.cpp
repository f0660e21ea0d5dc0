// LLJIT, the O2 pipeline and the object cache (jit_engine.h).
#include "compiler/jit/jit_engine.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/ObjectCache.h>
#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Support/xxhash.h>
#include <llvm/Target/TargetMachine.h>

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>

#include "compiler/jit/jit_codegen.h"

extern "C" int EtlJitCompareBytes(const char* a, uint32_t a_length, const char* b, uint32_t b_length) {
  const uint32_t n = a_length < b_length ? a_length : b_length;
  const int c = n == 0 ? 0 : std::memcmp(a, b, n);
  if (c != 0) return c < 0 ? -1 : 1;
  return a_length < b_length ? -1 : a_length > b_length ? 1 : 0;
}

extern "C" int64_t EtlJitCodePoints(const char* s, uint32_t length) {
  int64_t n = 0;
  for (uint32_t i = 0; i < length; ++i) n += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  return n;
}

extern "C" int32_t EtlJitStringTest(int32_t op, const char* s, uint32_t s_length, const char* t, uint32_t t_length) {
  const std::string_view a(s, s_length), b(t, t_length);
  switch (op) {
    case 0: return a.starts_with(b);
    case 1: return a.ends_with(b);
    default: return a.find(b) != std::string_view::npos;
  }
}

namespace etl::jit {

namespace {

// Bump when the generated code or kernel_abi.h changes meaning: old cache entries then miss.
constexpr const char* kCodegenVersion = "etl-jit-3";
// A cache file: magic, xxHash64 of the object, the object.
constexpr char kMagic[8] = {'E', 'T', 'L', 'J', 'I', 'T', 'O', '1'};

std::string Message(llvm::Error error) { return llvm::toString(std::move(error)); }

std::string HostCpuKey() {
  std::string key = llvm::sys::getHostCPUName().str();
  llvm::StringMap<bool> features;
  if (llvm::sys::getHostCPUFeatures(features)) {
    std::map<std::string, bool> sorted;
    for (const auto& f : features) sorted[f.getKey().str()] = f.getValue();
    for (const auto& [name, on] : sorted) key += (on ? "+" : "-") + name;
  }
  return key;
}

void InitializeLlvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

std::string Hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

// The object cache: <dir>/<module identifier>.o, written atomically (temp + rename).
class FileObjectCache : public llvm::ObjectCache {
 public:
  explicit FileObjectCache(std::string dir) : dir_(std::move(dir)) {}

  std::string PathOf(const std::string& key) const { return dir_ + "/" + key + ".o"; }

  // The object stored under `key`, or null when missing or damaged (then it is removed).
  std::unique_ptr<llvm::MemoryBuffer> Load(const std::string& key) const {
    std::ifstream in(PathOf(key), std::ios::binary);
    if (!in) return nullptr;
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t header = sizeof kMagic + sizeof(uint64_t);
    uint64_t sum = 0;
    if (data.size() > header) std::memcpy(&sum, data.data() + sizeof kMagic, sizeof sum);
    if (data.size() <= header || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0 ||
        llvm::xxHash64(llvm::StringRef(data).substr(header)) != sum) {
      std::error_code ignored;
      std::filesystem::remove(PathOf(key), ignored);
      return nullptr;
    }
    // A hit marks the entry as used: `etlc gc` removes entries unused for its --keep.
    std::error_code ignored;
    std::filesystem::last_write_time(PathOf(key), std::filesystem::file_time_type::clock::now(), ignored);
    return llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(data).substr(header), key);
  }

  void notifyObjectCompiled(const llvm::Module* module, llvm::MemoryBufferRef object) override {
    if (dir_.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    static std::atomic<uint64_t> counter{0};
    const std::string key = module->getModuleIdentifier();
    const std::string temp = PathOf(key) + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    {
      std::ofstream out(temp, std::ios::binary | std::ios::trunc);
      const uint64_t sum = llvm::xxHash64(object.getBuffer());
      out.write(kMagic, sizeof kMagic);
      out.write(reinterpret_cast<const char*>(&sum), sizeof sum);
      out.write(object.getBufferStart(), static_cast<std::streamsize>(object.getBufferSize()));
      if (!out) {
        out.close();
        std::filesystem::remove(temp, ec);
        return;  // a cache that cannot be written only costs the next run a compilation
      }
    }
    std::filesystem::rename(temp, PathOf(key), ec);
    if (ec) std::filesystem::remove(temp, ec);
  }

  // Lookups go through Load before any IR is optimised; the compiler never asks twice.
  std::unique_ptr<llvm::MemoryBuffer> getObject(const llvm::Module*) override { return nullptr; }

 private:
  std::string dir_;
};

bool Optimize(llvm::Module& module, llvm::TargetMachine& machine) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  llvm::PassBuilder builder(&machine, tuning);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager pipeline = builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
  pipeline.run(module, mam);
  return true;
}

bool Verify(const llvm::Module& module, std::string* error) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (!llvm::verifyModule(module, &os)) return true;
  os.flush();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  *error = "LLVM rejected the generated code: " + text;
  return false;
}

}  // namespace

struct Engine::State {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::unique_ptr<llvm::TargetMachine> machine;  // for the optimiser's cost model
  std::shared_ptr<FileObjectCache> cache;
  bool use_cache = false;
  std::string cpu_key;
  std::map<std::string, std::vector<KernelFn>> loaded;  // by key: compiled in this JIT already
  uint64_t dylibs = 0;
};

Engine::Engine(std::unique_ptr<State> state) : state_(std::move(state)) {}
Engine::~Engine() = default;

std::unique_ptr<Engine> Engine::Create(const std::string& cache_dir, std::string* error) {
  InitializeLlvm();
  auto state = std::make_unique<State>();
  state->cache = std::make_shared<FileObjectCache>(cache_dir);
  state->use_cache = !cache_dir.empty();
  state->cpu_key = HostCpuKey();
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) {
    *error = "cannot target this machine: " + Message(jtmb.takeError());
    return nullptr;
  }
  jtmb->setCodeGenOptLevel(llvm::CodeGenOpt::Default);
  auto machine = jtmb->createTargetMachine();
  if (!machine) {
    *error = "cannot target this machine: " + Message(machine.takeError());
    return nullptr;
  }
  state->machine = std::move(*machine);
  FileObjectCache* cache = state->cache.get();
  auto jit = llvm::orc::LLJITBuilder()
                 .setJITTargetMachineBuilder(*jtmb)
                 .setCompileFunctionCreator([cache](llvm::orc::JITTargetMachineBuilder builder)
                                                -> llvm::Expected<std::unique_ptr<llvm::orc::IRCompileLayer::IRCompiler>> {
                   auto tm = builder.createTargetMachine();
                   if (!tm) return tm.takeError();
                   return std::make_unique<llvm::orc::TMOwningSimpleCompiler>(std::move(*tm), cache);
                 })
                 .create();
  if (!jit) {
    *error = "cannot start LLVM's JIT: " + Message(jit.takeError());
    return nullptr;
  }
  state->jit = std::move(*jit);
  // The helpers kernels call, by address (a static binary does not export them).
  llvm::orc::SymbolMap symbols;
  auto add = [&](const char* name, void* address) {
    symbols[state->jit->mangleAndIntern(name)] =
        llvm::JITEvaluatedSymbol(llvm::pointerToJITTargetAddress(address), llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
  };
  add("EtlJitCompareBytes", reinterpret_cast<void*>(&EtlJitCompareBytes));
  add("EtlJitCodePoints", reinterpret_cast<void*>(&EtlJitCodePoints));
  add("EtlJitStringTest", reinterpret_cast<void*>(&EtlJitStringTest));
  add("fmod", reinterpret_cast<void*>(static_cast<double (*)(double, double)>(&std::fmod)));
  using Unary = double (*)(double);
  add("floor", reinterpret_cast<void*>(static_cast<Unary>(&std::floor)));
  add("ceil", reinterpret_cast<void*>(static_cast<Unary>(&std::ceil)));
  add("round", reinterpret_cast<void*>(static_cast<Unary>(&std::round)));
  add("sqrt", reinterpret_cast<void*>(static_cast<Unary>(&std::sqrt)));
  add("memcmp", reinterpret_cast<void*>(&std::memcmp));
  add("memcpy", reinterpret_cast<void*>(&std::memcpy));
  add("memmove", reinterpret_cast<void*>(&std::memmove));
  add("memset", reinterpret_cast<void*>(&std::memset));
  if (auto err = state->jit->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(symbols)))) {
    *error = "cannot start LLVM's JIT: " + Message(std::move(err));
    return nullptr;
  }
  return std::unique_ptr<Engine>(new Engine(std::move(state)));
}

bool Engine::Compile(std::unique_ptr<llvm::LLVMContext> context, std::unique_ptr<llvm::Module> module, size_t segments,
                     Compiled* out, std::string* error) {
  // The module must die before its context on every path: a ThreadSafeModule owns both.
  llvm::orc::ThreadSafeModule owned(std::move(module), std::move(context));
  llvm::Module* m = owned.getModuleUnlocked();
  State& s = *state_;
  m->setDataLayout(s.machine->createDataLayout());
  m->setTargetTriple(s.machine->getTargetTriple().str());
  if (!Verify(*m, error)) return false;
  std::string ir;
  {
    llvm::raw_string_ostream os(ir);
    m->print(os, nullptr);
  }
  const std::string key =
      Hex(llvm::xxHash64(ir + "\n" + LLVM_VERSION_STRING + "\n" + s.cpu_key + "\n" + kCodegenVersion));
  m->setModuleIdentifier(key);
  std::vector<std::string> names;
  for (size_t k = 0; k < segments; ++k) {
    names.push_back("etl_" + key + "_" + std::to_string(k));
    llvm::Function* f = m->getFunction(SegmentFunctionName(k));
    if (!f) {
      *error = "the generated module has no function " + SegmentFunctionName(k);
      return false;
    }
    f->setName(names.back());
  }
  if (auto it = s.loaded.find(key); it != s.loaded.end()) {  // the same step again in this run
    out->functions = it->second;
    return true;
  }

  auto lookup = [&](llvm::orc::JITDylib& dylib) -> bool {
    out->functions.clear();
    for (const std::string& name : names) {
      auto address = s.jit->lookup(dylib, name);
      if (!address) {
        *error = "LLVM could not link the kernel: " + Message(address.takeError());
        return false;
      }
      out->functions.push_back(address->toPtr<KernelFn>());
    }
    return true;
  };
  auto new_dylib = [&]() -> llvm::orc::JITDylib* {
    auto dylib = s.jit->createJITDylib("etl_kernel_" + std::to_string(s.dylibs++));
    if (!dylib) {
      *error = "LLVM could not make a JITDylib: " + Message(dylib.takeError());
      return nullptr;
    }
    dylib->addToLinkOrder(s.jit->getMainJITDylib());
    return &*dylib;
  };

  if (s.use_cache) {
    if (auto object = s.cache->Load(key)) {
      llvm::orc::JITDylib* dylib = new_dylib();
      if (!dylib) return false;
      if (auto err = s.jit->addObjectFile(*dylib, std::move(object))) {
        llvm::consumeError(std::move(err));
      } else if (lookup(*dylib)) {
        out->cached = true;
        s.loaded[key] = out->functions;
        return true;
      }
      // A cache entry that does not link: drop it and compile.
      if (auto err = s.jit->getExecutionSession().removeJITDylib(*dylib)) llvm::consumeError(std::move(err));
      std::error_code ec;
      std::filesystem::remove(s.cache->PathOf(key), ec);
    }
  }
  Optimize(*m, *s.machine);
  if (!Verify(*m, error)) return false;
  llvm::orc::JITDylib* dylib = new_dylib();
  if (!dylib) return false;
  if (auto err = s.jit->addIRModule(*dylib, std::move(owned))) {
    *error = "LLVM could not add the kernel: " + Message(std::move(err));
    return false;
  }
  if (!lookup(*dylib)) return false;
  s.loaded[key] = out->functions;
  return true;
}

bool OptimizeForHost(llvm::Module& module, std::string* error) {
  InitializeLlvm();
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) {
    *error = "cannot target this machine: " + Message(jtmb.takeError());
    return false;
  }
  auto machine = jtmb->createTargetMachine();
  if (!machine) {
    *error = "cannot target this machine: " + Message(machine.takeError());
    return false;
  }
  module.setDataLayout((*machine)->createDataLayout());
  module.setTargetTriple((*machine)->getTargetTriple().str());
  if (!Verify(module, error)) return false;
  Optimize(module, **machine);
  return Verify(module, error);
}

}  // namespace etl::jit
