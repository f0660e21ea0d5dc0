# Rename in orders.etl: a derived field, a step, a port, a schema field (to a name that
# needs backticks, and to a keyword), fn params; and the refusals: stdlib names, keywords,
# test titles, whitespace, clashes (which declaration is named in the error).
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "orders.etl"}
# prepareRename on `total` in the route: its range and name.
{"id": 2, "method": "textDocument/prepareRename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 26, "character": 12}}}
# `total` -> `grand_total`: the derive, the route, the aggregate, the select, the test.
{"id": 3, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 26, "character": 12}, "newName": "grand_total"}}
# the step `clean` -> `valid` (its binding, `sizes = clean`, `daily = clean`).
{"id": 4, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 21, "character": 2}, "newName": "valid"}}
# the port `big` -> `large` (the branch, `sizes.big`, the test's `expect sizes.big`).
{"id": 5, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 35, "character": 9}, "newName": "large"}}
# schema Order's `amount` -> `order amount` (written in backticks; the given record's key too).
{"id": 6, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 22, "character": 14}, "newName": "order amount"}}
# the fn parameter `currency` -> `from`, a keyword: backticks. Only the fn's parameter, not the field.
{"id": 7, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 14, "character": 23}, "newName": "from"}}
# Refused: `csv` (stdlib step) and `count` (stdlib function): prepareRename null, rename an error.
{"id": 8, "method": "textDocument/prepareRename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 19, "character": 14}}}
{"id": 9, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 31, "character": 15}, "newName": "tally"}}
# Refused: the keyword `pipeline`, a blank line, the test's title.
{"id": 10, "method": "textDocument/prepareRename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 18, "character": 3}}}
{"id": 11, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 17, "character": 0}, "newName": "x"}}
{"id": 12, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 41, "character": 8}, "newName": "x"}}
# Clashes: `total` -> `qty` (the derive's record has `qty`), `clean` -> `raw` (a step),
# schema field `qty` -> `ts` (another field), `usd` -> `rates` (a const), port `big` -> `small`.
{"id": 13, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 23, "character": 50}, "newName": "qty"}}
{"id": 14, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 21, "character": 2}, "newName": "raw"}}
{"id": 15, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 7, "character": 3}, "newName": "ts"}}
{"id": 16, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 23, "character": 27}, "newName": "rates"}}
{"id": 17, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 26, "character": 5}, "newName": "small"}}
# A new name that cannot be a name at all, and a missing newName.
{"id": 18, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 21, "character": 2}, "newName": "a`b"}}
{"id": 19, "method": "textDocument/rename", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 21, "character": 2}}}
