"""The build's Python services, served by the target interpreter over stdin/stdout: the
packager runs this (with scan_imports.py before it) in the `python3.X` of the distribution an
app is frozen for, so that bytecode, source hashes and import scans come from exactly the
version the executable embeds (packager/build/python_process.cpp is the other end).

Each message, either way, is one JSON header line, then the raw bytes its "sizes" list
announces, one part after another. Requests: {"op": ..., "sizes": [...], ...arguments}; replies:
{"ok": true, "sizes": [...], ...results} or {"ok": false, "error": "Type: message"}."""
import importlib.util
import json
import marshal
import sys


def _describe(op):
    return {"version": sys.version.split()[0], "magic": importlib.util.MAGIC_NUMBER.hex(),
            "cache_tag": sys.implementation.cache_tag, "stdlib": __import__("sysconfig").get_path("stdlib")}, []


def _compile(op, source):
    # compile() on bytes honours the PEP 263 coding cookie and BOM, like the import system.
    code = compile(source, op["filename"], "exec", dont_inherit=True, optimize=op["optimize"])
    text = importlib.util.decode_source(source).encode("utf-8", "surrogatepass")
    return {}, [marshal.dumps(code), text]


def _source_hash(op, source):
    return {}, [importlib.util.source_hash(source)]


def _imported_names(op, source):
    text = source.decode("utf-8", "replace")
    return {"names": imported_names(text, op["module"], op["is_package"], op["scope"], op["stdlib"], op["as_main"])}, []


def _is_frozen(op):
    return {"frozen": bool(is_frozen(op["module"]))}, []


_OPERATIONS = {"describe": _describe, "compile": _compile, "source_hash": _source_hash,
               "imported_names": _imported_names, "is_frozen": _is_frozen}


def _serve(requests, replies):
    while True:
        header = requests.readline()
        if not header:
            return
        op = json.loads(header)
        parts = [requests.read(size) for size in op.get("sizes", [])]
        try:
            result, payload = _OPERATIONS[op["op"]](op, *parts)
            result.update(ok=True, sizes=[len(part) for part in payload])
        except Exception as error:  # reported to the packager, which names the module
            result, payload = {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}, []
        replies.write(json.dumps(result).encode("utf-8") + b"\n")
        for part in payload:
            replies.write(part)
        replies.flush()


_serve(sys.stdin.buffer, sys.stdout.buffer)
