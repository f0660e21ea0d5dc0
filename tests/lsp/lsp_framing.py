"""LSP base-protocol framing for the Python clients of `etlc lsp` (the transcript tests
and bench/lsp_latency.py): `Content-Length: N\\r\\n\\r\\n` + N bytes of JSON."""
import json


def frame(message):
    """The bytes that send `message` (a dict)."""
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_messages(stream, deliver):
    """Reads framed messages from `stream` until it ends, calling deliver(message) for each
    and deliver(None) at the end (run it on a thread)."""
    while True:
        headers = {}
        while True:
            line = stream.readline()
            if not line:
                deliver(None)
                return
            line = line.strip()
            if not line:
                break
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        deliver(json.loads(stream.read(int(headers["content-length"]))))
