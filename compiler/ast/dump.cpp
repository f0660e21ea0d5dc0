#include "compiler/ast/dump.h"

#include <fmt/format.h>

namespace etl::ast {
namespace {

// Writes nodes as `(head @line:col ...children)`, children indented below their parent.
class Dumper {
 public:
  explicit Dumper(const diag::SourceManager& sources) : sources_(sources) {}

  std::string Take() {
    if (!out_.empty() && out_.back() == '\n') out_.pop_back();
    return std::move(out_) + "\n";
  }

  void Module(const ast::Module& module) {
    Open("module", {});
    for (const auto& decl : module.decls) Decl(*decl);
    if (!module.comments.empty()) Leaf(fmt::format("comments {}", module.comments.size()), {});
    Close();
  }

  void Expr(const ast::Expr& expr) {
    std::string head(KindName(expr.kind));
    switch (expr.kind) {
      case ExprKind::IntLit: case ExprKind::FloatLit: case ExprKind::DurationLit: case ExprKind::DateLit:
      case ExprKind::TimestampLit:
        head += " " + expr.text;
        if (expr.kind == ExprKind::IntLit || expr.kind == ExprKind::DurationLit || expr.kind == ExprKind::DateLit ||
            expr.kind == ExprKind::TimestampLit) {
          head += fmt::format(" ={}", expr.int_value);
        }
        break;
      case ExprKind::StringLit:
        if (expr.parts.empty()) head += (expr.raw ? " r" : " ") + Quote(expr.text);
        break;
      case ExprKind::BoolLit: head += expr.bool_value ? " true" : " false"; break;
      case ExprKind::NameRef: head += " " + expr.text; break;
      case ExprKind::FieldAccess: head += (expr.safe ? " ?." : " .") + expr.text; break;
      case ExprKind::Unary: head += " " + std::string(Spelling(expr.unary_op)); break;
      case ExprKind::Binary: head += " " + std::string(Spelling(expr.binary_op)); break;
      case ExprKind::IsNull: head += expr.negated ? " not" : ""; break;
      default: break;
    }
    Open(head, expr.range, TypeSuffix(expr.type));
    for (const auto& child : expr.children) Expr(*child);
    for (const Argument& arg : expr.args) Arg(arg);
    for (const RecordFieldInit& field : expr.fields) {
      Open("field " + field.name.text, field.range);
      Expr(*field.value);
      Close();
    }
    for (const StringPart& part : expr.parts) {
      if (part.expr) {
        Open("interp", part.range);
        Expr(*part.expr);
        Close();
      } else {
        Leaf("text " + Quote(part.text), part.range);
      }
    }
    for (const MatchArm& arm : expr.arms) {
      Open(arm.wildcard ? "arm _" : "arm", arm.range);
      for (const auto& pattern : arm.patterns) Expr(*pattern);
      Open("=>", arm.value->range);
      Expr(*arm.value);
      Close();
      Close();
    }
    Close();
  }

 private:
  void Decl(const ast::Decl& decl) {
    std::string head = std::string(Spelling(decl.kind));
    if (!decl.name.Empty()) head += " " + decl.name.text;
    if (!decl.doc.empty()) head += " doc=" + Quote(decl.doc);
    if (auto* import = decl.As<ImportDecl>()) {
      Open(head + " path=" + Quote(import->path), decl.range);
    } else if (auto* test = decl.As<TestDecl>()) {
      Open(head + " " + Quote(test->title) + " for " + test->pipeline.text, decl.range);
    } else {
      Open(head, decl.range);
    }
    if (auto* schema = decl.As<SchemaDecl>()) {
      for (const FieldDecl& field : schema->fields) Field(field);
    } else if (auto* constant = decl.As<ConstDecl>()) {
      if (constant->type) Type(*constant->type);
      Expr(*constant->value);
    } else if (auto* fn = decl.As<FnDecl>()) {
      for (const FnParam& param : fn->params) {
        Open("param " + param.name.text, param.range);
        Type(*param.type);
        Close();
      }
      if (fn->result) {
        Open("->", fn->result->range);
        Type(*fn->result);
        Close();
      }
      Expr(*fn->body);
    } else if (auto* param = decl.As<ParamDecl>()) {
      Type(*param->type);
      if (param->default_value) Expr(*param->default_value);
    } else if (auto* pipeline = decl.As<PipelineDecl>()) {
      for (const Statement& statement : pipeline->statements) StatementNode(statement);
    } else if (auto* test = decl.As<TestDecl>()) {
      for (const TestItem& item : test->items) Item(item);
    }
    Close();
  }

