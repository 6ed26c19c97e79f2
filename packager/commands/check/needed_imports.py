# What `freeze check` runs under the plain interpreter to find, in one process, the installed
# packages an app needs that its config leaves out (completion.cpp): the frozen app would find
# them one layer per verification round.
#
# argv: N PATH*N SITE_DIR* NAMES_FILE. NAMES_FILE holds "+TOP" lines, the top-level names the
# config includes, "-TOP" lines, names never to allow (the test tools: a module that needs
# pytest is a test), then the modules to import. Imports each module as the frozen app would:
# every other top-level name the site directories have is refused (ModuleNotFoundError), so an
# optional import (try: import numpy / except ImportError) stays without it. When a module fails
# for want of a refused name, that name is needed: it is allowed and the module imported again.
#
# Writes to fd 3, for each module, "=NAME", then "MODULE<TAB>FILE" for each module its import
# loaded; at the end "<IMPORTER<TAB>TOP" for every module outside the stdlib whose code imported
# from the top-level name TOP (an import statement run, or the frame importing it through
# importlib): all of its importers, not only the one that loaded it.
import builtins, importlib.machinery, os, site, sys, sysconfig

count = int(sys.argv[1])
paths = sys.argv[2:2 + count]
site_dirs = sys.argv[2 + count:-1]
sys.path[0:0] = paths
for directory in site_dirs:
    site.addsitedir(directory)
with open(sys.argv[-1], encoding="utf-8") as lines:
    lines = lines.read().split()
allowed = {line[1:] for line in lines if line.startswith("+")}
never_allowed = {line[1:] for line in lines if line.startswith("-")}
names = [line for line in lines if not line.startswith(("+", "-"))]

stdlib_paths = [sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib")]
stdlib_paths.append(os.path.join(stdlib_paths[-1], "lib-dynload"))
stdlib = tuple(os.path.join(path, "") for path in stdlib_paths)
PathFinder = importlib.machinery.PathFinder


def outside_stdlib(file):
    return isinstance(file, str) and not file.startswith("<") and not file.startswith(stdlib)


importers = set()


def record(importer, name):
    if isinstance(importer, str) and importer.isprintable() and "\t" not in importer and name:
        importers.add((importer, name.partition(".")[0]))


original_import = builtins.__import__


def recording_import(name, globals=None, locals=None, fromlist=(), level=0):
    try:
        if globals and outside_stdlib(globals.get("__file__")):
            absolute = name
            if level:
                package = globals.get("__package__") or ""
                absolute = package.rsplit(".", level - 1)[0] + ("." + name if name else "")
            record(globals.get("__name__"), absolute)
    except Exception:
        pass
    return original_import(name, globals, locals, fromlist, level)


refused = set()  # names refused so far, allowed once a module fails for want of one


class RefuseLeftOut:
    """Records who imports a module first, and refuses what the frozen app would not have."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        frame = sys._getframe(1)
        while frame is not None and not outside_stdlib(frame.f_code.co_filename):
            frame = frame.f_back
        if frame is not None:
            record(frame.f_globals.get("__name__"), name)
        if path is not None or name in allowed or name in sys.builtin_module_names:
            return None
        # The app's own packages and the stdlib come first on sys.path, as in the frozen app.
        if PathFinder.find_spec(name, paths) or PathFinder.find_spec(name, stdlib_paths):
            return None
        if PathFinder.find_spec(name, site_dirs):
            refused.add(name)
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def refused_cause(error):
    """The refused name a failed import wants, through the chain of exceptions."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, ImportError) and (error.name or "").partition(".")[0] in refused:
            return error.name.partition(".")[0]
        error = error.__cause__ or error.__context__
    return None


def import_needing(name):
    for _ in range(1000):
        try:
            __import__(name)
            return
        except BaseException as error:
            missing = refused_cause(error)
            if missing is None or missing in allowed or missing in never_allowed:
                return
            allowed.add(missing)


sys.meta_path.insert(0, RefuseLeftOut)
builtins.__import__ = recording_import
seen = set(sys.modules)
with os.fdopen(3, "w", encoding="utf-8", errors="surrogateescape") as out:
    for name in names:
        import_needing(name)
        out.write("=" + name + "\n")
        for loaded in [m for m in sys.modules if m not in seen]:
            seen.add(loaded)
            # Not an alias (cffi puts nacl._sodium in sys.modules as _sodium too).
            if getattr(sys.modules[loaded], "__name__", None) != loaded:
                continue
            path = getattr(sys.modules[loaded], "__file__", None)
            if isinstance(path, str) and "\n" not in path and "\t" not in loaded and not path.startswith("<"):
                out.write(loaded + "\t" + path + "\n")
        out.flush()
    for importer, top in sorted(importers):
        out.write("<" + importer + "\t" + top + "\n")
