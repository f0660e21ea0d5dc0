# Hover in orders.etl: steps (records in and out), op keywords, stdlib steps, functions and
# parameters, schemas, fields (schema fields and derived ones), consts with their folded value,
# params, fns and their parameters, ports, plain expressions, and nothing (null) on blank space.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "orders.etl"}
# the step `raw` (definition): its output
{"id": 2, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 19, "character": 2}}}
# `from`: the head's output
{"id": 3, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 19, "character": 9}}}
# the stdlib source `csv`: signature, parameters, doc
{"id": 4, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 19, "character": 14}}}
# the argument name `schema`: the source's parameter
{"id": 5, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 19, "character": 47}}}
# the schema `Order`: its fields
{"id": 6, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 19, "character": 55}}}
# `filter`: in and out (the same)
{"id": 7, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 22, "character": 8}}}
# a schema field
{"id": 8, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 22, "character": 16}}}
# a param: type, default, how to set it
{"id": 9, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 22, "character": 25}}}
# a string literal in the `in` list: its type
{"id": 10, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 22, "character": 51}}}
# the `and` of the filter: a bool expression
{"id": 11, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 22, "character": 34}}}
# `derive`: in, and out with the new fields marked
{"id": 12, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 23, "character": 6}}}
# a field defined by derive
{"id": 13, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 23, "character": 13}}}
# a user fn: its signature
{"id": 14, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 23, "character": 27}}}
# a use of the derived field `amount_usd`
{"id": 15, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 23, "character": 59}}}
# `route`: in and out
{"id": 16, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 25, "character": 19}}}
# a route branch (port) definition
{"id": 17, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 26, "character": 5}}}
# the stdlib function `date`
{"id": 18, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 30, "character": 47}}}
# the aggregate function `count`
{"id": 19, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 31, "character": 15}}}
# the port `sizes.big` used as a head
{"id": 20, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 35, "character": 9}}}
# a const: its type and folded value
{"id": 21, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 12, "character": 7}}}
# a fn parameter (definition)
{"id": 22, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 14, "character": 8}}}
# a const used in a fn body
{"id": 23, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 14, "character": 63}}}
# a fn parameter used in the body
{"id": 24, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 14, "character": 69}}}
# the pipeline: its steps and their records
{"id": 25, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 18, "character": 10}}}
# a field read in a test expectation
{"id": 26, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 46, "character": 23}}}
# a blank line: null
{"id": 27, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 20, "character": 0}}}