  void Field(const FieldDecl& field) {
    Open("field " + field.name.text + (field.doc.empty() ? "" : " doc=" + Quote(field.doc)), field.range);
    if (field.type) Type(*field.type);
    if (field.default_value) Expr(*field.default_value);
    Close();
  }

  void Type(const TypeExpr& type) {
    std::string head = "type ";
    switch (type.kind) {
      case TypeExpr::Kind::Named: head += type.name.ToString(); break;
      case TypeExpr::Kind::Generic: head += type.name.ToString() + "<>"; break;
      case TypeExpr::Kind::Decimal: head += fmt::format("{}({}, {})", type.name.ToString(), type.precision, type.scale); break;
      case TypeExpr::Kind::Record: head += "{}"; break;
    }
    if (type.nullable) head += "?";
    Open(head, type.range, TypeSuffix(type.resolved));
    for (const auto& arg : type.args) Type(*arg);
    for (const FieldDecl& field : type.fields) Field(field);
    Close();
  }

  void StatementNode(const Statement& statement) {
    switch (statement.kind) {
      case Statement::Kind::Setting: SettingNode(statement.setting); return;
      case Statement::Kind::Binding:
        Open("binding " + statement.name.text, statement.range);
        ChainNode(statement.chain);
        Close();
        return;
      case Statement::Kind::Flow:
        Open("flow", statement.range);
        ChainNode(statement.chain);
        Close();
        return;
    }
  }

  void SettingNode(const Setting& setting) {
    std::string head = "setting " + std::string(Spelling(setting.kind));
    switch (setting.kind) {
      case SettingKind::Schedule:
        head += " " + Quote(setting.text) + (setting.timezone ? " tz " + Quote(*setting.timezone) : "");
        break;
      case SettingKind::ScheduleEvery: case SettingKind::Timeout: head += fmt::format(" {}us", setting.duration_us); break;
      case SettingKind::Retry:
        head += fmt::format(" {}", setting.number);
        if (setting.backoff_us) head += fmt::format(" backoff {}us", *setting.backoff_us);
        break;
      case SettingKind::MaxErrors: case SettingKind::Concurrency: head += fmt::format(" {}", setting.number); break;
      case SettingKind::Persist: case SettingKind::Jit: head += " " + setting.mode.text; break;
      case SettingKind::After:
        for (const AfterTarget& target : setting.after) {
          std::string names;
          for (const Name& name : target.pipelines) names += (names.empty() ? "" : ",") + name.text;
          head += target.any ? " any(" + names + ")" : " " + names;
        }
        break;
      case SettingKind::Trigger: break;
    }
    Open(head, setting.range);
    if (setting.trigger) Call(*setting.trigger);
    Close();
  }

  void ChainNode(const Chain& chain) {
    const Head& head = chain.head;
    std::string text = head.kind == Head::Kind::From ? "from" : head.kind == Head::Kind::Union ? "union" : "ref";
    for (const StreamRef& ref : head.refs) text += " " + ref.ToString();
    Open(text, head.range, TypeSuffix(head.output_type));
    if (head.source) Call(*head.source);
    Close();
    for (const ast::Op& op : chain.ops) OpNode(op);
  }

