# Workspace symbols over the root symbols_root/ (its .etl files parsed only; build*/ is
# skipped) plus the open documents: a case-insensitive fuzzy subsequence of the query,
# prefix matches first; an edit of an open document shows at once; no match: [].
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}/symbols_root", "capabilities": {}}}
{"method": "initialized", "params": {}}
# `regn`: Region, region fields, regions (import), default_region, by_region ... not build/generated.etl.
{"id": 2, "method": "workspace/symbol", "params": {"query": "regn"}}
# `SALE` (upper case): Sale, sale_id, sales, sales_report.
{"id": 3, "method": "workspace/symbol", "params": {"query": "SALE"}}
{"id": 4, "method": "workspace/symbol", "params": {"query": "zzzq"}}
# An open document outside the root joins the answers; its unsaved text wins over the disk.
{"$open": "orders.etl"}
{"method": "textDocument/didChange", "params": {"textDocument": {"uri": "${WS}/orders.etl", "version": 2}, "contentChanges": [{"range": {"start": {"line": 12, "character": 6}, "end": {"line": 12, "character": 11}}, "text": "exchange_rates"}]}}
{"id": 5, "method": "workspace/symbol", "params": {"query": "xchg"}}
{"id": 6, "method": "workspace/symbol", "params": {"query": "rates"}}
# An empty query lists everything (here: the open document's symbols and the root's).
{"id": 7, "method": "workspace/symbol", "params": {"query": ""}}
