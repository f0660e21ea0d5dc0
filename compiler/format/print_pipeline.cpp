// Printing pipelines: settings, chains and operators.
#include "compiler/format/printer.h"

namespace etl::format {

void Printer::PrintPipeline(const ast::PipelineDecl& pipeline) {
  Write("pipeline ");
  PrintName(pipeline.name);
  const auto& statements = pipeline.statements;
  const int indent = kIndent;
  std::vector<ChainPlan> plans;
  std::vector<diag::SourceRange> ranges;
  std::vector<size_t> widths;
  for (const auto& statement : statements) {
    plans.push_back(statement.kind == ast::Statement::Kind::Setting ? ChainPlan{}
                                                                    : PlanChain(statement, indent));
    ranges.push_back(statement.range);
    // The `|` of consecutive one-line flows line up (language.md §1).
    // Only plain step/port heads take part: a long `union(...)` would push the others far right.
    bool aligned = statement.kind == ast::Statement::Kind::Flow && plans.back().single_line &&
                   !statement.chain.ops.empty() && statement.chain.head.kind == ast::Head::Kind::Ref;
    widths.push_back(aligned ? plans.back().head_width : std::string::npos);
  }
  std::vector<size_t> pads = AlignRuns(ranges, widths);
  Block(
      pipeline.range, 0, statements.size(), [&](size_t i) { return statements[i].range; },
      [&](size_t i) {
        if (statements[i].kind == ast::Statement::Kind::Setting) {
          PrintSetting(statements[i].setting, indent);
        } else {
          PrintChain(statements[i], indent, plans[i], pads[i] == std::string::npos ? 0 : pads[i]);
        }
      });
}

Printer::ChainPlan Printer::PlanChain(const ast::Statement& statement, int indent) {
  const ast::Chain& chain = statement.chain;
  ChainPlan plan;
  std::string head = Measure([&] { PrintHead(chain.head, indent); });
  plan.head_width = head.size();
  if (chain.ops.empty()) return plan;
  size_t width = static_cast<size_t>(indent) + head.size();
  if (statement.kind == ast::Statement::Kind::Binding) width += NameWidth(statement.name) + 3;
  bool single = chain.ops.size() <= 2 && head.find('\n') == std::string::npos &&
                !HasCommentIn(statement.range.begin, chain.ops.back().range.begin);
  for (size_t i = 0; i < chain.ops.size() && single; ++i) {
    std::string op = Measure([&] { PrintOp(chain.ops[i], indent); });
    size_t newline = op.find('\n');
    // Only a block op (`route {`, `aggregate {`, `validate {`) may end a one-line chain.
    bool block = chain.ops[i].kind == ast::OpKind::Route || chain.ops[i].kind == ast::OpKind::Aggregate ||
                 chain.ops[i].kind == ast::OpKind::Validate;
    if (newline != std::string::npos && (i + 1 < chain.ops.size() || !block)) single = false;
    width += 3 + std::min(newline, op.size());
  }
  plan.single_line = single && width <= kMaxWidth;
  return plan;
}

void Printer::PrintChain(const ast::Statement& statement, int indent, const ChainPlan& plan,
                         size_t head_pad) {
  if (statement.kind == ast::Statement::Kind::Binding) {
    PrintName(statement.name);
    Write(" = ");
  }
  const ast::Chain& chain = statement.chain;
  PrintHead(chain.head, indent);
  if (plan.single_line) {
    if (head_pad > plan.head_width) out_.append(head_pad - plan.head_width, ' ');
    for (const ast::Op& op : chain.ops) {
      Write(" | ");
      PrintOp(op, indent);
    }
    return;
  }
  last_end_ = std::max(last_end_, chain.head.range.end);
  for (const ast::Op& op : chain.ops) {
    EndLine();
    BeginItem(op.range, indent + kIndent, /*allow_blank=*/false);
    Write("| ");
    // The op's own blocks and lists indent from its keyword, after the `| `.
    PrintOp(op, indent + kIndent + 2);
    last_end_ = std::max(last_end_, op.range.end);
  }
}

void Printer::PrintStreamRef(const ast::StreamRef& ref) {
  PrintName(ref.step);
  if (ref.port) {
    Write(".");
    PrintName(*ref.port);
  }
}

void Printer::PrintHead(const ast::Head& head, int indent) {
  switch (head.kind) {
    case ast::Head::Kind::From:
      Write("from ");
      if (head.source) PrintCall(*head.source, indent);
      break;
    case ast::Head::Kind::Union:
      Write("union(");
      for (size_t i = 0; i < head.refs.size(); ++i) {
        if (i > 0) Write(", ");
        PrintStreamRef(head.refs[i]);
      }
      Write(")");
      break;
    case ast::Head::Kind::Ref:
      if (!head.refs.empty()) PrintStreamRef(head.refs[0]);
      break;
  }
}

namespace {

// A bare key or select item: no name, or a name that is the expression itself.
bool BareValue(const ast::Assignment& item) {
  return item.value &&
         (item.name.Empty() || (item.name.range.Valid() && item.name.range.begin == item.value->range.begin));
}

}  // namespace

void Printer::PrintAssignment(const ast::Assignment& item, size_t name_width, int indent) {
  bool bare_value = BareValue(item);
  if (!bare_value) {
    size_t before = out_.size();
    PrintName(item.name);
    size_t written = out_.size() - before;
    if (item.value && name_width > written) out_.append(name_width - written, ' ');
  }
  if (item.value) {
    if (!bare_value) Write(" = ");
    PrintExpr(*item.value, indent);
  }
}

void Printer::PrintAssignments(const std::vector<ast::Assignment>& items, int indent) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) Write(", ");
    PrintAssignment(items[i], 0, indent);
  }
}

