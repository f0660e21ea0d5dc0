# Inlay hints: the record leaving each chain line (a schema name, a short record, or the
# fields an op added with the rest elided as `…`), only in the requested range.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "orders.etl"}
# the whole of orders.etl
{"id": 2, "method": "textDocument/inlayHint", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 49, "character": 0}}}}
{"$open": "customers.etl"}
# lines 36-54 of customers.etl only (enriched and top)
{"id": 3, "method": "textDocument/inlayHint", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "range": {"start": {"line": 36, "character": 0}, "end": {"line": 54, "character": 0}}}}
{"$open": "broken.etl"}
# broken.etl: the chain with an unknown field still shows what typed
{"id": 4, "method": "textDocument/inlayHint", "params": {"textDocument": {"uri": "${WS}/broken.etl"}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 17, "character": 0}}}}
