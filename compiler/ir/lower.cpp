#include "compiler/ir/lower.h"

#include <map>
#include <set>
#include <utility>

#include "compiler/ir/lower_internal.h"
#include "stdlib/spec.h"

namespace etl::ir {

using lowering::ExprLowerer;
using lowering::InternalError;
using lowering::Scope;

namespace {

// An output port a stream reference denotes.
struct PortRef {
  std::string node;
  std::string port;
};

// What a binding name denotes: the nodes of its chain (the last one carries the binding's
// name), or, for `x = y` / `x = y.port` with no ops, the stream it aliases.
struct BindingInfo {
  std::vector<std::string> nodes;
  const ast::StreamRef* alias = nullptr;
};

class PipelineLowerer {
 public:
  PipelineLowerer(const sema::Program& program, const ast::PipelineDecl& decl, Pipeline& out)
      : program_(program), decl_(decl), out_(out) {}

  void Run() {
    out_.name = decl_.name.text;
    for (const auto& statement : decl_.statements) {
      if (statement.kind == ast::Statement::Kind::Setting) LowerSetting(statement.setting);
    }
    // Ids first: references may point forward.
    std::vector<std::vector<std::string>> ids;
    for (const auto& statement : decl_.statements) {
      ids.push_back(statement.kind == ast::Statement::Kind::Setting ? std::vector<std::string>{} : AssignIds(statement));
    }
    for (size_t i = 0; i < decl_.statements.size(); ++i) {
      const auto& statement = decl_.statements[i];
      if (statement.kind != ast::Statement::Kind::Setting) LowerChain(statement, ids[i]);
    }
  }

 private:
  // ---------------------------------------------------------------- ids

  static bool HasHeadNode(const ast::Head& head) { return head.kind != ast::Head::Kind::Ref; }

  std::string StepName(const ast::StepCall* call) const {
    if (!call) return "step";
    return call->resolved.empty() ? call->callee.name.text : call->resolved;
  }

  std::string AnonymousBase(const ast::Statement& statement, size_t index) const {
    const auto& chain = statement.chain;
    size_t head = HasHeadNode(chain.head) ? 1 : 0;
    if (index < head) {
      return chain.head.kind == ast::Head::Kind::From ? "from_" + StepName(chain.head.source.get()) : "union";
    }
    const ast::Op& op = chain.ops[index - head];
    if (op.kind == ast::OpKind::Into) return "into_" + StepName(op.call.get());
    if (op.kind == ast::OpKind::Call) return StepName(op.call.get());
    return std::string(ast::Spelling(op.kind));
  }

  std::vector<std::string> AssignIds(const ast::Statement& statement) {
    const auto& chain = statement.chain;
    size_t head = HasHeadNode(chain.head) ? 1 : 0;
    size_t count = head + chain.ops.size();
    std::vector<std::string> ids;
    if (statement.kind == ast::Statement::Kind::Binding) {
      const std::string& name = statement.name.text;
      BindingInfo& info = bindings_[name];
      for (size_t i = 0; i < count; ++i) {
        // `x#0` is the head node, `x#k` the k-th op; the last node is `x` itself.
        ids.push_back(i + 1 == count ? name : name + "#" + std::to_string(head ? i : i + 1));
      }
      info.nodes = ids;
      if (!chain.ops.empty()) {
        NodeKind last = KindOf(chain.ops.back());
        main_ports_[name] = last == NodeKind::Sink ? std::string(kDonePort) : last == NodeKind::Route ? "" : std::string(kOutPort);
      } else {
        main_ports_[name] = std::string(kOutPort);
      }
      if (count == 0) {
        if (chain.head.refs.size() != 1) throw InternalError("binding without a stream", statement.range);
        info.alias = &chain.head.refs[0];
      }
    } else {
      for (size_t i = 0; i < count; ++i) {
        diag::SourceRange range = i < head ? chain.head.range : chain.ops[i - head].range;
        Location at = LocationOf(range);
        std::string id = AnonymousBase(statement, i) + "@" + std::to_string(at.line);
        if (used_ids_.count(id)) id += ":" + std::to_string(at.col);
        for (int n = 2; used_ids_.count(id); ++n) id = AnonymousBase(statement, i) + "@" + std::to_string(at.line) + ":" + std::to_string(at.col) + "#" + std::to_string(n);
        ids.push_back(id);
        used_ids_.insert(id);
      }
    }
    for (const auto& id : ids) used_ids_.insert(id);
    return ids;
  }

