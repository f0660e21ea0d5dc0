#include "lsp/analysis.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>

#include <fmt/format.h>

namespace etl::lsp {

namespace {

using ast::Decl;
using ast::Expr;
using ast::ExprKind;
using ast::Op;
using ast::OpKind;
using diag::SourceRange;

// Field name -> the symbol that defined it, for the record at one point of a chain.
using Origins = std::map<std::string, int>;

bool Contains(const SourceRange& range, uint32_t offset) {
  return range.Valid() && range.begin <= offset && offset <= range.end;
}

}  // namespace

std::string_view Spelling(SymbolKind kind) {
  switch (kind) {
    case SymbolKind::Schema: return "schema";
    case SymbolKind::Field: return "field";
    case SymbolKind::Const: return "const";
    case SymbolKind::Fn: return "fn";
    case SymbolKind::FnParam: return "parameter";
    case SymbolKind::Param: return "param";
    case SymbolKind::Pipeline: return "pipeline";
    case SymbolKind::Step: return "step";
    case SymbolKind::Port: return "port";
    case SymbolKind::Import: return "import";
    case SymbolKind::Test: return "test";
    case SymbolKind::Function: return "function";
    case SymbolKind::StdlibStep: return "step";
    case SymbolKind::StdlibParam: return "parameter";
  }
  return "symbol";
}

// Walks the checked program once and fills an Analysis's symbols, occurrences, scopes and
// expressions. Field occurrences are linked to the definition the field came from by
// following the chain back: a schema field, or the derive/select/aggregate/rename/explode
// that made it.
class Indexer {
 public:
  explicit Indexer(Analysis& a) : a_(a) {}

  void Run() {
    const sema::Program& program = *a_.program_;
    // Declarations first (every module), so uses anywhere find them.
    for (const auto& module : program.modules) {
      for (const auto& decl : module->decls) DefineDecl(*decl);
    }
    BuildVisible();
    for (const auto& module : program.modules) {
      module_ = module.get();
      for (const auto& decl : module->decls) IndexDecl(*decl);
    }
    std::sort(a_.occurrences_.begin(), a_.occurrences_.end(), [](const Occurrence& x, const Occurrence& y) {
      if (x.range.file != y.range.file) return x.range.file < y.range.file;
      if (x.range.begin != y.range.begin) return x.range.begin < y.range.begin;
      return x.definition > y.definition;
    });
    // One occurrence per range (a name indexed twice, e.g. a select item that keeps a field).
    a_.occurrences_.erase(std::unique(a_.occurrences_.begin(), a_.occurrences_.end(),
                                      [](const Occurrence& x, const Occurrence& y) {
                                        return x.range.file == y.range.file && x.range.begin == y.range.begin &&
                                               x.range.end == y.range.end;
                                      }),
                          a_.occurrences_.end());
  }

 private:
  // A pipeline's bindings and what their outputs carry.
  struct PipelineState {
    const ast::PipelineDecl* decl = nullptr;
    std::map<std::string, const ast::Statement*> bindings;
    std::map<std::string, int> steps;  // binding -> Step symbol
    std::map<std::string, int> ports;  // "step.port" -> Port symbol
    std::map<std::string, Origins> outputs;  // binding -> origins of its main output
    std::set<std::string> computing;
  };

  // What names in an expression may refer to.
  struct ExprScope {
    Origins origins;        // fields of the record flowing in
    Origins right_origins;  // join: the right side's fields
    std::string right_step;
    const ast::FnDecl* fn = nullptr;
    PipelineState* state = nullptr;
    bool aggregate = false;
    bool test = false;
  };

  // ------------------------------------------------------------ symbols

  int Define(Symbol symbol) {
    if (symbol.name_range.Valid()) {
      auto key = std::make_pair(symbol.name_range.file, symbol.name_range.begin);
      auto it = defined_.find(key);
      if (it != defined_.end()) return it->second;
      int id = static_cast<int>(a_.symbols_.size());
      defined_[key] = id;
      a_.symbols_.push_back(std::move(symbol));
      Occur(a_.symbols_[id].name_range, id, true, a_.symbols_[id].type);
      return id;
    }
    int id = static_cast<int>(a_.symbols_.size());
    a_.symbols_.push_back(std::move(symbol));
    return id;
  }

  void Occur(const SourceRange& range, int symbol, bool definition, ast::TypeRef type) {
    if (!range.Valid() || symbol < 0) return;
    a_.occurrences_.push_back(Occurrence{range, symbol, definition, std::move(type)});
  }

  int FunctionSymbol(const std::string& name, bool aggregate) {
    const stdlib::FunctionSpec* spec = stdlib::FindFunction(name, aggregate);
    if (!spec) return -1;
    Symbol s;
    s.kind = SymbolKind::Function;
    s.name = spec->name;
    s.doc = spec->doc;
    s.function_spec = spec;
    return StdlibSymbol("fn:" + spec->name + (spec->aggregate ? ":aggregate" : ""), std::move(s));
  }

