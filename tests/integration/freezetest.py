"""Shared helpers for the integration tests: build real executables with build/freeze and run them."""
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import textwrap
import unittest

FREEZE = os.environ.get("FREEZE", str(pathlib.Path(__file__).resolve().parents[2] / "build" / "freeze"))
SOURCE_DIR = pathlib.Path(os.environ.get("FREEZE_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
# FREEZE_TEST_DISTRIBUTION=DIR runs the suite against a distribution of freeze's own
# (distribution/freeze_distribution.py): every `freeze build` embeds it, and PYTHON, the
# interpreter the frozen programs are compared with, is the distribution's.
DISTRIBUTION = os.environ.get("FREEZE_TEST_DISTRIBUTION") or None


def _distribution_python(directory):
    names = sorted(n for n in os.listdir(os.path.join(directory, "bin")) if re.fullmatch(r"python3\.\d+", n))
    return os.path.join(directory, "bin", names[-1])


PYTHON = os.environ.get("FREEZE_PYTHON") or (_distribution_python(DISTRIBUTION) if DISTRIBUTION else "/usr/bin/python3.11")
PYTHON_VERSION, PYTHON_STDLIB, EXT_SUFFIX = subprocess.run(
    [PYTHON, "-c", "import sys, sysconfig; print('%d.%d' % sys.version_info[:2], sysconfig.get_paths()['stdlib'], "
                   "sysconfig.get_config_var('EXT_SUFFIX'))"],
    capture_output=True, text=True, check=True).stdout.split()
PYTHON_NAME = f"python{PYTHON_VERSION}"  # lib/python3.X in an installation
CPYTHON_TAG = "cpython-" + PYTHON_VERSION.replace(".", "")  # in .pyc and extension module names
# Debian's dist-packages are built for python3.11 alone.
# Debian's python3.11 as the target and the reference: its dist-packages (which a 3.11
# distribution of freeze's can freeze, but whose python does not see them) and its layout
# (stdlib extension modules in lib-dynload, not builtins).
uses_debian_python3_11 = unittest.skipUnless(PYTHON_VERSION == "3.11" and not DISTRIBUTION,
                                             f"needs Debian's python3.11 and its dist-packages, and the target is "
                                             f"{'a distribution of ' if DISTRIBUTION else ''}{PYTHON_NAME}")
# The fixtures (tests/fixtures: C extensions, wheels, LD_PRELOAD shims), built for PYTHON: by the
# build for the CPython it embeds (build/fixtures), or for a distribution's by
# tests/distribution/run_integration.py (FREEZE_TEST_FIXTURES).
FIXTURES = pathlib.Path(os.environ.get("FREEZE_TEST_FIXTURES") or pathlib.Path(FREEZE).resolve().parent / "fixtures")
uses_c_fixtures = unittest.skipUnless((FIXTURES / "site" / f"fixture_cext{EXT_SUFFIX}").exists(),
                                      f"the C fixtures are not built for {PYTHON_NAME} in {FIXTURES}")
# The launcher `freeze build` puts under the app: the build's, or the distribution's.
LAUNCHER = (pathlib.Path(DISTRIBUTION, "bin") if DISTRIBUTION else pathlib.Path(FREEZE).resolve().parent) / "freeze-launcher"
# A distribution of freeze's own compiles the stdlib's extension modules in: none is loaded from memory.
uses_stdlib_extension_files = unittest.skipIf(DISTRIBUTION, "the distribution's stdlib extension modules are builtins")


def installation_path(exe_dir):
    """sys.path of an isolated frozen program: the directories of its installation, which the
    embedded importer answers for from its index."""
    return [f"{exe_dir}/{d}" for d in ("lib/app", f"lib/{PYTHON_NAME}", f"lib/{PYTHON_NAME}/lib-dynload",
                                       f"local/lib/{PYTHON_NAME}/dist-packages")]


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
    """Runs `freeze ARGS` (in `env`, default this process's environment); returns the CompletedProcess (text).
    Against a distribution (FREEZE_TEST_DISTRIBUTION), build and check get --distribution."""
    args = list(args)
    if DISTRIBUTION and args and args[0] in ("build", "check") and "--distribution" not in args:
        args.insert(1, f"--distribution={DISTRIBUTION}")
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
# Debian's directory of python3-* packages: the real packages tests freeze.
DIST_PACKAGES = pathlib.Path("/usr/lib/python3/dist-packages")

PYTHON_INSTALLATIONS = ["/usr/lib/python3.11", str(DIST_PACKAGES), "/usr/local/lib/python3.11",
                        "/usr/lib/python3", os.path.expanduser("~/.pyenv")] + ([DISTRIBUTION] if DISTRIBUTION else [])


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
