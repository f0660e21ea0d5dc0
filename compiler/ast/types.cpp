#include "compiler/ast/types.h"

#include <cctype>

namespace etl::ast {

int Type::FieldIndex(std::string_view field) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field) return static_cast<int>(i);
  }
  return -1;
}

const Field* Type::FindField(std::string_view field) const {
  int index = FieldIndex(field);
  return index < 0 ? nullptr : &fields[static_cast<size_t>(index)];
}

std::vector<std::string> Type::FieldNames() const {
  std::vector<std::string> names;
  for (const auto& field : fields) names.push_back(field.name);
  return names;
}

TypeRef MakeType(TypeKind kind, bool nullable) {
  auto type = std::make_shared<Type>();
  type->kind = kind;
  type->nullable = nullable;
  return type;
}

#define ETL_SHARED_TYPE(fn, kind)                  \
  TypeRef fn() {                                   \
    static const TypeRef type = MakeType(TypeKind::kind); \
    return type;                                   \
  }
ETL_SHARED_TYPE(ErrorType, Error)
ETL_SHARED_TYPE(IntType, Int)
ETL_SHARED_TYPE(FloatType, Float)
ETL_SHARED_TYPE(BoolType, Bool)
ETL_SHARED_TYPE(StringType, String)
ETL_SHARED_TYPE(DateType, Date)
ETL_SHARED_TYPE(TimestampType, Timestamp)
ETL_SHARED_TYPE(DurationType, Duration)
ETL_SHARED_TYPE(JsonType, Json)
ETL_SHARED_TYPE(SecretType, Secret)
#undef ETL_SHARED_TYPE

TypeRef NullType() {
  static const TypeRef type = MakeType(TypeKind::Null, true);
  return type;
}

TypeRef DecimalType(int precision, int scale) {
  auto type = std::make_shared<Type>();
  type->kind = TypeKind::Decimal;
  type->precision = precision;
  type->scale = scale;
  return type;
}

TypeRef ListType(TypeRef element, bool nullable) {
  auto type = std::make_shared<Type>();
  type->kind = TypeKind::List;
  type->element = std::move(element);
  type->nullable = nullable;
  return type;
}

TypeRef MapType(TypeRef element, bool nullable) {
  auto type = std::make_shared<Type>();
  type->kind = TypeKind::Map;
  type->element = std::move(element);
  type->nullable = nullable;
  return type;
}

TypeRef RecordType(std::vector<Field> fields, std::string name, bool nullable) {
  auto type = std::make_shared<Type>();
  type->kind = TypeKind::Record;
  type->fields = std::move(fields);
  type->name = std::move(name);
  type->nullable = nullable;
  return type;
}

TypeRef WithNullable(const TypeRef& type, bool nullable) {
  if (!type || type->nullable == nullable || type->kind == TypeKind::Error || type->kind == TypeKind::Null) {
    return type;
  }
  auto copy = std::make_shared<Type>(*type);
  copy->nullable = nullable;
  return copy;
}

TypeRef Unnamed(const TypeRef& type) {
  if (!type || type->name.empty()) return type;
  auto copy = std::make_shared<Type>(*type);
  copy->name.clear();
  return copy;
}

std::string_view KindName(TypeKind kind) {
  switch (kind) {
#define ETL_TYPE_NAME(name, spelling) \
  case TypeKind::name:                \
    return spelling;
    ETL_TYPE_KINDS(ETL_TYPE_NAME)
#undef ETL_TYPE_NAME
  }
  return "<error>";
}

