// Lowering of `test` blocks (language.md §9) to Plan::tests: `given` records become list
// expressions with complete, ordered fields; every stream an expectation reads becomes a
// field of one synthetic record, so conditions are ordinary expressions the runtime's
// interpreter evaluates (docs/spec/plan.md "Tests").
#include <map>
#include <set>

#include "compiler/ir/lower_internal.h"
#include "stdlib/spec.h"

namespace etl::ir {

namespace lowering {
namespace {

class TestLowerer {
 public:
  TestLowerer(const sema::Program& program, const ast::TestDecl& decl, const ast::PipelineDecl& pipeline_decl,
              const Pipeline& pipeline, Test& out)
      : program_(program), decl_(decl), pipeline_decl_(pipeline_decl), pipeline_(pipeline), out_(out) {}

  void Run() {
    out_.title = decl_.title;
    out_.pipeline = pipeline_.name;
    out_.location = LocationOf(decl_.range);
    for (const auto& item : decl_.items) {
      switch (item.kind) {
        case ast::TestItem::Kind::Given:
          LowerGiven(item);
          break;
        case ast::TestItem::Kind::ExpectRows:
        case ast::TestItem::Kind::ExpectEmpty: {
          TestExpect expect = NewExpect(item);
          expect.kind = item.kind == ast::TestItem::Kind::ExpectRows ? TestExpect::Kind::Rows : TestExpect::Kind::Empty;
          expect.stream = StreamOf(item.stream.ToString(), Ports(item.stream), item.range);
          if (expect.kind == TestExpect::Kind::Rows) {
            if (!item.expr) throw InternalError("`has N rows` without a count", item.range);
            expect.count = Coerce(ExprLowerer(Scope{}).Lower(*item.expr), ast::IntType());
          }
          out_.expects.push_back(std::move(expect));
          break;
        }
        case ast::TestItem::Kind::Expect: {
          if (!item.expr) throw InternalError("`expect` without a condition", item.range);
          TestExpect expect = NewExpect(item);
          expect.kind = TestExpect::Kind::Condition;
          CollectStreams(*item.expr);
          Scope scope;
          scope.streams = &slots_;
          expect.condition = ExprLowerer(scope).Lower(*item.expr);
          out_.expects.push_back(std::move(expect));
          break;
        }
      }
    }
  }

 private:
  Location LocationOf(diag::SourceRange range) const {
    Location location;
    if (!range.Valid() || range.file >= program_.sources.Count()) return location;
    const auto& file = program_.sources.File(range.file);
    auto begin = file.Position(range.begin), end = file.Position(range.end);
    location.line = begin.line;
    location.col = begin.col;
    location.end_line = end.line;
    location.end_col = end.col;
    if (range.file != program_.Root().file) location.file = file.Path();
    return location;
  }

  TestExpect NewExpect(const ast::TestItem& item) const {
    TestExpect expect;
    expect.location = LocationOf(item.range);
    std::string text(program_.sources.Text(item.range));
    if (text.rfind("expect", 0) == 0) text = text.substr(6);
    size_t begin = text.find_first_not_of(" \t\r\n");
    size_t end = text.find_last_not_of(" \t\r\n");
    expect.text = begin == std::string::npos ? text : text.substr(begin, end - begin + 1);
    return expect;
  }

  // The nodes of a binding's chain (the last is the binding), or empty for an alias.
  std::vector<const Node*> ChainOf(const std::string& binding) const {
    std::vector<const Node*> nodes;
    for (const auto& node : pipeline_.nodes) {
      if (node.binding == binding) nodes.push_back(&node);
    }
    return nodes;
  }

  // `x = y` / `x = y.port`: the stream x aliases, or nullptr.
  const ast::StreamRef* AliasOf(const std::string& binding) const {
    for (const auto& statement : pipeline_decl_.statements) {
      if (statement.kind == ast::Statement::Kind::Binding && statement.name.text == binding &&
          statement.chain.ops.empty() && statement.chain.head.kind == ast::Head::Kind::Ref &&
          statement.chain.head.refs.size() == 1) {
        return &statement.chain.head.refs[0];
      }
    }
    return nullptr;
  }

