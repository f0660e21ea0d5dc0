"""DuckDB SQL equivalents of bench/tasks/jit_*.etl, for bench/bench_jit.py.

Two sources of the same `Event` records (bench/tasks/jit_events.etl) over range(N):
- `exact`: the very values etlc's `generate(seed: 42)` makes (runtime/source_generate.cpp:
  per field a key splitmix64(field_key ^ row * golden), then the field's formula), in
  UHUGEINT arithmetic masked to 64 bits. Its outputs must agree with etlc's (the check).
  It is slow: DuckDB has no wrapping 64-bit multiply, and the 128-bit emulation costs more
  than the expressions.
- `hash`: DuckDB's own hash(i, field) as the key, with the same formulas: the same
  distributions at DuckDB's native speed, other values (its output is not compared).
Then the pipelines' expressions with the same semantics: a row whose `a * b * id * 10`
overflows int64 (`try(...)` is null) or whose `b % 10007` is 0 is dropped, as etlc sends it
to the error file; int `//` and `%` truncate toward zero in both.
"""

M64 = 1 << 64
GOLDEN = 0x9E3779B97F4A7C15
C1, C2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
CHILD = 0xD6E8FEB86659FD93
NULL_SALT = 0x6E756C6C  # "null"
NULL_PERCENT = 10       # runtime/source_generate.h kGenerateNullPercent

# jit_events.etl's Event, in order.
FIELDS = [("id", "int"), ("a", "int"), ("b", "int"), ("x", "float"), ("y", "float"), ("ts", "timestamp"),
          ("score", "float?"), ("qty", "int?")]
D = "::DOUBLE"  # DuckDB reads 1.5 as a DECIMAL: every float literal is cast


def mix(x):
    """splitmix64's finaliser, as source_generate.cpp's Mix."""
    x = (x + GOLDEN) % M64
    x = ((x ^ (x >> 30)) * C1) % M64
    x = ((x ^ (x >> 27)) * C2) % M64
    return x ^ (x >> 31)


def _uh(v):
    return "%d::UHUGEINT" % v


def _mix_layers(src, names, carry):
    """4 nested SELECTs applying mix() to the columns `names` (others in `carry` kept)."""
    m = _uh(M64 - 1)  # & (2^64 - 1): a 128-bit modulo is far slower in DuckDB
    stages = [lambda z: "(%s + %s) & %s" % (z, _uh(GOLDEN), m),
              lambda z: "(xor(%s, %s >> 30) * %s) & %s" % (z, z, _uh(C1), m),
              lambda z: "(xor(%s, %s >> 27) * %s) & %s" % (z, z, _uh(C2), m),
              lambda z: "xor(%s, %s >> 31)" % (z, z)]
    sql = src
    for stage in stages:
        sql = "SELECT %s FROM (%s)" % (", ".join(carry + ["%s AS %s" % (stage(n), n) for n in names]), sql)
    return sql


def _value(kind, k):
    kind = kind.rstrip("?")
    if kind == "int":
        return "(%s %% 2000001)::BIGINT - 1000000" % k
    if kind == "float":
        return "(%s %% 10000000)::DOUBLE / 100.0::DOUBLE" % k
    return "make_timestamp(((%s %% 31622400)::BIGINT + 1704067200) * 1000000)" % k  # 2024, µs


def source_sql(rows, mode, seed=42):
    """A subquery with the columns of Event: etlc's generate values (`exact`) or DuckDB's
    hash (`hash`)."""
    nullable = [f for f, (_, t) in enumerate(FIELDS) if t.endswith("?")]
    if mode == "exact":
        seed_key = mix(seed)
        field_keys = [mix(seed_key ^ (((f + 1) * CHILD) % M64)) for f in range(len(FIELDS))]
        keys = ["k%d" % f for f in range(len(FIELDS))]
        base = "SELECT %s FROM (SELECT (i::UHUGEINT * %s) & %s AS rg FROM range(%d) t(i))" % (
            ", ".join("xor(%s, rg) AS k%d" % (_uh(field_keys[f]), f) for f in range(len(FIELDS))),
            _uh(GOLDEN), _uh(M64 - 1), rows)
        sql = _mix_layers(base, keys, [])
        sql = "SELECT %s, %s FROM (%s)" % (", ".join(keys), ", ".join(
            "xor(k%d, %s) AS n%d" % (f, _uh(NULL_SALT), f) for f in nullable), sql)
        sql = _mix_layers(sql, ["n%d" % f for f in nullable], keys)
        key = lambda f: "k%d::UBIGINT" % f  # noqa: E731
        isnull = {f: "n%d::UBIGINT %% 100 < %d" % (f, NULL_PERCENT) for f in nullable}
    elif mode == "hash":
        sql = "SELECT i FROM range(%d) t(i)" % rows
        key = lambda f: "hash(i, %d)" % f  # noqa: E731
        isnull = {f: "hash(i, %d, 1) %% 100 < %d" % (f, NULL_PERCENT) for f in nullable}
    else:
        raise ValueError(mode)
    cols = []
    for f, (name, kind) in enumerate(FIELDS):
        v = _value(kind, key(f))
        if f in isnull:
            v = "CASE WHEN %s THEN NULL ELSE %s END" % (isnull[f], v)
        cols.append("%s AS %s" % (v, name))
    return "SELECT %s FROM (%s)" % (", ".join(cols), sql)


