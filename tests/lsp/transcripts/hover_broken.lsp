# Hover on broken.etl (an unknown field) and on a half-typed document: answers where the
# compiler could type something, null elsewhere, never an error.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "broken.etl"}
# the unknown field `amout`: no symbol and an error type: null (the diagnostic explains)
{"id": 2, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/broken.etl"}, "position": {"line": 12, "character": 15}}}
# `upper(note)` where note is nullable: the function's doc still shows
{"id": 3, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/broken.etl"}, "position": {"line": 13, "character": 23}}}
# `note`: string?
{"id": 4, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/broken.etl"}, "position": {"line": 13, "character": 28}}}
# `total` derived from amount * 2
{"id": 5, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/broken.etl"}, "position": {"line": 13, "character": 35}}}
# `into` of a flow: the sink's done record
{"id": 6, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/broken.etl"}, "position": {"line": 15, "character": 11}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/hover_half.etl", "languageId": "etl", "version": 1, "text": "schema Order { id: int, amount: float }\npipeline p {\n  raw = from csv(\"a.csv\", schema: Order)\n  clean = raw | filter am\n}\n"}}}
# the step raw of a half-typed document
{"id": 7, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/hover_half.etl"}, "position": {"line": 2, "character": 4}}}
# the half-typed `am` at the end of `filter am` (unknown field): null
{"id": 8, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/hover_half.etl"}, "position": {"line": 3, "character": 25}}}
# a position past the end of the document: null
{"id": 9, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/hover_half.etl"}, "position": {"line": 40, "character": 3}}}
