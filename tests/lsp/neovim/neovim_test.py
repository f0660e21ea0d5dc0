#!/usr/bin/env python3
"""A real LSP client nobody here wrote drives `etlc lsp`: Debian's Neovim, headless.

Copies examples/orders.etl into a temporary folder with one mistake (`qty` written
`qyt`), opens it in `nvim --headless` with client.lua, and checks what Neovim received:
the diagnostics (E0203 on the mistake, with the "did you mean" note), a hover on a field
(its type) and a completion inside a step (the fields of the record flowing in).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def position_of(text, needle, skip=0):
    """0-based (line, character) of the start of `needle` in `text` (ASCII lines), plus `skip`."""
    index = text.index(needle) + skip
    line = text.count("\n", 0, index)
    character = index - (text.rfind("\n", 0, index) + 1)
    return line, character


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--etlc", required=True)
    parser.add_argument("--example", required=True, help="examples/orders.etl")
    parser.add_argument("--nvim", default="nvim")
    options = parser.parse_args()
    if not shutil.which(options.nvim):
        print(f"neovim_test: `{options.nvim}` not found (scripts/install-deps.sh installs Debian's neovim)")
        return 1
    failures = []
    with tempfile.TemporaryDirectory(prefix="etl-nvim-") as folder:
        text = open(options.example, encoding="utf-8").read()
        mistake = "total = amount_usd * qty"
        if mistake not in text:
            print(f"neovim_test: `{mistake}` is not in {options.example} any more; update the test")
            return 1
        text = text.replace(mistake, "total = amount_usd * qyt")
        path = os.path.join(folder, "orders.etl")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        error_line, error_char = position_of(text, "qyt")
        hover_line, hover_char = position_of(text, "filter amount >", len("filter "))
        completion_line, completion_char = position_of(text, "filter amount >", len("filter "))
        result_path = os.path.join(folder, "result.json")
        env = dict(os.environ, ETLC=os.path.abspath(options.etlc), ETL_FILE=path, RESULT=result_path,
                   HOVER_POS=f"{hover_line}:{hover_char + 2}", COMPLETION_POS=f"{completion_line}:{completion_char}",
                   XDG_CACHE_HOME=os.path.join(folder, "cache"), XDG_STATE_HOME=os.path.join(folder, "state"),
                   XDG_DATA_HOME=os.path.join(folder, "data"), XDG_CONFIG_HOME=os.path.join(folder, "config"))
        command = [options.nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n",
                   "-c", f"luafile {os.path.join(HERE, 'client.lua')}", "-c", "cquit 9"]
        try:
            run = subprocess.run(command, env=env, cwd=folder, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            print("neovim_test: nvim did not finish within 120 s")
            return 1
        if run.returncode != 0 or not os.path.exists(result_path):
            print(f"neovim_test: nvim exited with {run.returncode}\nstderr:\n{run.stderr}\nstdout:\n{run.stdout}")
            return 1
        result = json.load(open(result_path, encoding="utf-8"))

    diagnostics = result["diagnostics"]["diagnostics"]
    found = [d for d in diagnostics if d.get("code") == "E0203"]
    if len(found) != 1:
        failures.append(f"expected one E0203 diagnostic, got {json.dumps(diagnostics)}")
    else:
        d = found[0]
        start = d["range"]["start"]
        if (start["line"], start["character"]) != (error_line, error_char):
            failures.append(f"E0203 at {start}, expected line {error_line} character {error_char}")
        if "qyt" not in d["message"] or "did you mean `qty`?" not in d["message"]:
            failures.append(f"E0203 message lacks the field or the suggestion: {d['message']!r}")
    if len(diagnostics) != 1:
        failures.append(f"expected exactly one diagnostic, got {len(diagnostics)}")
    if not any("qyt" in d["message"] for d in result["neovim_diagnostics"]):
        failures.append(f"Neovim's vim.diagnostic did not take the diagnostic: {result['neovim_diagnostics']}")

    hover = result["hover"]
    contents = hover.get("contents") if isinstance(hover, dict) else None
    value = contents.get("value", "") if isinstance(contents, dict) else json.dumps(contents)
    if "amount" not in value or "float" not in value:
        failures.append(f"the hover on `amount` does not show `amount` and `float`: {json.dumps(hover)}")

    completion = result["completion"]
    items = completion.get("items", []) if isinstance(completion, dict) else (completion or [])
    labels = {item.get("label") for item in items}
    expected_fields = {"id", "customer", "country", "amount", "currency", "qty", "ts", "note"}
    if not expected_fields <= labels:
        failures.append(f"the completion in `filter` lacks fields {sorted(expected_fields - labels)}; "
                        f"got {sorted(l for l in labels if l)[:40]}")

    if failures:
        print("neovim_test: FAILED")
        for failure in failures:
            print("  " + failure)
        return 1
    print(f"neovim_test: ok (1 diagnostic, hover {value.splitlines()[0][:60]!r}, {len(items)} completion items)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