  void OpNode(const ast::Op& op) {
    std::string head(Spelling(op.kind));
    for (const Name& name : op.names) head += " " + name.text;
    for (const RenameItem& item : op.renames) head += " " + item.from.text + "->" + item.to.text;
    if (op.kind == OpKind::Take) head += fmt::format(" {}", op.count);
    if (op.kind == OpKind::Join) head += std::string(op.left_join ? " left " : " ") + op.join_with.ToString();
    if (op.within_us) head += fmt::format(" within {}us", *op.within_us);
    Open(head, op.range, TypeSuffix(op.output_type));
    if (op.expr) Expr(*op.expr);
    for (const Assignment& key : op.keys) AssignmentNode("key", key);
    for (const Assignment& assignment : op.assignments) AssignmentNode("set", assignment);
    for (const RouteBranch& branch : op.branches) {
      Open("branch " + branch.name.text + (branch.condition ? "" : " else"), branch.range);
      if (branch.condition) Expr(*branch.condition);
      Close();
    }
    for (const auto& expr : op.exprs) Expr(*expr);
    for (const SortKey& key : op.sort_keys) {
      Open(key.descending ? "key desc" : "key", key.range);
      Expr(*key.expr);
      Close();
    }
    for (const ValidateRule& rule : op.rules) {
      Open("rule " + Quote(rule.message), rule.range);
      Expr(*rule.condition);
      Close();
    }
    if (op.call) Call(*op.call);
    Close();
  }

  void AssignmentNode(const std::string& what, const Assignment& assignment) {
    Open(what + (assignment.name.Empty() ? "" : " " + assignment.name.text), assignment.range);
    if (assignment.value) Expr(*assignment.value);
    Close();
  }

  void Call(const StepCall& call) {
    Open("call " + call.callee.ToString(), call.range);
    for (const Argument& arg : call.args) Arg(arg);
    Close();
  }

  void Arg(const Argument& arg) {
    Open(arg.name ? "arg " + arg.name->text : "arg", arg.range);
    Expr(*arg.value);
    Close();
  }

  void Item(const TestItem& item) {
    switch (item.kind) {
      case TestItem::Kind::Given: Open("given " + item.name.text, item.range); break;
      case TestItem::Kind::ExpectRows: Open("expect " + item.stream.ToString() + " rows", item.range); break;
      case TestItem::Kind::ExpectEmpty: Open("expect " + item.stream.ToString() + " empty", item.range); break;
      case TestItem::Kind::Expect: Open("expect", item.range); break;
    }
    if (item.expr) Expr(*item.expr);
    Close();
  }

  std::string Position(const diag::SourceRange& range) const {
    if (!range.Valid() || range.file >= sources_.Count()) return "";
    diag::LineCol pos = sources_.File(range.file).Position(range.begin);
    return fmt::format(" @{}:{}", pos.line, pos.col);
  }

  static std::string TypeSuffix(const TypeRef& type) { return type ? " : " + ToString(type) : ""; }

  static std::string Quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        case '\0': out += "\\0"; break;
        default: out += c;
      }
    }
    return out + "\"";
  }

  void Open(const std::string& head, const diag::SourceRange& range, const std::string& suffix = "") {
    if (!out_.empty()) out_ += '\n';
    out_.append(depth_ * 2, ' ');
    out_ += "(" + head + Position(range) + suffix;
    ++depth_;
  }
  void Close() {
    out_ += ')';
    --depth_;
  }
  void Leaf(const std::string& head, const diag::SourceRange& range) {
    Open(head, range);
    Close();
  }

  const diag::SourceManager& sources_;
  std::string out_;
  int depth_ = 0;
};

}  // namespace

std::string DumpAst(const Module& module, const diag::SourceManager& sources) {
  Dumper dumper(sources);
  dumper.Module(module);
  return dumper.Take();
}

std::string DumpExpr(const Expr& expr, const diag::SourceManager& sources) {
  Dumper dumper(sources);
  dumper.Expr(expr);
  return dumper.Take();
}

}  // namespace etl::ast
