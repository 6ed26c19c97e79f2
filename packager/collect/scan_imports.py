"""Which modules a module imports, from its source (like modulefinder): every `import` and
`from ... import` resolved to absolute names, with their parent packages; `from X import a`
also names X.a, which may be a submodule. Imports under `if __name__ == "__main__":` are
skipped (self-tests, demos) unless the module runs as __main__ (as_main: the app's script,
s3cmd's, imports its own package there), and so are the stdlib's lazy imports of development
tools.
The scope (target_python.h, ImportScope) says which statements count: "everywhere";
"outside_functions", used for modules that libpython runs from its frozen copies, whose
function-level imports only serve features the app would import itself; "unguarded", every
one that is not inside a try that handles ImportError (nor its else, nor its handlers when the
try imports only this python's stdlib), nor under `if TYPE_CHECKING:`, an `if` on a flag such a
handler sets, or the branch of an `if` on sys.version_info, sys.platform or os.name that this
interpreter (the one the app is frozen for, on its platform) never takes: whose failure nothing
expects. Run by the packager's interpreter for [stdlib] include = "reachable"
and for the build's warning about imports of stdlib modules that [stdlib] exclude leaves out."""
import ast


def _is_main_guard(test):
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and len(test.comparators) == 1 and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == "__main__")


# Development tools that the stdlib imports only inside functions (pickle's and heapq's self
# tests import doctest, warnings imports tracemalloc, ...): such a lazy stdlib -> stdlib import
# is not followed to them. An app that imports them itself still gets them.
_LAZY_DEVELOPMENT_TOOLS = {"doctest", "pdb", "pydoc", "pydoc_data", "unittest", "tkinter", "idlelib", "turtle",
                           "lib2to3", "ensurepip", "venv", "distutils", "webbrowser", "bdb", "cProfile", "profile",
                           "pstats", "trace", "tracemalloc", "test",
                           # command-line parsing, used by the stdlib only in its modules' main() for `python -m`
                           "argparse", "optparse", "getopt"}


def _is_type_checking(test):
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _is_sys_attribute(node, name):
    return (isinstance(node, ast.Attribute) and node.attr == name and isinstance(node.value, ast.Name)
            and node.value.id == "sys")


def _static_value(node):
    """The value of sys.version_info (or a slice or item of it), sys.platform or os.name, as
    this interpreter has it, or of a constant; raises LookupError for anything else."""
    import os, sys
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple):
        return tuple(_static_value(element) for element in node.elts)
    if _is_sys_attribute(node, "version_info"):
        return tuple(sys.version_info)
    if _is_sys_attribute(node, "platform"):
        return sys.platform
    if (isinstance(node, ast.Attribute) and node.attr == "name" and isinstance(node.value, ast.Name)
            and node.value.id == "os"):
        return os.name
    if isinstance(node, ast.Subscript) and _is_sys_attribute(node.value, "version_info"):
        index = node.slice
        if isinstance(index, ast.Slice) and index.lower is None and index.step is None and isinstance(index.upper, ast.Constant):
            return tuple(sys.version_info)[:index.upper.value]
        if isinstance(index, ast.Constant) and isinstance(index.value, int):
            return sys.version_info[index.value]
    raise LookupError


_COMPARISONS = {ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
                ast.GtE: lambda a, b: a >= b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b}


def _static_truth(test):
    """True or False for a condition on the interpreter's version or platform
    (`sys.version_info >= (3, 11)`, `sys.platform == "win32"`, `sys.platform.startswith("win")`,
    `os.name == "nt"`, and not/and/or of them), None for any other."""
    try:
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _COMPARISONS:
            return bool(_COMPARISONS[type(test.ops[0])](_static_value(test.left), _static_value(test.comparators[0])))
        if (isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr == "startswith"
                and _is_sys_attribute(test.func.value, "platform") and len(test.args) == 1 and not test.keywords):
            return _static_value(test.func.value).startswith(_static_value(test.args[0]))
    except (LookupError, TypeError, ValueError, AttributeError):
        return None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        value = _static_truth(test.operand)
        return None if value is None else not value
    if isinstance(test, ast.BoolOp):
        values = [_static_truth(value) for value in test.values]
        if isinstance(test.op, ast.And):
            return False if False in values else (None if None in values else True)
        return True if True in values else (None if None in values else False)
    return None


_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def _ends_the_program(handler):
    """True for a handler that raises or exits (`sys.exit(1)` after reporting, as s3cmd's):
    what its try imports is needed, not optional."""
    for statement in handler.body:
        if isinstance(statement, ast.Raise):
            return True
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            function = statement.value.func
            name = function.id if isinstance(function, ast.Name) else function.attr if isinstance(function, ast.Attribute) else ""
            if name in ("exit", "quit", "_exit"):
                return True
    return False