  // ---------------------------------------------------------------- streams

  std::vector<PortRef> Resolve(const ast::StreamRef& ref, int depth = 0) {
    if (depth > 64) throw InternalError("stream aliases form a cycle", ref.range);
    auto it = bindings_.find(ref.step.text);
    if (it == bindings_.end()) throw InternalError("unknown step `" + ref.step.text + "`", ref.range);
    const BindingInfo& info = it->second;
    if (info.alias) {
      if (!ref.port) return Resolve(*info.alias, depth + 1);
      if (info.alias->port) throw InternalError("port of an alias of a port", ref.range);
      ast::StreamRef inner = *info.alias;
      inner.port = ref.port;
      return Resolve(inner, depth + 1);
    }
    const std::string& last = info.nodes.back();
    if (!ref.port) {
      // The node may not be lowered yet (forward reference): its op kind decided the port.
      const std::string& port = main_ports_[ref.step.text];
      if (port.empty()) throw InternalError("`" + ref.step.text + "` has no main output", ref.range);
      return {{last, port}};
    }
    const std::string& port = ref.port->text;
    if (port == kErrorsPort) {
      std::vector<PortRef> ports;
      for (const auto& id : info.nodes) ports.push_back({id, std::string(kErrorsPort)});
      return ports;
    }
    return {{last, port}};
  }

  void Connect(const std::vector<PortRef>& from, const std::string& to, std::string_view to_port) {
    for (const auto& source : from) out_.edges.push_back({source.node, source.port, to, std::string(to_port)});
  }

  // ---------------------------------------------------------------- nodes

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

  static TypeRef Need(const TypeRef& type, const char* what, diag::SourceRange range) {
    if (!type || type->kind == ast::TypeKind::Error) throw InternalError(std::string("no type for ") + what, range);
    return type;
  }

  Node& NewNode(const std::string& id, NodeKind kind, const std::string& binding, diag::SourceRange range) {
    Node node;
    node.id = id;
    node.kind = kind;
    node.binding = binding;
    node.location = LocationOf(range);
    out_.nodes.push_back(std::move(node));
    return out_.nodes.back();
  }

  static void AddErrorsPort(Node& node) { node.outputs.push_back({std::string(kErrorsPort), stdlib::ErrorsType()}); }

  std::vector<StepArg> LowerArgs(const ast::StepCall& call, const TypeRef& input) {
    std::vector<StepArg> args;
    for (const auto& bound : call.bound) {
      StepArg arg;
      arg.name = bound.param;
      arg.type = bound.type ? bound.type : (bound.expr ? bound.expr->type : nullptr);
      if (!arg.type) arg.type = bound.value ? ast::JsonType() : ast::ErrorType();
      if (bound.value) {
        arg.value = bound.value;
      } else if (bound.expr && !(arg.type && arg.type->kind == ast::TypeKind::Record)) {
        ExprLowerer lowerer(Scope{input, nullptr, nullptr, nullptr});
        arg.expr = lowerer.Lower(*bound.expr);
      }
      if (arg.type->kind == ast::TypeKind::Error) throw InternalError("argument `" + arg.name + "` has no type", call.range);
      args.push_back(std::move(arg));
    }
    return args;
  }

