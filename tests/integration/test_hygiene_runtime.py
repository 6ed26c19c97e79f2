"""Run-time hygiene of frozen executables (issue #6, part 4): nothing is extracted to a temp
dir or written anywhere at start-up (checked with strace); the executable runs on a read-only
filesystem, with a noexec /tmp and /dev/shm, and with HOME unset (checked in a private mount
namespace); in isolated mode (the default) PYTHONPATH, PYTHONHOME, PYTHONSTARTUP, PYTHONINSPECT,
the user site and the other PYTHON* variables cannot inject code; and runtime code cannot
replace an embedded module's bytes (files planted where __file__ points, the executable
replaced on disk while it runs, writes to the running file)."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import unittest

from freezetest import (DISTRIBUTION, PYTHON_NAME, TempDirTestCase, build_app, clean_env, installation_path, run,
                        write_tree)

APP = {
    "src/hyg/__init__.py": "",
    "src/hyg/values.py": "VALUE = 'embedded value'\n",
    "src/hyg/late.py": "LATE = 'late import, version 1'\n",
    "src/hyg/data/info.txt": "embedded data\n",
    "src/hyg/main.py": r'''
import errno, importlib, importlib.resources, json, os, sys

def facts():
    import _json, decimal, hashlib  # extension modules (lib-dynload, in memory) and what they need
    from hyg import values
    return {
        "value": values.VALUE,
        "data": importlib.resources.files("hyg").joinpath("data/info.txt").read_text(),
        "decimal": str(decimal.Decimal(1) / decimal.Decimal(8)),
        "sha": hashlib.sha256(b"x").hexdigest()[:8],
        "path": sys.path,
        "flags": [sys.flags.isolated, sys.flags.ignore_environment, sys.flags.no_user_site, sys.flags.inspect,
                  sys.flags.verbose, sys.flags.debug, sys.flags.optimize, sys.flags.bytes_warning],
        "warnoptions": sys.warnoptions,
        "stdout_encoding": sys.stdout.encoding,
        "modules_from_disk": sorted(name for name, module in list(sys.modules.items())
                                    if type(getattr(getattr(module, "__spec__", None), "loader", None)).__name__
                                    in ("SourceFileLoader", "SourcelessFileLoader")),
    }

def plant_paths():
    # Exactly where __file__ and __path__ say the modules are.
    from hyg import values
    here = os.path.dirname(values.__file__)
    return [(values.__file__, "VALUE = 'planted on disk'\n"), (os.path.join(here, "late.py"), "LATE = 'planted'\n"),
            (os.path.join(here, "evil.py"), "EVIL = 'planted'\n"),
            (os.path.join(os.path.dirname(here), "json", "__init__.py"), "raise SystemExit('planted json')\n")]

def plant_and_reimport():
    # The files were planted from outside (the embedded tree is read-only from inside): import again.
    from hyg import values
    planted = [path for path, text in plant_paths() if open(path).read() == text]
    importlib.invalidate_caches()
    importlib.reload(values)
    from hyg import late
    del sys.modules["json"]
    import json as json_again
    try:
        import hyg.evil
        evil = "imported"
    except ImportError:
        evil = "not importable"
    return {"value": values.VALUE, "late": late.LATE, "evil": evil, "json": json_again.dumps([1]),
            "planted": len(planted)}

def write_self():
    try:
        open(sys.executable, "r+b").close()
        return "writable"
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno))

def main():
    command = sys.argv[1] if len(sys.argv) > 1 else "facts"
    if command == "facts":
        print(json.dumps(facts()))
    elif command == "plant-paths":
        print(json.dumps(plant_paths()))
    elif command == "plant":
        print(json.dumps(plant_and_reimport()))
    elif command == "write-self":
        print(write_self())
    elif command == "wait-then-import":
        print("ready", flush=True)
        sys.stdin.readline()
        from hyg import late
        print(late.LATE)
    elif command == "maps":
        # How this process maps the blob part of its own file (after the launcher's ELF image,
        # whose data segment is writable as in any program): never writable.
        import struct
        exe = os.path.realpath(sys.executable)
        size = os.path.getsize(exe)
        with open(exe, "rb") as f:
            f.seek(size - 64)
            blob_size = struct.unpack_from("<Q", f.read(64), 8)[0]
        blob_start = size - blob_size
        found = []
        for line in open("/proc/self/maps"):
            fields = line.split()
            if len(fields) < 6 or os.path.realpath(fields[5]) != exe:
                continue
            low, high = (int(x, 16) for x in fields[0].split("-"))
            offset = int(fields[2], 16)
            if offset + (high - low) > blob_start:
                found.append(fields[1])
        print(json.dumps({"blob_start": blob_start, "blob_mappings": found}))
''',
}
TOML = '[app]\nname = "hyg"\nentry = "hyg.main:main"\n[packages]\npaths = ["src"]\n'

EXPECTED_VALUE = "embedded value"


def can_unshare():
    return os.geteuid() == 0 and subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0




class HygieneTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = build_app(cls.tmp / "project", TOML, APP)

    def facts(self, result):
        self.assertEqual(result.returncode, 0, result.stderr)
        facts = json.loads(result.stdout.splitlines()[-1])
        self.assertEqual(facts["value"], EXPECTED_VALUE)
        self.assertEqual(facts["data"], "embedded data\n")
        self.assertEqual(facts["decimal"], "0.125")
        self.assertEqual(facts["modules_from_disk"], [])
        return facts

    # ---- nothing written, nothing extracted ---------------------------------------------------

    @unittest.skipUnless(shutil.which("strace"), "strace is not installed")
    def test_nothing_is_written_at_start_up(self):
        log = self.tmp / "strace.log"
        traced = ("open,openat,openat2,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir,"
                  "symlink,symlinkat,link,linkat,truncate,chmod,fchmodat,chown,fchownat,mknod,mknodat,"
                  "memfd_create,execve")
        # (LeakSanitizer, in a sanitizer build, cannot work under ptrace.)
        result = run(["strace", "-f", "-qq", "-e", f"trace={traced}", "-o", log, self.exe],
                     env=clean_env(ASAN_OPTIONS="detect_leaks=0"))
        self.facts(result)
        calls = log.read_text().splitlines()
        writes = [c for c in calls if re.search(r"O_(WRONLY|RDWR|CREAT|TRUNC)", c) and "/dev/null" not in c
                  or re.search(r"\b(creat|mkdir|mkdirat|rename\w*|unlink\w*|rmdir|symlink\w*|link\w*|truncate|"
                               r"chmod|fchmodat|chown|fchownat|mknod\w*)\(", c)]
        self.assertEqual(writes, [], "the executable wrote to the filesystem")
        temp_dirs = [c for c in calls if re.search(r'"(/tmp|/var/tmp|/dev/shm)', c) and "execve(" not in c
                     and str(self.exe) not in c]
        self.assertEqual(temp_dirs, [], "the executable touched a temp directory")
        # Native code is loaded from anonymous memory files, not from files it wrote (a
        # distribution of freeze's own has the stdlib's extension modules compiled in).
        if not DISTRIBUTION:
            self.assertTrue(any("memfd_create(" in c for c in calls), "expected extension modules from memory")
        self.assertEqual(sum("execve(" in c for c in calls), 1, "the executable re-executed something")

    @unittest.skipUnless(can_unshare(), "needs root and unshare -m")
    def test_read_only_filesystem_noexec_tmp_and_no_home(self):
        # A private mount namespace: / read-only, /tmp and /dev/shm noexec (the executable's own
        # directory is bind-mounted read-only but executable), HOME unset.
        exe_dir = self.exe.parent
        script = f"""
            set -e
            mount --bind /tmp /tmp && mount -o remount,bind,noexec,nosuid,nodev /tmp
            mount -o remount,bind,noexec,nosuid,nodev /dev/shm
            mount --bind "{exe_dir}" "{exe_dir}" && mount -o remount,bind,ro,exec "{exe_dir}"
            mount -o remount,bind,ro /
            if touch /freeze-ro-probe 2>/dev/null || touch "{exe_dir}/probe" 2>/dev/null; then echo WRITABLE; exit 3; fi
            cp /bin/true /tmp/freeze-noexec-probe-$$ && if /tmp/freeze-noexec-probe-$$ 2>/dev/null; then echo EXEC; exit 4; fi
            rm -f /tmp/freeze-noexec-probe-$$
            exec env -u HOME "{self.exe}"
        """
        result = run(["unshare", "-m", "sh", "-c", script], env=clean_env())
        self.assertNotIn("WRITABLE", result.stdout)
        self.assertNotIn("EXEC", result.stdout)
        self.facts(result)

    def test_home_unset_and_unwritable_cwd(self):
        env = clean_env()
        env.pop("HOME", None)
        cwd = self.tmp / "readonly-cwd"
        cwd.mkdir(exist_ok=True)
        os.chmod(cwd, 0o555)
        self.facts(run([self.exe], env=env, cwd=cwd))
        self.assertEqual(list(cwd.iterdir()), [])

    # ---- isolation ----------------------------------------------------------------------------

    def test_python_environment_cannot_inject_code(self):
        evil = self.tmp / "evil"
        marker = self.tmp / "injected"
        payload = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
        # Modules that shadow the app's own and the stdlib's, on every path python would look at.
        write_tree(evil, {"hyg/__init__.py": payload, "hyg/values.py": payload + "VALUE = 'from PYTHONPATH'\n",
                          "json/__init__.py": payload, "decimal.py": payload, "encodings/__init__.py": payload,
                          "sitecustomize.py": payload, "usercustomize.py": payload, "startup.py": payload,
                          f"lib/{PYTHON_NAME}/os.py": payload, "evil.pth": f"import os; {payload}"})
        home = self.tmp / "home"
        user_site = home / ".local" / "lib" / PYTHON_NAME / "site-packages"
        write_tree(user_site, {"usercustomize.py": payload, "hyg/__init__.py": payload, "evil.pth": f"import os; {payload}"})
        env = clean_env(PYTHONPATH=f"{evil}:{user_site}", PYTHONHOME=str(evil), PYTHONSTARTUP=str(evil / "startup.py"),
                        PYTHONINSPECT="1", PYTHONUSERBASE=str(home / ".local"), HOME=str(home),
                        PYTHONVERBOSE="2", PYTHONDEBUG="1", PYTHONOPTIMIZE="2", PYTHONWARNINGS="error",
                        PYTHONDONTWRITEBYTECODE="", PYTHONPYCACHEPREFIX=str(evil / "cache"),
                        PYTHONIOENCODING="latin-1", PYTHONBREAKPOINT="evil.hook", PYTHONPLATLIBDIR="evil",
                        PYTHONSAFEPATH="", PYTHONNOUSERSITE="", PYTHONMALLOC="debug", PYTHONEXECUTABLE=str(evil))
        # PYTHONINSPECT would start a REPL after the app: this is what it would read.
        result = run([self.exe], env=env, cwd=evil,
                     input=f"import os\nos.write(1, b'REPL RAN')\nexec(open({str(evil / 'startup.py')!r}).read())\n")
        facts = self.facts(result)
        self.assertNotIn("REPL RAN", result.stdout)
        self.assertFalse(marker.exists(), f"code was injected: {marker.read_text() if marker.exists() else ''}")
        self.assertEqual(facts["path"], installation_path(self.exe.parent))  # no PYTHONPATH, no user site
        self.assertEqual(facts["flags"], [1, 1, 1, 0, 0, 0, 0, 0])
        self.assertEqual(facts["warnoptions"], [])
        self.assertEqual(facts["stdout_encoding"].lower().replace("-", ""), "utf8")
        self.assertNotIn("import ", result.stderr)  # no PYTHONVERBOSE import trace
        self.assertEqual(result.stderr, "")
        self.assertEqual(list((evil / "cache").glob("**/*")) if (evil / "cache").exists() else [], [])

    # ---- embedded bytes cannot be replaced ----------------------------------------------------

    def test_files_planted_beside_the_executable_are_not_imported(self):
        copy_dir = self.tmp / "plant"
        copy_dir.mkdir(exist_ok=True)
        copy = copy_dir / "hygcopy"
        shutil.copy2(self.exe, copy)
        paths = run([copy, "plant-paths"], env=clean_env())
        self.assertEqual(paths.returncode, 0, paths.stderr)
        for path, text in json.loads(paths.stdout):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            pathlib.Path(path).write_text(text)
        result = run([copy, "plant"], env=clean_env())
        self.assertEqual(result.returncode, 0, result.stderr)
        facts = json.loads(result.stdout)
        self.assertEqual(facts["planted"], 4)
        self.assertEqual(facts["value"], EXPECTED_VALUE)
        self.assertEqual(facts["late"], "late import, version 1")
        self.assertEqual(facts["evil"], "not importable")
        self.assertEqual(facts["json"], "[1]")
        self.assertTrue((copy_dir / "lib/app/hyg/values.py").is_file())  # the files were really there

    def test_site_directories_beside_the_executable_are_not_processed(self):
        # sys.prefix is the executable's directory: the site-packages directories python would
        # derive from it (Debian's dist-packages included) must not run .pth files or
        # sitecustomize/usercustomize, nor reach sys.path, in isolated mode.
        copy_dir = self.tmp / "site-beside"
        marker = self.tmp / "site-injected"
        for site in [f"lib/{PYTHON_NAME}/site-packages", "lib/python3/dist-packages", f"local/lib/{PYTHON_NAME}/dist-packages",
                     "lib/site-packages", f"lib64/{PYTHON_NAME}/site-packages"]:
            payload = f"open({str(marker)!r}, 'a').write({site!r} + '\\n')\n"
            write_tree(copy_dir / site, {"evil.pth": f"import os; {payload}", "sitecustomize.py": payload,
                                         "usercustomize.py": payload, "hyg_extra.py": payload})
        copy = copy_dir / "hygcopy"
        shutil.copy2(self.exe, copy)
        facts = self.facts(run([copy], env=clean_env()))
        self.assertFalse(marker.exists(), f"code beside the executable ran at start-up: "
                                          f"{marker.read_text() if marker.exists() else ''}")
        self.assertEqual(facts["path"], installation_path(copy_dir))

    def test_running_file_cannot_be_written_and_is_mapped_read_only(self):
        result = run([self.exe, "write-self"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "ETXTBSY")
        maps = run([self.exe, "maps"])
        self.assertEqual(maps.returncode, 0, maps.stderr)
        permissions = json.loads(maps.stdout)["blob_mappings"]
        self.assertTrue(all("w" not in p for p in permissions), permissions)

    def test_replacing_the_file_while_it_runs_changes_nothing(self):
        # A new build renamed over the running executable (as `freeze build` does): modules the
        # running process imports afterwards still come from its own, original file.
        project = self.tmp / "replace"
        exe = build_app(project, TOML, APP)
        proc = subprocess.Popen([str(exe), "wait-then-import"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            self.assertEqual(proc.stdout.readline(), "ready\n")
            (project / "src" / "hyg" / "late.py").write_text("LATE = 'late import, version 2'\n")
            build_app(project, TOML, {})
            self.assertEqual(run([exe, "wait-then-import"], input="\n").stdout.splitlines()[-1],
                             "late import, version 2")
            out, err = proc.communicate("\n", timeout=60)
        finally:
            proc.kill()
        self.assertEqual(proc.returncode, 0, err)
        self.assertEqual(out.splitlines()[-1], "late import, version 1")


if __name__ == "__main__":
    unittest.main()
