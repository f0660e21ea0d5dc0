// The registry: the one explicit list of every step and function (see catalog.h for why
// it is explicit), lookups, and the records shared by all steps (done, errors).
#include <algorithm>

#include "stdlib/catalog.h"
#include "stdlib/spec.h"

namespace etl::stdlib {

using namespace ast;

std::string_view Spelling(StepKind kind) {
  switch (kind) {
    case StepKind::Source:
      return "source";
    case StepKind::Transform:
      return "transform";
    case StepKind::Sink:
      return "sink";
    case StepKind::Trigger:
      return "trigger";
    case StepKind::Window:
      return "window";
  }
  return "step";
}

namespace {

std::vector<StepSpec> BuildSteps() {
  using namespace catalog;
  std::vector<StepSpec> steps;
  for (auto make : {CsvSource, JsonlSource, GenerateSource, PostgresSource, SqliteSource, HttpSource,
                    ParquetSource, KafkaSource, ExecSource, SingerSource,
                    ExecTransform,
                    CsvSink, JsonlSink, StdoutSink, PostgresSink, SqliteSink, HttpSink, ParquetSink,
                    KafkaSink, ExecSink, SingerSink,
                    FileTrigger, WebhookTrigger, EventTrigger,
                    TumblingWindow, SlidingWindow, SessionWindow}) {
    steps.push_back(make());
  }
  return steps;
}

std::vector<FunctionSpec> BuildFunctions() {
  using namespace catalog;
  std::vector<FunctionSpec> functions;
  for (auto add : {AddStringFunctions, AddNumberFunctions, AddTimeFunctions, AddCastFunctions,
                   AddOtherFunctions, AddAggregateFunctions}) {
    add(functions);
  }
  return functions;
}

const std::vector<StepSpec>& StepStore() {
  static const std::vector<StepSpec> steps = BuildSteps();
  return steps;
}

const std::vector<FunctionSpec>& FunctionStore() {
  static const std::vector<FunctionSpec> functions = BuildFunctions();
  return functions;
}

}  // namespace

const std::vector<const StepSpec*>& AllSteps() {
  static const std::vector<const StepSpec*> pointers = [] {
    std::vector<const StepSpec*> out;
    for (const auto& step : StepStore()) out.push_back(&step);
    return out;
  }();
  return pointers;
}

const std::vector<const FunctionSpec*>& AllFunctions() {
  static const std::vector<const FunctionSpec*> pointers = [] {
    std::vector<const FunctionSpec*> out;
    for (const auto& function : FunctionStore()) out.push_back(&function);
    return out;
  }();
  return pointers;
}

const StepSpec* FindStep(std::string_view name, StepKind kind) {
  for (const StepSpec* step : AllSteps()) {
    if (step->name == name && step->kind == kind) return step;
  }
  return nullptr;
}

std::vector<const StepSpec*> FindSteps(std::string_view name) {
  std::vector<const StepSpec*> out;
  for (const StepSpec* step : AllSteps()) {
    if (step->name == name) out.push_back(step);
  }
  return out;
}

const FunctionSpec* FindFunction(std::string_view name, bool aggregate) {
  const FunctionSpec* other = nullptr;
  for (const FunctionSpec* function : AllFunctions()) {
    if (function->name != name) continue;
    if (function->aggregate == aggregate) return function;
    other = function;
  }
  return other;
}

const FunctionSpec* ResolveFunction(std::string_view name, size_t arg_count) {
  // Only min/max have both forms; the argument count tells them apart.
  return FindFunction(name, arg_count <= 1);
}

std::vector<size_t> NullableArguments(const FunctionSpec& spec, const CallContext& call) {
  if (!spec.check) return {};
  CallContext probe = call;
  probe.diagnostics = nullptr;
  std::vector<size_t> nullable;
  for (size_t i = 0; i < call.arg_types.size(); ++i) {
    const TypeRef& type = call.arg_types[i];
    if (type && type->nullable && type->kind != TypeKind::Null) {
      nullable.push_back(i);
      probe.arg_types[i] = WithNullable(type, false);
    }
  }
  if (nullable.empty() || !spec.check(probe)) return {};
  std::vector<size_t> culprits;
  for (size_t i : nullable) {
    CallContext one = probe;
    one.arg_types[i] = call.arg_types[i];
    if (!spec.check(one)) culprits.push_back(i);
  }
  // Only a combination fails (no single argument does): every nullable one is to blame.
  return culprits.empty() ? nullable : culprits;
}

TypeRef DoneType() {
  static const TypeRef type = RecordType({{"target", StringType(), false},
                                          {"rows", IntType(), false},
                                          {"bytes", IntType(), false}});
  return type;
}

TypeRef ErrorsType() {
  static const TypeRef type = RecordType({{"step", StringType(), false},
                                          {"code", StringType(), false},
                                          {"message", StringType(), false},
                                          {"record", JsonType(), false},
                                          {"source", WithNullable(StringType(), true), false},
                                          {"line", WithNullable(IntType(), true), false},
                                          {"at", TimestampType(), false}});
  return type;
}

const BoundArg* StepBindContext::Arg(std::string_view name) const {
  for (const auto& arg : args) {
    if (arg.param && arg.param->name == name) return &arg;
  }
  return nullptr;
}

void StepBindContext::Error(std::string_view param, std::string message) const {
  if (!diagnostics) return;
  const BoundArg* arg = param.empty() ? nullptr : Arg(param);
  diag::SourceRange range = arg && arg->range.Valid() ? arg->range : call_range;
  diagnostics->Report(diag::Code::InvalidArgumentValue, range, std::move(message));
}

}  // namespace etl::stdlib
