# Semantic tokens: keywords, a doc comment, a block comment split per line, names by what
# they resolve to (schema = type, field = property, const = readonly variable, stdlib
# step/function = defaultLibrary), an interpolated string split around `${id}`, a range.
{"id": 1, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"$open": "sem_tokens.etl"}
{"id": 2, "method": "textDocument/semanticTokens/full", "params": {"textDocument": {"uri": "${WS}/sem_tokens.etl"}}}
{"id": 3, "method": "textDocument/semanticTokens/range", "params": {"textDocument": {"uri": "${WS}/sem_tokens.etl"}, "range": {"start": {"line": 7, "character": 0}, "end": {"line": 8, "character": 0}}}}
