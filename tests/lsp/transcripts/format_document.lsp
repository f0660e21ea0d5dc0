# Formatting: a messy but valid file gets one edit replacing the whole document with what
# `etlc fmt` prints; an already formatted file gets none; a file with a syntax error gets
# none (never half-formatted); formatting the result again changes nothing.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "format_messy.etl"}
{"id": 2, "method": "textDocument/formatting", "params": {"textDocument": {"uri": "${WS}/format_messy.etl"}, "options": {"tabSize": 4, "insertSpaces": true}}}
{"$open": "orders.etl"}
{"id": 3, "method": "textDocument/formatting", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "options": {"tabSize": 2, "insertSpaces": true}}}
# Half-typed: the filter has no right-hand side yet.
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/format_scratch.etl", "languageId": "etl", "version": 1, "text": "schema A {x:int}\npipeline p {\n  a = from csv(\"in.csv\", schema: A)\n  b = a | filter x >\n}\n"}}}
{"id": 4, "method": "textDocument/formatting", "params": {"textDocument": {"uri": "${WS}/format_scratch.etl"}, "options": {"tabSize": 2, "insertSpaces": true}}}
# Finish the expression: now it formats (the edit ends at the end of the document).
{"method": "textDocument/didChange", "params": {"textDocument": {"uri": "${WS}/format_scratch.etl", "version": 2}, "contentChanges": [{"range": {"start": {"line": 3, "character": 20}, "end": {"line": 3, "character": 20}}, "text": "1"}]}}
{"id": 5, "method": "textDocument/formatting", "params": {"textDocument": {"uri": "${WS}/format_scratch.etl"}, "options": {"tabSize": 2, "insertSpaces": true}}}
# Apply that edit (the whole text) and format again: no edits.
{"method": "textDocument/didChange", "params": {"textDocument": {"uri": "${WS}/format_scratch.etl", "version": 3}, "contentChanges": [{"text": "schema A {\n  x: int\n}\n\npipeline p {\n  a = from csv(\"in.csv\", schema: A)\n  b = a | filter x > 1\n}\n"}]}}
{"id": 6, "method": "textDocument/formatting", "params": {"textDocument": {"uri": "${WS}/format_scratch.etl"}, "options": {"tabSize": 2, "insertSpaces": true}}}