namespace {

bool IsPlainIdent(std::string_view name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

}  // namespace

std::string ToString(const TypeRef& type, bool expand) {
  if (!type) return "<error>";
  std::string out;
  switch (type->kind) {
    case TypeKind::Decimal:
      out = "decimal(" + std::to_string(type->precision) + ", " + std::to_string(type->scale) + ")";
      break;
    case TypeKind::List:
      out = "list<" + ToString(type->element, expand) + ">";
      break;
    case TypeKind::Map:
      out = "map<" + ToString(type->element, expand) + ">";
      break;
    case TypeKind::Record:
      if (!type->name.empty() && !expand) {
        out = type->name;
      } else {
        out = "{";
        for (size_t i = 0; i < type->fields.size(); ++i) {
          if (i) out += ", ";
          const auto& name = type->fields[i].name;
          out += IsPlainIdent(name) ? name : "`" + name + "`";
          out += ": " + ToString(type->fields[i].type, expand);
        }
        out += "}";
      }
      break;
    case TypeKind::Null:
      return "null";
    default:
      out = std::string(KindName(type->kind));
  }
  if (type->nullable) out += "?";
  return out;
}

namespace {

// Recursive-descent parser for ToString(type, true) spellings.
class TypeTextParser {
 public:
  explicit TypeTextParser(std::string_view text) : text_(text) {}

  std::optional<TypeRef> ParseAll() {
    auto type = Parse();
    Skip();
    if (!type || pos_ != text_.size()) return std::nullopt;
    return type;
  }