  // A symbol defined by a name written in the program.
  static Symbol Named(SymbolKind kind, const ast::Name& name, std::string container, const SourceRange& decl_range,
                      ast::TypeRef type) {
    Symbol s;
    s.kind = kind;
    s.name = name.text;
    s.container = std::move(container);
    s.name_range = name.range;
    s.decl_range = decl_range;
    s.type = std::move(type);
    return s;
  }

  // The one symbol of a stdlib entity (`key` names it), defined on first use.
  int StdlibSymbol(const std::string& key, Symbol symbol) {
    auto it = stdlib_.find(key);
    if (it != stdlib_.end()) return it->second;
    return stdlib_[key] = Define(std::move(symbol));
  }

  int StepSpecSymbol(const stdlib::StepSpec* spec) {
    if (!spec) return -1;
    Symbol s;
    s.kind = SymbolKind::StdlibStep;
    s.name = spec->name;
    s.doc = spec->doc;
    s.step_spec = spec;
    return StdlibSymbol(fmt::format("step:{}:{}", stdlib::Spelling(spec->kind), spec->name), std::move(s));
  }

  int StdlibParamSymbol(const stdlib::StepSpec* step, const stdlib::FunctionSpec* function, const std::string& name) {
    const std::vector<stdlib::ParamSpec>* params = step ? &step->params : function ? &function->params : nullptr;
    if (!params) return -1;
    const stdlib::ParamSpec* param = nullptr;
    for (const auto& p : *params) {
      if (p.name == name) param = &p;
    }
    if (!param) return -1;
    Symbol s;
    s.kind = SymbolKind::StdlibParam;
    s.name = name;
    s.container = step ? step->name : function->name;
    s.doc = param->doc;
    s.step_spec = step;
    s.function_spec = function;
    s.param_spec = param;
    if (auto type = ast::ParseType(param->type)) s.type = *type;
    return StdlibSymbol(fmt::format("param:{}:{}", static_cast<const void*>(param), name), std::move(s));
  }

  int DeclSymbol(const Decl* decl) const {
    auto it = decls_.find(decl);
    return it == decls_.end() ? -1 : it->second;
  }

  void DefineDecl(const Decl& decl) {
    Symbol s;
    s.name = decl.name.text;
    s.name_range = decl.name.range;
    s.decl_range = decl.range;
    s.doc = decl.doc;
    s.decl = &decl;
    switch (decl.kind) {
      case ast::DeclKind::Import:
        s.kind = SymbolKind::Import;
        if (decl.name.Empty()) return;  // a path-only import names nothing
        break;
      case ast::DeclKind::Schema: {
        s.kind = SymbolKind::Schema;
        s.type = decl.As<ast::SchemaDecl>()->type;
        int id = Define(std::move(s));
        decls_[&decl] = id;
        for (const auto& field : decl.As<ast::SchemaDecl>()->fields) {
          Symbol f = Named(SymbolKind::Field, field.name, decl.name.text, field.range,
                           field.type ? field.type->resolved : nullptr);
          f.doc = field.doc;
          schema_fields_[&decl][field.name.text] = Define(std::move(f));
        }
        return;
      }
      case ast::DeclKind::Const:
        s.kind = SymbolKind::Const;
        s.type = decl.As<ast::ConstDecl>()->resolved_type;
        break;
      case ast::DeclKind::Fn: {
        s.kind = SymbolKind::Fn;
        const auto* fn = decl.As<ast::FnDecl>();
        s.type = fn->result_type;
        int id = Define(std::move(s));
        decls_[&decl] = id;
        for (const auto& p : fn->params) {
          fn_params_[fn].push_back(Define(
              Named(SymbolKind::FnParam, p.name, decl.name.text, p.range, p.type ? p.type->resolved : nullptr)));
        }
        return;
      }
      case ast::DeclKind::Param:
        s.kind = SymbolKind::Param;
        s.type = decl.As<ast::ParamDecl>()->resolved_type;
        break;
      case ast::DeclKind::Pipeline:
        s.kind = SymbolKind::Pipeline;
        pipelines_[decl.name.text] = &decl;
        break;
      case ast::DeclKind::Test:
        s.kind = SymbolKind::Test;
        s.name = decl.As<ast::TestDecl>()->title;
        s.name_range = decl.As<ast::TestDecl>()->title_range;
        break;
    }
    decls_[&decl] = Define(std::move(s));
  }

  // Names the document sees: its own declarations, unaliased imports' ones, `alias.name`.
  void BuildVisible() {
    const sema::Program& program = *a_.program_;
    if (program.modules.empty()) return;
    const ast::Module& root = program.Root();
    for (const auto& decl : root.decls) {
      const auto* import = decl->As<ast::ImportDecl>();
      if (!import) continue;
      const ast::Module* target = program.ModuleOf(import->resolved_file);
      if (!target) continue;
      for (const auto& member : target->decls) {
        if (member->name.Empty() || member->kind == ast::DeclKind::Import) continue;
        std::string name = import->name.Empty() ? member->name.text : import->name.text + "." + member->name.text;
        a_.visible_[name] = member.get();
      }
    }
    for (const auto& decl : root.decls) {
      if (!decl->name.Empty()) a_.visible_[decl->name.text] = decl.get();  // own names win
    }
  }

