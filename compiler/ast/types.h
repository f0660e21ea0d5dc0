// Static types of the language (language.md §3): built once, shared immutably.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etl::ast {

// The closed set of type kinds. Error is the type of an expression that already
// produced a diagnostic: it is compatible with everything, so errors do not cascade.
#define ETL_TYPE_KINDS(X) \
  X(Error, "<error>")     \
  X(Null, "null")         \
  X(Int, "int")           \
  X(Float, "float")       \
  X(Decimal, "decimal")   \
  X(Bool, "bool")         \
  X(String, "string")     \
  X(Bytes, "bytes")       \
  X(Date, "date")         \
  X(Timestamp, "timestamp") \
  X(Duration, "duration") \
  X(Json, "json")         \
  X(Secret, "secret")     \
  X(List, "list")         \
  X(Map, "map")           \
  X(Record, "record")

enum class TypeKind {
#define ETL_TYPE_ENUM(name, spelling) name,
  ETL_TYPE_KINDS(ETL_TYPE_ENUM)
#undef ETL_TYPE_ENUM
};

struct Type;
using TypeRef = std::shared_ptr<const Type>;

// A field of a record type.
struct Field {
  std::string name;
  TypeRef type;
  bool has_default = false;
};

// A type; records carry their fields in order, and a schema name when they are one.
struct Type {
  TypeKind kind = TypeKind::Error;
  bool nullable = false;
  int precision = 0;  // decimal
  int scale = 0;      // decimal
  TypeRef element;    // list, map
  std::vector<Field> fields;  // record
  std::string name;           // schema name of a named record ("Order"), else empty

  // Index of a field by name, or -1.
  int FieldIndex(std::string_view field) const;
  const Field* FindField(std::string_view field) const;
  std::vector<std::string> FieldNames() const;
};

// Constructors of shared types.
TypeRef MakeType(TypeKind kind, bool nullable = false);
TypeRef ErrorType();
TypeRef NullType();
TypeRef IntType();
TypeRef FloatType();
TypeRef BoolType();
TypeRef StringType();
TypeRef DateType();
TypeRef TimestampType();
TypeRef DurationType();
TypeRef JsonType();
TypeRef SecretType();
TypeRef DecimalType(int precision, int scale);
TypeRef ListType(TypeRef element, bool nullable = false);
TypeRef MapType(TypeRef element, bool nullable = false);
TypeRef RecordType(std::vector<Field> fields, std::string name = "", bool nullable = false);
// The same type with another nullability.
TypeRef WithNullable(const TypeRef& type, bool nullable);
// The same record without its schema name (after derive/select it is a new shape).
TypeRef Unnamed(const TypeRef& type);

std::string_view KindName(TypeKind kind);
// The spelling users write: "int?", "list<string>", "decimal(10, 2)", "{a: int, b: string?}";
// named records print their schema name unless `expand` is set.
std::string ToString(const TypeRef& type, bool expand = false);
// Parses a spelling of ToString(type, true) (no schema names); nullopt if malformed.
std::optional<TypeRef> ParseType(std::string_view text);

// Structural equality (schema names and field defaults are ignored).
bool SameType(const TypeRef& a, const TypeRef& b);
// Whether a value of type `from` may be used where `to` is expected:
// equal types, T -> T?, null -> T?, int -> float and int -> decimal widening, Error both ways.
bool IsAssignable(const TypeRef& from, const TypeRef& to);
// The type both can widen to (branches of if/match, list elements), or nullptr.
TypeRef CommonType(const TypeRef& a, const TypeRef& b);

bool IsNumeric(const TypeRef& type);    // int, float, decimal
bool IsOrderable(const TypeRef& type);  // numbers, string, bytes, bool, date, timestamp, duration
bool IsHashable(const TypeRef& type);   // anything but secret (json hashes its text)
inline bool IsError(const TypeRef& type) { return !type || type->kind == TypeKind::Error; }

}  // namespace etl::ast
