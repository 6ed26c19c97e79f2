# The verification program of `freeze check`. freeze builds a copy of the app from the same
# config with this as app.code, then runs it without arguments (with [python] interpreter = true
# an argument that names a file would be run as a script), the environment naming its inputs:
# FREEZE_CHECK_MANIFEST (a file), FREEZE_CHECK_FIRST (the first check to run) and
# FREEZE_CHECK_PROBE (the virtual path of an in-memory module), and under the plain interpreter
# FREEZE_CHECK_REFUSE (top-level names to refuse, comma-separated: python then lacks them as
# the frozen app does), with fd 3 open for the results
# and fds 1 and 2 on a log file. MANIFEST has one check per line, tab-separated:
#   entry  MODULE  FUNCTION  CONSOLE_SCRIPT
#   module NAME  HAS_DATA_BESIDE_IT(0/1)  IN_MEMORY(0/1: not the stdlib's, embedded in memory)
#   resource NAME  PACKAGE  RELATIVE_PATH  RAW_SIZE
#   metadata DIRECTORY  FILE ...
#   entry_point GROUP  NAME  VALUE   (an entry point of an included distribution: loaded)
# For each check it writes "B<TAB>index<TAB>log_offset" before and "K<TAB>index" (passed), or
# "F<TAB>index<TAB>type<TAB>message<TAB>where<TAB>traceback<TAB>missing_module<TAB>filename<TAB>tried_first"
# (failed; tried_first: the import whose ImportError the failed one was the fallback of), or
# "W<TAB>index<TAB>message" (a warning) after, each preceded by
# "M<TAB>index<TAB>name<TAB>importer" for every module that no finder found during the check (an
# optional import a try/except swallowed included; importer: the module whose code asked, or "")
# and, for a module that names sys.executable, "X<TAB>index<TAB>where", for an in-memory one that
# starts programs and builds paths from __file__, "P<TAB>index<TAB>where", and for each warning
# shown during the check (one the warnings filters let through, as python prints it),
# "V<TAB>index<TAB>category<TAB>message<TAB>module"; "E" at the end.
# log_offset is where the check's own output starts in the log, so that a crash is shown with
# what it printed only.
# First comes "I<TAB>files_readable<TAB>0/1": whether the probe can be opened by path.
# Fields escape backslash, tab, CR and newline. Only modules every interpreter has are used
# (sys, os and builtins): the app's config may leave the rest of the standard library out.
import builtins
import os
import sys

_out = os.fdopen(3, "w", encoding="utf-8", errors="backslashreplace")


def _escape(value):
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _emit(*fields):
    _out.write("\t".join(_escape(field) for field in fields) + "\n")
    _out.flush()


def _traceback_text(exc):
    try:
        import traceback
        return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    except BaseException:
        lines = ["Traceback (most recent call last):"]
        tb = exc.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            lines.append(f'  File "{code.co_filename}", line {tb.tb_lineno}, in {code.co_name}')
            tb = tb.tb_next
        lines.append(f"{type(exc).__name__}: {exc}")
        return "\n".join(lines) + "\n"


def _where(exc):
    """The innermost frame outside this script: 'file:line in function'."""
    tb = exc.__traceback__
    last = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename != "<app.code>" and not tb.tb_frame.f_code.co_filename.startswith("<frozen "):
            last = tb
        tb = tb.tb_next
    if last is None:
        return ""
    code = last.tb_frame.f_code
    return f"{code.co_filename}:{last.tb_lineno} in {code.co_name}"


def _import(name):
    __import__(name)
    return sys.modules[name]


