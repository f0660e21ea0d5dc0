#include "compiler/ast/ast.h"

namespace etl::ast {

std::string_view Spelling(BinaryOp op) {
  switch (op) {
#define ETL_BINARY_SPELL(name, spelling) \
  case BinaryOp::name:                   \
    return spelling;
    ETL_BINARY_OPS(ETL_BINARY_SPELL)
#undef ETL_BINARY_SPELL
  }
  return "?";
}

std::string_view Spelling(UnaryOp op) { return op == UnaryOp::Neg ? "-" : "not"; }

std::string_view KindName(ExprKind kind) {
  switch (kind) {
#define ETL_EXPR_NAME(name) \
  case ExprKind::name:      \
    return #name;
    ETL_EXPR_KINDS(ETL_EXPR_NAME)
#undef ETL_EXPR_NAME
  }
  return "?";
}

std::string_view Spelling(OpKind kind) {
  switch (kind) {
#define ETL_OP_SPELL(name, spelling) \
  case OpKind::name:                 \
    return spelling;
    ETL_OP_KINDS(ETL_OP_SPELL)
#undef ETL_OP_SPELL
  }
  return "?";
}

std::string_view Spelling(SettingKind kind) {
  switch (kind) {
#define ETL_SETTING_SPELL(name, spelling) \
  case SettingKind::name:                 \
    return spelling;
    ETL_SETTING_KINDS(ETL_SETTING_SPELL)
#undef ETL_SETTING_SPELL
  }
  return "?";
}

std::string_view Spelling(DeclKind kind) {
  switch (kind) {
#define ETL_DECL_SPELL(name, spelling) \
  case DeclKind::name:                 \
    return spelling;
    ETL_DECL_KINDS(ETL_DECL_SPELL)
#undef ETL_DECL_SPELL
  }
  return "?";
}

}  // namespace etl::ast