def _catches_import_error(handler):
    """True for `except:`, `except ImportError:`, `except (OSError, ImportError):`, ..., when
    the handler goes on (neither raises nor exits)."""
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return not _ends_the_program(handler) and any(
        kind is None or (isinstance(kind, ast.Name) and kind.id in _IMPORT_ERRORS)
        or (isinstance(kind, ast.Attribute) and kind.attr in _IMPORT_ERRORS) for kind in kinds)


def _imports_only_stdlib(body):
    import sys
    tops = set()
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Import):
                tops.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                tops.add("" if node.level else (node.module or "").partition(".")[0])
    return bool(tops) and tops <= sys.stdlib_module_names


def _optional_flags(tree):
    """The names a try that handles ImportError sets, in its body or handlers (has_simplejson =
    True, numpy = None): flags of an optional import, whose `if` bodies need what it imported."""
    flags = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Try, ast.TryStar)) and any(map(_catches_import_error, node.handlers)):
            for part in node.body + node.handlers:
                for statement in ast.walk(part):
                    if isinstance(statement, ast.Assign):
                        flags.update(target.id for target in statement.targets if isinstance(target, ast.Name))
    return flags


def _guarded_branch(test, flags):
    """"body" for `if FLAG:` and `if FLAG is not None:`, "orelse" for `if not FLAG:` and `if FLAG
    is None:`: the branch that runs only when the optional import worked. None otherwise."""
    if isinstance(test, ast.Name) and test.id in flags:
        return "body"
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name) and test.operand.id in flags:
        return "orelse"
    if (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id in flags and len(test.ops) == 1
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None):
        return "body" if isinstance(test.ops[0], ast.IsNot) else "orelse" if isinstance(test.ops[0], ast.Is) else None
    return None


def _imports(tree, scope, as_main):
    flags = _optional_flags(tree) if scope == "unguarded" else set()
    stack = [(tree, False)]
    while stack:
        node, in_function = stack.pop()
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, 0, (), in_function
        elif isinstance(node, ast.ImportFrom):
            yield node.module or "", node.level, tuple(alias.name for alias in node.names), in_function
        if isinstance(node, ast.If) and _is_main_guard(node.test):
            stack.extend((child, in_function) for child in (node.body if as_main else node.orelse))
            continue
        if isinstance(node, ast.If) and scope == "unguarded" and _is_type_checking(node.test):
            stack.extend((child, in_function) for child in node.orelse)
            continue
        if scope == "unguarded" and isinstance(node, ast.If) and (truth := _static_truth(node.test)) is not None:
            stack.extend((child, in_function) for child in (node.body if truth else node.orelse))
            continue
        if scope == "unguarded" and isinstance(node, ast.If) and (guarded := _guarded_branch(node.test, flags)):
            # `if has_simplejson:` after `try: import simplejson ... except ImportError: has_simplejson = False`
            stack.extend((child, in_function) for child in (node.orelse if guarded == "body" else node.body))
            continue
        if scope == "unguarded" and isinstance(node, (ast.Try, ast.TryStar)) and any(map(_catches_import_error, node.handlers)):
            # The try body's imports may fail, and the else runs only when they did not; what the
            # handlers and finally import may not, unless the body imports only this python's
            # stdlib (`from importlib import metadata`): then the handlers are for older ones.
            fallbacks = [] if _imports_only_stdlib(node.body) else node.handlers
            stack.extend((child, in_function) for child in fallbacks + node.finalbody)
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if scope == "outside_functions":
                continue
            in_function = True
        stack.extend((child, in_function) for child in ast.iter_child_nodes(node))


def imported_names(source, module, is_package, scope, stdlib, as_main=False):
    names = set()
    package = module if is_package else module.rpartition(".")[0]
    for name, level, fromlist, in_function in _imports(ast.parse(source), scope, as_main):
        if level > 0:
            parts = package.split(".") if package else []
            if level - 1 > len(parts):
                continue
            base = ".".join(parts[: len(parts) - (level - 1)])
            target = f"{base}.{name}" if name and base else (name or base)
        else:
            target = name
        if not target:
            continue
        if stdlib and in_function and target.split(".")[0] in _LAZY_DEVELOPMENT_TOOLS:
            continue
        pieces = target.split(".")
        names.update(".".join(pieces[:i]) for i in range(1, len(pieces) + 1))
        names.update(f"{target}.{item}" for item in fromlist if item != "*")
    return sorted(names)


# importlib's bootstrap modules run from libpython under other names
# (_frozen_importlib, _frozen_importlib_external); importlib/__init__.py only aliases them.
_BOOTSTRAP_ALIASES = {"importlib._bootstrap", "importlib._bootstrap_external"}


def is_frozen(name):
    import _imp
    return name in _BOOTSTRAP_ALIASES or _imp.is_frozen(name)
