# Code actions on broken.etl: "did you mean" for the unknown field `amout` (E0203), and for
# the nullable `note` (E0301) the compiler's `?? ""` (preferred) plus `| filter note is not
# null` before the derive; the whole document at once; a range without diagnostics and a
# request for other kinds get nothing.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "broken.etl"}
{"id": 2, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": "${WS}/broken.etl"}, "range": {"start": {"line": 12, "character": 15}, "end": {"line": 12, "character": 15}}, "context": {"diagnostics": []}}}
{"id": 3, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": "${WS}/broken.etl"}, "range": {"start": {"line": 13, "character": 28}, "end": {"line": 13, "character": 29}}, "context": {"diagnostics": []}}}
{"id": 4, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": "${WS}/broken.etl"}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 17, "character": 0}}, "context": {"diagnostics": []}}}
{"id": 5, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": "${WS}/broken.etl"}, "range": {"start": {"line": 9, "character": 0}, "end": {"line": 9, "character": 10}}, "context": {"diagnostics": []}}}
{"id": 6, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": "${WS}/broken.etl"}, "range": {"start": {"line": 12, "character": 15}, "end": {"line": 12, "character": 15}}, "context": {"diagnostics": [], "only": ["refactor"]}}}
# A document typed inline: an unknown const, an unknown step and a nullable field on a
# one-line chain (the filter goes on the same line, before the derive).
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/actions_scratch.etl", "languageId": "etl", "version": 1, "text": "schema A {\n  x: int\n  tag: string?\n}\nconst limit = 3\npipeline p {\n  a = from csv(\"in.csv\", schema: A)\n  b = a | filter x > limt\n  c = a | derive t = upper(tag)\n  c | into jsonl(\"o.jsonl\")\n  bb | into jsonl(\"b.jsonl\")\n}\n"}}}
{"id": 7, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": "${WS}/actions_scratch.etl"}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 12, "character": 0}}, "context": {"diagnostics": []}}}