  // The output ports `step` / `step.port` denotes (as the pipeline lowering resolves them).
  std::vector<TestPort> Ports(const std::string& step, const std::string* port, diag::SourceRange range, int depth = 0) const {
    if (depth > 64) throw InternalError("stream aliases form a cycle", range);
    auto nodes = ChainOf(step);
    if (nodes.empty()) {
      const ast::StreamRef* alias = AliasOf(step);
      if (!alias) throw InternalError("unknown step `" + step + "`", range);
      if (!port) {
        std::string inner = alias->port ? alias->port->text : "";
        return Ports(alias->step.text, alias->port ? &inner : nullptr, range, depth + 1);
      }
      if (alias->port) throw InternalError("port of an alias of a port", range);
      return Ports(alias->step.text, port, range, depth + 1);
    }
    const Node& last = *nodes.back();
    if (!port) {
      if (last.kind == NodeKind::Route) throw InternalError("`" + step + "` has no main output", range);
      return {{last.id, std::string(last.kind == NodeKind::Sink ? kDonePort : kOutPort)}};
    }
    if (*port == kErrorsPort) {
      std::vector<TestPort> ports;
      for (const Node* node : nodes) ports.push_back({node->id, std::string(kErrorsPort)});
      return ports;
    }
    if (!last.Output(*port)) throw InternalError("`" + step + "` has no port `" + *port + "`", range);
    return {{last.id, *port}};
  }

  std::vector<TestPort> Ports(const ast::StreamRef& ref) const {
    std::string port = ref.port ? ref.port->text : "";
    return Ports(ref.step.text, ref.port ? &port : nullptr, ref.range);
  }

  // The index of stream `key`, added on first use.
  int StreamOf(const std::string& key, std::vector<TestPort> ports, diag::SourceRange range) {
    auto it = slots_.find(key);
    if (it != slots_.end()) return it->second;
    const Node* node = pipeline_.Find(ports.at(0).node);
    const Port* port = node ? node->Output(ports[0].port) : nullptr;
    if (!port || !port->type) throw InternalError("stream `" + key + "` has no type", range);
    int slot = static_cast<int>(out_.streams.size());
    out_.streams.push_back({key, std::move(ports), ast::ListType(port->type)});
    slots_[key] = slot;
    return slot;
  }

  // Registers every stream `expr` reads, in order of appearance.
  void CollectStreams(const ast::Expr& expr) {
    if (expr.kind == ast::ExprKind::FieldAccess && expr.ref.kind == ast::RefKind::Port && !expr.children.empty() &&
        expr.children[0]) {
      const std::string& step = expr.children[0]->text;
      StreamOf(step + "." + expr.text, Ports(step, &expr.text, expr.range), expr.range);
      return;
    }
    if (expr.kind == ast::ExprKind::NameRef && expr.ref.kind == ast::RefKind::Step) {
      StreamOf(expr.text, Ports(expr.text, nullptr, expr.range), expr.range);
      return;
    }
    for (const auto& child : expr.children) {
      if (child) CollectStreams(*child);
    }
    for (const auto& argument : expr.args) {
      if (argument.value) CollectStreams(*argument.value);
    }
    for (const auto& field : expr.fields) {
      if (field.value) CollectStreams(*field.value);
    }
    for (const auto& part : expr.parts) {
      if (part.expr) CollectStreams(*part.expr);
    }
    for (const auto& arm : expr.arms) {
      for (const auto& pattern : arm.patterns) {
        if (pattern) CollectStreams(*pattern);
      }
      if (arm.value) CollectStreams(*arm.value);
    }
  }

  // The default of field `name` of schema `schema`, when it declares one.
  std::optional<Expr> DefaultOf(const std::string& schema, const std::string& name, const TypeRef& type) const {
    if (schema.empty()) return std::nullopt;
    for (const auto& module : program_.modules) {
      for (const auto& decl : module->decls) {
        const auto* s = decl->As<ast::SchemaDecl>();
        if (!s || s->name.text != schema) continue;
        for (const auto& field : s->fields) {
          if (field.name.text == name && field.default_value) {
            return Coerce(ExprLowerer(Scope{}).Lower(*field.default_value), type);
          }
        }
      }
    }
    return std::nullopt;
  }

