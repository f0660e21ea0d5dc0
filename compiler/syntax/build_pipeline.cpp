// Parse tree -> AST: pipeline statements, settings, chains and operators.
#include "compiler/syntax/ast_builder.h"

namespace etl::syntax {

using ast::OpKind;

std::optional<ast::Statement> AstBuilder::Statement(P::PipelineItemContext* ctx) {
  if (Broken(ctx) || ctx->SEMI()) return std::nullopt;
  ast::Statement statement;
  statement.range = Range(ctx);
  if (P::SettingContext* setting = ctx->setting()) {
    auto built = Setting(setting);
    if (!built) return std::nullopt;
    statement.kind = ast::Statement::Kind::Setting;
    statement.setting = std::move(*built);
    return statement;
  }
  if (P::BindingContext* binding = ctx->binding()) {
    if (Broken(binding)) return std::nullopt;
    auto name = Name(binding->name());
    auto chain = Chain(binding->chain());
    if (!name || !chain) return std::nullopt;
    statement.kind = ast::Statement::Kind::Binding;
    statement.name = *name;
    statement.chain = std::move(*chain);
    return statement;
  }
  if (P::FlowContext* flow = ctx->flow()) {
    if (Broken(flow)) return std::nullopt;
    auto chain = Chain(flow->chain());
    if (!chain) return std::nullopt;
    statement.kind = ast::Statement::Kind::Flow;
    statement.chain = std::move(*chain);
    return statement;
  }
  return std::nullopt;
}

std::optional<ast::Setting> AstBuilder::Setting(P::SettingContext* ctx) {
  if (Broken(ctx)) return std::nullopt;
  ast::Setting setting;
  setting.range = Range(ctx);
  if (auto* cron = dynamic_cast<P::ScheduleCronContext*>(ctx)) {
    auto text = PlainString(cron->STRING(0), &setting.text_range);
    if (!text) return std::nullopt;
    setting.kind = ast::SettingKind::Schedule;
    setting.text = *text;
    if (cron->TZ()) {
      setting.timezone = PlainString(cron->STRING(1));
      if (!setting.timezone) return std::nullopt;
    }
  } else if (auto* every = dynamic_cast<P::ScheduleEveryContext*>(ctx)) {
    auto duration = DurationToken(every->DURATION());
    if (!duration) return std::nullopt;
    setting.kind = ast::SettingKind::ScheduleEvery;
    setting.duration_us = *duration;
  } else if (auto* after = dynamic_cast<P::AfterSettingContext*>(ctx)) {
    setting.kind = ast::SettingKind::After;
    for (P::AfterTargetContext* target_ctx : after->afterTarget()) {
      if (Broken(target_ctx)) return std::nullopt;
      ast::AfterTarget target;
      target.range = Range(target_ctx);
      target.any = target_ctx->ANY() != nullptr;
      for (P::NameContext* name_ctx : target_ctx->name()) {
        auto name = Name(name_ctx);
        if (!name) return std::nullopt;
        target.pipelines.push_back(*name);
      }
      if (target.pipelines.empty()) return std::nullopt;
      setting.after.push_back(std::move(target));
    }
  } else if (auto* trigger = dynamic_cast<P::TriggerSettingContext*>(ctx)) {
    setting.kind = ast::SettingKind::Trigger;
    setting.trigger = Call(trigger->call());
    if (!setting.trigger) return std::nullopt;
  } else if (auto* retry = dynamic_cast<P::RetrySettingContext*>(ctx)) {
    auto count = IntToken(retry->INT());
    if (!count) return std::nullopt;
    setting.kind = ast::SettingKind::Retry;
    setting.number = *count;
    if (retry->BACKOFF()) {
      setting.backoff_us = DurationToken(retry->DURATION());
      if (!setting.backoff_us) return std::nullopt;
      setting.duration_us = *setting.backoff_us;
    }
  } else if (auto* timeout = dynamic_cast<P::TimeoutSettingContext*>(ctx)) {
    auto duration = DurationToken(timeout->DURATION());
    if (!duration) return std::nullopt;
    setting.kind = ast::SettingKind::Timeout;
    setting.duration_us = *duration;
  } else if (auto* max_errors = dynamic_cast<P::MaxErrorsSettingContext*>(ctx)) {
    auto count = IntToken(max_errors->INT());
    if (!count) return std::nullopt;
    setting.kind = ast::SettingKind::MaxErrors;
    setting.number = *count;
    setting.text_range = Range(max_errors->INT());
  } else if (auto* persist = dynamic_cast<P::PersistSettingContext*>(ctx)) {
    auto mode = Name(persist->name());
    if (!mode) return std::nullopt;
    setting.kind = ast::SettingKind::Persist;
    setting.mode = *mode;
  } else if (auto* jit = dynamic_cast<P::JitSettingContext*>(ctx)) {
    auto mode = Name(jit->name());
    if (!mode) return std::nullopt;
    setting.kind = ast::SettingKind::Jit;
    setting.mode = *mode;
  } else if (auto* concurrency = dynamic_cast<P::ConcurrencySettingContext*>(ctx)) {
    auto count = IntToken(concurrency->INT());
    if (!count) return std::nullopt;
    setting.kind = ast::SettingKind::Concurrency;
    setting.number = *count;
    setting.text_range = Range(concurrency->INT());
  } else {
    return std::nullopt;
  }
  return setting;
}

std::optional<ast::StreamRef> AstBuilder::Stream(P::StreamRefContext* ctx) {
  if (Broken(ctx)) return std::nullopt;
  std::vector<P::NameContext*> names = ctx->name();
  if (names.empty() || (ctx->DOT() && names.size() < 2)) return std::nullopt;
  ast::StreamRef ref;
  ref.range = Range(ctx);
  auto step = Name(names[0]);
  if (!step) return std::nullopt;
  ref.step = *step;
  if (names.size() > 1) {
    ref.port = Name(names[1]);
    if (!ref.port) return std::nullopt;
  }
  return ref;
}

std::unique_ptr<ast::StepCall> AstBuilder::Call(P::CallContext* ctx) {
  if (Broken(ctx)) return nullptr;
  auto callee = Qualified(ctx->qualifiedName());
  auto args = Arguments(ctx->argument());
  if (!callee || !args || !ctx->LPAREN()) return nullptr;
  auto call = std::make_unique<ast::StepCall>();
  call->range = Range(ctx);
  call->callee = *callee;
  call->args = std::move(*args);
  return call;
}

std::optional<ast::Chain> AstBuilder::Chain(P::ChainContext* ctx) {
  if (Broken(ctx)) return std::nullopt;
  ast::Chain chain;
  chain.range = Range(ctx);
  P::HeadContext* head = ctx->head();
  if (Broken(head)) return std::nullopt;
  chain.head.range = Range(head);
  if (auto* from = dynamic_cast<P::FromHeadContext*>(head)) {
    chain.head.kind = ast::Head::Kind::From;
    chain.head.source = Call(from->call());
    if (!chain.head.source) return std::nullopt;
  } else if (auto* union_head = dynamic_cast<P::UnionHeadContext*>(head)) {
    chain.head.kind = ast::Head::Kind::Union;
    for (P::StreamRefContext* ref_ctx : union_head->streamRef()) {
      auto ref = Stream(ref_ctx);
      if (!ref) return std::nullopt;
      chain.head.refs.push_back(std::move(*ref));
    }
    if (chain.head.refs.empty()) return std::nullopt;
  } else if (auto* ref_head = dynamic_cast<P::RefHeadContext*>(head)) {
    chain.head.kind = ast::Head::Kind::Ref;
    auto ref = Stream(ref_head->streamRef());
    if (!ref) return std::nullopt;
    chain.head.refs.push_back(std::move(*ref));
  } else {
    return std::nullopt;
  }
  std::vector<P::OpContext*> ops = ctx->op();
  if (ops.size() != ctx->PIPE().size()) return std::nullopt;  // a `|` without its op
  for (P::OpContext* op_ctx : ops) {
    auto op = Op(op_ctx);
    if (!op) return std::nullopt;
    chain.ops.push_back(std::move(*op));
  }
  return chain;
}

std::optional<ast::Assignment> AstBuilder::Assign(P::NameContext* name_ctx, P::ExprContext* expr_ctx,
                                                  antlr4::ParserRuleContext* ctx, bool value_required) {
  if (Broken(ctx)) return std::nullopt;
  ast::Assignment assignment;
  assignment.range = Range(ctx);
  if (name_ctx) {
    auto name = Name(name_ctx);
    if (!name) return std::nullopt;
    assignment.name = *name;
  }
  if (expr_ctx) {
    assignment.value = Expr(expr_ctx);
    if (!assignment.value) return std::nullopt;
  } else if (value_required) {
    return std::nullopt;
  }
  return assignment;
}

std::optional<ast::Op> AstBuilder::Op(P::OpContext* ctx) {
  if (Broken(ctx)) return std::nullopt;
  ast::Op op;
  op.range = Range(ctx);
  op.keyword_range = Range(ctx->start);
  if (auto* filter = dynamic_cast<P::FilterOpContext*>(ctx)) {
    op.kind = OpKind::Filter;
    op.expr = Expr(filter->expr());
    if (!op.expr) return std::nullopt;
  } else if (auto* derive = dynamic_cast<P::DeriveOpContext*>(ctx)) {
    op.kind = OpKind::Derive;
    for (P::AssignmentContext* item : derive->assignment()) {
      auto assignment = Broken(item) ? std::nullopt : Assign(item->name(), item->expr(), item, true);
      if (!assignment) return std::nullopt;
      op.assignments.push_back(std::move(*assignment));
    }
  } else if (auto* select = dynamic_cast<P::SelectOpContext*>(ctx)) {
    op.kind = OpKind::Select;
    for (P::SelectItemContext* item : select->selectItem()) {
      if (Broken(item) || (item->ASSIGN() && !item->expr())) return std::nullopt;
      auto assignment = Assign(item->name(), item->ASSIGN() ? item->expr() : nullptr, item, false);
      if (!assignment) return std::nullopt;
      op.assignments.push_back(std::move(*assignment));
    }
  } else if (auto* drop = dynamic_cast<P::DropOpContext*>(ctx)) {
    op.kind = OpKind::Drop;
    for (P::NameContext* name_ctx : drop->name()) {
      auto name = Name(name_ctx);
      if (!name) return std::nullopt;
      op.names.push_back(*name);
    }
  } else if (auto* rename = dynamic_cast<P::RenameOpContext*>(ctx)) {
    op.kind = OpKind::Rename;
    for (P::RenameItemContext* item : rename->renameItem()) {
      if (Broken(item) || item->name().size() != 2) return std::nullopt;
      auto from = Name(item->name(0));
      auto to = Name(item->name(1));
      if (!from || !to) return std::nullopt;
      op.renames.push_back(ast::RenameItem{*from, *to, Range(item)});
    }
  } else if (auto* route = dynamic_cast<P::RouteOpContext*>(ctx)) {
    op.kind = OpKind::Route;
    for (P::RouteBranchContext* item : route->routeBranch()) {
      if (Broken(item)) return std::nullopt;
      ast::RouteBranch branch;
      branch.range = Range(item);
      auto name = Name(item->name());
      if (!name) return std::nullopt;
      branch.name = *name;
      if (!item->ELSE()) {
        branch.condition = Expr(item->expr());
        if (!branch.condition) return std::nullopt;
      }
      op.branches.push_back(std::move(branch));
    }
  } else if (auto* explode = dynamic_cast<P::ExplodeOpContext*>(ctx)) {
    op.kind = OpKind::Explode;
    op.expr = Expr(explode->expr());
    auto name = Name(explode->name());
    if (!op.expr || !name) return std::nullopt;
    op.names.push_back(*name);
  } else if (auto* aggregate = dynamic_cast<P::AggregateOpContext*>(ctx)) {
    op.kind = OpKind::Aggregate;
    for (P::KeyItemContext* item : aggregate->keyItem()) {
      if (Broken(item)) return std::nullopt;
      auto key = Assign(item->ASSIGN() ? item->name() : nullptr, item->expr(), item, true);
      if (!key) return std::nullopt;
      op.keys.push_back(std::move(*key));
    }
    std::vector<P::WindowClauseContext*> windows = aggregate->windowClause();
    if (windows.size() > 1) {
      state_.SyntaxError(Range(windows[1]), "`window` given twice");
      return std::nullopt;
    }
    if (!windows.empty()) {
      if (Broken(windows[0])) return std::nullopt;
      op.call = Call(windows[0]->call());
      if (!op.call) return std::nullopt;
    }
    for (P::AssignmentContext* item : aggregate->assignment()) {
      auto assignment = Broken(item) ? std::nullopt : Assign(item->name(), item->expr(), item, true);
      if (!assignment) return std::nullopt;
      op.assignments.push_back(std::move(*assignment));
    }
  } else if (auto* dedup = dynamic_cast<P::DedupOpContext*>(ctx)) {
    op.kind = OpKind::Dedup;
    for (P::ExprContext* key_ctx : dedup->expr()) {
      auto key = Expr(key_ctx);
      if (!key) return std::nullopt;
      op.exprs.push_back(std::move(key));
    }
    if (op.exprs.empty()) return std::nullopt;
    if (dedup->WITHIN()) {
      op.within_us = DurationToken(dedup->DURATION());
      if (!op.within_us) return std::nullopt;
    }
  } else if (auto* sort = dynamic_cast<P::SortOpContext*>(ctx)) {
    op.kind = OpKind::Sort;
    for (P::SortKeyContext* item : sort->sortKey()) {
      if (Broken(item)) return std::nullopt;
      ast::SortKey key;
      key.range = Range(item);
      key.expr = Expr(item->expr());
      if (!key.expr) return std::nullopt;
      key.descending = item->DESC() != nullptr;
      op.sort_keys.push_back(std::move(key));
    }
  } else if (auto* take = dynamic_cast<P::TakeOpContext*>(ctx)) {
    op.kind = OpKind::Take;
    auto count = IntToken(take->INT());
    if (!count) return std::nullopt;
    op.count = *count;
  } else if (auto* join = dynamic_cast<P::JoinOpContext*>(ctx)) {
    op.kind = OpKind::Join;
    op.left_join = join->LEFT() != nullptr;
    auto with = Stream(join->streamRef());
    op.expr = Expr(join->expr());
    if (!with || !op.expr) return std::nullopt;
    op.join_with = std::move(*with);
  } else if (auto* validate = dynamic_cast<P::ValidateOpContext*>(ctx)) {
    op.kind = OpKind::Validate;
    for (P::ValidateRuleContext* item : validate->validateRule()) {
      if (Broken(item)) return std::nullopt;
      ast::ValidateRule rule;
      rule.range = Range(item);
      rule.condition = Expr(item->expr());
      auto message = PlainString(item->STRING(), &rule.message_range);
      if (!rule.condition || !message) return std::nullopt;
      rule.message = *message;
      op.rules.push_back(std::move(rule));
    }
  } else if (auto* into = dynamic_cast<P::IntoOpContext*>(ctx)) {
    op.kind = OpKind::Into;
    op.call = Call(into->call());
    if (!op.call) return std::nullopt;
  } else if (auto* call = dynamic_cast<P::CallOpContext*>(ctx)) {
    op.kind = OpKind::Call;
    op.call = Call(call->call());
    if (!op.call) return std::nullopt;
    op.keyword_range = op.call->callee.range;
  } else {
    return std::nullopt;
  }
  return op;
}

}  // namespace etl::syntax
