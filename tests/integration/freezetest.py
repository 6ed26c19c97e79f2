"""Shared helpers for the integration tests: build real executables with build/freeze and run them."""
import os
import pathlib
import shutil
import subprocess
import tempfile
import textwrap
import unittest

FREEZE = os.environ.get("FREEZE", str(pathlib.Path(__file__).resolve().parents[2] / "build" / "freeze"))
SOURCE_DIR = pathlib.Path(os.environ.get("FREEZE_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
PYTHON = os.environ.get("FREEZE_PYTHON", "/usr/bin/python3.11")


def write_tree(root, files):
    """Writes {relative path: text} under root (text is dedented)."""
    root = pathlib.Path(root)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text))
    return root


def copy_example(name, dest):
    """Copies examples/NAME to dest, without build output; returns dest."""
    shutil.copytree(SOURCE_DIR / "examples" / name, dest, ignore=shutil.ignore_patterns("dist", "__pycache__"))
    return dest


def freeze(*args, cwd=None, check=True, env=None):
    """Runs `freeze ARGS` (in `env`, default this process's environment); returns the CompletedProcess (text)."""
    result = subprocess.run([FREEZE, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"freeze {' '.join(map(str, args))} failed ({result.returncode}):\n{result.stderr}")
    return result


def build_app(project_dir, toml, files=None, output=None):
    """Writes app.toml (+ files) into project_dir, builds, returns the executable path."""
    project_dir = pathlib.Path(project_dir)
    write_tree(project_dir, dict(files or {}, **{"app.toml": toml}))
    args = ["build", project_dir / "app.toml", "-q"]
    if output is not None:
        args += ["-o", output]
    freeze(*args)
    name = next(line.split("=", 1)[1].strip().strip('"') for line in (project_dir / "app.toml").read_text().splitlines()
                if line.strip().startswith("name"))
    return pathlib.Path(output or project_dir / "dist") / name


def untraced_leak_checks(env=None):
    """`env` (default: this process's) for a program run under strace: LeakSanitizer cannot run
    under ptrace, so a sanitizer build checks no leaks there (everything else stays checked)."""
    env = dict(os.environ if env is None else env)
    if os.environ.get("FREEZE_SANITIZED"):
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    return env


def run(argv, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 120)
    if argv and os.path.basename(str(argv[0])) == "strace":
        kwargs["env"] = untraced_leak_checks(kwargs.get("env"))
    return subprocess.run([str(a) for a in argv], **kwargs)


def clean_env(**extra):
    """A minimal environment (no PYTHON* variables from the caller)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(extra)
    return env


class TempDirTestCase(unittest.TestCase):
    """Gives each test class a temporary directory, removed afterwards."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = pathlib.Path(tempfile.mkdtemp(prefix=f"freeze-{cls.__name__}-"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)


# Every Python installation of this machine (and the pyenv ones on PATH): hidden by run_hidden.
PYTHON_INSTALLATIONS = ["/usr/lib/python3.11", "/usr/lib/python3/dist-packages", "/usr/local/lib/python3.11",
                        "/usr/lib/python3", os.path.expanduser("~/.pyenv")]


def can_hide_pythons():
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


def run_hidden(argv, **kwargs):
    """Runs argv with every Python installation hidden (empty directories bind-mounted over
    them in a private mount namespace), in a clean environment; the caller checks
    can_hide_pythons() first. python3.11 itself fails to start there."""
    empty = tempfile.mkdtemp(prefix="freeze-empty-")
    mounts = [f"mount --bind {empty} {path}" for path in PYTHON_INSTALLATIONS if os.path.isdir(path)]
    command = " ".join("'" + str(a).replace("'", "'\\''") + "'" for a in argv)
    script = " && ".join(mounts + [f"exec {command}"])
    kwargs.setdefault("env", clean_env())
    try:
        return run(["unshare", "-m", "sh", "-c", script], **kwargs)
    finally:
        os.rmdir(empty)
