# Document symbols: orders.etl (schema with fields, const, fn, param, pipeline with steps
# whose detail is their output type, route ports, test), customers.etl (imports), and a
# half-typed document opened with inline text (the parts that parsed still show).
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "orders.etl"}
{"id": 2, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": "${WS}/orders.etl"}}}
{"$open": "customers.etl"}
{"id": 3, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": "${WS}/customers.etl"}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/symbols_scratch.etl", "languageId": "etl", "version": 1, "text": "schema A {\n  x: int\n  y: \n}\n\npipeline p {\n  a = from csv(\"in.csv\", schema: A)\n  b = a | filter x >\n  c = a | derive z = x * 2\n"}}}
{"id": 4, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": "${WS}/symbols_scratch.etl"}}}
