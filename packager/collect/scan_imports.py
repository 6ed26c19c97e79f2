"""Which modules a module imports, from its source (like modulefinder): every `import` and
`from ... import` resolved to absolute names, with their parent packages; `from X import a`
also names X.a, which may be a submodule. Imports under `if __name__ == "__main__":` are
skipped (self-tests, demos), and so are the stdlib's lazy imports of development tools.
The scope (target_python.h, ImportScope) says which statements count: "everywhere";
"outside_functions", used for modules that libpython runs from its frozen copies, whose
function-level imports only serve features the app would import itself; "unguarded", every
one that is not inside a try that handles ImportError nor under `if TYPE_CHECKING:`, whose
failure nothing expects. Run by the packager's interpreter for [stdlib] include = "reachable"
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


_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def _catches_import_error(handler):
    """True for `except:`, `except ImportError:`, `except (OSError, ImportError):`, ..."""
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(kind is None or (isinstance(kind, ast.Name) and kind.id in _IMPORT_ERRORS)
               or (isinstance(kind, ast.Attribute) and kind.attr in _IMPORT_ERRORS) for kind in kinds)


def _imports(tree, scope):
    stack = [(tree, False)]
    while stack:
        node, in_function = stack.pop()
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, 0, (), in_function
        elif isinstance(node, ast.ImportFrom):
            yield node.module or "", node.level, tuple(alias.name for alias in node.names), in_function
        if isinstance(node, ast.If) and (_is_main_guard(node.test) or (scope == "unguarded" and _is_type_checking(node.test))):
            stack.extend((child, in_function) for child in node.orelse)
            continue
        if scope == "unguarded" and isinstance(node, (ast.Try, ast.TryStar)) and any(map(_catches_import_error, node.handlers)):
            # The try body's imports may fail; what the handlers, else and finally import may not.
            stack.extend((child, in_function) for child in node.handlers + node.orelse + node.finalbody)
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if scope == "outside_functions":
                continue
            in_function = True
        stack.extend((child, in_function) for child in ast.iter_child_nodes(node))


def imported_names(source, module, is_package, scope, stdlib):
    names = set()
    package = module if is_package else module.rpartition(".")[0]
    for name, level, fromlist, in_function in _imports(ast.parse(source), scope):
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
