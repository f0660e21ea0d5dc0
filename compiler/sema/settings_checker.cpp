// Pipeline settings (language.md §4): at most one of each kind, valid cron expressions,
// modes, durations and counts, `after` naming other pipelines, triggers bound to their specs.
#include <fmt/format.h>

#include "compiler/sema/checker.h"
#include "compiler/sema/cron.h"

namespace etl::sema {

using diag::Code;

namespace {

// The range of the `tz "Zone/Name"` string: the last token of the setting (the AST keeps
// no range of its own for it), found by walking back to its opening quote.
diag::SourceRange TimeZoneRange(const ast::Setting& s, std::string_view text) {
  if (text.size() < 2 || text.back() != '"') return s.range;
  for (size_t i = text.size() - 1; i-- > 0;) {
    if (text[i] != '"') continue;
    size_t backslashes = 0;
    while (backslashes < i && text[i - 1 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 1) continue;
    diag::SourceRange range = s.range;
    range.begin = s.range.end - static_cast<uint32_t>(text.size() - i);
    return range;
  }
  return s.range;
}

// "did you mean" for an unknown zone; the fix keeps the quotes.
void SuggestTimeZone(diag::Diagnostic& d, const std::string& wanted) {
  auto best = diag::ClosestNames(wanted, TimeZoneNames());
  if (best.empty()) {
    d.notes.push_back({"a name of the tz database, e.g. \"Europe/Paris\" or \"America/New_York\"", {}});
    return;
  }
  d.notes.push_back({"did you mean \"" + best[0] + "\"?", {}});
  d.fixes.push_back({"replace with \"" + best[0] + "\"", d.range, "\"" + best[0] + "\""});
}

}  // namespace

void Checker::CheckSettings(ast::PipelineDecl& p, const ModuleScope& scope) {
  std::map<ast::SettingKind, const ast::Setting*> seen;
  for (auto& statement : p.statements) {
    if (statement.kind != ast::Statement::Kind::Setting) continue;
    ast::Setting& s = statement.setting;
    bool repeatable = s.kind == ast::SettingKind::After || s.kind == ast::SettingKind::Trigger;
    ast::SettingKind family = s.kind == ast::SettingKind::ScheduleEvery ? ast::SettingKind::Schedule : s.kind;
    if (!repeatable) {
      auto [it, inserted] = seen.emplace(family, &s);
      if (!inserted) {
        Report(Code::DuplicateSetting, s.range, fmt::format("`{}` is set twice", ast::Spelling(family)))
            .notes.push_back({"the first one is here", it->second->range});
        continue;
      }
    }
    switch (s.kind) {
      case ast::SettingKind::Schedule: {
        std::string error = ValidateCron(s.text);
        if (!error.empty()) {
          Report(Code::InvalidSetting, s.text_range, fmt::format("invalid cron schedule \"{}\": {}", s.text, error))
              .notes.push_back({"five fields: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\"", {}});
        }
        if (s.timezone) {
          if (std::string tz_error = ValidateTimeZone(*s.timezone); !tz_error.empty()) {
            SuggestTimeZone(Report(Code::InvalidSetting, TimeZoneRange(s, Text(s.range)),
                                   tz_error),
                            *s.timezone);
          }
        }
        break;
      }
      case ast::SettingKind::ScheduleEvery:
      case ast::SettingKind::Timeout:
        if (s.duration_us <= 0) Report(Code::InvalidSetting, s.range, "the duration must be positive");
        break;
      case ast::SettingKind::After:
        for (auto& target : s.after) {
          for (auto& name : target.pipelines) {
            const ast::Decl* decl = scope.Lookup(name.text);
            if (!decl || decl->kind != ast::DeclKind::Pipeline) {
              auto& d = Report(Code::UnknownPipeline, name.range, fmt::format("unknown pipeline `{}`", name.text));
              std::vector<std::string> names;
              for (const auto& n : scope.Names()) {
                if (const ast::Decl* x = scope.Lookup(n); x && x->kind == ast::DeclKind::Pipeline) names.push_back(n);
              }
              diag::SuggestName(d, name.text, names);
            } else if (decl == &p) {
              Report(Code::InvalidSetting, name.range, fmt::format("pipeline `{}` cannot run after itself", name.text));
            }
          }
        }
        break;
      case ast::SettingKind::Trigger:
        if (s.trigger) BindStep(*s.trigger, stdlib::StepKind::Trigger, nullptr, scope);
        break;
      case ast::SettingKind::Retry:
        if (s.number < 0) Report(Code::InvalidSetting, s.range, "`retry` needs a count of 0 or more");
        break;
      case ast::SettingKind::MaxErrors:
        break;
      case ast::SettingKind::Persist:
        if (s.mode.text != "disk" && s.mode.text != "memory") {
          auto& d = Report(Code::InvalidSetting, s.mode.range,
                              fmt::format("`persist` is `disk` or `memory`, not `{}`", s.mode.text));
          diag::SuggestName(d, s.mode.text, {"disk", "memory"});
        }
        break;
      case ast::SettingKind::Jit:
        if (s.mode.text != "on" && s.mode.text != "off" && s.mode.text != "auto") {
          auto& d = Report(Code::InvalidSetting, s.mode.range,
                              fmt::format("`jit` is `on`, `off` or `auto`, not `{}`", s.mode.text));
          diag::SuggestName(d, s.mode.text, {"on", "off", "auto"});
        }
        break;
      case ast::SettingKind::Concurrency:
        if (s.number < 1) {
          Report(Code::InvalidSetting, s.text_range.Valid() ? s.text_range : s.range,
                    "`concurrency` must be at least 1");
        }
        break;
    }
  }
}

}  // namespace etl::sema
