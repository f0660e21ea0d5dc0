#include "runtime/io_factory.h"

#include <sys/stat.h>

#include <iostream>

#include "runtime/sink_csv.h"
#include "runtime/sink_jsonl.h"
#include "runtime/sink_stdout.h"
#include "runtime/source_csv.h"
#include "runtime/source_generate.h"
#include "runtime/source_jsonl.h"

namespace etl::runtime {

namespace {

// Adapts one of the typed sources (which share failure()/stats() but no base class).
template <typename S>
class TypedBoundSource : public BoundSource {
 public:
  explicit TypedBoundSource(std::unique_ptr<S> source) : source_(std::move(source)) {}
  Source& source() override { return *source_; }
  const std::optional<InputError>& failure() const override { return source_->failure(); }
  SourceStats stats() const override { return source_->stats(); }

 private:
  std::unique_ptr<S> source_;
};

// Output that discards everything (dry sinks).
class DiscardOutput : public SinkOutput {
 public:
  bool Write(std::string_view) override { return true; }
  bool Commit() override { return true; }
  void Abort() override {}
};

// A sink that counts rows and formats nothing (`RunOptions::dry_sinks`).
class DrySink : public BufferedSink {
 public:
  explicit DrySink(std::string target) : BufferedSink(std::move(target), std::make_unique<DiscardOutput>()) {}

 protected:
  void Format(const Batch&, std::string&) override {}
};

// Reads the arguments of one node, remembering the first problem.
class Args {
 public:
  Args(const ir::Node& node, const EvalContext& eval, std::string* error) : node_(node), eval_(eval), error_(error) {}

  bool ok() const { return ok_; }

  // The argument's value, or nullopt when absent, null or failed (then ok() is false).
  std::optional<ast::Value> Get(std::string_view name) {
    for (const ir::StepArg& arg : node_.args) {
      if (arg.name != name) continue;
      std::string why;
      std::optional<ast::Value> value = EvaluateArg(arg, eval_, &why);
      if (!value) {
        Fail("argument `" + arg.name + "`: " + why);
        return std::nullopt;
      }
      if (value->kind == ast::Value::Kind::Null) return std::nullopt;
      return value;
    }
    return std::nullopt;
  }

  std::optional<std::string> String(std::string_view name) {
    std::optional<ast::Value> value = Get(name);
    if (!value) return std::nullopt;
    if (value->kind != ast::Value::Kind::String) {
      Fail("argument `" + std::string(name) + "` must be a string");
      return std::nullopt;
    }
    return value->string_value;
  }

  std::string RequiredString(std::string_view name) {
    std::optional<std::string> value = String(name);
    if (!value && ok_) Fail("argument `" + std::string(name) + "` is missing");
    return value.value_or("");
  }

  bool Bool(std::string_view name, bool fallback) {
    std::optional<ast::Value> value = Get(name);
    if (!value) return fallback;
    if (value->kind != ast::Value::Kind::Bool) {
      Fail("argument `" + std::string(name) + "` must be a bool");
      return fallback;
    }
    return value->bool_value;
  }

  std::optional<int64_t> Int(std::string_view name) {
    std::optional<ast::Value> value = Get(name);
    if (!value) return std::nullopt;
    if (value->kind != ast::Value::Kind::Int) {
      Fail("argument `" + std::string(name) + "` must be an int");
      return std::nullopt;
    }
    return value->int_value;
  }

  char Char(std::string_view name, char fallback) {
    std::optional<std::string> value = String(name);
    if (!value) return fallback;
    if (value->size() != 1) {
      Fail("argument `" + std::string(name) + "` must be exactly one character");
      return fallback;
    }
    return (*value)[0];
  }

  // `null:`: an empty marker means "the empty field", as when it is not given.
  std::optional<std::string> NullMarker() {
    std::optional<std::string> value = String("null");
    if (value && value->empty()) return std::nullopt;
    return value;
  }

  void Fail(const std::string& message) {
    if (!ok_) return;
    ok_ = false;
    if (error_) *error_ = "`" + node_.id + "`: " + message;
  }

 private:
  const ir::Node& node_;
  const EvalContext& eval_;
  std::string* error_;
  bool ok_ = true;
};

// The total size of the files `pattern` matches now; nullopt when it cannot be known.
std::optional<uint64_t> TotalBytes(const std::string& pattern) {
  std::vector<std::string> paths;
  InputError why;
  if (!ExpandGlob(pattern, &paths, &why)) return std::nullopt;
  uint64_t total = 0;
  for (const std::string& path : paths) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return std::nullopt;
    total += static_cast<uint64_t>(st.st_size);
  }
  return total;
}

TypeRef OutputType(const ir::Node& node) { return node.outputs.empty() ? nullptr : node.outputs[0].type; }

}  // namespace

std::optional<ast::Value> EvaluateArg(const ir::StepArg& arg, const EvalContext& eval, std::string* error) {
  if (arg.value) return *arg.value;
  if (!arg.expr) return ast::Value::Null();  // a `schema:` argument: the port type says it all
  TypeRef empty = ast::RecordType({});
  std::string why;
  std::unique_ptr<Kernel> kernel = CompileKernel(*arg.expr, empty, &why);
  if (!kernel) {
    if (error) *error = why;
    return std::nullopt;
  }
  Batch one;
  one.schema = empty;
  one.rows = 1;
  RowErrors errors;
  ColumnPtr column = kernel->Evaluate(one, eval, errors);
  if (!errors.Empty()) {
    if (error) *error = errors.Errors()[0].message;
    return std::nullopt;
  }
  return column->Get(0);
}