  // The schema declaration a record type names, looked up from the current module.
  const Decl* SchemaNamed(const std::string& name) const {
    if (name.empty()) return nullptr;
    for (const auto& decl : module_->decls) {
      if (decl->kind == ast::DeclKind::Schema && decl->name.text == name) return decl.get();
    }
    for (const auto& module : a_.program_->modules) {
      for (const auto& decl : module->decls) {
        if (decl->kind == ast::DeclKind::Schema && decl->name.text == name) return decl.get();
      }
    }
    return nullptr;
  }

  Origins SchemaOrigins(const Decl* schema) const {
    if (!schema) return {};
    auto it = schema_fields_.find(schema);
    return it == schema_fields_.end() ? Origins{} : it->second;
  }

  // ------------------------------------------------------------ declarations

  void IndexDecl(const Decl& decl) {
    switch (decl.kind) {
      case ast::DeclKind::Import:
        break;
      case ast::DeclKind::Schema:
        for (const auto& field : decl.As<ast::SchemaDecl>()->fields) {
          IndexType(field.type.get());
          if (field.default_value) IndexExpr(*field.default_value, ExprScope{});
        }
        break;
      case ast::DeclKind::Const: {
        const auto* c = decl.As<ast::ConstDecl>();
        IndexType(c->type.get());
        if (c->value) IndexExpr(*c->value, ExprScope{});
        break;
      }
      case ast::DeclKind::Fn: {
        const auto* fn = decl.As<ast::FnDecl>();
        if (IsDocument(decl.range)) a_.fns_.push_back(fn);
        for (const auto& p : fn->params) IndexType(p.type.get());
        IndexType(fn->result.get());
        ExprScope scope;
        scope.fn = fn;
        if (fn->body) IndexExpr(*fn->body, scope);
        break;
      }
      case ast::DeclKind::Param: {
        const auto* p = decl.As<ast::ParamDecl>();
        IndexType(p->type.get());
        if (p->default_value) IndexExpr(*p->default_value, ExprScope{});
        break;
      }
      case ast::DeclKind::Pipeline:
        IndexPipeline(*decl.As<ast::PipelineDecl>());
        break;
      case ast::DeclKind::Test:
        IndexTest(*decl.As<ast::TestDecl>());
        break;
    }
  }

  bool IsDocument(const SourceRange& range) const { return range.file == a_.file_; }

  void IndexType(const ast::TypeExpr* type) {
    if (!type) return;
    switch (type->kind) {
      case ast::TypeExpr::Kind::Named:
        if (type->resolved && type->resolved->kind == ast::TypeKind::Record) {
          std::string name = type->name.ToString();
          auto it = a_.visible_.find(name);
          const Decl* schema = it != a_.visible_.end() ? it->second : SchemaNamed(type->name.name.text);
          if (schema && schema->kind == ast::DeclKind::Schema) {
            Occur(type->name.name.range, DeclSymbol(schema), false, type->resolved);
          }
          if (type->name.module) OccurModule(*type->name.module);
        }
        break;
      case ast::TypeExpr::Kind::Generic:
        for (const auto& arg : type->args) IndexType(arg.get());
        break;
      case ast::TypeExpr::Kind::Decimal:
        break;
      case ast::TypeExpr::Kind::Record:
        for (const auto& field : type->fields) IndexType(field.type.get());
        break;
    }
  }

  void OccurModule(const ast::Name& alias) {
    for (const auto& decl : module_->decls) {
      if (decl->kind == ast::DeclKind::Import && decl->name.text == alias.text) {
        Occur(alias.range, DeclSymbol(decl.get()), false, nullptr);
      }
    }
  }

  // ------------------------------------------------------------ pipelines


  void IndexPipeline(const ast::PipelineDecl& pipeline) {
    PipelineState state;
    state.decl = &pipeline;
    for (const auto& statement : pipeline.statements) {
      if (statement.kind != ast::Statement::Kind::Binding || statement.name.Empty()) continue;
      state.bindings[statement.name.text] = &statement;
      const ast::Chain& chain = statement.chain;
      Symbol s = Named(SymbolKind::Step, statement.name, pipeline.name.text, statement.range,
                       chain.ops.empty() ? chain.head.output_type : chain.ops.back().output_type);
      s.statement = &statement;
      state.steps[statement.name.text] = Define(std::move(s));
      // Route branches are the step's ports.
      for (const auto& op : chain.ops) {
        if (op.kind != OpKind::Route) continue;
        for (const auto& branch : op.branches) {
          state.ports[statement.name.text + "." + branch.name.text] =
              Define(Named(SymbolKind::Port, branch.name, statement.name.text, branch.range, op.input_type));
        }
      }
    }
    pipeline_states_[&pipeline] = &state;
    for (const auto& statement : pipeline.statements) {
      if (statement.kind == ast::Statement::Kind::Setting) {
        IndexSetting(statement.setting);
      } else {
        WalkChain(statement, state, /*emit=*/true);
      }
    }
    pipeline_states_.erase(&pipeline);
  }

