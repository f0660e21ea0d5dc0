// Helpers shared by the syntax unit tests.
#pragma once

#include <memory>
#include <string>

#include "compiler/ast/dump.h"
#include "compiler/syntax/parser.h"

namespace etl::syntax::test {

// Parses `text` as file "test.etl" and keeps everything needed to inspect the result.
struct Parsed {
  explicit Parsed(std::string text) {
    file = sources.Add("test.etl", std::move(text));
    module = ParseModule(sources, file, diagnostics);
  }
  std::string Pos(const diag::SourceRange& range) const {
    diag::LineCol pos = sources.File(range.file).Position(range.begin);
    return std::to_string(pos.line) + ":" + std::to_string(pos.col);
  }
  std::string Text(const diag::SourceRange& range) const { return std::string(sources.Text(range)); }
  // "line:col CODE message" per diagnostic, one per line.
  std::string Errors() const {
    std::string out;
    for (const diag::Diagnostic& d : diagnostics.All()) {
      out += Pos(d.range) + " " + std::string(diag::Info(d.code).id) + " " + d.message + "\n";
    }
    return out;
  }
  diag::SourceManager sources;
  diag::FileId file = diag::kNoFile;
  diag::Diagnostics diagnostics;
  std::unique_ptr<ast::Module> module;
};

// Parses `text` with ParseExpression and dumps it (or the errors).
inline std::string DumpExpression(const std::string& text) {
  diag::SourceManager sources;
  diag::FileId file = sources.Add("expr.etl", text);
  diag::Diagnostics diagnostics;
  ast::ExprPtr expr = ParseExpression(sources, file, 0, static_cast<uint32_t>(text.size()), diagnostics);
  std::string out = expr ? ast::DumpExpr(*expr, sources) : "<null>\n";
  for (const diag::Diagnostic& d : diagnostics.All()) out += "error: " + d.message + "\n";
  return out;
}

inline constexpr const char* kOrdersProgram = R"(// orders.etl
schema Order {
  id:       int
  customer: string
  country:  string
  amount:   float
  currency: string
  qty:      int
  ts:       timestamp
  note:     string?            // `?` = nullable
}

const rates = {USD: 1.0, EUR: 1.08, GBP: 1.27, JPY: 0.0067, CHF: 1.13}

fn usd(amount: float, currency: string) -> float = amount * (rates[currency] ?? 1.0)

param min_amount: float = 0.0  // etlc run orders.etl --param min_amount=10

pipeline orders {
  raw = from csv("data/orders.csv", schema: Order)

  clean = raw
    | filter amount > min_amount and country in ["US", "DE", "FR", "GB", "JP"]
    | derive amount_usd = usd(amount, currency), total = amount_usd * qty

  sizes = clean | route {
    big:   total >= 1000
    small: else
  }

  daily = clean | aggregate by country, day = date(ts) {
    orders  = count()
    revenue = sum(total)
  }

  sizes.big   | into jsonl("out/big.jsonl")
  sizes.small | select id, customer, total | into csv("out/small.csv")
  daily       | into csv("out/daily.csv")
  raw.errors  | into jsonl("out/rejects.jsonl")
}
)";

inline constexpr const char* kTestBlock = R"(test "big orders are routed" for orders {
  given raw = [
    {id: 1, customer: "a", country: "US", amount: 2000.0, currency: "USD", qty: 1, ts: @2024-01-01T00:00:00Z, note: null}
  ]
  expect sizes.big has 1 rows
  expect sizes.big[0].total == 2000.0
  expect sizes.small is empty
}
)";

}  // namespace etl::syntax::test