void Printer::PrintAssignmentList(std::string_view keyword, const std::vector<ast::Assignment>& items,
                                  int indent) {
  Write(keyword);
  std::string inline_text = Measure([&] { PrintAssignments(items, indent); });
  bool comments = false;  // between items; a comment inside an item's value is its own business
  for (size_t i = 0; i + 1 < items.size(); ++i) {
    comments = comments || HasCommentIn(items[i].range.end, items[i + 1].range.begin);
  }
  bool multi_line = comments || (items.size() > 1 && inline_text.find('\n') != std::string::npos) ||
                    static_cast<size_t>(indent) + keyword.size() + 1 + inline_text.size() > kMaxWidth;
  if (!multi_line) {
    Write(" ");
    PrintAssignments(items, indent);
    return;
  }
  // One item per line, `=` aligned (the items are member boundaries for comments).
  std::vector<diag::SourceRange> ranges;
  std::vector<size_t> widths;
  for (const auto& item : items) {
    ranges.push_back(item.range);
    widths.push_back(BareValue(item) || !item.value ? std::string::npos : NameWidth(item.name));
  }
  std::vector<size_t> pads = AlignRuns(ranges, widths);
  for (size_t i = 0; i < items.size(); ++i) {
    EndLine();
    BeginItem(items[i].range, indent + kIndent, /*allow_blank=*/false);
    PrintAssignment(items[i], pads[i] == std::string::npos ? 0 : pads[i], indent + kIndent);
    if (i + 1 < items.size()) Write(",");
    last_end_ = std::max(last_end_, items[i].range.end);
  }
}