  void LowerChain(const ast::Statement& statement, const std::vector<std::string>& ids) {
    const auto& chain = statement.chain;
    const std::string binding = statement.kind == ast::Statement::Kind::Binding ? statement.name.text : "";
    size_t next = 0;
    std::vector<PortRef> upstream;
    switch (chain.head.kind) {
      case ast::Head::Kind::From: {
        if (!chain.head.source) throw InternalError("`from` without a source", chain.head.range);
        Node& node = NewNode(ids.at(next++), NodeKind::Source, binding, chain.head.range);
        node.step = StepName(chain.head.source.get());
        node.args = LowerArgs(*chain.head.source, nullptr);
        node.outputs.push_back({std::string(kOutPort), Need(chain.head.output_type, "the source's output", chain.head.range)});
        AddErrorsPort(node);
        upstream = {{node.id, std::string(kOutPort)}};
        break;
      }
      case ast::Head::Kind::Union: {
        TypeRef type = Need(chain.head.output_type, "the union's output", chain.head.range);
        std::string id = ids.at(next++);
        Node& node = NewNode(id, NodeKind::Union, binding, chain.head.range);
        node.inputs.push_back({std::string(kInPort), type});
        node.outputs.push_back({std::string(kOutPort), type});
        AddErrorsPort(node);
        for (const auto& ref : chain.head.refs) Connect(Resolve(ref), id, kInPort);
        upstream = {{id, std::string(kOutPort)}};
        break;
      }
      case ast::Head::Kind::Ref:
        if (chain.head.refs.size() != 1) throw InternalError("a chain head names one stream", chain.head.range);
        upstream = Resolve(chain.head.refs[0]);
        break;
    }
    for (const auto& op : chain.ops) {
      if (upstream.empty()) throw InternalError("an op after a step without a main output", op.range);
      upstream = LowerOp(op, ids.at(next++), binding, upstream);
    }
  }