def jit_derive_sql(rows, mode):
    """bench/tasks/jit_derive.etl."""
    return """COPY (
WITH d1 AS (
  SELECT *, a * 3 + b - 7 AS s, (a - b) * 2 + id %% 97 AS t, try(a * b * id * 10) AS p,
         a // (b %% 10007) AS q  -- null when b %% 10007 = 0
  FROM (%(src)s)
), ok AS (  -- etlc sends these rows to the error file (overflow, division_by_zero)
  SELECT * FROM d1 WHERE p IS NOT NULL AND q IS NOT NULL
), d2 AS (
  SELECT *, x * 1.5%(D)s + y / 3.0%(D)s - s%(D)s * 0.25%(D)s AS f FROM ok
), d3 AS (
  SELECT *, coalesce(score, 0.0%(D)s) * 2.0%(D)s + f AS g, p %% 1000003 AS pm FROM d2
), d4 AS (
  SELECT *, CASE WHEN s > t THEN x - y ELSE y - x END AS c, coalesce(qty, 1) * 5 - a AS w FROM d3
), d5 AS (
  SELECT *, g > 1000000.0%(D)s OR w < -4900000 AS big, ts + INTERVAL 36 HOUR AS due FROM d4
), d6 AS (
  SELECT *, due > TIMESTAMP '2024-07-01 00:00:00' AS late,
         (epoch_us(TIMESTAMP '2025-01-01 00:00:00') - epoch_us(due))%(D)s / 3600000000.0%(D)s AS age FROM d5
)
SELECT count(*) AS n, sum(s) AS sum_s, sum(t) AS sum_t, sum(pm) AS sum_pm, sum(q) AS sum_q, sum(w) AS sum_w,
       sum(g) AS sum_g, sum(c) AS sum_c, max(age) AS max_age
FROM d6 WHERE (c > 0.0%(D)s AND late AND w %% 8 = 0) OR big
) TO '@OUT@' (FORMAT CSV, HEADER);
""" % {"src": source_sql(rows, mode), "D": D}


def jit_filter_sql(rows, mode):
    """bench/tasks/jit_filter.etl (timestamps printed as etlc prints them)."""
    return """COPY (
WITH d AS (
  SELECT *, a %% 1000 AS m, x / (y + 1.0%(D)s) AS r, abs(b - a) AS span FROM (%(src)s)
)
SELECT id, a, b, x, r, span, strftime(ts, '%%Y-%%m-%%dT%%H:%%M:%%SZ') AS ts FROM d
WHERE m >= 0 AND m < 3 AND (r > 0.5%(D)s OR span > 1500000) AND coalesce(score, 0.0%(D)s) < 80000.0%(D)s
  AND coalesce(qty, 0) != 0 AND ts + INTERVAL 12 HOUR < TIMESTAMP '2024-12-01 00:00:00'
) TO '@OUT@' (FORMAT CSV, HEADER);
""" % {"src": source_sql(rows, mode), "D": D}


def jit_source_sql(rows, mode):
    """bench/tasks/jit_source.etl's baseline: the source and a count (every column summed, so
    that DuckDB cannot skip computing them, as etlc's generate does not)."""
    return """COPY (
SELECT count(*) AS n, sum(id) + sum(a) + sum(b) + sum(qty) AS ints, sum(x) + sum(y) + sum(score) AS floats,
       max(ts) AS last_ts
FROM (%s)
) TO '@OUT@' (FORMAT CSV, HEADER);
""" % source_sql(rows, mode)


SQL = {"jit_derive": jit_derive_sql, "jit_filter": jit_filter_sql, "jit_source": jit_source_sql}
