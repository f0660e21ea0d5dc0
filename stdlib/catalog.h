// The explicit list of everything in the standard library: one function per step file
// and one per function category. registry.cpp calls each of them; explicit calls (rather
// than static registrars) keep every spec alive when etl_stdlib is linked statically.
#pragma once

#include <vector>

#include "stdlib/spec.h"

namespace etl::stdlib::catalog {

// Sources (stdlib/source_*.cpp).
StepSpec CsvSource();
StepSpec JsonlSource();
StepSpec GenerateSource();
StepSpec PostgresSource();
StepSpec SqliteSource();
StepSpec HttpSource();
StepSpec ParquetSource();
StepSpec KafkaSource();
StepSpec ExecSource();
StepSpec SingerSource();

// Transforms (stdlib/transform_*.cpp).
StepSpec ExecTransform();

// Sinks (stdlib/sink_*.cpp).
StepSpec CsvSink();
StepSpec JsonlSink();
StepSpec StdoutSink();
StepSpec PostgresSink();
StepSpec SqliteSink();
StepSpec HttpSink();
StepSpec ParquetSink();
StepSpec KafkaSink();
StepSpec ExecSink();
StepSpec SingerSink();

// Triggers (stdlib/trigger_*.cpp) and windows (stdlib/window_*.cpp).
StepSpec FileTrigger();
StepSpec WebhookTrigger();
StepSpec EventTrigger();
StepSpec TumblingWindow();
StepSpec SlidingWindow();
StepSpec SessionWindow();

// Functions, by category (stdlib/functions_*.cpp).
void AddStringFunctions(std::vector<FunctionSpec>& out);
void AddNumberFunctions(std::vector<FunctionSpec>& out);
void AddTimeFunctions(std::vector<FunctionSpec>& out);
void AddCastFunctions(std::vector<FunctionSpec>& out);
void AddOtherFunctions(std::vector<FunctionSpec>& out);
void AddAggregateFunctions(std::vector<FunctionSpec>& out);

}  // namespace etl::stdlib::catalog