  std::vector<PortRef> LowerOp(const ast::Op& op, const std::string& id, const std::string& binding,
                               const std::vector<PortRef>& upstream) {
    TypeRef input = Need(op.input_type, "the op's input", op.range);
    TypeRef output = op.kind == ast::OpKind::Into ? (op.output_type ? op.output_type : stdlib::DoneType())
                                                   : Need(op.output_type, "the op's output", op.range);
    NodeKind kind = KindOf(op);
    Node& node = NewNode(id, kind, binding, op.range);
    node.inputs.push_back({std::string(kind == NodeKind::Join ? kLeftPort : kInPort), input});
    Connect(upstream, id, node.inputs[0].name);
    Scope row{input, nullptr, nullptr, nullptr};
    auto lower = [&](const ast::ExprPtr& expr, const Scope& scope) {
      if (!expr) throw InternalError("missing expression", op.range);
      ExprLowerer lowerer(scope);
      return lowerer.Lower(*expr);
    };
    std::string main_port(kOutPort);
    switch (op.kind) {
      case ast::OpKind::Filter:
        node.expr = lower(op.expr, row);
        break;
      case ast::OpKind::Derive: {
        // Later assignments see earlier ones: slots index the record built so far.
        std::vector<ast::Field> fields = input->fields;
        for (const auto& assignment : op.assignments) {
          Expr value = lower(assignment.value, Scope{ast::RecordType(fields), nullptr, nullptr, nullptr});
          int slot = -1;
          for (size_t i = 0; i < fields.size(); ++i) {
            if (fields[i].name == assignment.name.text) slot = static_cast<int>(i);
          }
          if (slot >= 0) {
            fields[static_cast<size_t>(slot)].type = value.type;
          } else {
            fields.push_back({assignment.name.text, value.type, false});
          }
          node.assignments.push_back({assignment.name.text, std::move(value)});
        }
        break;
      }
      case ast::OpKind::Select:
        for (size_t i = 0; i < op.assignments.size(); ++i) {
          const auto& item = op.assignments[i];
          std::string name = item.name.text;
          if (name.empty() && i < output->fields.size()) name = output->fields[i].name;
          if (item.value) {
            node.assignments.push_back({name, lower(item.value, row)});
          } else {
            int slot = input->FieldIndex(item.name.text);
            if (slot < 0) throw InternalError("select of unknown field `" + item.name.text + "`", item.range);
            node.assignments.push_back({name, FieldExpr(slot, item.name.text, input->fields[static_cast<size_t>(slot)].type)});
          }
        }
        break;
      case ast::OpKind::Drop:
        for (const auto& name : op.names) node.fields.push_back({name.text, SlotOf(input, name)});
        break;
      case ast::OpKind::Rename:
        for (const auto& item : op.renames) node.renames.push_back({item.from.text, SlotOf(input, item.from), item.to.text});
        break;
      case ast::OpKind::Route:
        for (const auto& branch : op.branches) {
          RouteBranch lowered{branch.name.text, std::nullopt};
          if (branch.condition) lowered.condition = lower(branch.condition, row);
          node.branches.push_back(std::move(lowered));
          node.outputs.push_back({branch.name.text, input});
        }
        main_port.clear();
        break;
      case ast::OpKind::Explode:
        if (op.names.empty()) throw InternalError("explode without `as`", op.range);
        node.expr = lower(op.expr, row);
        node.alias = op.names[0].text;
        break;
      case ast::OpKind::Aggregate: {
        std::vector<ast::Field> group;
        for (const auto& key : op.keys) {
          Expr value = lower(key.value, row);
          std::string name = key.name.text;
          if (name.empty() && key.value && key.value->kind == ast::ExprKind::NameRef) name = key.value->text;
          if (name.empty()) throw InternalError("unnamed aggregate key", key.range);
          group.push_back({name, value.type, false});
          node.keys.push_back({name, std::move(value)});
        }
        if (op.call) {
          node.window = Window{StepName(op.call.get()), LowerArgs(*op.call, input)};
          // The window bounds follow the keys in the output (and the group record).
          for (size_t i = group.size(); i < output->fields.size() && i < group.size() + 2; ++i) group.push_back(output->fields[i]);
        }
        Scope outputs{ast::RecordType(group), nullptr, &node.aggregates, input};
        for (const auto& assignment : op.assignments) {
          node.assignments.push_back({assignment.name.text, lower(assignment.value, outputs)});
        }
        break;
      }
      case ast::OpKind::Dedup:
        for (const auto& key : op.exprs) node.dedup_keys.push_back(lower(key, row));
        node.within_us = op.within_us;
        break;
      case ast::OpKind::Sort:
        for (const auto& key : op.sort_keys) node.sort_keys.push_back({lower(key.expr, row), key.descending});
        break;
      case ast::OpKind::Take:
        node.count = op.count;
        break;
      case ast::OpKind::Join: {
        TypeRef right = Need(op.right_type, "the join's right side", op.range);
        node.inputs.push_back({std::string(kRightPort), right});
        Connect(Resolve(op.join_with), id, kRightPort);
        node.left_join = op.left_join;
        node.expr = lower(op.expr, Scope{input, right, nullptr, nullptr});
        break;
      }
      case ast::OpKind::Validate:
        for (const auto& rule : op.rules) {
          node.rules.push_back({lower(rule.condition, row), rule.message});
        }
        break;
      case ast::OpKind::Into:
      case ast::OpKind::Call:
        if (!op.call) throw InternalError("step without a call", op.range);
        node.step = StepName(op.call.get());
        node.args = LowerArgs(*op.call, input);
        if (kind == NodeKind::Sink) main_port = kDonePort;
        break;
    }
    // `node` may have moved if NewNode reallocated meanwhile; nothing above adds nodes.
    if (!main_port.empty()) node.outputs.insert(node.outputs.begin(), {main_port, output});
    AddErrorsPort(node);
    if (main_port.empty()) return {};
    return {{id, main_port}};
  }

  static int SlotOf(const TypeRef& record, const ast::Name& name) {
    int slot = record->FieldIndex(name.text);
    if (slot < 0) throw InternalError("unknown field `" + name.text + "`", name.range);
    return slot;
  }