  void IndexSetting(const ast::Setting& setting) {
    for (const auto& target : setting.after) {
      for (const auto& name : target.pipelines) {
        auto it = pipelines_.find(name.text);
        if (it != pipelines_.end()) Occur(name.range, DeclSymbol(it->second), false, nullptr);
      }
    }
    if (setting.trigger) IndexStepCall(*setting.trigger, stdlib::StepKind::Trigger, ExprScope{}, true);
  }

  // The origins of a binding's main output (computed once, on demand: a step may be used
  // before the statement that defines it).
  Origins BindingOrigins(const std::string& name, PipelineState& state) {
    auto done = state.outputs.find(name);
    if (done != state.outputs.end()) return done->second;
    auto it = state.bindings.find(name);
    if (it == state.bindings.end() || state.computing.count(name)) return {};
    state.computing.insert(name);
    Origins origins = WalkChain(*it->second, state, /*emit=*/false);
    state.computing.erase(name);
    state.outputs[name] = origins;
    return origins;
  }

  Origins StreamOrigins(const ast::StreamRef& ref, PipelineState& state, bool emit) {
    if (emit) OccurStream(ref, state);
    if (ref.port && (ref.port->text == "errors" || ref.port->text == "done")) return {};
    return BindingOrigins(ref.step.text, state);  // route ports carry the route's input
  }

  void OccurStream(const ast::StreamRef& ref, const PipelineState& state) {
    auto step = state.steps.find(ref.step.text);
    if (step != state.steps.end()) Occur(ref.step.range, step->second, false, a_.symbols_[step->second].type);
    if (ref.port) {
      auto port = state.ports.find(ref.step.text + "." + ref.port->text);
      if (port != state.ports.end()) Occur(ref.port->range, port->second, false, a_.symbols_[port->second].type);
    }
  }

  // Walks one statement's chain: the origins of each point, and (with `emit`) the
  // occurrences and scopes. Returns the origins of the chain's main output.
  Origins WalkChain(const ast::Statement& statement, PipelineState& state, bool emit) {
    const ast::Chain& chain = statement.chain;
    std::string step = statement.kind == ast::Statement::Kind::Binding ? statement.name.text : "";
    Origins current;
    const ast::Head& head = chain.head;
    switch (head.kind) {
      case ast::Head::Kind::From:
        if (head.source) current = SourceOrigins(*head.source);
        if (emit && head.source) {
          ExprScope scope;
          scope.origins = current;
          IndexStepCall(*head.source, stdlib::StepKind::Source, scope, true);
        }
        break;
      case ast::Head::Kind::Union:
      case ast::Head::Kind::Ref:
        for (size_t i = 0; i < head.refs.size(); ++i) {
          Origins origins = StreamOrigins(head.refs[i], state, emit);
          if (i == 0) current = origins;
        }
        break;
    }
    if (emit) {
      a_.scopes_.push_back(StepScope{head.range, state.decl, &statement, nullptr, nullptr, nullptr, head.output_type, step});
    }
    for (const Op& op : chain.ops) {
      if (emit) {
        a_.scopes_.push_back(
            StepScope{op.range, state.decl, &statement, &op, op.input_type, op.right_type, op.output_type, step});
      }
      current = ApplyOp(op, current, step, state, emit);
    }
    return current;
  }

  Origins SourceOrigins(const ast::StepCall& call) {
    for (const auto& arg : call.args) {
      // `schema: Order` or `schema: geo.Region` (a member of an aliased import).
      if (arg.value && (arg.value->kind == ExprKind::NameRef || arg.value->kind == ExprKind::FieldAccess) &&
          arg.value->ref.kind == ast::RefKind::Schema) {
        return SchemaOrigins(arg.value->ref.decl);
      }
    }
    return {};
  }

  int DefineField(const ast::Name& name, const std::string& step, const SourceRange& decl_range, ast::TypeRef type) {
    if (name.Empty()) return -1;
    return Define(Named(SymbolKind::Field, name, step, decl_range, std::move(type)));
  }

  static ast::TypeRef FieldType(const ast::TypeRef& record, const std::string& name) {
    if (!record || record->kind != ast::TypeKind::Record) return nullptr;
    const ast::Field* field = record->FindField(name);
    return field ? field->type : nullptr;
  }

  void OccurField(const ast::Name& name, const Origins& origins, const ast::TypeRef& record, bool emit) {
    if (!emit) return;
    auto it = origins.find(name.text);
    if (it != origins.end()) Occur(name.range, it->second, false, FieldType(record, name.text));
  }

