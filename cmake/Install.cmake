# `cmake --install build --prefix P` and `cpack -G DEB` (README, "Installing").
#
# P/bin/freeze and P/libexec/freeze/freeze-launcher: these two paths are fixed, not
# CMAKE_INSTALL_BINDIR/LIBEXECDIR, because the CLI finds the launcher from its own directory
# as ../libexec/freeze/freeze-launcher (find_launcher() in packager/commands/build_command.cpp).
# At run time the installed CLI reads nothing of the source or build tree: the importer's
# Python half, the check program and the inspect page are compiled in; it reads the stdlib it
# embeds from Debian's /usr/lib/python3.11 (FREEZE_PYTHON_PREFIX) and, to bundle them, the
# system libraries of its extension modules.
include(GNUInstallDirs)
install(TARGETS freeze RUNTIME DESTINATION bin)
install(TARGETS freeze-launcher RUNTIME DESTINATION libexec/freeze)
# P/share/freeze: `freeze distribution build` (packager/commands/distribution_command.cpp) runs
# the distribution builder from there, which builds the launcher inside its Debian 11 root from
# the launcher's sources beside it: the same files as in the source tree, so that their key
# (distribution/launcher_build.py) is the one this freeze was built with.
install(FILES CMakeLists.txt DESTINATION share/freeze)
install(DIRECTORY cmake format importer launcher distribution DESTINATION share/freeze
        PATTERN __pycache__ EXCLUDE)
install(FILES "${CMAKE_BINARY_DIR}/freeze.1" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
install(FILES README.md DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(DIRECTORY docs DESTINATION "${CMAKE_INSTALL_DOCDIR}")  # README.md links docs/*.md
install(DIRECTORY examples DESTINATION "${CMAKE_INSTALL_DOCDIR}"
        PATTERN dist EXCLUDE PATTERN .*.freeze-* EXCLUDE PATTERN __pycache__ EXCLUDE)
