{"$args": ["--debounce-ms", "500"]}
# With a short debounce, an edit's diagnostics arrive on their own (no request flushes
# them): two quick edits, then the runner waits for the publish of the last version.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}}}
{"method": "initialized", "params": {}}
{"$open": "broken.etl"}
{"$wait": "textDocument/publishDiagnostics"}
# Replace the whole text (a change without a range), then fix `amout` with a ranged edit
# in UTF-8 positions (the encoding this client offered).
{"method": "textDocument/didChange", "params": {"textDocument": {"uri": "${WS}/broken.etl", "version": 2}, "contentChanges": [{"text": "schema S { amount: float }\npipeline p {\n  s = from csv(\"x.csv\", schema: S)\n  s | filter amout > 1 | into stdout()\n}\n"}]}}
{"method": "textDocument/didChange", "params": {"textDocument": {"uri": "${WS}/broken.etl", "version": 3}, "contentChanges": [{"range": {"start": {"line": 3, "character": 13}, "end": {"line": 3, "character": 18}}, "text": "amount"}]}}
{"$wait": "textDocument/publishDiagnostics"}