def check_entry(module, function, console_script):
    if console_script:
        try:
            from importlib.metadata import entry_points
        except ImportError:
            raise ImportError("app.entry = console_script:" + console_script +
                              " needs importlib.metadata, which [stdlib] leaves out") from None
        declared = entry_points(group="console_scripts")
        found = [ep for ep in declared if ep.name == console_script]
        if not found:
            names = ", ".join(sorted({ep.name for ep in declared})) or "none"
            raise LookupError(f"no included distribution declares the console script {console_script!r} "
                              f"(they declare: {names})")
        target = found[0].load()
        if not callable(target):
            raise TypeError(f"console script {console_script!r} ({found[0].value}) is not callable")
        return
    if not function:
        # Run as __main__: it must be found (a package needs a __main__ submodule), and what it
        # imports must import. It is not imported itself: that would run the program.
        from importlib.util import find_spec
        spec = find_spec(module)
        if spec is None:
            raise ModuleNotFoundError(f"No module named {module!r}", name=module)
        if spec.submodule_search_locations is not None:
            spec = find_spec(module + ".__main__")
            if spec is None:
                raise ModuleNotFoundError(f"No module named {module + '.__main__'!r}; {module!r} is a package "
                                          "and cannot be directly executed", name=module + ".__main__")
        _import_what_a_script_imports(spec)
        return
    target = _import(module)
    for part in function.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"{module}:{function} is not callable (it is a {type(target).__name__})")


def _catches_import_errors(handler):
    """Whether an except clause catches ImportError: its type is ImportError, one of its bases or bare."""
    import ast
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(n is None or getattr(n, "id", getattr(n, "attr", None)) in
               ("ImportError", "ModuleNotFoundError", "Exception", "BaseException") for n in names)


def _is_main_guard(test):
    """`__name__ == "__main__"` (either way round)."""
    import ast
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return (any(isinstance(side, ast.Name) and side.id == "__name__" for side in sides) and
            any(isinstance(side, ast.Constant) and side.value == "__main__" for side in sides))


def _script_imports(tree, package):
    """(module, names from it, line) for the imports a script run as __main__ makes whatever its
    input: at module level, under its main guard, in with-blocks, class bodies and the top level
    of its functions; not those in other conditions or in a try that handles their failure."""
    import ast
    found = []

    def visit(body):
        for node in body:
            if isinstance(node, ast.Import):
                found.extend((alias.name, (), node.lineno) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module
                if node.level:
                    if not package:
                        continue  # a relative import in a top-level script fails under python alike
                    from importlib.util import resolve_name
                    base = resolve_name("." * node.level + (node.module or ""), package)
                found.append((base, tuple(a.name for a in node.names if a.name != "*"), node.lineno))
            elif isinstance(node, ast.If) and _is_main_guard(node.test):
                visit(node.body)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.With, ast.AsyncWith)):
                visit(node.body)
            elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
                if not any(_catches_import_errors(h) for h in node.handlers):
                    visit(node.body)
                visit(node.finalbody)

    visit(tree.body)
    return found


def _import_name_from(base, name):
    """`from base import name` for a name the module does not define: its submodule, as import does."""
    try:
        _import(base + "." + name)
    except ModuleNotFoundError as exc:
        if exc.name != base + "." + name:
            raise
        raise ImportError(f"cannot import name {name!r} from {base!r}", name=base) from None


def _import_what_a_script_imports(spec):
    """Imports what the entry script imports unconditionally (_script_imports), as module checks
    import modules. Without ast or the script's source, there is nothing to read it from."""
    try:
        import ast
        source = spec.loader.get_source(spec.name)
    except (ImportError, AttributeError):
        return
    if not source:
        return
    package = spec.parent if spec.submodule_search_locations is None else spec.name
    where = os.path.basename(spec.origin or spec.name)
    for base, names, line in _script_imports(ast.parse(source), package):
        try:
            imported = _import(base)
            for name in names:
                if not hasattr(imported, name):
                    _import_name_from(base, name)
        except ImportError as exc:
            message = f"{exc} (imported by {where} line {line})"
            try:
                raised = type(exc)(message, name=exc.name, path=exc.path)
            except TypeError:  # an ImportError subclass of other arguments
                raised = ImportError(message, name=exc.name, path=exc.path)
            raise raised from exc


