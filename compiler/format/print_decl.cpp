// Printing the module and its top-level declarations.
#include "compiler/format/printer.h"

namespace etl::format {
namespace {

// Adjacent declarations of these kinds stay together without a blank line.
bool Groups(ast::DeclKind kind) {
  return kind == ast::DeclKind::Import || kind == ast::DeclKind::Const || kind == ast::DeclKind::Param;
}

}  // namespace

std::string Printer::PrintModule() {
  const ast::Decl* previous = nullptr;
  for (const auto& decl_ptr : module_.decls) {
    if (!decl_ptr) continue;
    const ast::Decl& decl = *decl_ptr;
    diag::SourceRange start = decl.range;
    start.begin = CodeStart(decl.range);  // a range may include the `///` lines
    if (previous) {
      bool together =
          Groups(previous->kind) && Groups(decl.kind) && !BlankBetween(previous->range.end, start.begin);
      if (!together) {
        // Trailing comments of the previous declaration first, then the blank line.
        while (next_comment_ < comments_.size() && comments_[next_comment_]->range.begin < start.begin &&
               trailing_[next_comment_] && last_line_open_) {
          FlushComments(comments_[next_comment_]->range.begin + 1, 0);
        }
        out_ += '\n';
        suppress_blank_ = true;
      }
    }
    BeginItem(start, 0);
    PrintDecl(decl);
    EndItem(decl.range);
    previous = &decl;
  }
  FlushComments(UINT32_MAX, 0);
  while (!out_.empty() && (out_.back() == '\n' || out_.back() == ' ')) out_.pop_back();
  if (!out_.empty()) out_ += '\n';
  return out_;
}

void Printer::PrintDecl(const ast::Decl& decl) {
  switch (decl.kind) {
    case ast::DeclKind::Import: {
      const auto& import = static_cast<const ast::ImportDecl&>(decl);
      Write("import ");
      PrintStringToken(import.path_range, import.path);
      if (!import.name.Empty()) {
        Write(" as ");
        PrintName(import.name);
      }
      break;
    }
    case ast::DeclKind::Schema: {
      const auto& schema = static_cast<const ast::SchemaDecl&>(decl);
      Write("schema ");
      PrintName(schema.name);
      std::vector<diag::SourceRange> ranges;
      std::vector<size_t> widths;
      for (const auto& field : schema.fields) {
        ranges.push_back(field.range);
        widths.push_back(NameWidth(field.name) + 1);
      }
      std::vector<size_t> pads = AlignRuns(ranges, widths);
      Block(
          decl.range, 0, schema.fields.size(), [&](size_t i) { return schema.fields[i].range; },
          [&](size_t i) { PrintFieldDecl(schema.fields[i], pads[i], kIndent); });
      break;
    }
    case ast::DeclKind::Const: {
      const auto& constant = static_cast<const ast::ConstDecl&>(decl);
      Write("const ");
      PrintName(constant.name);
      if (constant.type) {
        Write(": ");
        PrintType(*constant.type);
      }
      Write(" = ");
      if (constant.value) PrintExpr(*constant.value, 0);
      break;
    }
    case ast::DeclKind::Fn: {
      const auto& fn = static_cast<const ast::FnDecl&>(decl);
      Write("fn ");
      PrintName(fn.name);
      Write("(");
      for (size_t i = 0; i < fn.params.size(); ++i) {
        if (i > 0) Write(", ");
        PrintName(fn.params[i].name);
        Write(": ");
        if (fn.params[i].type) PrintType(*fn.params[i].type);
      }
      Write(")");
      if (fn.result) {
        Write(" -> ");
        PrintType(*fn.result);
      }
      Write(" = ");
      if (fn.body) PrintExpr(*fn.body, 0);
      break;
    }
    case ast::DeclKind::Param: {
      const auto& param = static_cast<const ast::ParamDecl&>(decl);
      Write("param ");
      PrintName(param.name);
      Write(": ");
      if (param.type) PrintType(*param.type);
      if (param.default_value) {
        Write(" = ");
        PrintExpr(*param.default_value, 0);
      }
      break;
    }
    case ast::DeclKind::Pipeline:
      PrintPipeline(static_cast<const ast::PipelineDecl&>(decl));
      break;
    case ast::DeclKind::Test: {
      const auto& test = static_cast<const ast::TestDecl&>(decl);
      Write("test ");
      PrintStringToken(test.title_range, test.title);
      Write(" for ");
      PrintName(test.pipeline);
      Block(
          decl.range, 0, test.items.size(), [&](size_t i) { return test.items[i].range; },
          [&](size_t i) { PrintTestItem(test.items[i], kIndent); });
      break;
    }
  }
}

void Printer::PrintTestItem(const ast::TestItem& item, int indent) {
  switch (item.kind) {
    case ast::TestItem::Kind::Given:
      Write("given ");
      PrintName(item.name);
      Write(" = ");
      if (item.expr) PrintExpr(*item.expr, indent);
      break;
    case ast::TestItem::Kind::ExpectRows:
      Write("expect ");
      PrintStreamRef(item.stream);
      Write(" has ");
      if (item.expr) PrintExpr(*item.expr, indent);
      Write(" rows");
      break;
    case ast::TestItem::Kind::ExpectEmpty:
      Write("expect ");
      PrintStreamRef(item.stream);
      Write(" is empty");
      break;
    case ast::TestItem::Kind::Expect:
      Write("expect ");
      if (item.expr) PrintExpr(*item.expr, indent);
      break;
  }
}

}  // namespace etl::format