  Origins ApplyOp(const Op& op, const Origins& in, const std::string& step, PipelineState& state, bool emit) {
    ExprScope scope;
    scope.origins = in;
    scope.state = &state;
    Origins out = in;
    switch (op.kind) {
      case OpKind::Filter:
      case OpKind::Explode:
        if (emit && op.expr) IndexExpr(*op.expr, scope);
        if (op.kind == OpKind::Explode && !op.names.empty()) {
          out[op.names[0].text] = DefineField(op.names[0], step, op.range, FieldType(op.output_type, op.names[0].text));
        }
        break;
      case OpKind::Derive:
        for (const auto& assignment : op.assignments) {
          if (emit && assignment.value) IndexExpr(*assignment.value, scope);
          int id = DefineField(assignment.name, step, assignment.range, FieldType(op.output_type, assignment.name.text));
          if (id >= 0) out[assignment.name.text] = scope.origins[assignment.name.text] = id;  // later ones see it
        }
        break;
      case OpKind::Select:
        out.clear();
        for (const auto& item : op.assignments) {
          if (!item.value) {  // `select id`: keeps the input's field
            OccurField(item.name, in, op.input_type, emit);
            auto it = in.find(item.name.text);
            if (it != in.end()) out[item.name.text] = it->second;
            continue;
          }
          if (emit) IndexExpr(*item.value, scope);
          int id = DefineField(item.name, step, item.range, FieldType(op.output_type, item.name.text));
          if (id >= 0) out[item.name.text] = id;
        }
        break;
      case OpKind::Drop:
        for (const auto& name : op.names) {
          OccurField(name, in, op.input_type, emit);
          out.erase(name.text);
        }
        break;
      case OpKind::Rename:
        for (const auto& item : op.renames) {
          OccurField(item.from, in, op.input_type, emit);
          out.erase(item.from.text);
          int id = DefineField(item.to, step, item.range, FieldType(op.output_type, item.to.text));
          if (id >= 0) out[item.to.text] = id;
        }
        break;
      case OpKind::Route:
        for (const auto& branch : op.branches) {
          if (emit && branch.condition) IndexExpr(*branch.condition, scope);
        }
        break;
      case OpKind::Aggregate: {
        out.clear();
        for (const auto& key : op.keys) {
          if (emit && key.value) IndexExpr(*key.value, scope);
          // sema names a bare key `by country` after its field, without a range: it keeps
          // the input's field.
          if (!key.name.Empty() && key.name.range.Valid()) {
            int id = DefineField(key.name, step, key.range, FieldType(op.output_type, key.name.text));
            if (id >= 0) out[key.name.text] = id;
          } else if (key.value && key.value->kind == ExprKind::NameRef) {
            auto it = in.find(key.value->text);
            if (it != in.end()) out[key.value->text] = it->second;
          }
        }
        if (op.call && emit) IndexStepCall(*op.call, stdlib::StepKind::Window, scope, true);
        ExprScope aggregate_scope = scope;
        aggregate_scope.aggregate = true;
        for (const auto& assignment : op.assignments) {
          if (emit && assignment.value) IndexExpr(*assignment.value, aggregate_scope);
          int id = DefineField(assignment.name, step, assignment.range, FieldType(op.output_type, assignment.name.text));
          if (id >= 0) out[assignment.name.text] = id;
        }
        break;
      }
      case OpKind::Dedup:
        for (const auto& e : op.exprs) {
          if (emit && e) IndexExpr(*e, scope);
        }
        break;
      case OpKind::Sort:
        for (const auto& key : op.sort_keys) {
          if (emit && key.expr) IndexExpr(*key.expr, scope);
        }
        break;
      case OpKind::Take:
        break;
      case OpKind::Join: {
        Origins right = StreamOrigins(op.join_with, state, emit);
        scope.right_origins = right;
        scope.right_step = op.join_with.step.text;
        if (emit && op.expr) IndexExpr(*op.expr, scope);
        for (const auto& [name, id] : right) out.emplace(name, id);
        break;
      }
      case OpKind::Validate:
        for (const auto& rule : op.rules) {
          if (emit && rule.condition) IndexExpr(*rule.condition, scope);
        }
        break;
      case OpKind::Into:
        if (emit && op.call) IndexStepCall(*op.call, stdlib::StepKind::Sink, scope, false);
        out.clear();
        break;
      case OpKind::Call: {
        if (emit && op.call) IndexStepCall(*op.call, stdlib::StepKind::Transform, scope, false);
        // A step's output keeps the input's fields it passes through, and a schema it names.
        Origins named = op.call ? SourceOrigins(*op.call) : Origins{};
        out.clear();
        if (op.output_type && op.output_type->kind == ast::TypeKind::Record) {
          for (const auto& field : op.output_type->fields) {
            auto n = named.find(field.name);
            auto i = in.find(field.name);
            if (n != named.end()) out[field.name] = n->second;
            else if (i != in.end()) out[field.name] = i->second;
          }
        }
        break;
      }
    }
    return out;
  }

  void IndexStepCall(const ast::StepCall& call, stdlib::StepKind kind, const ExprScope& scope, bool record_args) {
    const stdlib::StepSpec* spec = stdlib::FindStep(call.resolved.empty() ? call.callee.name.text : call.resolved, kind);
    int id = StepSpecSymbol(spec);
    Occur(call.callee.name.range, id, false, nullptr);
    if (call.callee.module) OccurModule(*call.callee.module);
    for (const auto& arg : call.args) {
      if (arg.name && spec) Occur(arg.name->range, StdlibParamSymbol(spec, nullptr, arg.name->text), false, nullptr);
      if (!arg.value) continue;
      // Arguments see no fields, except "field" parameters (`on: ts`), which name one.
      ExprScope arg_scope;
      arg_scope.origins = scope.origins;
      arg_scope.state = scope.state;
      IndexExpr(*arg.value, arg_scope);
    }
    (void)record_args;
  }

