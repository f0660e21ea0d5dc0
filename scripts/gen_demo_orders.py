#!/usr/bin/env python3
"""Writes a deterministic orders CSV for `make demo` (the schema of examples/orders.etl).

About 1 row in 500 is deliberately bad (a non-numeric amount, a missing field, an
impossible timestamp) so the demo shows records going to `raw.errors` instead of being
lost. Usage: gen_demo_orders.py OUT.csv [ROWS] [SEED]
"""
import random
import sys

COUNTRIES = ["US", "US", "US", "DE", "DE", "FR", "GB", "JP", "BR", "CA", "IN", "ES"]
CURRENCIES = ["USD", "USD", "EUR", "EUR", "GBP", "JPY", "CHF"]
CUSTOMERS = ["acme", "globex", "initech", "umbrella", "wayne", "stark", "hooli", "tyrell"]
NOTES = ["", "", "", "gift wrap", "rush, please", 'said "asap"', "fragile", "leave at door"]


def quote(field):
    if any(c in field for c in ',"\r\n'):
        return '"' + field.replace('"', '""') + '"'
    return field


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    with open(out, "w", newline="") as f:
        f.write("id,customer,country,amount,currency,qty,ts,note\n")
        for i in range(1, rows + 1):
            amount = f"{rng.lognormvariate(5.0, 1.2):.2f}"
            if rng.random() < 0.05:
                amount = "-" + amount
            day = rng.randint(1, 28)
            ts = f"2024-03-{day:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
            fields = [str(i), rng.choice(CUSTOMERS), rng.choice(COUNTRIES), amount,
                      rng.choice(CURRENCIES), str(rng.randint(1, 9)), ts, rng.choice(NOTES)]
            bad = rng.random()
            if bad < 0.0007:
                fields[3] = "n/a"
            elif bad < 0.0014:
                fields = fields[:-2]
            elif bad < 0.002:
                fields[6] = f"2024-03-{day:02d}T25:00:00Z"
            f.write(",".join(quote(x) for x in fields) + "\n")


if __name__ == "__main__":
    main()
