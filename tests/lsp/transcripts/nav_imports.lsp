# Navigation through imports in customers.etl: the import's path string goes to the top of
# the imported file, `geo.Region` to the schema in lib/geo.etl, the alias `geo` to the
# import; fields coming from imported schemas and joins; references across files.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "customers.etl"}
# the path string of `import "lib/geo.etl" as geo` -> the top of lib/geo.etl.
{"id": 2, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 2, "character": 12}}}
# `Region` in `schema: geo.Region` -> lib/geo.etl's schema; `geo` -> the import.
{"id": 3, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 18, "character": 64}}}
{"id": 4, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 18, "character": 59}}}
# `email_pattern` -> lib/common.etl's const; `normalize_email` -> its fn.
{"id": 5, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 30, "character": 25}}}
{"id": 6, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 29, "character": 25}}}
# `regions.country` in the join -> Region's field; `latest.id` -> Customer's field.
{"id": 7, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 39, "character": 48}}}
{"id": 8, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 37, "character": 49}}}
# `country` on the left of that join -> the derive on line 38 (it replaced Customer's).
{"id": 9, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 39, "character": 28}}}
# `total` after the aggregate -> the aggregate's output; `customer_id` (a bare key) -> Order's field.
{"id": 10, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 50, "character": 14}}}
{"id": 11, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 51, "character": 28}}}
# `changed_at`'s rename source `updated_at` -> Customer's field; `region` in `select` -> the derive on line 40.
{"id": 12, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 31, "character": 15}}}
{"id": 13, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 57, "character": 41}}}
# `contacts[0].email` in the test -> the derive that normalised it (line 29).
{"id": 14, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 78, "character": 22}}}
# References of schema Customer's `email` field (in lib/common.etl, and the uses in customers.etl).
{"id": 15, "method": "textDocument/references", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 25, "character": 40}, "context": {"includeDeclaration": true}}}
# References of the import alias `geo`.
{"id": 16, "method": "textDocument/references", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 2, "character": 25}, "context": {"includeDeclaration": false}}}
# Highlights stay in the document: `latest` (its binding and three uses).
{"id": 17, "method": "textDocument/documentHighlight", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 21, "character": 4}}}
# lib/common.etl itself (read from disk, not open): references of `Customer` from inside it
# find customers.etl's uses (a program that imports it, under the workspace root).
{"id": 18, "method": "textDocument/references", "params": {"textDocument": {"uri": "${WS}/lib/common.etl"}, "position": {"line": 3, "character": 9}, "context": {"includeDeclaration": true}}}