  // ------------------------------------------------------------ tests

  void IndexTest(const ast::TestDecl& test) {
    auto it = pipelines_.find(test.pipeline.text);
    if (it == pipelines_.end()) return;
    Occur(test.pipeline.range, DeclSymbol(it->second), false, nullptr);
    const auto* pipeline = it->second->As<ast::PipelineDecl>();
    // The pipeline's steps, as seen from the test (its own state: steps were defined
    // when the pipeline was indexed, Define returns the same symbols).
    PipelineState state;
    state.decl = pipeline;
    for (const auto& statement : pipeline->statements) {
      if (statement.kind != ast::Statement::Kind::Binding || statement.name.Empty()) continue;
      state.bindings[statement.name.text] = &statement;
      int id = SymbolDefinedAt(statement.name.range);
      if (id >= 0) state.steps[statement.name.text] = id;
      for (const auto& op : statement.chain.ops) {
        for (const auto& branch : op.branches) {
          int port = SymbolDefinedAt(branch.name.range);
          if (port >= 0) state.ports[statement.name.text + "." + branch.name.text] = port;
        }
      }
    }
    ExprScope scope;
    scope.state = &state;
    scope.test = true;
    for (const auto& item : test.items) {
      switch (item.kind) {
        case ast::TestItem::Kind::Given: {
          auto step = state.steps.find(item.name.text);
          if (step != state.steps.end()) Occur(item.name.range, step->second, false, nullptr);
          // The keys of the given records are fields of the rows the step emits.
          if (item.expr && item.expr->kind == ExprKind::ListLit) {
            Origins origins = BindingOrigins(item.name.text, state);
            for (const auto& row : item.expr->children) {
              if (!row || row->kind != ExprKind::RecordLit) continue;
              for (const auto& field : row->fields) {
                auto it = origins.find(field.name.text);
                if (it != origins.end()) Occur(field.name.range, it->second, false, nullptr);
              }
            }
          }
          break;
        }
        case ast::TestItem::Kind::ExpectRows:
        case ast::TestItem::Kind::ExpectEmpty:
          OccurStream(item.stream, state);
          break;
        case ast::TestItem::Kind::Expect:
          break;
      }
      if (item.expr) IndexExpr(*item.expr, scope);
    }
  }

  int SymbolDefinedAt(const SourceRange& range) const {
    auto it = defined_.find(std::make_pair(range.file, range.begin));
    return it == defined_.end() ? -1 : it->second;
  }

  // ------------------------------------------------------------ expressions


  // The origins of the rows of `stream` when it names a step (`sizes`) or a port of one
  // (`sizes.big`, a route branch: the route's input); nullopt for anything else.
  std::optional<Origins> StreamRowOrigins(const Expr& stream, PipelineState& state) {
    if (stream.kind == ExprKind::NameRef && stream.ref.kind == ast::RefKind::Step) {
      return BindingOrigins(stream.text, state);
    }
    if (stream.kind == ExprKind::FieldAccess && stream.ref.kind == ast::RefKind::Port && !stream.children.empty() &&
        stream.children[0] && stream.text != "errors" && stream.text != "done") {
      return BindingOrigins(stream.children[0]->text, state);
    }
    return std::nullopt;
  }

  int FieldOrigin(const Expr& e, const std::string& name, const ExprScope& scope) const {
    const Origins& origins = e.ref.side == 1 ? scope.right_origins : scope.origins;
    auto it = origins.find(name);
    return it == origins.end() ? -1 : it->second;
  }

