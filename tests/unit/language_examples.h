// The programs of language.md (§1 orders, §9 its test block), verbatim: shared by the unit
// tests of every stage so each pins its behaviour on the same normative text.
#pragma once

namespace etl::test {

// language.md §1, byte for byte.
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

}  // namespace etl::test
