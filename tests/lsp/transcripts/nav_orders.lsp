# Definition, references and highlights on orders.etl: fields resolve to where they were
# made (a schema field, or the derive that computed them), steps, ports, consts, fns, fn
# params, params, the pipeline of a test; stdlib names, whitespace and positions past the
# end have no definition.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "orders.etl"}
# `total` in the route condition -> the derive that made it (line 23).
{"id": 2, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 26, "character": 12}}}
# `amount` in the filter -> schema Order's field (line 5).
{"id": 3, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 22, "character": 13}}}
# the port `small` in `sizes.small | ...` -> the route branch (line 27).
{"id": 4, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 36, "character": 10}}}
# the step `clean` used by `daily` -> its binding (line 21).
{"id": 5, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 30, "character": 12}}}
# `min_amount` (param), `usd` (fn), `rates` (const), `currency` (fn param in the body).
{"id": 6, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 22, "character": 30}}}
{"id": 7, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 23, "character": 27}}}
{"id": 8, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 14, "character": 63}}}
{"id": 9, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 14, "character": 70}}}
# `revenue = sum(total)` in the aggregate: `total` -> the derive.
{"id": 10, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 32, "character": 19}}}
# In the test: `for orders` -> the pipeline, `given raw` -> the step, `sizes.big[0].total` -> the derive,
# a key of the given record (`qty`) -> schema Order's field.
{"id": 11, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 41, "character": 35}}}
{"id": 12, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 42, "character": 9}}}
{"id": 13, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 46, "character": 24}}}
{"id": 14, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 43, "character": 76}}}
# stdlib `csv`, the function `count`: no definition.
{"id": 15, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 19, "character": 14}}}
{"id": 16, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 31, "character": 15}}}
# whitespace (a blank line, the space after `pipeline`), a keyword, a line past the end: null.
{"id": 17, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 17, "character": 0}}}
{"id": 18, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 18, "character": 8}}}
{"id": 19, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 22, "character": 8}}}
{"id": 20, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 500, "character": 3}}}
# References of `total` (the derive's field): route, aggregate, select, the test; without and with the declaration.
{"id": 21, "method": "textDocument/references", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 23, "character": 50}, "context": {"includeDeclaration": false}}}
{"id": 22, "method": "textDocument/references", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 26, "character": 12}, "context": {"includeDeclaration": true}}}
# References of the port `big` and of the stdlib function `count` (references work for stdlib names).
{"id": 23, "method": "textDocument/references", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 26, "character": 5}, "context": {"includeDeclaration": true}}}
{"id": 24, "method": "textDocument/references", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 31, "character": 15}, "context": {"includeDeclaration": true}}}
# Highlights of `clean` (its binding writes, the uses read) and of whitespace (null).
{"id": 25, "method": "textDocument/documentHighlight", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 21, "character": 3}}}
{"id": 26, "method": "textDocument/documentHighlight", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 17, "character": 0}}}
# A document nobody opened and that is not on disk: an error.
{"id": 27, "method": "textDocument/definition", "params": {"textDocument": {"uri": "${WS}/nav_missing.etl"}, "position": {"line": 0, "character": 0}}}