 private:
  void Skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Eat(char c) {
    Skip();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string Ident() {
    Skip();
    if (pos_ < text_.size() && text_[pos_] == '`') {
      size_t end = text_.find('`', pos_ + 1);
      if (end == std::string_view::npos) return {};
      std::string name(text_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return name;
    }
    size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  std::optional<int> Int() {
    Skip();
    size_t start = pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (start == pos_ || pos_ - start > 9) return std::nullopt;
    return std::stoi(std::string(text_.substr(start, pos_ - start)));
  }

  TypeRef Parse() {
    TypeRef type;
    if (Eat('{')) {
      std::vector<Field> fields;
      if (!Eat('}')) {
        do {
          std::string name = Ident();
          if (name.empty() || !Eat(':')) return nullptr;
          TypeRef field_type = Parse();
          if (!field_type) return nullptr;
          fields.push_back({name, field_type, false});
        } while (Eat(','));
        if (!Eat('}')) return nullptr;
      }
      type = RecordType(std::move(fields));
    } else {
      std::string name = Ident();
      if (name == "list" || name == "map") {
        if (!Eat('<')) return nullptr;
        TypeRef element = Parse();
        if (!element || !Eat('>')) return nullptr;
        type = name == "list" ? ListType(element) : MapType(element);
      } else if (name == "decimal") {
        if (!Eat('(')) return nullptr;
        auto precision = Int();
        if (!precision || !Eat(',')) return nullptr;
        auto scale = Int();
        if (!scale || !Eat(')')) return nullptr;
        type = DecimalType(*precision, *scale);
      } else if (name == "null") {
        return NullType();
      } else {
        bool found = false;
#define ETL_TYPE_PARSE(kind, spelling)                                           \
  if (!found && name == spelling && TypeKind::kind != TypeKind::List &&          \
      TypeKind::kind != TypeKind::Map && TypeKind::kind != TypeKind::Record &&   \
      TypeKind::kind != TypeKind::Decimal && TypeKind::kind != TypeKind::Null) { \
    type = MakeType(TypeKind::kind);                                             \
    found = true;                                                                \
  }
        ETL_TYPE_KINDS(ETL_TYPE_PARSE)
#undef ETL_TYPE_PARSE
        if (!found) return nullptr;
      }
    }
    if (Eat('?')) type = WithNullable(type, true);
    return type;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<TypeRef> ParseType(std::string_view text) { return TypeTextParser(text).ParseAll(); }

bool SameType(const TypeRef& a, const TypeRef& b) {
  if (!a || !b) return a == b;
  if (a.get() == b.get()) return true;
  if (a->kind != b->kind || a->nullable != b->nullable) return false;
  switch (a->kind) {
    case TypeKind::Decimal:
      return a->precision == b->precision && a->scale == b->scale;
    case TypeKind::List:
    case TypeKind::Map:
      return SameType(a->element, b->element);
    case TypeKind::Record:
      if (a->fields.size() != b->fields.size()) return false;
      for (size_t i = 0; i < a->fields.size(); ++i) {
        if (a->fields[i].name != b->fields[i].name || !SameType(a->fields[i].type, b->fields[i].type)) return false;
      }
      return true;
    default:
      return true;
  }
}

bool IsAssignable(const TypeRef& from, const TypeRef& to) {
  if (IsError(from) || IsError(to)) return true;
  if (from->kind == TypeKind::Null) return to->nullable || to->kind == TypeKind::Json;
  if (from->nullable && !to->nullable) return false;
  if (from->kind == TypeKind::Int && (to->kind == TypeKind::Float || to->kind == TypeKind::Decimal)) return true;
  if (from->kind == TypeKind::Decimal && to->kind == TypeKind::Decimal) {
    // A decimal fits a decimal with at least as many integer and fraction digits.
    return from->scale <= to->scale && from->precision - from->scale <= to->precision - to->scale;
  }
  if (from->kind != to->kind) return false;
  switch (from->kind) {
    case TypeKind::List:
    case TypeKind::Map:
      return IsAssignable(from->element, to->element);
    case TypeKind::Record: {
      // Records are matched by field name: every target field must be present (or have a
      // default) with an assignable type, and no extra fields may be present.
      for (const auto& field : from->fields) {
        if (!to->FindField(field.name)) return false;
      }
      for (const auto& field : to->fields) {
        const Field* have = from->FindField(field.name);
        if (!have) {
          if (!field.has_default && !field.type->nullable) return false;
          continue;
        }
        if (!IsAssignable(have->type, field.type)) return false;
      }
      return true;
    }
    default:
      return true;
  }
}

TypeRef CommonType(const TypeRef& a, const TypeRef& b) {
  if (IsError(a)) return b ? b : ErrorType();
  if (IsError(b)) return a;
  if (a->kind == TypeKind::Null) return b->kind == TypeKind::Null ? a : WithNullable(b, true);
  if (b->kind == TypeKind::Null) return WithNullable(a, true);
  bool nullable = a->nullable || b->nullable;
  TypeRef x = WithNullable(a, nullable), y = WithNullable(b, nullable);
  if (IsAssignable(x, y)) return y;
  if (IsAssignable(y, x)) return x;
  if (x->kind == TypeKind::List && y->kind == TypeKind::List) {
    TypeRef element = CommonType(x->element, y->element);
    return element ? ListType(element, nullable) : nullptr;
  }
  if (x->kind == TypeKind::Map && y->kind == TypeKind::Map) {
    TypeRef element = CommonType(x->element, y->element);
    return element ? MapType(element, nullable) : nullptr;
  }
  if (x->kind == TypeKind::Decimal && y->kind == TypeKind::Decimal) {
    int scale = std::max(x->scale, y->scale);
    int integer = std::max(x->precision - x->scale, y->precision - y->scale);
    return WithNullable(DecimalType(std::min(38, integer + scale), scale), nullable);
  }
  if (x->kind == TypeKind::Record && y->kind == TypeKind::Record && x->fields.size() == y->fields.size()) {
    std::vector<Field> fields;
    for (const auto& field : x->fields) {
      const Field* other = y->FindField(field.name);
      if (!other) return nullptr;
      TypeRef common = CommonType(field.type, other->type);
      if (!common) return nullptr;
      fields.push_back({field.name, common, false});
    }
    return RecordType(std::move(fields), "", nullable);
  }
  return nullptr;
}

bool IsNumeric(const TypeRef& type) {
  return type && (type->kind == TypeKind::Int || type->kind == TypeKind::Float || type->kind == TypeKind::Decimal);
}

bool IsOrderable(const TypeRef& type) {
  if (!type) return false;
  switch (type->kind) {
    case TypeKind::Int:
    case TypeKind::Float:
    case TypeKind::Decimal:
    case TypeKind::String:
    case TypeKind::Bytes:
    case TypeKind::Bool:
    case TypeKind::Date:
    case TypeKind::Timestamp:
    case TypeKind::Duration:
    case TypeKind::Error:
      return true;
    default:
      return false;
  }
}

bool IsHashable(const TypeRef& type) {
  if (!type) return false;
  if (type->kind == TypeKind::Secret) return false;
  if (type->element) return IsHashable(type->element);
  for (const auto& field : type->fields) {
    if (!IsHashable(field.type)) return false;
  }
  return true;
}

}  // namespace etl::ast
