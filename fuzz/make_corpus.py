#!/usr/bin/python3.11
"""Regenerates the seed corpus in fuzz/corpus/ from real executables built by freeze, the test
fixtures' wheels and shared objects, the hostile wheels of the security tests and the example
configs. Run it after a change to the blob format or the wheel checks, then commit the result:

    /usr/bin/python3.11 fuzz/make_corpus.py --freeze build/freeze

Inputs are written in the layout each target expects (see the header of each *_fuzzer.cpp).
"""
import argparse
import json
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))

APP_FILES = {
    "src/seedapp/__init__.py": "from .util import greet\n",
    "src/seedapp/util.py": "def greet(name):\n    return f'hello {name}'\n",
    "src/seedapp/main.py": "import sys\nfrom . import greet\n\ndef main():\n    print(greet(sys.argv[-1]))\n",
    "src/seedapp/data/message.txt": "package data\n",
    "src/nspkg/part/__init__.py": "X = 1\n",
}

# Everything of the stdlib beside the executable: the blob keeps its index entries (with paths)
# but no payload, so the seeds stay small.
SMALL = """
[app]
name = "seed"
entry = "seedapp.main:main"
[stdlib]
include = "none"
[packages]
paths = ["src"]
{extra}
[[routing.rule]]
stdlib = true
location = "filesystem-relative:lib"
{rules}
"""


def put_u32(value):
    return struct.pack("<I", value)


def build(freeze, workdir, name, extra="", rules="", files=APP_FILES):
    project = workdir / name
    for relative, text in files.items():
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (project / "app.toml").write_text(SMALL.format(extra=extra, rules=rules))
    subprocess.run([freeze, "build", project / "app.toml", "-q"], check=True)
    exe = project / "dist" / "seed"
    layout = json.loads(subprocess.run([freeze, "inspect", "--json", exe], check=True, capture_output=True,
                                       text=True).stdout)
    return exe.read_bytes(), layout


def write(directory, name, data):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)


def settings_record(settings):
    out = b""
    for key, value in sorted(settings.items()):
        out += put_u32(len(key.encode())) + key.encode() + put_u32(len(value.encode())) + value.encode()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--freeze", default=str(ROOT / "build" / "freeze"))
    parser.add_argument("--out", default=str(HERE / "corpus"))
    args = parser.parse_args()
    freeze = pathlib.Path(args.freeze).resolve()
    fixtures = freeze.parent / "fixtures"
    out = pathlib.Path(args.out)
    for target in ("blob_reader", "resource", "settings", "wheel", "elf_info", "app_config"):
        shutil.rmtree(out / target, ignore_errors=True)

    with tempfile.TemporaryDirectory(prefix="freeze-corpus-") as tmp:
        workdir = pathlib.Path(tmp)
        wheels = sorted((fixtures / "wheels").glob("*.whl"))
        pure = next(w for w in wheels if w.name.startswith("purewheel"))
        bundled = next(w for w in wheels if w.name.startswith("bundled"))
        apps = {
            "app": build(freeze, workdir, "app"),
            "app-wheel": build(freeze, workdir, "app-wheel", extra=f'wheels = ["{pure}"]'),
            "app-native": build(freeze, workdir, "app-native", extra=f'wheels = ["{bundled}"]',
                                rules='[[routing.rule]]\nname = "bundled"\n'
                                      'location = "prefer-in-memory-fallback-filesystem-relative:lib"\n'),
        }
        for name, (data, layout) in apps.items():
            blob = data[layout["launcher_size"]:]
            write(out / "blob_reader", f"real-{name}", b"\0" + blob)
            write(out / "blob_reader", f"real-{name}-checksummed", b"\1" + blob)
            write(out / "settings", f"real-{name}", settings_record(layout["settings"]))
            for resource in layout["resources"]:
                for part, raw in (("data", "bytecode_size"), ("aux", "source_size")):
                    offset, size = resource.get(f"{part}_offset"), resource.get(f"{part}_stored_size", 0)
                    raw_size = resource.get(raw, resource.get("raw_size")) if part == "data" else resource.get(raw)
                    if not size or raw_size is None or size > 16384:
                        continue
                    write(out / "resource", f"real-{name}-{resource['kind']}-{resource['name']}-{part}".replace("/", "_"),
                          put_u32(raw_size) + data[offset:offset + size])
        write(out / "blob_reader", "trailer-only-checksummed", b"\1" + bytes(64))
        write(out / "resource", "empty", put_u32(0))
        write(out / "settings", "empty", b"")

        from test_security_build import hostile_wheels, WHEEL_NAME  # noqa: E402 (needs sys.path above)
        for wheel in wheels:
            name = wheel.name.encode()
            write(out / "wheel", f"real-{wheel.stem}", bytes([len(name)]) + name + wheel.read_bytes())
        for case, (data, _) in hostile_wheels().items():
            if len(data) > 65536:
                continue
            name = WHEEL_NAME.encode()
            write(out / "wheel", f"hostile-{case}", bytes([len(name)]) + name + data)

        # The elf/ fixtures have version-needed tables of two records (libc.so.6 and a library
        # of their own).
        for library in sorted([*fixtures.glob("bundled-build/**/*.so*"), *fixtures.glob("elf/*.so")]):
            if library.is_symlink():
                continue
            stripped = workdir / library.name
            subprocess.run(["strip", "--strip-all", "-o", stripped, library], check=True)
            write(out / "elf_info", f"real-{library.name}", stripped.read_bytes())

    for example in sorted((ROOT / "examples").glob("*/app.toml")):
        write(out / "app_config", f"example-{example.parent.name}", example.read_bytes())
    write(out / "app_config", "every-key", b"""
[app]
name = "every"
entry = "pkg.main:Main.run"
commands = { every-sub = "pkg.sub", "every.x" = "console_script:x" }
[python]
isolated = false
optimize = 2
[stdlib]
include = "none"
exclude = ["test", "*.tests", "tkinter"]
[packages]
paths = ["src"]
data_files = ["data", "*.conf"]
site_packages = [{ dir = "src", include = ["pkg"] }]
bundle_system_libraries = false
[routing]
default = "prefer-in-memory-fallback-filesystem-relative:lib"
[[routing.rule]]
stdlib = false
kind = ["module", "resource", "metadata", "extension", "shared-library"]
name = ["pkg.*", "other"]
location = "filesystem-relative:lib/sub"
[[routing.rule]]
name = "pkg"
location = "in-memory"
""")
    write(out / "app_config", "code", b'[app]\nname = "c"\ncode = "print(1)"\n')
    write(out / "app_config", "console-script", b'[app]\nname = "c"\nentry = "console_script:tool"\n')
    write(out / "app_config", "hostile-prefix", b'[app]\nname = "c"\nentry = "m"\n[routing]\n'
                                                b'default = "filesystem-relative:../x"\n')
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{out}: {sum(1 for p in out.rglob('*') if p.is_file())} files, {total} bytes")


if __name__ == "__main__":
    main()