  // `expr` (a lowered constant) typed as `type`: nested list and record literals take the
  // declared element and field types (an empty `[]` has no element type of its own), record
  // literals get every field in order (missing nullable ones null), ints widen.
  static Expr Fit(Expr expr, const TypeRef& type) {
    if (!type || type->kind == ast::TypeKind::Error) return expr;
    if (expr.kind == ExprKind::Literal && expr.value.kind == Value::Kind::Null) {
      expr.type = ast::WithNullable(type, true);
      return expr;
    }
    if (expr.kind == ExprKind::List && type->kind == ast::TypeKind::List) {
      expr.type = type;
      for (auto& child : expr.children) child = Fit(std::move(child), type->element);
      return expr;
    }
    if (expr.kind == ExprKind::Record && type->kind == ast::TypeKind::Record) {
      Expr out;
      out.kind = ExprKind::Record;
      out.type = type;
      for (const auto& field : type->fields) {
        Expr value = LiteralExpr(Value::Null(), ast::WithNullable(field.type, true));
        for (size_t i = 0; i < expr.names.size() && i < expr.children.size(); ++i) {
          if (expr.names[i] == field.name) value = Fit(std::move(expr.children[i]), field.type);
        }
        out.names.push_back(field.name);
        out.children.push_back(std::move(value));
      }
      return out;
    }
    return Coerce(std::move(expr), type);
  }

  // One given record with every field of `type`, in order: missing fields take the schema's
  // default or null (sema rejected records missing a required field).
  Expr CompleteRecord(const ast::Expr& record, const TypeRef& type) const {
    Expr out;
    out.kind = ExprKind::Record;
    out.type = type;
    for (const auto& field : type->fields) {
      const ast::RecordFieldInit* init = nullptr;
      for (const auto& candidate : record.fields) {
        if (candidate.name.text == field.name && candidate.value) init = &candidate;
      }
      Expr value;
      if (init) {
        value = Fit(ExprLowerer(Scope{}).Lower(*init->value), field.type);
      } else if (auto fallback = DefaultOf(type->name, field.name, field.type)) {
        value = std::move(*fallback);
      } else {
        value = LiteralExpr(Value::Null(), ast::WithNullable(field.type, true));
      }
      out.names.push_back(field.name);
      out.children.push_back(std::move(value));
    }
    return out;
  }

  void LowerGiven(const ast::TestItem& item) {
    if (!item.expr) throw InternalError("`given` without records", item.range);
    auto ports = Ports(item.name.text, nullptr, item.range);
    if (ports.size() != 1 || ports[0].port != kOutPort) {
      throw InternalError("`given " + item.name.text + "` does not name a main output", item.range);
    }
    const Node* node = pipeline_.Find(ports[0].node);
    const Port* port = node ? node->Output(kOutPort) : nullptr;
    if (!port || !port->type) throw InternalError("`given " + item.name.text + "` has no type", item.range);
    TestGiven given;
    given.step = item.name.text;
    given.node = node->id;
    given.type = port->type;
    given.location = LocationOf(item.range);
    const ast::Expr& records = *item.expr;
    if (records.kind == ast::ExprKind::ListLit) {
      given.records.kind = ExprKind::List;
      given.records.type = ast::ListType(port->type);
      for (const auto& element : records.children) {
        if (!element) throw InternalError("missing record", item.range);
        if (element->kind == ast::ExprKind::RecordLit) {
          given.records.children.push_back(CompleteRecord(*element, port->type));
        } else {
          given.records.children.push_back(ExprLowerer(Scope{}).Lower(*element));
        }
      }
    } else {
      // A const or expression: its records are matched to the port's fields by name at run time.
      given.records = ExprLowerer(Scope{}).Lower(records);
    }
    out_.given.push_back(std::move(given));
  }

  const sema::Program& program_;
  const ast::TestDecl& decl_;
  const ast::PipelineDecl& pipeline_decl_;
  const Pipeline& pipeline_;
  Test& out_;
  std::map<std::string, int> slots_;  // stream key -> index in out_.streams
};

}  // namespace

void LowerTests(const sema::Program& program, Plan& plan) {
  const ast::Module& root = program.Root();
  std::map<std::string, const ast::PipelineDecl*> decls;
  for (const auto& decl : root.decls) {
    if (const auto* pipeline = decl->As<ast::PipelineDecl>()) decls[pipeline->name.text] = pipeline;
  }
  for (const auto& decl : root.decls) {
    const auto* test = decl->As<ast::TestDecl>();
    if (!test) continue;
    const Pipeline* pipeline = plan.Find(test->pipeline.text);
    auto it = decls.find(test->pipeline.text);
    // A test of an imported pipeline: its plan is not part of this one (sema checked it).
    if (!pipeline || it == decls.end()) continue;
    Test lowered;
    TestLowerer(program, *test, *it->second, *pipeline, lowered).Run();
    plan.tests.push_back(std::move(lowered));
  }
}

}  // namespace lowering
}  // namespace etl::ir
