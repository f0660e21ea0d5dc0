# Hover in customers.etl, which imports lib/common.etl and lib/geo.etl as geo: imported
# schemas and fns with their `///` docs, an import alias, aliased members, joins (right side),
# a field narrowed by `filter ... is not null`, aggregates, and the test block.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "customers.etl"}
# the import alias `geo`: its path and members
{"id": 2, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 2, "character": 25}}}
# an imported schema with doc comments
{"id": 3, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 16, "character": 60}}}
# `geo.Region`: a schema of an aliased import
{"id": 4, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 18, "character": 64}}}
# a param with a doc comment
{"id": 5, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 5, "character": 7}}}
# the param used in a filter
{"id": 6, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 22, "character": 28}}}
# an imported fn with its doc
{"id": 7, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 29, "character": 23}}}
# `email` inside normalize_email(email): narrowed to string by the filter above
{"id": 8, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 29, "character": 38}}}
# an imported const: type and folded value
{"id": 9, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 30, "character": 23}}}
# `join`: the left input, the right side, the output
{"id": 10, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 37, "character": 7}}}
# `latest.id`: a field of the right side
{"id": 11, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 37, "character": 49}}}
# `geo.default_region`
{"id": 12, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 40, "character": 38}}}
# `aggregate`: in and out
{"id": 13, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 44, "character": 8}}}
# the aggregate function `sum`
{"id": 14, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 46, "character": 23}}}
# `select` in a flow: out with removed fields
{"id": 15, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 57, "character": 7}}}
# `union` head of error ports
{"id": 16, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 60, "character": 3}}}
# a step named in a test
{"id": 17, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 77, "character": 11}}}