def _source_of(name, module):
    """The module's source as text, or None. Some loaders hand back bytes (ansible's collection
    loader for ansible_collections.*), though get_source() should give str."""
    loader = getattr(module, "__loader__", None)
    try:
        source = loader.get_source(name) if loader is not None else None
    except BaseException:
        return None
    if isinstance(source, (bytes, bytearray)):
        return bytes(source).decode("utf-8", "replace")
    return source if isinstance(source, str) else None


def _file_warnings(name, source):
    """Lines that build paths from __file__ in a module whose package has data files in memory."""
    for number, line in enumerate(source.splitlines(), 1):
        code = line.split("#", 1)[0]
        if "__file__" in code and any(word in code for word in ("open(", "os.path", "Path(", "listdir", "dirname",
                                                                "join(", "parent", "glob")):
            yield f"{name} line {number}: {line.strip()}"


# Whether embedded files can be opened by path (an in-memory module's __file__ exists): then
# paths built from __file__ work and are no longer worth a warning.
_files_readable = False


# The first line of each checked module that hands sys.executable on, reported as "X" lines: in
# a frozen app it is the app, which runs a python command line built with it only in
# interpreter mode.
_executable_uses = []
# The same for the line that builds a path from __file__ in an in-memory module starting programs.
_program_paths = []
# The same for the first line that tests sys.frozen, while the app sets it.
_frozen_tests = []


def _tests_frozen(line):
    """getattr(sys, "frozen", ...), hasattr(sys, 'frozen') or sys.frozen, outside a comment
    (no re: the app's stdlib may leave it out)."""
    code = "".join(line.split("#", 1)[0].split())
    if "(sys,'frozen'" in code or '(sys,"frozen"' in code:
        return True
    at = code.find("sys.frozen")
    return at >= 0 and not code[at + len("sys.frozen"):at + len("sys.frozen") + 1].isidentifier()


def _hands_on_executable(line):
    """A command line that starts with it (`[sys.executable, "-m", "pip"]`) or an interpreter
    setting (ansible's `ansible_python_interpreter = sys.executable`); not in a string (an odd
    number of quotes before it), nor what only reads or prints it (packaging opens its ELF header)."""
    code = line.split("#", 1)[0]
    at = code.find("sys.executable")
    if at < 0:
        return False
    before = code[:at]
    if (before.count("'") + before.count('"')) % 2:
        return False
    before = before.rstrip()
    if before.endswith("["):
        return True
    return before.endswith("=") and not before.endswith("==") and "interp" in before.lower()


# Calls that start another program (subprocess, os.exec*/spawn*/system, asyncio, twisted).
_PROGRAM_STARTS = ("Popen(", "check_output(", "check_call(", "subprocess.run(", "subprocess.call(", "os.exec",
                   "os.spawn", "os.posix_spawn", "os.system(", "create_subprocess_exec(", "spawnProcess(")


_PATH_BUILDING = ("dirname(", "Path(", "join(", "parent", "abspath(", "realpath(", "sibling(", "sibpath(")


def _path_for_programs(name, source):
    """The first line building a path from __file__ (os.path.dirname(__file__), Path(__file__).parent)
    in a module that also starts programs (virtualenv runs another python on its py_info.py), or
    None: an in-memory file exists for this process only. Comments and the code run only as a
    script (below `if __name__ == "__main__":`) aside."""
    lines = source.splitlines()
    code = []
    for line in lines:
        if line.startswith("if __name__ =="):
            break
        code.append(line.split("#", 1)[0])
    if not any(start in line for line in code for start in _PROGRAM_STARTS):
        return None
    for number, line in enumerate(code, 1):
        if "__file__" in line and any(word in line for word in _PATH_BUILDING):
            return f"{name} line {number}: {lines[number - 1].strip()}"
    return None


