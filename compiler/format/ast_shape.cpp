// The structural dump behind AstShape.
#include "compiler/format/ast_shape.h"

#include <fmt/format.h>

namespace etl::format {
namespace {

class ShapeWriter {
 public:
  std::string out;

  void Line(int depth, const std::string& text) {
    out.append(static_cast<size_t>(depth) * 2, ' ');
    out += text;
    out += '\n';
  }

  void Type(int depth, const ast::TypeExpr* type) {
    if (!type) return Line(depth, "type <none>");
    Line(depth, fmt::format("type kind={} name={} p={} s={} nullable={}", static_cast<int>(type->kind),
                            type->name.ToString(), type->precision, type->scale, type->nullable));
    for (const auto& arg : type->args) Type(depth + 1, arg.get());
    for (const auto& field : type->fields) Field(depth + 1, field);
  }

  void Field(int depth, const ast::FieldDecl& field) {
    Line(depth, "field " + field.name.text);
    Type(depth + 1, field.type.get());
    if (field.default_value) Expr(depth + 1, field.default_value.get());
  }

  void Expr(int depth, const ast::Expr* expr) {
    if (!expr) return Line(depth, "expr <none>");
    std::string head =
        fmt::format("{} text={:?} int={} bool={} neg={} safe={} raw={}", ast::KindName(expr->kind),
                    expr->text, expr->int_value, expr->bool_value, expr->negated, expr->safe, expr->raw);
    if (expr->kind == ast::ExprKind::FloatLit) head += fmt::format(" float={}", expr->float_value);
    if (expr->kind == ast::ExprKind::Binary) head += fmt::format(" op={}", ast::Spelling(expr->binary_op));
    if (expr->kind == ast::ExprKind::Unary) head += fmt::format(" op={}", ast::Spelling(expr->unary_op));
    Line(depth, head);
    for (const auto& child : expr->children) Expr(depth + 1, child.get());
    for (const auto& arg : expr->args) {
      Line(depth + 1, "arg " + (arg.name ? arg.name->text : std::string("-")));
      Expr(depth + 2, arg.value.get());
    }
    for (const auto& field : expr->fields) {
      Line(depth + 1, "init " + field.name.text);
      Expr(depth + 2, field.value.get());
    }
    for (const auto& part : expr->parts) {
      Line(depth + 1, fmt::format("part {:?}", part.text));
      if (part.expr) Expr(depth + 2, part.expr.get());
    }
    for (const auto& arm : expr->arms) {
      Line(depth + 1, fmt::format("arm wildcard={}", arm.wildcard));
      for (const auto& pattern : arm.patterns) Expr(depth + 2, pattern.get());
      Expr(depth + 2, arm.value.get());
    }
  }

  void Call(int depth, const ast::StepCall* call) {
    if (!call) return;
    Line(depth, "call " + call->callee.ToString());
    for (const auto& arg : call->args) {
      Line(depth + 1, "arg " + (arg.name ? arg.name->text : std::string("-")));
      Expr(depth + 2, arg.value.get());
    }
  }

  void Assignments(int depth, const char* what, const std::vector<ast::Assignment>& items) {
    for (const auto& item : items) {
      Line(depth, std::string(what) + " " + item.name.text);
      if (item.value) Expr(depth + 1, item.value.get());
    }
  }