std::unique_ptr<BoundSource> BindSource(const ir::Node& node, const IoBindContext& ctx, std::string* error) {
  Args args(node, ctx.eval, error);
  TypeRef schema = OutputType(node);
  std::unique_ptr<BoundSource> bound;
  if (node.step == "csv") {
    CsvSourceOptions options;
    options.path = args.RequiredString("path");
    options.schema = schema;
    options.header = args.Bool("header", true);
    options.delimiter = args.Char("delimiter", ',');
    options.quote = args.Char("quote", '"');
    options.null_marker = args.NullMarker();
    if (auto read = ctx.fields_read.find(node.id); read != ctx.fields_read.end()) options.fields_read = read->second;
    if (!args.ok()) return nullptr;
    std::string path = options.path;
    bound = std::make_unique<TypedBoundSource<CsvSource>>(std::make_unique<CsvSource>(node.id, std::move(options)));
    bound->target = path;
  } else if (node.step == "jsonl") {
    JsonlSourceOptions options;
    options.path = args.RequiredString("path");
    options.schema = schema;
    if (auto read = ctx.fields_read.find(node.id); read != ctx.fields_read.end()) options.fields_read = read->second;
    if (!args.ok()) return nullptr;
    std::string path = options.path;
    bound = std::make_unique<TypedBoundSource<JsonlSource>>(std::make_unique<JsonlSource>(node.id, std::move(options)));
    bound->target = path;
  } else if (node.step == "generate") {
    GenerateOptions options;
    std::optional<int64_t> count = args.Int("count");
    std::optional<int64_t> seed = args.Int("seed");
    if (args.ok() && (!count || *count < 0)) args.Fail("argument `count` must be a non-negative int");
    if (!args.ok()) return nullptr;
    options.count = static_cast<uint64_t>(*count);
    options.seed = seed && *seed != 0 ? static_cast<uint64_t>(*seed) : ctx.seed;
    options.schema = schema;
    bound = std::make_unique<TypedBoundSource<GenerateSource>>(
        std::make_unique<GenerateSource>(node.id, std::move(options)));
  } else {
    if (error) *error = "`" + node.id + "`: source `" + node.step + "` is not supported by this build yet";
    return nullptr;
  }
  if (!schema) {
    if (error) *error = "`" + node.id + "`: the source has no output record type";
    return nullptr;
  }
  bound->spec = node.step;
  if (!bound->target.empty()) bound->bytes_total = TotalBytes(bound->target);
  return bound;
}

BoundSink BindSink(const ir::Node& node, const IoBindContext& ctx, std::string* error) {
  BoundSink bound;
  Args args(node, ctx.eval, error);
  TypeRef schema = node.inputs.empty() ? nullptr : node.inputs[0].type;
  if (node.step == "sqlite" || node.step == "postgres") {
    if (ctx.dry_sinks) {
      bound.spec = node.step;
      bound.target = node.step;
      bound.sink = std::make_unique<DrySink>(bound.target);
      return bound;
    }
    return BindDatabaseSink(node, ctx, error);
  }
  if (node.step != "csv" && node.step != "jsonl" && node.step != "stdout") {
    if (error) *error = "`" + node.id + "`: sink `" + node.step + "` is not supported by this build yet";
    return bound;
  }
  if (!schema || node.inputs.size() != 1) {
    if (error) *error = "`" + node.id + "`: a sink needs exactly one record input";
    return bound;
  }
  bound.spec = node.step;
  if (node.step == "csv") {
    CsvSinkOptions options;
    options.path = args.RequiredString("path");
    options.header = args.Bool("header", true);
    options.delimiter = args.Char("delimiter", ',');
    options.quote = args.Char("quote", '"');
    options.null_marker = args.NullMarker();
    options.append = ctx.append_outputs;
    if (!args.ok()) return bound;
    bound.target = options.path;
    if (!ctx.dry_sinks) bound.sink = std::make_unique<CsvSink>(schema, std::move(options));
  } else if (node.step == "jsonl") {
    JsonlSinkOptions options;
    options.path = args.RequiredString("path");
    options.append = ctx.append_outputs;
    if (!args.ok()) return bound;
    bound.target = options.path;
    if (!ctx.dry_sinks) bound.sink = std::make_unique<JsonlSink>(schema, std::move(options));
  } else {
    StdoutSinkOptions options;
    options.format = args.String("format").value_or("table");
    if (args.ok() && options.format != "table" && options.format != "jsonl") {
      args.Fail("argument `format` must be \"table\" or \"jsonl\"");
    }
    if (!args.ok()) return bound;
    bound.target = "stdout";
    if (!ctx.dry_sinks) {
      bound.sink = std::make_unique<StdoutSink>(schema, std::move(options), ctx.out ? *ctx.out : std::cout);
    }
  }
  if (ctx.dry_sinks) bound.sink = std::make_unique<DrySink>(bound.target);
  if (bound.sink) {
    SinkDurability durability = ctx.durability;
    durability.step = node.id;
    durability.state_file = durability.persist_dir + "/sinks/" + node.id + ".ckpt";
    bound.sink->SetDurability(std::move(durability));
  }
  return bound;
}

}  // namespace etl::runtime