def check_module(name, has_data, in_memory="0"):
    module = _import(name)
    try:
        return _scan_source(name, _source_of(name, module) or "", has_data, in_memory)
    except Exception:  # the scans only add notes: their own failure is never the module's
        return []


def _scan_source(name, source, has_data, in_memory):
    """The notes a module's source gives: sys.executable handed on, sys.frozen tested, paths for other programs,
    and (as warnings) paths built from __file__ beside in-memory data."""
    # One pass over the lines, each note taking the first line that shows it.
    notes = [(_hands_on_executable, _executable_uses)]
    if hasattr(sys, "frozen"):
        notes.append((_tests_frozen, _frozen_tests))
    for number, line in enumerate(source.splitlines(), 1):
        for note in list(notes):
            shows, found = note
            if shows(line):
                found.append(f"{name} line {number}: {line.strip()}")
                notes.remove(note)
        if not notes:
            break
    if in_memory == "1":
        _program_paths.append(_path_for_programs(name, source))
    if has_data == "1" and not _files_readable and source:
        return list(_file_warnings(name, source))
    return []


_resources_files = None


def check_resource(name, package, relative, raw_size):
    global _resources_files
    import _freeze_importer
    data = None
    # Read as the app would, through the package, where freeze's importer loaded it: a package
    # that another loader took over (ansible's collection loader) answers for itself, and
    # python's importlib.resources fails on it alike.
    spec = getattr(sys.modules.get(package), "__spec__", None) if package else None
    if getattr(spec, "loader", None) is _freeze_importer.importer:
        if _resources_files is None:
            try:
                from importlib.resources import files
                _resources_files = files
            except ImportError:
                _resources_files = False
        if _resources_files:
            data = _resources_files(package).joinpath(relative).read_bytes()
    if data is None:
        data = _freeze_importer.read_file(_freeze_importer.RESOURCE, name)
    if int(raw_size) and len(data) != int(raw_size):
        raise ValueError(f"read {len(data)} bytes, expected {raw_size}")


def check_metadata(directory, *files):
    try:
        import importlib.metadata as metadata
    except ImportError:
        metadata = None
    if metadata is not None:
        name = directory.rsplit(".", 1)[0].split("-", 1)[0]
        # A distribution can have two metadata directories (Debian's cryptography has a
        # .dist-info and a versionless .egg-info), and distribution(name) gives the first: this
        # one is found if any of that name has a name, a version and all of its files.
        found = list(metadata.distributions(name=name))
        if not found:
            # A module checked before may have taken the path finder off sys.meta_path
            # (awscli's TopLevelImportAliasFinder replaces it, and python then finds no
            # distributions either): the files are still read through it.
            from importlib.machinery import PathFinder
            found = list(PathFinder.find_distributions(metadata.DistributionFinder.Context(name=name)))
        found = found or [metadata.distribution(name)]
        problems = []
        for distribution in found:
            if not distribution.metadata or not distribution.version:
                problems.append(ValueError(f"importlib.metadata finds {name!r} without a name or version"))
                continue
            unreadable = [file for file in files if file and distribution.read_text(file) is None]
            if not unreadable:
                return
            problems.append(FileNotFoundError(f"importlib.metadata cannot read {directory}/{unreadable[0]}"))
        raise problems[-1]
    else:
        import _freeze_importer
        for file in files:
            _freeze_importer.read_file(_freeze_importer.METADATA, f"{directory}/{file}" if file else directory)


def check_entry_point(group, name, value):
    try:
        from importlib.metadata import entry_points
    except ImportError:
        entry_points = None
    if entry_points is not None:
        # VALUE is written as freeze reads entry_points.txt: without extras ("[i18n]") or spaces.
        found = [ep for ep in entry_points(group=group)
                 if ep.name == name and "".join(ep.value.split("[", 1)[0].split()) == value]
        if not found:
            raise LookupError(f"importlib.metadata does not find the entry point {name} = {value} in group {group!r}")
        found[0].load()
        return
    module, _, attribute = value.partition(":")  # what EntryPoint.load() does
    target = _import(module.strip())
    for part in attribute.split("[", 1)[0].strip().split(".") if attribute else ():
        target = getattr(target, part)


