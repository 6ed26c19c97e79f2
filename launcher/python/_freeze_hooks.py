"""freeze launcher hooks: the Python side of launcher/python_hooks.cpp.

Compiled to bytecode when the launcher is built (cmake/EmbedBytecode.cmake, as the importer's Python
half is: importer/runtime_module.h) and run from it into a private module the first time a hook
needs it (an exception to print): nothing of it runs for a program that needs none.
"""
import sys

ORIGIN = None                      # the executable's directory, set by the launcher
ORIGINAL_EXCEPTHOOK = None         # CPython's own hooks, set by the launcher
ORIGINAL_THREAD_EXCEPTHOOK = None
ORIGINAL_UNRAISABLEHOOK = None
suggestion = None                  # the "Did you mean" of CPython's printer, set by the launcher


def _embedded_source(exc, traceback_=None):
    """Whether a traceback in exc's chain runs through a file that only the embedded importer can
    show (it is not on disk): CPython's C printer would print no source line for it."""
    import os
    prefix = ORIGIN.rstrip("/") + "/"
    seen = set()
    pending = [(exc, traceback_ if traceback_ is not None else getattr(exc, "__traceback__", None))]
    while pending:
        exc, tb = pending.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.startswith(prefix) and not os.path.exists(filename):
                return True
            tb = tb.tb_next
        if isinstance(exc, BaseException):
            for linked in (exc.__cause__, exc.__context__, *(getattr(exc, "exceptions", None) or ())):
                if isinstance(linked, BaseException):
                    pending.append((linked, linked.__traceback__))
    return False


def _limit():
    # sys.tracebacklimit as CPython's C printer reads it: the innermost N entries, none (and no
    # "Traceback" header) if N <= 0. traceback's own reading of it keeps the outermost ones.
    limit = getattr(sys, "tracebacklimit", None)
    if not isinstance(limit, int):
        return None
    if limit <= 0:
        return 0
    return -limit if limit < sys.maxsize else None


def _add_suggestions(te, exc, seen):
    # CPython's printer adds ". Did you mean: 'x'?" to NameError and AttributeError; 3.11's
    # traceback module does not.
    while te is not None and isinstance(exc, BaseException) and id(exc) not in seen:
        seen.add(id(exc))
        hint = suggestion(exc)
        if hint is not None:
            te._str = f"{te._str}. Did you mean: '{hint}'?"
        for t, e in zip(te.exceptions or (), getattr(exc, "exceptions", None) or ()):
            _add_suggestions(t, e, seen)
        _add_suggestions(te.__context__, exc.__context__, seen)
        te, exc = te.__cause__, exc.__cause__


def _format(exc_type, exc_value, exc_traceback):
    import traceback
    te = traceback.TracebackException(exc_type, exc_value, exc_traceback, limit=_limit(), compact=True)
    _add_suggestions(te, exc_value, set())
    return "".join(te.format(chain=True))


def excepthook(exc_type, exc_value, exc_traceback, /):
    """sys.excepthook: CPython's own, unless the traceback goes through embedded modules; then
    the same output through `traceback`, which gets their source lines from the importer."""
    if (sys.stderr is None or not isinstance(exc_value, BaseException)
            or not _embedded_source(exc_value, exc_traceback)):
        return ORIGINAL_EXCEPTHOOK(exc_type, exc_value, exc_traceback)
    sys.stderr.write(_format(exc_type, exc_value, exc_traceback))


def unraisablehook(unraisable, /):
    """sys.unraisablehook: CPython's own, unless the traceback goes through embedded modules."""
    file = sys.stderr
    if (file is None or unraisable.exc_traceback is None
            or not _embedded_source(unraisable.exc_value, unraisable.exc_traceback)):
        return ORIGINAL_UNRAISABLEHOOK(unraisable)
    try:
        import traceback
        lines = []
        obj, message = unraisable.object, unraisable.err_msg
        if obj is not None:
            try:
                text = repr(obj)
            except Exception:
                text = "<object repr() failed>"
            lines.append(f"{message if message is not None else 'Exception ignored in'}: {text}\n")
        elif message is not None:
            lines.append(f"{message}:\n")
        limit = _limit()
        if limit != 0:
            lines.append("Traceback (most recent call last):\n")
            lines.extend(traceback.format_tb(unraisable.exc_traceback, limit=limit))
        exc_type = unraisable.exc_type
        if exc_type is not None:
            module = getattr(exc_type, "__module__", None)
            qualname = getattr(exc_type, "__qualname__", None)
            if not isinstance(module, str):
                name = "<unknown>"
            else:
                name = "" if module in ("builtins", "__main__") else module + "."
            name += qualname if isinstance(qualname, str) else "<unknown>"
            if unraisable.exc_value is not None:
                try:
                    name += f": {unraisable.exc_value}"
                except Exception:
                    name += ": <exception str() failed>"
            lines.append(name + "\n")
    except BaseException:
        return ORIGINAL_UNRAISABLEHOOK(unraisable)
    file.write("".join(lines))
    file.flush()


def thread_excepthook(args, /):
    """threading.excepthook: CPython's own, unless the traceback goes through embedded modules."""
    if (args.exc_type is SystemExit or not isinstance(args.exc_value, BaseException)
            or not _embedded_source(args.exc_value, args.exc_traceback)):
        return ORIGINAL_THREAD_EXCEPTHOOK(args)
    file = sys.stderr
    if file is None:
        if args.thread is None:
            return
        file = args.thread._stderr
        if file is None:
            return
    try:
        name = None
        if args.thread is not None:
            try:
                name = args.thread.name
            except Exception:
                pass
        if name is None:
            import _thread
            name = _thread.get_ident()
        text = _format(args.exc_type, args.exc_value, args.exc_traceback)
    except BaseException:
        return ORIGINAL_THREAD_EXCEPTHOOK(args)
    print(f"Exception in thread {name}:", file=file, flush=True)
    file.write(text)
    file.flush()