  NodeKind KindOf(const ast::Op& op) const {
    switch (op.kind) {
      case ast::OpKind::Filter: return NodeKind::Filter;
      case ast::OpKind::Derive: return NodeKind::Derive;
      case ast::OpKind::Select: return NodeKind::Select;
      case ast::OpKind::Drop: return NodeKind::Drop;
      case ast::OpKind::Rename: return NodeKind::Rename;
      case ast::OpKind::Route: return NodeKind::Route;
      case ast::OpKind::Explode: return NodeKind::Explode;
      case ast::OpKind::Aggregate: return NodeKind::Aggregate;
      case ast::OpKind::Dedup: return NodeKind::Dedup;
      case ast::OpKind::Sort: return NodeKind::Sort;
      case ast::OpKind::Take: return NodeKind::Take;
      case ast::OpKind::Join: return NodeKind::Join;
      case ast::OpKind::Validate: return NodeKind::Validate;
      case ast::OpKind::Into: return NodeKind::Sink;
      case ast::OpKind::Call:
        // A sink written without `into` (`| stdout()`) is still a sink.
        if (op.call && !stdlib::FindStep(StepName(op.call.get()), stdlib::StepKind::Transform) &&
            stdlib::FindStep(StepName(op.call.get()), stdlib::StepKind::Sink)) {
          return NodeKind::Sink;
        }
        return NodeKind::Step;
    }
    throw InternalError("unknown op kind", op.range);
  }

  // ---------------------------------------------------------------- settings

  void LowerSetting(const ast::Setting& setting) {
    Settings& s = out_.settings;
    switch (setting.kind) {
      case ast::SettingKind::Schedule:
        s.schedule = Schedule{setting.text, setting.timezone.value_or("")};
        break;
      case ast::SettingKind::ScheduleEvery:
        s.every_us = setting.duration_us;
        break;
      case ast::SettingKind::After:
        for (const auto& target : setting.after) {
          std::vector<std::string> group;
          for (const auto& name : target.pipelines) group.push_back(name.text);
          if (!group.empty()) s.after.push_back(std::move(group));
        }
        break;
      case ast::SettingKind::Trigger:
        if (!setting.trigger) throw InternalError("`on` without a trigger", setting.range);
        s.triggers.push_back(Trigger{StepName(setting.trigger.get()), LowerArgs(*setting.trigger, nullptr)});
        break;
      case ast::SettingKind::Retry:
        s.retry = Retry{setting.number, setting.backoff_us.value_or(0)};
        break;
      case ast::SettingKind::Timeout:
        s.timeout_us = setting.duration_us;
        break;
      case ast::SettingKind::MaxErrors:
        s.max_errors = setting.number;
        break;
      case ast::SettingKind::Persist:
        s.persist = setting.mode.text;
        break;
      case ast::SettingKind::Jit:
        s.jit = setting.mode.text;
        break;
      case ast::SettingKind::Concurrency:
        s.concurrency = setting.number;
        break;
    }
  }

  const sema::Program& program_;
  const ast::PipelineDecl& decl_;
  Pipeline& out_;
  std::map<std::string, BindingInfo> bindings_;
  std::map<std::string, std::string> main_ports_;  // binding -> its main port ("" for route)
  std::set<std::string> used_ids_;
};

}  // namespace

std::optional<Plan> Lower(const sema::Program& program, diag::Diagnostics& diagnostics) {
  if (program.modules.empty()) return std::nullopt;
  Plan plan;
  const ast::Module& root = program.Root();
  if (root.file < program.sources.Count()) plan.source = program.sources.File(root.file).Path();
  try {
    std::set<std::string> seen;
    for (const auto& module : program.modules) {
      for (const auto& decl : module->decls) {
        const auto* param = decl->As<ast::ParamDecl>();
        if (!param || !seen.insert(param->name.text).second) continue;
        if (!param->resolved_type) throw InternalError("param `" + param->name.text + "` has no type", param->range);
        Param p;
        p.name = param->name.text;
        p.type = param->resolved_type;
        p.default_value = param->default_folded;
        p.required = !param->default_value;
        plan.params.push_back(std::move(p));
      }
    }
    for (const auto& decl : root.decls) {
      const auto* pipeline = decl->As<ast::PipelineDecl>();
      if (!pipeline) continue;
      plan.pipelines.emplace_back();
      PipelineLowerer(program, *pipeline, plan.pipelines.back()).Run();
    }
    lowering::LowerTests(program, plan);
  } catch (const InternalError& e) {
    // No dedicated code exists for compiler bugs; the message says what it is.
    diagnostics.Report(diag::Code::InvalidType, e.range, std::string("internal compiler error (plan lowering): ") + e.what());
    return std::nullopt;
  }
  return plan;
}

}  // namespace etl::ir