void Printer::PrintOp(const ast::Op& op, int indent) {
  using ast::OpKind;
  auto names = [&](const std::vector<ast::Name>& list) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) Write(", ");
      PrintName(list[i]);
    }
  };
  switch (op.kind) {
    case OpKind::Filter:
      Write("filter ");
      if (op.expr) PrintExpr(*op.expr, indent);
      break;
    case OpKind::Derive:
      PrintAssignmentList("derive", op.assignments, indent);
      break;
    case OpKind::Select:
      PrintAssignmentList("select", op.assignments, indent);
      break;
    case OpKind::Drop:
      Write("drop ");
      names(op.names);
      break;
    case OpKind::Rename:
      Write("rename ");
      for (size_t i = 0; i < op.renames.size(); ++i) {
        if (i > 0) Write(", ");
        PrintName(op.renames[i].from);
        Write(" as ");
        PrintName(op.renames[i].to);
      }
      break;
    case OpKind::Route: {
      Write("route");
      std::vector<diag::SourceRange> ranges;
      std::vector<size_t> widths;
      for (const auto& branch : op.branches) {
        ranges.push_back(branch.range);
        widths.push_back(NameWidth(branch.name) + 1);
      }
      std::vector<size_t> pads = AlignRuns(ranges, widths);
      Block(
          op.range, indent, op.branches.size(), [&](size_t i) { return op.branches[i].range; },
          [&](size_t i) {
            const ast::RouteBranch& branch = op.branches[i];
            size_t before = out_.size();
            PrintName(branch.name);
            Write(":");
            size_t written = out_.size() - before;
            if (pads[i] > written) out_.append(pads[i] - written, ' ');
            Write(" ");
            if (branch.condition) {
              PrintExpr(*branch.condition, indent + kIndent);
            } else {
              Write("else");
            }
          });
      break;
    }
    case OpKind::Explode:
      Write("explode ");
      if (op.expr) PrintExpr(*op.expr, indent);
      Write(" as ");
      if (!op.names.empty()) PrintName(op.names[0]);
      break;
    case OpKind::Aggregate: {
      Write("aggregate");
      if (!op.keys.empty()) {
        Write(" by ");
        PrintAssignments(op.keys, indent);
      }
      if (op.call) {
        Write(" window ");
        PrintCall(*op.call, indent);
      }
      std::vector<diag::SourceRange> ranges;
      std::vector<size_t> widths;
      for (const auto& output : op.assignments) {
        ranges.push_back(output.range);
        widths.push_back(NameWidth(output.name));
      }
      std::vector<size_t> pads = AlignRuns(ranges, widths);
      Block(
          op.range, indent, op.assignments.size(), [&](size_t i) { return op.assignments[i].range; },
          [&](size_t i) { PrintAssignment(op.assignments[i], pads[i], indent + kIndent); });
      break;
    }
    case OpKind::Dedup:
      Write("dedup by ");
      for (size_t i = 0; i < op.exprs.size(); ++i) {
        if (i > 0) Write(", ");
        if (op.exprs[i]) PrintExpr(*op.exprs[i], indent);
      }
      if (op.within_us) Write(" within " + DurationText(op.range, *op.within_us, /*last=*/true));
      break;
    case OpKind::Sort:
      Write("sort by ");
      for (size_t i = 0; i < op.sort_keys.size(); ++i) {
        if (i > 0) Write(", ");
        if (op.sort_keys[i].expr) PrintExpr(*op.sort_keys[i].expr, indent);
        if (op.sort_keys[i].descending) Write(" desc");
      }
      break;
    case OpKind::Take:
      Write("take " + NumberText(op.range, op.count, -1));
      break;
    case OpKind::Join:
      Write(op.left_join ? "join left " : "join ");
      PrintStreamRef(op.join_with);
      Write(" on ");
      if (op.expr) PrintExpr(*op.expr, indent);
      break;
    case OpKind::Validate: {
      Write("validate");
      // `condition : "message"` with the messages in a column (language.md §4 spelling).
      std::vector<diag::SourceRange> ranges;
      std::vector<size_t> widths;
      for (const auto& rule : op.rules) {
        ranges.push_back(rule.range);
        std::string condition = Measure([&] {
          if (rule.condition) PrintExpr(*rule.condition, indent + kIndent);
        });
        widths.push_back(condition.find('\n') == std::string::npos ? condition.size() : std::string::npos);
      }
      std::vector<size_t> pads = AlignRuns(ranges, widths);
      Block(
          op.range, indent, op.rules.size(), [&](size_t i) { return op.rules[i].range; },
          [&](size_t i) {
            const ast::ValidateRule& rule = op.rules[i];
            size_t before = out_.size();
            if (rule.condition) PrintExpr(*rule.condition, indent + kIndent);
            size_t written = out_.size() - before;
            if (pads[i] != std::string::npos && pads[i] > written) out_.append(pads[i] - written, ' ');
            Write(" : ");
            PrintStringToken(rule.message_range, rule.message);
          });
      break;
    }
    case OpKind::Into:
      Write("into ");
      if (op.call) PrintCall(*op.call, indent);
      break;
    case OpKind::Call:
      if (op.call) PrintCall(*op.call, indent);
      break;
  }
}

void Printer::PrintSetting(const ast::Setting& setting, int indent) {
  using ast::SettingKind;
  switch (setting.kind) {
    case SettingKind::Schedule: {
      Write("schedule ");
      PrintStringToken(setting.text_range, setting.text);
      if (setting.timezone) {
        Write(" tz ");
        std::vector<std::string_view> tokens = Tokens(setting.range);
        bool quoted = !tokens.empty() && tokens.back().front() == '"';
        Write(quoted ? std::string(tokens.back()) : QuoteString(*setting.timezone));
      }
      break;
    }
    case SettingKind::ScheduleEvery:
      Write("schedule every " + DurationText(setting.range, setting.duration_us, true));
      break;
    case SettingKind::After:
      Write("after ");
      for (size_t i = 0; i < setting.after.size(); ++i) {
        if (i > 0) Write(", ");
        const ast::AfterTarget& target = setting.after[i];
        if (target.any) Write("any(");
        for (size_t j = 0; j < target.pipelines.size(); ++j) {
          if (j > 0) Write(", ");
          PrintName(target.pipelines[j]);
        }
        if (target.any) Write(")");
      }
      break;
    case SettingKind::Trigger:
      Write("on ");
      if (setting.trigger) PrintCall(*setting.trigger, indent);
      break;
    case SettingKind::Retry:
      Write("retry " + NumberText(setting.range, setting.number, 1));
      if (setting.backoff_us) Write(" backoff " + DurationText(setting.range, *setting.backoff_us, true));
      break;
    case SettingKind::Timeout:
      Write("timeout " + DurationText(setting.range, setting.duration_us, true));
      break;
    case SettingKind::MaxErrors:
      Write("max_errors " + NumberText(setting.range, setting.number, -1));
      break;
    case SettingKind::Persist:
      Write("persist ");
      PrintName(setting.mode);
      break;
    case SettingKind::Jit:
      Write("jit ");
      PrintName(setting.mode);
      break;
    case SettingKind::Concurrency:
      Write("concurrency " + NumberText(setting.range, setting.number, -1));
      break;
  }
}

}  // namespace etl::format