  void IndexExpr(const Expr& e, const ExprScope& scope) {
    if (IsDocument(e.range)) a_.exprs_.push_back(&e);
    switch (e.kind) {
      case ExprKind::NameRef:
        IndexNameRef(e, scope);
        break;
      case ExprKind::FieldAccess: {
        if (!e.children.empty()) IndexExpr(*e.children[0], scope);
        const Expr* base = e.children.empty() ? nullptr : e.children[0].get();
        switch (e.ref.kind) {
          case ast::RefKind::Const:
          case ast::RefKind::Param:
          case ast::RefKind::Fn:
          case ast::RefKind::Schema:
            Occur(e.name_range, DeclSymbol(e.ref.decl), false, e.type);
            // `geo.Region`: sema resolves the member and may leave the alias unresolved.
            if (base && base->kind == ExprKind::NameRef && base->ref.kind == ast::RefKind::Unresolved) {
              OccurModule(ast::Name{base->text, base->name_range.Valid() ? base->name_range : base->range});
            }
            break;
          case ast::RefKind::Field:
            Occur(e.name_range, FieldOrigin(e, e.text, scope), false, e.type);
            break;
          case ast::RefKind::Port:
            if (scope.state && base) {
              auto it = scope.state->ports.find(base->text + "." + e.text);
              if (it != scope.state->ports.end()) Occur(e.name_range, it->second, false, e.type);
            }
            break;
          default:
            // `sizes.big[0].total` in a test: a field of the rows a step or port emits.
            if (scope.state && base && base->kind == ExprKind::Index && !base->children.empty() &&
                base->children[0]) {
              if (auto origins = StreamRowOrigins(*base->children[0], *scope.state)) {
                auto it = origins->find(e.text);
                if (it != origins->end()) Occur(e.name_range, it->second, false, e.type);
                break;
              }
            }
            // `record.field` of a schema-typed value: the schema's field.
            if (base && base->type && base->type->kind == ast::TypeKind::Record) {
              Origins fields = SchemaOrigins(SchemaNamed(base->type->name));
              auto it = fields.find(e.text);
              if (it != fields.end()) Occur(e.name_range, it->second, false, e.type);
            }
            break;
        }
        break;
      }
      case ExprKind::Call: {
        const Expr* callee = e.children.empty() ? nullptr : e.children[0].get();
        const ast::FnDecl* user_fn = nullptr;
        const stdlib::FunctionSpec* builtin = nullptr;
        if (callee) {
          const ast::Ref& ref = callee->ref.kind != ast::RefKind::Unresolved ? callee->ref : e.ref;
          if (ref.kind == ast::RefKind::Fn) {
            if (ref.decl) {
              user_fn = ref.decl->As<ast::FnDecl>();
            } else if (!ref.builtin.empty()) {
              builtin = stdlib::ResolveFunction(ref.builtin, e.args.size());
            }
          }
          if (IsDocument(callee->range)) a_.exprs_.push_back(callee);
          SourceRange name_range = callee->kind == ExprKind::FieldAccess ? callee->name_range : callee->range;
          if (callee->kind == ExprKind::FieldAccess && !callee->children.empty()) {
            IndexExpr(*callee->children[0], scope);
          }
          if (user_fn) {
            Occur(name_range, DeclSymbol(user_fn), false, e.type);
          } else if (builtin) {
            Occur(name_range, FunctionSymbol(builtin->name, builtin->aggregate), false, e.type);
          }
        }
        for (const auto& arg : e.args) {
          if (arg.name) {
            if (user_fn) {
              auto params = fn_params_.find(user_fn);
              if (params != fn_params_.end()) {
                for (int id : params->second) {
                  if (a_.symbols_[id].name == arg.name->text) Occur(arg.name->range, id, false, nullptr);
                }
              }
            } else if (builtin) {
              Occur(arg.name->range, StdlibParamSymbol(nullptr, builtin, arg.name->text), false, nullptr);
            }
          }
          if (arg.value) IndexExpr(*arg.value, scope);
        }
        break;
      }
      default:
        for (const auto& child : e.children) {
          if (child) IndexExpr(*child, scope);
        }
        for (const auto& field : e.fields) {
          if (field.value) IndexExpr(*field.value, scope);
        }
        for (const auto& part : e.parts) {
          if (part.expr) IndexExpr(*part.expr, scope);
        }
        for (const auto& arm : e.arms) {
          for (const auto& pattern : arm.patterns) {
            if (pattern) IndexExpr(*pattern, scope);
          }
          if (arm.value) IndexExpr(*arm.value, scope);
        }
        for (const auto& arg : e.args) {
          if (arg.value) IndexExpr(*arg.value, scope);
        }
        break;
    }
  }

  void IndexNameRef(const Expr& e, const ExprScope& scope) {
    SourceRange range = e.name_range.Valid() ? e.name_range : e.range;
    switch (e.ref.kind) {
      case ast::RefKind::Field:
        Occur(range, FieldOrigin(e, e.text, scope), false, e.type);
        break;
      case ast::RefKind::Const:
      case ast::RefKind::Param:
      case ast::RefKind::Fn:
      case ast::RefKind::Schema:
        Occur(range, DeclSymbol(e.ref.decl), false, e.type);
        break;
      case ast::RefKind::FnParam:
        if (scope.fn) {
          auto it = fn_params_.find(scope.fn);
          if (it != fn_params_.end() && e.ref.slot >= 0 && static_cast<size_t>(e.ref.slot) < it->second.size()) {
            Occur(range, it->second[static_cast<size_t>(e.ref.slot)], false, e.type);
          }
        }
        break;
      case ast::RefKind::Step:
        if (scope.state) {
          auto it = scope.state->steps.find(e.text);
          if (it != scope.state->steps.end()) Occur(range, it->second, false, e.type);
        }
        break;
      case ast::RefKind::Module:
        OccurModule(ast::Name{e.text, range});
        break;
      default:
        break;
    }
  }

