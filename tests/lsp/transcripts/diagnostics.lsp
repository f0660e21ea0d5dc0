# Diagnostics at open (codes, notes, fixes in `data`), after an incremental edit (flushed
# by the next request), and cleared at close.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "broken.etl"}
# Fix `amout` -> `amount` (line 12, characters 13-18).
{"method": "textDocument/didChange", "params": {"textDocument": {"uri": "${WS}/broken.etl", "version": 2}, "contentChanges": [{"range": {"start": {"line": 12, "character": 13}, "end": {"line": 12, "character": 18}}, "text": "amount"}]}}
{"id": 2, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": "${WS}/broken.etl"}}}
{"method": "textDocument/didClose", "params": {"textDocument": {"uri": "${WS}/broken.etl"}}}
