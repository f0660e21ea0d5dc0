# Rename across files: a schema of lib/common.etl renamed from customers.etl edits both
# files; the import alias `geo`; a const of lib/geo.etl; a field of an imported schema.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "customers.etl"}
# `Customer` -> `Client`: lib/common.etl's schema and the two `schema: Customer`.
{"id": 2, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 16, "character": 60}, "newName": "Client"}}
# the alias `geo` -> `regions_lib`: the import and `geo.Region`, `geo.default_region`.
{"id": 3, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 40, "character": 33}, "newName": "regions_lib"}}
# `default_region` (a const of lib/geo.etl) -> `fallback_region`.
{"id": 4, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 40, "character": 40}, "newName": "fallback_region"}}
# Customer's `email` -> `mail`: the schema field, the uses, the test's given keys; not the
# derive's own `email` (line 29), which is another field.
{"id": 5, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 28, "character": 14}, "newName": "mail"}}
# Clash: the alias `geo` -> `since` (a param of this file).
{"id": 6, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 2, "character": 25}, "newName": "since"}}
# Clash: `Customer` -> `Order` (lib/common.etl has a schema Order).
{"id": 7, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 16, "character": 60}, "newName": "Order"}}