  void Op(int depth, const ast::Op& op) {
    Line(depth, fmt::format("op {} left={} count={} within={}", ast::Spelling(op.kind), op.left_join,
                            op.count, op.within_us ? *op.within_us : -1));
    if (op.expr) Expr(depth + 1, op.expr.get());
    Assignments(depth + 1, "assign", op.assignments);
    Assignments(depth + 1, "key", op.keys);
    for (const auto& name : op.names) Line(depth + 1, "name " + name.text);
    for (const auto& item : op.renames) Line(depth + 1, "rename " + item.from.text + " " + item.to.text);
    for (const auto& branch : op.branches) {
      Line(depth + 1, "branch " + branch.name.text);
      if (branch.condition) Expr(depth + 2, branch.condition.get());
    }
    for (const auto& expr : op.exprs) Expr(depth + 1, expr.get());
    for (const auto& key : op.sort_keys) {
      Line(depth + 1, fmt::format("sort desc={}", key.descending));
      Expr(depth + 2, key.expr.get());
    }
    if (op.kind == ast::OpKind::Join) Line(depth + 1, "with " + op.join_with.ToString());
    for (const auto& rule : op.rules) {
      Line(depth + 1, fmt::format("rule {:?}", rule.message));
      Expr(depth + 2, rule.condition.get());
    }
    Call(depth + 1, op.call.get());
  }

  void Statement(int depth, const ast::Statement& statement) {
    Line(depth,
         fmt::format("statement kind={} name={}", static_cast<int>(statement.kind), statement.name.text));
    if (statement.kind == ast::Statement::Kind::Setting) {
      const ast::Setting& s = statement.setting;
      Line(depth + 1, fmt::format("setting {} text={:?} tz={:?} dur={} backoff={} number={} mode={}",
                                  ast::Spelling(s.kind), s.text, s.timezone.value_or("-"), s.duration_us,
                                  s.backoff_us ? *s.backoff_us : -1, s.number, s.mode.text));
      for (const auto& target : s.after) {
        std::string names;
        for (const auto& name : target.pipelines) names += " " + name.text;
        Line(depth + 2, fmt::format("after any={}{}", target.any, names));
      }
      Call(depth + 2, s.trigger.get());
      return;
    }
    const ast::Head& head = statement.chain.head;
    std::string refs;
    for (const auto& ref : head.refs) refs += " " + ref.ToString();
    Line(depth + 1, fmt::format("head kind={}{}", static_cast<int>(head.kind), refs));
    Call(depth + 2, head.source.get());
    for (const auto& op : statement.chain.ops) Op(depth + 1, op);
  }

  void Decl(const ast::Decl& decl) {
    Line(0, fmt::format("decl {} {} doc={:?}", ast::Spelling(decl.kind), decl.name.text, decl.doc));
    if (auto* d = decl.As<ast::ImportDecl>()) Line(1, fmt::format("path {:?}", d->path));
    if (auto* d = decl.As<ast::SchemaDecl>()) {
      for (const auto& field : d->fields) Field(1, field);
    }
    if (auto* d = decl.As<ast::ConstDecl>()) {
      if (d->type) Type(1, d->type.get());
      Expr(1, d->value.get());
    }
    if (auto* d = decl.As<ast::FnDecl>()) {
      for (const auto& param : d->params) {
        Line(1, "param " + param.name.text);
        Type(2, param.type.get());
      }
      if (d->result) Type(1, d->result.get());
      Expr(1, d->body.get());
    }
    if (auto* d = decl.As<ast::ParamDecl>()) {
      Type(1, d->type.get());
      if (d->default_value) Expr(1, d->default_value.get());
    }
    if (auto* d = decl.As<ast::PipelineDecl>()) {
      for (const auto& statement : d->statements) Statement(1, statement);
    }
    if (auto* d = decl.As<ast::TestDecl>()) {
      Line(1, fmt::format("title {:?} for {}", d->title, d->pipeline.text));
      for (const auto& item : d->items) {
        Line(1, fmt::format("item kind={} name={} stream={}", static_cast<int>(item.kind), item.name.text,
                            item.stream.ToString()));
        if (item.expr) Expr(2, item.expr.get());
      }
    }
  }
};

}  // namespace

std::string AstShape(const ast::Module& module) {
  ShapeWriter writer;
  for (const auto& decl : module.decls) {
    if (decl) writer.Decl(*decl);
  }
  return writer.out;
}

}  // namespace etl::format
