# Completion at places of orders.etl (the text as it is): a schema argument, ports after
# `sizes.`, aggregate functions in `aggregate { }`, a type in a schema, a blank line of the
# pipeline, and a blank top-level line.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "orders.etl"}
# after `schema: `: schema names
{"id": 2, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 19, "character": 53}}}
# after `sizes.`: the ports of sizes
{"id": 3, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 35, "character": 8}}}
# an aggregate output's value: aggregate functions first, then fields
{"id": 4, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 31, "character": 14}}}
# the type of a schema field
{"id": 5, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 2, "character": 12}}}
# start of a statement (before `raw.errors`)
{"id": 6, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 38, "character": 2}}}
# a blank top-level line: declaration keywords
{"id": 7, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 17, "character": 0}}}
