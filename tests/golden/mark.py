#!/usr/bin/env python3
"""Authoring helper for golden files: turns position markers into expectation lines.

Write `⟦E0203⟧` immediately before the token a diagnostic should point at; this script
removes every marker and appends one `// expect: error[E0203] LINE:COL` line per marker
(1-based line, 1-based byte column, computed after the markers are removed), so the
columns stay right however the file is edited. Files without markers are left alone.

usage: tests/golden/mark.py FILE...
"""
import re
import sys

MARK = re.compile("⟦([EW][0-9]{4})⟧")


def mark(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if not MARK.search(text):
        return
    expects = []
    out = []
    line, line_start_byte, pos = 1, 0, 0
    clean_bytes = 0
    for m in MARK.finditer(text):
        chunk = text[pos:m.start()]
        out.append(chunk)
        for ch in chunk:
            b = len(ch.encode("utf-8"))
            clean_bytes += b
            if ch == "\n":
                line += 1
                line_start_byte = clean_bytes
        code = m.group(1)
        level = "warning" if code.startswith("W") else "error"
        expects.append(f"// expect: {level}[{code}] {line}:{clean_bytes - line_start_byte + 1}")
        pos = m.end()
    out.append(text[pos:])
    body = "".join(out).rstrip("\n") + "\n"
    body += "\n" + "\n".join(expects) + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(body)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        mark(p)
