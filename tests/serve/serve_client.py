"""A small client library for the `etlc serve` tests (api_test.py, restart_test.py).

- EtlServe: starts `etlc serve DIR --port 0 --port-file F --state-dir S ...` as a child
  process, waits for the port file, stops it with SIGTERM (exit 0 expected) or kills it.
- Client: HTTP requests (http.client, one connection per request) that check every
  answer against docs/api/openapi.yaml (status documented for the operation, body valid
  against the documented schema, WWW-Authenticate on 401, Allow on 405) and record which
  (method, path template, status) were exercised. Failures show the request and response.
- WebSocket connections (python3-websocket) to /api/v1/events.
- OpenApi: loads the spec, converts OpenAPI 3.0 schemas (nullable, $ref to components)
  to JSON Schema (python3-jsonschema), and checks the document's own structure.

The Debian packages python3-websocket, python3-jsonschema and python3-yaml are needed
(scripts/install-deps.sh). When the interpreter that runs a test lacks them (CMake may
pick a pyenv python), EnsureDebianPython() re-executes the script with /usr/bin/python3.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

REQUIRED_MODULES = ("websocket", "jsonschema", "yaml")


def EnsureDebianPython():
    """Re-executes the running script with /usr/bin/python3 when a needed module is missing."""
    missing = []
    for name in REQUIRED_MODULES:
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if not missing:
        return
    system_python = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(system_python) and os.path.exists(system_python) \
            and not os.environ.get("ETL_SERVE_TEST_REEXEC"):
        os.environ["ETL_SERVE_TEST_REEXEC"] = "1"
        os.execv(system_python, [system_python] + sys.argv)
    sys.exit("serve tests: missing Python modules %s (install python3-websocket python3-jsonschema "
             "python3-yaml: scripts/install-deps.sh)" % ", ".join(missing))


EnsureDebianPython()

import http.client  # noqa: E402
import jsonschema  # noqa: E402
import websocket  # noqa: E402
import yaml  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC_PATH = os.path.join(REPO, "docs", "api", "openapi.yaml")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def Shorten(text, limit=2000):
    if text is None:
        return "(none)"
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "... (%d more characters)" % (len(text) - limit)


# ----------------------------------------------------------------------------------------
# OpenAPI
# ----------------------------------------------------------------------------------------

class OpenApi:
    """The API document: path templates, response schemas as JSON Schema, structure checks."""

    OPENAPI_ONLY = {"nullable", "example", "discriminator", "readOnly", "writeOnly", "xml",
                    "externalDocs", "deprecated"}

    def __init__(self, path=SPEC_PATH):
        self.path = path
        with open(path, encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)
        components = self.doc.get("components", {}).get("schemas", {})
        self.definitions = {name: self.ToJsonSchema(schema) for name, schema in components.items()}
        # (regex, template, number of literal segments) for matching request paths.
        self.templates = []
        for template in self.doc.get("paths", {}):
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            literals = sum(1 for s in template.split("/") if s and not s.startswith("{"))
            self.templates.append((re.compile(pattern), template, literals))
        self.templates.sort(key=lambda t: -t[2])

    def ToJsonSchema(self, node):
        """An OpenAPI 3.0 schema object as JSON Schema (draft 7)."""
        if isinstance(node, list):
            return [self.ToJsonSchema(n) for n in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key in self.OPENAPI_ONLY:
                continue
            if key == "$ref":
                out[key] = value.replace("#/components/schemas/", "#/definitions/")
            elif key in ("properties", "definitions"):
                out[key] = {name: self.ToJsonSchema(sub) for name, sub in value.items()}
            else:
                out[key] = self.ToJsonSchema(value)
        if node.get("nullable"):
            return {"anyOf": [out, {"type": "null"}]} if self.Constrains(out) else out
        return out

    @staticmethod
    def Constrains(schema):
        return any(k not in ("description", "title", "default") for k in schema)

    def Resolve(self, node):
        """Follows a local $ref (to any part of the document) until a non-ref object."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError("non-local $ref %s" % ref)
            target = self.doc
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
            seen += 1
            if seen > 20:
                raise ValueError("$ref loop at %s" % ref)
        return node

    def Template(self, path):
        """The path template a request path matches, or None."""
        for regex, template, _ in self.templates:
            if regex.match(path):
                return template
        return None

    def Operations(self):
        """Every (METHOD, template) the document declares."""
        ops = []
        for template, item in self.doc.get("paths", {}).items():
            for method in HTTP_METHODS:
                if method in item:
                    ops.append((method.upper(), template))
        return ops

    def Operation(self, method, template):
        item = self.doc.get("paths", {}).get(template)
        return None if item is None else item.get(method.lower())

    def Validate(self, schema, value):
        """Problems (strings) of `value` against an OpenAPI schema; empty when valid."""
        root = dict(self.ToJsonSchema(schema))
        root["definitions"] = self.definitions
        validator = jsonschema.Draft7Validator(root)
        problems = []
        for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            problems.append("at %s: %s" % (where, error.message[:300]))
        return problems[:10]

    def Schema(self, name):
        return {"$ref": "#/components/schemas/%s" % name}

    def CheckResponse(self, method, path, status, content_type, body):
        """(template or None, problems) of one answer against the document."""
        template = self.Template(path)
        operation = self.Operation(method, template) if template else None
        problems = []
        if operation is None:
            # Not an operation (unknown path, wrong method, malformed request): still an error body.
            if status >= 400:
                problems += self.CheckBody(self.Schema("Error"), "application/json", content_type, body)
            return None, problems
        responses = operation.get("responses", {})
        response = responses.get(str(status))
        if response is None:
            problems.append("status %d is not documented for %s %s (documented: %s)"
                            % (status, method, template, ", ".join(sorted(responses))))
            if status >= 400:
                problems += self.CheckBody(self.Schema("Error"), "application/json", content_type, body)
            return template, problems
        response = self.Resolve(response)
        content = response.get("content")
        if not content:
            return template, problems
        media = (content_type or "").split(";")[0].strip().lower()
        if media not in content:
            problems.append("content type %r is not documented for %s %s %d (documented: %s)"
                            % (content_type, method, template, status, ", ".join(content)))
            return template, problems
        problems += self.CheckBody(content[media].get("schema", {}), media, content_type, body)
        return template, problems

    def CheckBody(self, schema, media, content_type, body):
        got = (content_type or "").split(";")[0].strip().lower()
        if got != media:
            return ["content type %r, expected %s" % (content_type, media)]
        if media == "application/json":
            try:
                value = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                return ["the body is not JSON: %s" % e]
            return self.Validate(schema, value)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return ["the body is not UTF-8 text"]
        return []

    def StructureProblems(self):
        """Checks the document itself: versions, operations, responses, $refs, path params."""
        problems = []
        doc = self.doc
        if doc.get("openapi") != "3.0.3":
            problems.append("openapi must be 3.0.3, found %r" % doc.get("openapi"))
        for key in ("title", "version"):
            if not doc.get("info", {}).get(key):
                problems.append("info.%s is missing" % key)
        schemes = doc.get("components", {}).get("securitySchemes", {})
        bearer = schemes.get("bearerAuth", {})
        if bearer.get("type") != "http" or bearer.get("scheme") != "bearer":
            problems.append("components.securitySchemes.bearerAuth must be http/bearer")
        for requirement in doc.get("security", []):
            for name in requirement:
                if name not in schemes:
                    problems.append("security names unknown scheme %s" % name)

        def WalkRefs(node, where):
            if isinstance(node, dict):
                if "$ref" in node:
                    try:
                        self.Resolve(node)
                    except (KeyError, TypeError, ValueError) as e:
                        problems.append("%s: $ref %s does not resolve (%s)" % (where, node["$ref"], e))
                for key, value in node.items():
                    WalkRefs(value, where + "/" + str(key))
            elif isinstance(node, list):
                for i, value in enumerate(node):
                    WalkRefs(value, "%s/%d" % (where, i))

        WalkRefs(doc, "#")
        if problems:
            return problems  # the checks below follow $refs

        operation_ids = {}
        for template, item in doc.get("paths", {}).items():
            if not template.startswith("/"):
                problems.append("path %s does not start with /" % template)
            names_in_path = set(re.findall(r"\{([^}]+)\}", template))
            shared = [self.Resolve(p) for p in item.get("parameters", [])]
            methods = [m for m in HTTP_METHODS if m in item]
            if not methods:
                problems.append("path %s has no operation" % template)
            for method in methods:
                op = item[method]
                where = "%s %s" % (method.upper(), template)
                op_id = op.get("operationId")
                if not op_id:
                    problems.append("%s has no operationId" % where)
                elif op_id in operation_ids:
                    problems.append("%s repeats operationId %s of %s" % (where, op_id, operation_ids[op_id]))
                else:
                    operation_ids[op_id] = where
                params = shared + [self.Resolve(p) for p in op.get("parameters", [])]
                declared = set()
                for p in params:
                    if not isinstance(p, dict) or "name" not in p or "in" not in p:
                        problems.append("%s: a parameter without name/in: %r" % (where, p))
                        continue
                    if p["in"] not in ("path", "query", "header", "cookie"):
                        problems.append("%s: parameter %s has in=%r" % (where, p["name"], p["in"]))
                    if "schema" not in p and "content" not in p:
                        problems.append("%s: parameter %s has no schema" % (where, p["name"]))
                    if p["in"] == "path":
                        declared.add(p["name"])
                        if p.get("required") is not True:
                            problems.append("%s: path parameter %s must be required" % (where, p["name"]))
                        if p["name"] not in names_in_path:
                            problems.append("%s: path parameter %s is not in the path" % (where, p["name"]))
                for name in sorted(names_in_path - declared):
                    problems.append("%s: path parameter {%s} is not declared" % (where, name))
                responses = op.get("responses")
                if not responses:
                    problems.append("%s has no responses" % where)
                    continue
                for status, response in responses.items():
                    if not re.match(r"^([1-5]\d\d|[1-5]XX|default)$", str(status)):
                        problems.append("%s: bad response status %r" % (where, status))
                    response = self.Resolve(response)
                    if not isinstance(response, dict) or not response.get("description"):
                        problems.append("%s %s: a response needs a description" % (where, status))
                        continue
                    for media, media_obj in response.get("content", {}).items():
                        if "schema" not in media_obj:
                            problems.append("%s %s %s: no schema" % (where, status, media))
                    if str(status)[0] in "45":
                        schema = response.get("content", {}).get("application/json", {}).get("schema")
                        if schema != {"$ref": "#/components/schemas/Error"}:
                            problems.append("%s %s: an error answer must use the Error schema" % (where, status))
                if "requestBody" in op:
                    body = self.Resolve(op["requestBody"])
                    if not body.get("content"):
                        problems.append("%s: requestBody without content" % where)
        # Every component schema must itself be valid JSON Schema after conversion.
        for name, schema in self.definitions.items():
            try:
                jsonschema.Draft7Validator.check_schema(schema)
            except jsonschema.SchemaError as e:
                problems.append("components.schemas.%s is not a valid schema: %s" % (name, e.message))
        for name in ("Error", "Run", "Pipeline", "Diagnostic", "Token", "AuditEntry", "Page"):
            if name not in self.definitions:
                problems.append("components.schemas.%s is missing" % name)
        return problems


