# Signature help: stdlib functions (several signatures, the active one by argument count),
# user fns, steps (positional then named parameters), an unclosed call in a half-typed
# document, named arguments, and nothing outside calls.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "orders.etl"}
# in `usd(amount, currency)` at the second argument: the user fn, parameter 1
{"id": 2, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 23, "character": 38}}}
# in csv's path: the source csv, parameter 0 (path)
{"id": 3, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 19, "character": 18}}}
# after `schema: `: parameter schema
{"id": 4, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 19, "character": 53}}}
# in `date(ts)`: the three signatures of date
{"id": 5, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 30, "character": 51}}}
# outside any call: null
{"id": 6, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 22, "character": 6}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/signature_half.etl", "languageId": "etl", "version": 1, "text": "schema Order { id: int, name: string, amount: float }\npipeline p {\n  raw = from csv(\"a.csv\", \n}\n"}}}
# an unclosed `csv("a.csv", `: the next parameter not given (schema)
{"id": 7, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "${WS}/signature_half.etl"}, "position": {"line": 2, "character": 26}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/signature_substr.etl", "languageId": "etl", "version": 1, "text": "schema Order { id: int, name: string, amount: float }\npipeline p {\n  raw = from csv(\"a.csv\", schema: Order)\n  x = raw | derive short = substr(name, 0, \n}\n"}}}
# `substr(name, 0, `: parameter 2 (length) of the 3-argument signature
{"id": 8, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "${WS}/signature_substr.etl"}, "position": {"line": 3, "character": 43}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/signature_named.etl", "languageId": "etl", "version": 1, "text": "pipeline p {\n  raw | into csv(\"out.csv\", delimiter: \n}\n"}}}
# the named argument `delimiter: ` of the csv sink
{"id": 9, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "${WS}/signature_named.etl"}, "position": {"line": 1, "character": 39}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/signature_variadic.etl", "languageId": "etl", "version": 1, "text": "const c = concat(\"a\", \"b\", \"c\", \n"}}}
# a variadic function past its listed parameters: the `...` parameter
{"id": 10, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "${WS}/signature_variadic.etl"}, "position": {"line": 0, "character": 32}}}