_CHECKS = {"entry": check_entry, "module": check_module, "resource": check_resource, "metadata": check_metadata,
           "entry_point": check_entry_point}


def _behind(exc):
    """The exceptions `exc` was raised from or while handling, nearest first, each once."""
    seen = {id(exc)}
    cause = exc.__cause__ or exc.__context__
    while cause is not None and id(cause) not in seen:
        yield cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__


def _import_error_behind(exc):
    """The ImportError a SystemExit was raised while handling (try: import x / except: sys.exit(2))."""
    return next((cause for cause in _behind(exc) if isinstance(cause, ImportError)), None)


def _missing_module(exc):
    """The module an ImportError is about: its own name, or for one raised while handling another
    (raise ImportError("x needs PyYAML") from e), the name of the first cause that has one."""
    for error in (exc, *_behind(exc)):
        if isinstance(error, ImportError) and error.name:
            return error.name
    return None


def _tried_first(exc, missing):
    """For an ImportError raised while handling another, the name of the import tried first:
    `try: import roman / except ImportError: import docutils.utils.roman` failing on the
    fallback (Debian's docutils has no docutils/utils/roman.py) is missing roman as much."""
    return next((cause.name for cause in _behind(exc)
                 if isinstance(cause, ImportError) and cause.name and cause.name != missing), None)


def _report_failure(index, exc):
    shown = exc
    exit_note = ""
    if isinstance(exc, SystemExit):
        behind = _import_error_behind(exc)
        if behind is not None:  # the real cause; the exit only hides it
            shown = behind
            exit_note = f" (then sys.exit({exc.code!r}))"
    missing = _missing_module(shown) if isinstance(shown, ImportError) else None
    filename = getattr(shown, "filename", None) if isinstance(shown, OSError) else None
    kind_name = type(shown).__qualname__
    if type(shown).__module__ not in ("builtins", None):
        kind_name = type(shown).__module__ + "." + kind_name
    tried_first = _tried_first(shown, missing) if missing else None
    _emit("F", index, kind_name, str(shown) + exit_note, _where(shown), _traceback_text(exc), missing or "",
          filename or "", tried_first or "")


class _NotFound:
    """Last on sys.meta_path, so asked only for what no finder has: it records the name. A
    `try: import chardet / except ImportError:` leaves no other trace, and an optional package
    installed where python would find it changes what the app does (requests warns without it)."""
    missed = []

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        cls.missed.append((name, _importer()))
        return None


class _Refused:
    """First on sys.meta_path under the plain interpreter when FREEZE_CHECK_REFUSE names
    packages: their imports fail as in a frozen app that does not include them."""
    names = set()

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.partition(".")[0] in cls.names:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


_IMPORT_MACHINERY = {"importlib", "_frozen_importlib", "_frozen_importlib_external"}


