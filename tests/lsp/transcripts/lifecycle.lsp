# initialize, the capabilities, a request before initialize, an unknown method, shutdown.
{"$keep": "capabilities"}
{"id": 1, "method": "textDocument/hover", "params": {"textDocument": {"uri": "${WS}/orders.etl"}, "position": {"line": 0, "character": 0}}}
{"id": 2, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"method": "initialized", "params": {}}
{"id": 3, "method": "initialize", "params": {"processId": null, "rootUri": "${WS}", "capabilities": {}}}
{"id": 4, "method": "etl/unknown", "params": {}}
{"method": "$/unknownNotification", "params": {}}
