"""Package data of a freeze executable: _freeze_importer.resources.

The C++ importer (_freeze_importer) hands importlib.resources to this module, its Python half,
compiled into the launcher (importer/runtime_module.h) and served by the importer itself, never
from the app's blob. It is imported only when asked, so it costs nothing at start-up.
(importlib.metadata needs nothing of it: the metadata are files by path, the launcher's virtual
files, which its PathFinder reads as under python.) Files are addressed by their path below the site root
("pkg/data/x.txt", "Pkg-1.0.dist-info/METADATA"); each is either in memory or a file beside the
executable, which _freeze_importer.read_file handles alike.

importlib.resources.files(package) is, as under python, what a directory of the package on disk
would hold:
- A package whose files are all beside the executable (routed to filesystem-relative) is
  that real directory, a pathlib.Path: iterdir() lists what is on disk.
- Otherwise a package directory lists its package data and its modules' source files, as on
  disk: "__init__.py", "mod.py" for each submodule, a directory for each subpackage. Reading a
  module's file gives its source, UTF-8 encoded (decoded as import decodes it, so a coding
  cookie other than UTF-8 no longer matches, and newlines are "\n"). Bytecode caches and
  extension modules are not listed. Files that are beside the executable are pathlib.Paths.
"""
import io
import pathlib
import posixpath
from importlib.resources.abc import Traversable, TraversableResources

import _freeze_importer as _native

RESOURCE = _native.RESOURCE
METADATA = _native.METADATA
MODULE = _native.MODULE


def _base_name(path):
    return path.rpartition("/")[2]


# Names and paths convert through _freeze_importer (format/module_names.h), as in the C++
# importer and the packager.

def _module_files(directory):
    """{file name: module name, or None for a directory} of what the embedded modules put in
    `directory` ("pkg/sub"), as on disk: the package's "__init__.py", "mod.py" for each
    submodule, a directory for each subpackage."""
    package = _native.name_of_directory(directory)
    if package is None:  # "pkg/data.v2" is no package
        return {}
    files = {}
    info = _native.module_info(package) if package else None
    if info == (True, False):  # a regular package: its __init__.py
        files[_base_name(_native.source_file_of(package, True))] = package
    for name, is_package, _ in _native.list_modules(package):
        if is_package:
            files[_base_name(_native.directory_of(name))] = None
        else:
            files[_base_name(_native.source_file_of(name, False))] = name
    return files


def _module_of(path):
    """The embedded module whose source file `path` is, as on disk ("pkg/mod.py": "pkg.mod",
    "pkg/__init__.py": "pkg"), or None."""
    module = _native.module_of_source_file(path)
    if module is None:
        return None
    name, is_package = module
    return name if _native.module_info(name) == (is_package, False) else None


def _installation_path(kind, path):
    """Where the embedded file or directory `path` is in the executable's installation: its
    place beside the executable, which the launcher serves by path from memory. Metadata
    directories are in the third-party tree; package data is below its top-level package's
    directory (whichever tree that package is in)."""
    if kind == METADATA:
        return posixpath.join(_native.third_party_dir, path)
    import importlib.util
    top, _, rest = path.partition("/")
    spec = importlib.util.find_spec(top) if top else None
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        return None
    return posixpath.join(locations[0], rest) if rest else locations[0]


class EmbeddedPath(Traversable):
    """A file or directory among the embedded files of one kind (importlib.resources' view).
    Package data (RESOURCE) directories also hold their modules' files, as on disk. Its str()
    and os.fspath() are its path in the installation, as a pathlib.Path of a package on disk
    would give (mypy finds typeshed with str(files("mypy") / "typeshed")); as_file() still
    makes a real temporary file of it, for code that hands the path to another process or to
    the dynamic loader, which do not see embedded files."""

    def __init__(self, kind, path):
        self._kind = kind
        self._path = path.strip("/")

    def __repr__(self):
        return f"EmbeddedPath({self._path!r})"

    def __fspath__(self):
        path = _installation_path(self._kind, self._path)
        if path is None:
            raise TypeError(f"embedded path {self._path!r} has no place in the installation")
        return path

    def __str__(self):
        try:
            return self.__fspath__()
        except (TypeError, ImportError, ValueError):
            return repr(self)

    def __eq__(self, other):
        return isinstance(other, EmbeddedPath) and (self._kind, self._path) == (other._kind, other._path)

    def __hash__(self):
        return hash((self._kind, self._path))

    @property
    def name(self):
        return posixpath.basename(self._path)

    def _children_prefix(self):
        return self._path + "/" if self._path else ""

    def _module(self):
        """The module whose source file this is, or None."""
        return _module_of(self._path) if self._kind == RESOURCE else None

    def iterdir(self):
        prefix = self._children_prefix()
        children = dict.fromkeys(name[len(prefix):].split("/", 1)[0]
                                 for name, _ in _native.list_files(self._kind, prefix))
        if self._kind == RESOURCE:
            children.update(dict.fromkeys(_module_files(self._path)))
        for child in children:
            yield self.joinpath(child)

    def is_file(self):
        if self._module() is not None:
            return True
        return bool(self._path) and any(name == self._path for name, _ in _native.list_files(self._kind, self._path))

    def is_dir(self):
        if _native.list_files(self._kind, self._children_prefix()):
            return True
        return self._kind == RESOURCE and bool(_module_files(self._path))

    def exists(self):
        return self.is_file() or self.is_dir()

    def joinpath(self, *descendants):
        path = posixpath.normpath(posixpath.join(self._path, *descendants)) if descendants else self._path
        if path == ".":
            path = ""
        # A file routed beside the executable is its real path: as_file() and open() use it as is.
        child = EmbeddedPath(self._kind, path)
        module = child._module()
        if module is not None:
            on_disk = _native.file_path(MODULE, module)
        else:
            on_disk = _native.file_path(self._kind, path) if path else None
        return pathlib.Path(on_disk) if on_disk else child

    __truediv__ = joinpath

    def open(self, mode="r", *args, **kwargs):
        if "w" in mode or "a" in mode or "+" in mode:
            raise PermissionError(f"embedded file {self._path!r} is read-only")
        data = self.read_bytes()
        if "b" in mode:
            return io.BytesIO(data)
        return io.TextIOWrapper(io.BytesIO(data), *args, **kwargs)

    def read_bytes(self):
        module = self._module()
        if module is not None:
            return _native.read_file(MODULE, module)
        if self.is_dir():
            raise IsADirectoryError(self._path)
        return _native.read_file(self._kind, self._path)

    def read_text(self, encoding=None, errors=None):
        return self.read_bytes().decode(encoding or "utf-8", errors or "strict")


class ResourceReader(TraversableResources):
    """importlib.resources reader for an embedded package."""

    def __init__(self, package):
        self._package = package

    def files(self):
        directory = _native.package_on_disk(self._package)
        if directory is not None:
            return pathlib.Path(directory)
        return EmbeddedPath(RESOURCE, _native.directory_of(self._package))


def resource_reader(package):
    return ResourceReader(package)
