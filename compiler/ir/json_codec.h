// Internal: JSON encoding of the plan's values, types and expressions, shared by the plan
// writer/reader and the graph renderer. Not part of the public contract.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

#include "compiler/ir/plan.h"

namespace etl::ir::json_codec {

// Object keys keep insertion order, which makes the output deterministic and readable.
using Json = nlohmann::ordered_json;

// A validation failure at a JSON pointer; caught by PlanFromJson.
struct ReadError : std::runtime_error {
  ReadError(const std::string& pointer, const std::string& message)
      : std::runtime_error((pointer.empty() ? std::string("/") : pointer) + ": " + message) {}
};

Json TypeToJson(const TypeRef& type);
Json ValueToJson(const Value& value);
Json ExprToJson(const Expr& expr);
Json PortToJson(const Port& port);
Json StepArgToJson(const StepArg& arg);

TypeRef TypeFromJson(const Json& json, const std::string& pointer);
Value ValueFromJson(const Json& json, const std::string& pointer);
Expr ExprFromJson(const Json& json, const std::string& pointer);
Port PortFromJson(const Json& json, const std::string& pointer);
StepArg StepArgFromJson(const Json& json, const std::string& pointer);

// A test of Plan::tests; reading checks its pipeline, nodes and ports against `plan`.
Json TestToJson(const Test& test);
Test TestFromJson(const Json& json, const std::string& pointer, const Plan& plan);

// Checked member access: throws ReadError naming the pointer when absent or mistyped.
const Json& Member(const Json& object, const char* key, const std::string& pointer);
std::string StringMember(const Json& object, const char* key, const std::string& pointer);
int64_t IntMember(const Json& object, const char* key, const std::string& pointer);
bool BoolMember(const Json& object, const char* key, const std::string& pointer);
const Json& ArrayMember(const Json& object, const char* key, const std::string& pointer);
// `pointer + "/" + key`, escaping `~` and `/` as RFC 6901 requires.
std::string Child(const std::string& pointer, std::string_view key);
std::string Child(const std::string& pointer, size_t index);

}  // namespace etl::ir::json_codec