# ----------------------------------------------------------------------------------------
# The server process
# ----------------------------------------------------------------------------------------

class EtlServe:
    """One `etlc serve` child process; its stderr goes to `<state_dir>/../serve-N.log`."""

    def __init__(self, etlc, project, state_dir, extra_args=(), log_dir=None):
        self.etlc = etlc
        self.project = project
        self.state_dir = state_dir
        self.extra_args = list(extra_args)
        self.log_dir = log_dir or os.path.dirname(os.path.abspath(state_dir))
        self.process = None
        self.port = None
        self.log_path = None
        self.starts = 0

    def Start(self, timeout=60):
        self.starts += 1
        port_file = os.path.join(self.log_dir, "port-%d-%d" % (os.getpid(), self.starts))
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.log_path = os.path.join(self.log_dir, "serve-%d.log" % self.starts)
        args = [self.etlc, "serve", self.project, "--port", "0", "--port-file", port_file,
                "--state-dir", self.state_dir] + self.extra_args
        self.command = " ".join(args)
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("`%s` exited with %d before listening\n%s"
                                     % (self.command, self.process.returncode, self.LogTail()))
            try:
                with open(port_file) as f:
                    text = f.read()
                if text.endswith("\n") and text.strip().isdigit():
                    self.port = int(text.strip())
                    return self.port
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        self.Kill()
        raise AssertionError("`%s` wrote no port file in %ds\n%s" % (self.command, timeout, self.LogTail()))

    def Stop(self, timeout=30):
        """SIGTERM; returns the exit code (the contract says 0)."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("`%s` did not stop within %ds of SIGTERM\n%s"
                                 % (self.command, timeout, self.LogTail()))

    def Kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def Alive(self):
        return self.process is not None and self.process.poll() is None

    def LogTail(self, lines=40):
        if not self.log_path or not os.path.exists(self.log_path):
            return "(no server log)"
        with open(self.log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace").splitlines()
        return "--- last %d lines of %s ---\n%s" % (min(lines, len(text)), self.log_path, "\n".join(text[-lines:]))


def CreateToken(etlc, state_dir, role, name=None):
    """`etlc token create`: the secret it prints alone on one line."""
    args = [etlc, "token", "create", "--role", role, "--state-dir", state_dir]
    if name:
        args += ["--name", name]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    lines = [l for l in done.stdout.splitlines() if l.strip()]
    if done.returncode != 0 or len(lines) != 1:
        raise AssertionError("`%s` exited %d; stdout %r; stderr %r (expected the secret alone on one line)"
                             % (" ".join(args), done.returncode, done.stdout, done.stderr))
    return lines[0].strip()


# ----------------------------------------------------------------------------------------
# HTTP
# ----------------------------------------------------------------------------------------

class Response:
    def __init__(self, method, path, status, reason, headers, body, request_text):
        self.method = method
        self.path = path
        self.status = status
        self.reason = reason
        self.headers = headers          # lower-case names
        self.body = body                # bytes
        self.request_text = request_text
        self.template = None
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            self.json = None

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def Describe(self):
        head = "\n".join("%s: %s" % kv for kv in sorted(self.headers.items()))
        return "%s\n-> %d %s\n%s\n\n%s" % (self.request_text, self.status, self.reason, head, Shorten(self.body))


class ApiError(AssertionError):
    pass


class Client:
    """HTTP to one server; checks each answer against the spec and records what it exercised."""

    def __init__(self, spec, port, host="127.0.0.1", log_tail=None):
        self.spec = spec
        self.host = host
        self.port = port
        self.log_tail = log_tail        # a function giving the server log, for failures
        self.lock = threading.Lock()
        self.exercised = {}             # (METHOD, template) -> set of statuses
        self.problems = []              # spec violations seen (also raised at once)
        self.writes = []                # (method, path, status) of every non-GET answered, for the audit

    def Fail(self, response, message):
        text = "%s\n\n%s" % (message, response.Describe() if response else "(no response)")
        if self.log_tail:
            text += "\n" + self.log_tail()
        raise ApiError(text)

    def Record(self, method, path, status, content_type, body, describe):
        template, problems = self.spec.CheckResponse(method, path.split("?")[0], status, content_type, body)
        with self.lock:
            if template is not None:
                self.exercised.setdefault((method, template), set()).add(status)
            for p in problems:
                self.problems.append("%s %s -> %d: %s" % (method, path, status, p))
        return template, problems

    def Request(self, method, path, body=None, data=None, token=None, headers=None, expect=None,
                timeout=30, content_type="application/json"):
        """Sends one request; `body` is encoded as JSON, `data` (bytes/str) goes as it is.
        `expect` is a status or a set of statuses; any other fails with request and response."""
        send_headers = {"Host": "%s:%d" % (self.host, self.port)}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
        elif data is not None:
            payload = data.encode("utf-8") if isinstance(data, str) else data
        if payload is not None:
            send_headers["Content-Type"] = content_type
        if token:
            send_headers["Authorization"] = "Bearer " + token
        send_headers.update(headers or {})
        request_text = "%s %s\n%s" % (method, path, "\n".join(
            "%s: %s" % (k, (v[:14] + "...") if k == "Authorization" else v) for k, v in send_headers.items()))
        if payload is not None:
            request_text += "\n\n" + Shorten(payload, 1000)
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=payload, headers=send_headers)
            raw = connection.getresponse()
            response = Response(method, path, raw.status, raw.reason,
                                {k.lower(): v for k, v in raw.getheaders()}, raw.read(), request_text)
        except (OSError, http.client.HTTPException) as e:
            text = "%s\n-> no answer: %s: %s" % (request_text, type(e).__name__, e)
            if self.log_tail:
                text += "\n" + self.log_tail()
            raise ApiError(text)
        finally:
            connection.close()
        if method != "GET":
            with self.lock:
                self.writes.append((method, path, response.status))
        response.template, problems = self.Record(method, path, response.status,
                                                  response.headers.get("content-type"), response.body,
                                                  response.Describe)
        if response.status == 401 and not response.headers.get("www-authenticate", "").lower().startswith("bearer"):
            problems = problems + ["a 401 needs `WWW-Authenticate: Bearer`"]
        if response.status == 405 and not response.headers.get("allow"):
            problems = problems + ["a 405 needs an `Allow` header"]
        if problems:
            self.Fail(response, "the answer does not match docs/api/openapi.yaml:\n  " + "\n  ".join(problems))
        if expect is not None:
            wanted = {expect} if isinstance(expect, int) else set(expect)
            if response.status not in wanted:
                self.Fail(response, "expected status %s, got %d" % (" or ".join(map(str, sorted(wanted))),
                                                                       response.status))
        return response

    def Get(self, path, token=None, expect=200, **kw):
        return self.Request("GET", path, token=token, expect=expect, **kw)

    def Post(self, path, body=None, token=None, expect=None, **kw):
        return self.Request("POST", path, body=body, token=token, expect=expect, **kw)

    def Raw(self, data, read_timeout=10, shutdown_write=False):
        """Sends raw bytes on a new connection; returns what the server answered before closing."""
        sock = socket.create_connection((self.host, self.port), timeout=read_timeout)
        try:
            try:
                sock.sendall(data)
                if shutdown_write:
                    sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            chunks = []
            deadline = time.time() + read_timeout
            while time.time() < deadline:
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    break
                except OSError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
                if ParseRawResponse(b"".join(chunks)) is not None:
                    break
            return b"".join(chunks)
        finally:
            sock.close()

    def CheckError(self, raw, expect_status, what):
        """Checks raw bytes from Raw() are one error answer with `expect_status`."""
        parsed = ParseRawResponse(raw)
        if parsed is None:
            raise ApiError("%s: expected an HTTP %d answer, got %r\n%s"
                           % (what, expect_status, Shorten(raw, 500), self.log_tail() if self.log_tail else ""))
        status, headers, body = parsed
        problems = self.spec.CheckBody(self.spec.Schema("Error"), "application/json", headers.get("content-type"), body)
        if status != expect_status or problems:
            raise ApiError("%s: expected %d with an Error body, got %d %s\n%s" % (
                what, expect_status, status, problems, Shorten(raw, 1000)))
        return json.loads(body)

    def WebSocket(self, query="", token=None, header_token=True, timeout=30):
        """Opens /api/v1/events; records the handshake as GET /api/v1/events 101."""
        url = "ws://%s:%d/api/v1/events%s" % (self.host, self.port, query)
        headers = ["Authorization: Bearer " + token] if (token and header_token) else []
        ws = websocket.create_connection(url, header=headers, timeout=timeout)
        self.Record("GET", "/api/v1/events", 101, None, b"", None)
        return EventStream(ws, self.spec, url)

    def WebSocketRefused(self, query="", token=None):
        """Opens /api/v1/events expecting a refusal; returns the status (recorded)."""
        url = "ws://%s:%d/api/v1/events%s" % (self.host, self.port, query)
        headers = ["Authorization: Bearer " + token] if token else []
        try:
            ws = websocket.create_connection(url, header=headers, timeout=10)
        except websocket.WebSocketBadStatusException as e:
            status = e.status_code
            body = getattr(e, "resp_body", None) or b""
            content_type = None
            for k, v in (getattr(e, "resp_headers", None) or {}).items():
                if k.lower() == "content-type":
                    content_type = v
            template, problems = self.spec.CheckResponse("GET", "/api/v1/events", status, content_type, body)
            with self.lock:
                self.exercised.setdefault(("GET", "/api/v1/events"), set()).add(status)
            if body and problems:
                raise ApiError("WebSocket refusal of %s does not match the spec: %s" % (url, problems))
            return status
        ws.close()
        raise ApiError("WebSocket %s was accepted, expected a refusal" % url)


class EventStream:
    """An open /api/v1/events WebSocket: JSON messages checked against StreamEvent."""

    def __init__(self, ws, spec, url):
        self.ws = ws
        self.spec = spec
        self.url = url
        self.received = []

    def Next(self, timeout):
        self.ws.settimeout(timeout)
        text = self.ws.recv()
        try:
            message = json.loads(text)
        except ValueError:
            raise ApiError("WebSocket %s sent a message that is not JSON: %r" % (self.url, Shorten(text, 500)))
        problems = self.spec.Validate(self.spec.Schema("StreamEvent"), message)
        if problems:
            raise ApiError("WebSocket %s message %s does not match StreamEvent: %s" % (self.url, text, problems))
        self.received.append(message)
        return message

    def Until(self, predicate, timeout):
        """Messages up to and including the first one `predicate` accepts."""
        deadline = time.time() + timeout
        got = []
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise ApiError("WebSocket %s: no matching message in %ds; received:\n%s"
                               % (self.url, timeout, "\n".join(json.dumps(m) for m in got[-30:])))
            try:
                message = self.Next(left)
            except websocket.WebSocketTimeoutException:
                continue
            got.append(message)
            if predicate(message):
                return got

    def Close(self):
        try:
            self.ws.close()
        except Exception:  # closing a dead socket is fine
            pass


def ParseRawResponse(raw):
    """(status, headers, body) of a complete HTTP response in `raw`, or None."""
    head_end = raw.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    lines = raw[:head_end].decode("latin-1").split("\r\n")
    match = re.match(r"^HTTP/1\.[01] (\d{3})", lines[0])
    if not match:
        return None
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    body = raw[head_end + 4:]
    length = headers.get("content-length")
    if length is not None and length.isdigit():
        if len(body) < int(length):
            return None
        body = body[:int(length)]
    return int(match.group(1)), headers, body


# ----------------------------------------------------------------------------------------
# A tiny test runner: named test functions, a closing "N passed, N failed" line.
# ----------------------------------------------------------------------------------------

def RunTests(tests, only=None, on_failure=None, stop_on_failure=False):
    """Runs (name, function) pairs in order; prints each result and the closing line. With
    `stop_on_failure` the tests after a failure are not run (a scenario's steps)."""
    passed = failed = 0
    failures = []
    for name, function in tests:
        if only and name not in only:
            continue
        start = time.time()
        try:
            function()
        except Exception as e:  # a failing test reports and the suite goes on
            failed += 1
            failures.append(name)
            detail = "%s: %s" % (type(e).__name__, e)
            print("FAIL %s (%.1fs)\n%s" % (name, time.time() - start, _Indent(detail)), flush=True)
            if on_failure and not isinstance(e, ApiError):
                print(_Indent(on_failure()), flush=True)
            if stop_on_failure:
                print("stopped after the failure of %s" % name)
                break
            continue
        passed += 1
        print("ok   %s (%.1fs)" % (name, time.time() - start), flush=True)
    if failures:
        print("failed: " + ", ".join(failures))
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return failed == 0 and passed > 0


def _Indent(text):
    return "\n".join("    " + line for line in str(text).splitlines())


def WaitFor(what, predicate, timeout, interval=0.1):
    """Polls `predicate` (returning a truthy value when done) until `timeout` seconds."""
    deadline = time.time() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.time() > deadline:
            raise AssertionError("timed out after %ds waiting for %s" % (timeout, what))
        time.sleep(interval)


def Check(condition, message, *details):
    if not condition:
        raise AssertionError(message + "".join("\n" + Shorten(json.dumps(d, indent=1) if not isinstance(d, str)
                                                              else d) for d in details))