  Analysis& a_;
  const ast::Module* module_ = nullptr;
  std::map<std::pair<diag::FileId, uint32_t>, int> defined_;
  std::map<std::string, int> stdlib_;
  std::map<const Decl*, int> decls_;
  std::map<const Decl*, Origins> schema_fields_;
  std::map<const ast::FnDecl*, std::vector<int>> fn_params_;
  std::map<std::string, const Decl*> pipelines_;
  std::map<const ast::PipelineDecl*, PipelineState*> pipeline_states_;
};

std::shared_ptr<const Analysis> Analysis::Build(const std::string& uri, const std::string& path, int version,
                                                const sema::FileReader& reader, PositionEncoding encoding) {
  auto analysis = std::make_shared<Analysis>();
  analysis->uri_ = uri;
  analysis->version_ = version;
  analysis->encoding_ = encoding;
  analysis->program_ = sema::LoadProgram(path, reader);
  if (!analysis->program_->modules.empty()) {
    sema::Check(*analysis->program_);
    analysis->program_->diagnostics.Sort();
    analysis->file_ = analysis->program_->Root().file;
    Indexer(*analysis).Run();
    auto by_start = [](const auto& x, const auto& y) { return x.range.begin < y.range.begin; };
    std::stable_sort(analysis->scopes_.begin(), analysis->scopes_.end(), by_start);
  }
  return analysis;
}

const ast::Module* Analysis::Module() const {
  return program_->modules.empty() ? nullptr : program_->modules.front().get();
}

std::string_view Analysis::Text() const {
  return file_ == diag::kNoFile ? std::string_view() : std::string_view(program_->sources.File(file_).Text());
}

const Occurrence* Analysis::OccurrenceAt(uint32_t offset) const {
  const Occurrence* best = nullptr;
  auto first = std::lower_bound(occurrences_.begin(), occurrences_.end(), file_,
                                [](const Occurrence& o, diag::FileId f) { return o.range.file < f; });
  for (auto it = first; it != occurrences_.end() && it->range.file == file_ && it->range.begin <= offset; ++it) {
    if (!Contains(it->range, offset)) continue;
    // Prefer the occurrence that starts at the cursor over one that ends there.
    if (!best || it->range.begin > best->range.begin) best = &*it;
  }
  return best;
}

std::vector<const Occurrence*> Analysis::OccurrencesOf(int symbol) const {
  std::vector<const Occurrence*> found;
  for (const auto& o : occurrences_) {
    if (o.symbol == symbol) found.push_back(&o);
  }
  std::stable_sort(found.begin(), found.end(), [](const Occurrence* x, const Occurrence* y) {
    return x->definition > y->definition;
  });
  return found;
}

int Analysis::SymbolDefinedAt(const diag::SourceRange& name_range) const {
  for (const auto& o : occurrences_) {
    if (o.definition && o.range.file == name_range.file && o.range.begin == name_range.begin) return o.symbol;
  }
  return -1;
}

const StepScope* Analysis::ScopeAt(uint32_t offset) const {
  const StepScope* best = nullptr;
  for (const auto& scope : scopes_) {
    if (scope.range.file != file_ || !Contains(scope.range, offset)) continue;
    if (!best || scope.range.end - scope.range.begin <= best->range.end - best->range.begin) best = &scope;
  }
  return best;
}

const ast::Expr* Analysis::ExprAt(uint32_t offset) const {
  const ast::Expr* best = nullptr;
  for (const ast::Expr* e : exprs_) {
    if (!Contains(e->range, offset)) continue;
    if (!best || e->range.end - e->range.begin < best->range.end - best->range.begin) best = e;
  }
  return best;
}

const ast::FnDecl* Analysis::FnAt(uint32_t offset) const {
  for (const ast::FnDecl* fn : fns_) {
    if (Contains(fn->range, offset)) return fn;
  }
  return nullptr;
}

const LineIndex& Analysis::LinesOf(diag::FileId file) const {
  auto it = lines_.find(file);
  if (it == lines_.end()) it = lines_.emplace(file, LineIndex(program_->sources.File(file).Text())).first;
  return it->second;
}

uint32_t Analysis::Offset(Position position) const {
  if (file_ == diag::kNoFile) return 0;
  return LinesOf(file_).Offset(Text(), position, encoding_);
}

Json Analysis::Range(const diag::SourceRange& range) const {
  if (!range.Valid() || range.file >= program_->sources.Count()) {
    return Json{{"start", PositionToJson({0, 0})}, {"end", PositionToJson({0, 0})}};
  }
  const LineIndex& lines = LinesOf(range.file);
  std::string_view text = program_->sources.File(range.file).Text();
  return Json{{"start", PositionToJson(lines.PositionOf(text, range.begin, encoding_))},
              {"end", PositionToJson(lines.PositionOf(text, range.end, encoding_))}};
}

Json Analysis::Location(const diag::SourceRange& range) const {
  return Json{{"uri", UriOf(range.file)}, {"range", Range(range)}};
}

std::string Analysis::UriOf(diag::FileId file) const {
  if (file == file_ || file >= program_->sources.Count()) return uri_;
  std::string path = program_->sources.File(file).Path();
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  return PathToUri(ec ? path : absolute.lexically_normal().string());
}

std::string TypeToMarkdown(const ast::TypeRef& type) {
  if (!type) return "";
  if (type->kind != ast::TypeKind::Record || type->fields.empty()) return "`" + ast::ToString(type) + "`";
  std::string out;
  if (!type->name.empty()) out += "`" + type->name + "` ";
  out += "{\n";
  for (const auto& field : type->fields) out += fmt::format("  {}: {}\n", field.name, ast::ToString(field.type));
  out += "}";
  return "```etl\n" + out + "\n```";
}

}  // namespace etl::lsp