def _importer():
    """The module whose code runs the import being looked up: the first frame outside importlib
    (import_module included). "" for this script, the entry script or a frame without a name."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__")
        if not (isinstance(name, str) and name.partition(".")[0] in _IMPORT_MACHINERY):
            break
        frame = frame.f_back
    if frame is None or frame.f_globals is globals():
        return ""
    name = frame.f_globals.get("__name__")
    return name if isinstance(name, str) and name != "__main__" else ""


# The warnings shown during the current check: (category, message, the module that warned).
_shown_warnings = []


def _record_shown_warning(message, category, filename, lineno, file=None, line=None):
    """warnings.showwarning while checking: called for what python would print to stderr."""
    kind = category.__qualname__
    if category.__module__ not in ("builtins", None):
        kind = category.__module__ + "." + kind
    module = next((name for name, value in list(sys.modules.items())
                   if getattr(value, "__file__", None) == filename), "")
    _shown_warnings.append((kind, str(message), module))


_initial_warning_filters = None


def _watch_warnings():
    """Records shown warnings from now on, if the warnings module is there (the app's config may
    leave it out); again after each check, since a module may have replaced the hook
    (logging.captureWarnings), with the filters the program started with: a module that changed
    them (warnings.simplefilter("default") at import) would make every later check show what a
    fresh start does not."""
    global _initial_warning_filters
    warnings = sys.modules.get("warnings")
    if warnings is None:
        try:
            import warnings
        except ImportError:
            return
    warnings.showwarning = _record_shown_warning
    if _initial_warning_filters is None:
        _initial_warning_filters = list(warnings.filters)
    elif warnings.filters != _initial_warning_filters:
        warnings.filters[:] = _initial_warning_filters
        mutated = getattr(warnings, "_filters_mutated", None)  # 3.11-3.13: resets the "once" registries
        if mutated is not None:
            mutated()


def _emit_shown_warnings(index):
    for kind, message, module in dict.fromkeys(_shown_warnings):
        _emit("V", index, kind, message, module)
    _shown_warnings.clear()


def _emit_missed(index):
    for name, importer in dict.fromkeys(_NotFound.missed):
        _emit("M", index, name, importer)
    _NotFound.missed.clear()
    if _NotFound not in sys.meta_path:  # a module replaced the list
        sys.meta_path.append(_NotFound)


def _restore_interpreter_state(import_function):
    """Undoes what a checked module changed that would fail every later check, as if each one had a
    fresh process: dill.__diff, for one, replaces builtins.__import__ when imported."""
    if builtins.__import__ is not import_function:
        builtins.__import__ = import_function
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):  # into the log, before the next offset
        try:
            stream.flush()
        except BaseException:
            pass
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__  # colorama & co. wrap them when imported
    _watch_warnings()


def _log_offset():
    try:
        return os.lseek(1, 0, os.SEEK_CUR)
    except OSError:  # a module closed or replaced fd 1
        return 0


def _main():
    manifest_path = os.environ.pop("FREEZE_CHECK_MANIFEST")
    first = int(os.environ.pop("FREEZE_CHECK_FIRST"))
    probe = os.environ.pop("FREEZE_CHECK_PROBE", "")
    _Refused.names = set(filter(None, os.environ.pop("FREEZE_CHECK_REFUSE", "").split(",")))
    if _Refused.names:
        sys.meta_path.insert(0, _Refused)
    global _files_readable
    _files_readable = bool(probe) and os.path.isfile(probe)
    _emit("I", "files_readable", int(_files_readable))
    with open(manifest_path, encoding="utf-8") as manifest:
        items = [line.rstrip("\n").split("\t") for line in manifest if line.strip()]
    import_function = builtins.__import__
    sys.meta_path.append(_NotFound)
    _watch_warnings()
    for index in range(first, len(items)):
        kind, *args = items[index]
        _emit("B", index, _log_offset())
        try:
            warnings = _CHECKS[kind](*args)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit too: a module that exits when imported
            _executable_uses.clear()
            _program_paths.clear()
            _frozen_tests.clear()
            _restore_interpreter_state(import_function)
            _emit_missed(index)
            _emit_shown_warnings(index)
            _report_failure(index, exc)
        else:
            _restore_interpreter_state(import_function)
            _emit_missed(index)
            _emit_shown_warnings(index)
            for use in _executable_uses:
                _emit("X", index, use)
            _executable_uses.clear()
            for test in _frozen_tests:
                _emit("Z", index, test)
            _frozen_tests.clear()
            for where in filter(None, _program_paths):
                _emit("P", index, where)
            _program_paths.clear()
            for warning in warnings or ():
                _emit("W", index, warning)
            _emit("K", index)
    _emit("E")


_main()
_out.flush()
os._exit(0)  # no atexit handlers or non-daemon threads of imported modules
