# Completion in customers.etl: the members of the import alias `geo`, a join's right side
# after `latest.`, schema names (imported and aliased) after `schema: `, and the streams after
# `union(`.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "customers.etl"}
# after `geo.`: the members of lib/geo.etl
{"id": 2, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 40, "character": 36}}}
# after `latest.` in the join condition: the right side's fields
{"id": 3, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 37, "character": 48}}}
# after `schema: `: every visible schema, `geo.Region` included
{"id": 4, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 18, "character": 58}}}
# in `union(`: the steps of the pipeline
{"id": 5, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 21, "character": 17}}}
# `aggregate by customer_id, `: an expression over the fields flowing in
{"id": 6, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/customers.etl"}, "position": {"line": 44, "character": 32}}}
