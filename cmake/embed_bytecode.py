"""Compiles a Python source file to marshalled bytecode in a C++ header (build step).

    embed_bytecode.py SOURCE HEADER SYMBOL FILENAME

Run with the python3.11 whose static library the launcher links: the bytecode format is the
interpreter's own. FILENAME is the code's co_filename (what tracebacks show).
"""
import marshal
import sys

source_path, header_path, symbol, filename = sys.argv[1:5]
with open(source_path, encoding="utf-8") as source:
    code = compile(source.read(), filename, "exec", dont_inherit=True, optimize=0)
data = marshal.dumps(code)
lines = [", ".join(str(b) for b in data[i:i + 24]) for i in range(0, len(data), 24)]
with open(header_path, "w", encoding="ascii") as header:
    header.write(f"// Generated from {source_path.rsplit('/', 1)[-1]} by cmake/embed_bytecode.py: do not edit.\n")
    header.write("#pragma once\n\n")
    header.write(f"inline constexpr unsigned char {symbol}[] = {{\n  " + ",\n  ".join(lines) + "\n};\n")
