// setuptools' "-nspkg.pth" files: pkg_resources-style namespace packages (zope, Debian's
// python3-zope.interface; older wheels of google-*, backports.*, jaraco.*). At start-up, site
// runs each line, which puts the namespace package into sys.modules before anything imports it:
// its __init__.py (`__import__('pkg_resources').declare_namespace(__name__)`) never runs under
// python. A frozen app reads no .pth file, so the collector reads them instead and makes those
// packages namespace packages: otherwise importing zope.interface would import pkg_resources,
// which python never does.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "packager/collect/file_tree.h"

namespace freeze::packager {

// The dotted names of the namespace packages a -nspkg.pth file's text declares: each line's
// `*('a', 'b')` path parts ("a.b"). Lines of any other kind declare nothing.
std::set<std::string> pth_namespace_packages(std::string_view pth_text);

// True for a file name that setuptools gives such a file ("zope.interface-5.5.2-nspkg.pth").
bool is_namespace_pth(std::string_view filename);

// Removes the __init__.py of each of `packages` from `tree`, so that classify_tree() makes them namespace packages, as the .pth files make them under python.
void drop_declared_namespace_inits(FileTree& tree, const std::set<std::string>& packages);

}  // namespace freeze::packager
