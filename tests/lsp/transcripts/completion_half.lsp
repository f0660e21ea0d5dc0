# Completion on half-typed documents (opened with inline text), where the statement under the
# cursor is not in the AST: the record flowing in comes from the chain's earlier parts.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/completion_half_filter.etl", "languageId": "etl", "version": 1, "text": "schema Order {\n  id: int\n  amount: float\n  note: string?\n  `order date`: date\n}\nconst limit = 10\npipeline p {\n  raw = from csv(\"a.csv\", schema: Order)\n  clean = raw | filter \n}\n"}}}
# `clean = raw | filter ` with nothing after it: the fields of Order first (a backticked one inserted with backticks), then consts, functions, keywords
{"id": 2, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/completion_half_filter.etl"}, "position": {"line": 9, "character": 23}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/completion_half_derive.etl", "languageId": "etl", "version": 1, "text": "schema Order {\n  id: int\n  amount: float\n  note: string?\n  `order date`: date\n}\nconst limit = 10\npipeline p {\n  raw = from csv(\"a.csv\", schema: Order)\n  clean = raw\n    | filter amount > limit\n    | derive x = up\n}\n"}}}
# `| derive x = up`: functions matching `up` (the list is incomplete: filtered by the prefix)
{"id": 3, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/completion_half_derive.etl"}, "position": {"line": 11, "character": 19}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/completion_half_from.etl", "languageId": "etl", "version": 1, "text": "schema Order {\n  id: int\n  amount: float\n  note: string?\n  `order date`: date\n}\nconst limit = 10\npipeline p {\n  raw = from csv(\"a.csv\", schema: Order)\n  other = from cs\n}\n"}}}
# `from cs`: the sources matching `cs`
{"id": 4, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/completion_half_from.etl"}, "position": {"line": 9, "character": 17}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/completion_half_pipe.etl", "languageId": "etl", "version": 1, "text": "schema Order {\n  id: int\n  amount: float\n  note: string?\n  `order date`: date\n}\nconst limit = 10\npipeline p {\n  raw = from csv(\"a.csv\", schema: Order)\n  clean = raw | derive y = amount * 2 |\n}\n"}}}
# right after `|`: the built-in ops (snippets), then the stdlib transforms
{"id": 5, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/completion_half_pipe.etl"}, "position": {"line": 9, "character": 39}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/completion_half_into.etl", "languageId": "etl", "version": 1, "text": "schema Order {\n  id: int\n  amount: float\n  note: string?\n  `order date`: date\n}\nconst limit = 10\npipeline p {\n  raw = from csv(\"a.csv\", schema: Order)\n  raw | filter amount > 0 | into \n}\n"}}}
# after `into `: the sinks
{"id": 6, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/completion_half_into.etl"}, "position": {"line": 9, "character": 33}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/completion_half_select.etl", "languageId": "etl", "version": 1, "text": "schema Order {\n  id: int\n  amount: float\n  note: string?\n  `order date`: date\n}\nconst limit = 10\npipeline p {\n  raw = from csv(\"a.csv\", schema: Order)\n  clean = raw | derive y = amount * 2\n  small = clean | select id, \n}\n"}}}
# `select id, `: the fields of clean's output (y included)
{"id": 7, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/completion_half_select.etl"}, "position": {"line": 10, "character": 29}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/completion_half_statement.etl", "languageId": "etl", "version": 1, "text": "schema Order {\n  id: int\n  amount: float\n  note: string?\n  `order date`: date\n}\nconst limit = 10\npipeline p {\n  raw = from csv(\"a.csv\", schema: Order)\n  clean = raw | filter amount > 1\n  \n}\n"}}}
# a new statement: steps, `from`, `union`, settings
{"id": 8, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/completion_half_statement.etl"}, "position": {"line": 10, "character": 2}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/completion_half_port.etl", "languageId": "etl", "version": 1, "text": "schema Order {\n  id: int\n  amount: float\n  note: string?\n  `order date`: date\n}\nconst limit = 10\npipeline p {\n  raw = from csv(\"a.csv\", schema: Order)\n  sizes = raw | route {\n    big: amount > 100\n    small: else\n  }\n  sizes.\n}\n"}}}
# `sizes.`: the route's branches and `errors`
{"id": 9, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/completion_half_port.etl"}, "position": {"line": 13, "character": 8}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/completion_half_args.etl", "languageId": "etl", "version": 1, "text": "schema Order {\n  id: int\n  amount: float\n  note: string?\n  `order date`: date\n}\nconst limit = 10\npipeline p {\n  raw = from csv(\"a.csv\", schema: Order)\n  raw | into csv(\"out.csv\", \n}\n"}}}
# in a sink call after its path: the named arguments not given yet
{"id": 10, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/completion_half_args.etl"}, "position": {"line": 9, "character": 28}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/completion_half_type.etl", "languageId": "etl", "version": 1, "text": "schema Order {\n  id: int\n  amount: float\n  note: string?\n  `order date`: date\n}\nconst limit = 10\npipeline p {\n  raw = from csv(\"a.csv\", schema: Order)\n}\nschema Extra {\n  when: \n}\n"}}}
# a type position in a schema: the types and schema names
{"id": 11, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/completion_half_type.etl"}, "position": {"line": 11, "character": 8}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/completion_half_top.etl", "languageId": "etl", "version": 1, "text": "schema Order {\n  id: int\n  amount: float\n  note: string?\n  `order date`: date\n}\nconst limit = 10\npipeline p {\n  raw = from csv(\"a.csv\", schema: Order)\n}\n\n"}}}
# top level: the declaration keywords
{"id": 12, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/completion_half_top.etl"}, "position": {"line": 10, "character": 0}}}
{"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "${WS}/completion_half_fn.etl", "languageId": "etl", "version": 1, "text": "schema Order {\n  id: int\n  amount: float\n  note: string?\n  `order date`: date\n}\nconst limit = 10\npipeline p {\n  raw = from csv(\"a.csv\", schema: Order)\n}\nfn twice(x: int, label: string) -> int = x * 2 + le\n"}}}
# a fn body being typed: its parameters (from the text) and functions matching `le`
{"id": 13, "method": "textDocument/completion", "params": {"textDocument": {"uri": "${WS}/completion_half_fn.etl"}, "position": {"line": 10, "character": 51}}}
