#define PY_SSIZE_T_CLEAN
#include "interpreter.h"

#include <Python.h>

#include <cstdlib>
#include <string>

#include "python_hooks.h"

namespace freeze::launcher {
namespace {

// `_Py_InitializeMain` finishes the two-phase initialisation (PEP 587); 3.11 declares it only
// in the internal headers but exports it.
extern "C" PyStatus _Py_InitializeMain(void);

void check(PyStatus status, PyConfig* config = nullptr) {
  if (!PyStatus_Exception(status)) return;
  if (config != nullptr) PyConfig_Clear(config);
  Py_ExitStatusException(status);
}

void append_path(PyConfig* config, const std::string& path) {
  wchar_t* wide = Py_DecodeLocale(path.c_str(), nullptr);
  if (wide == nullptr) return;
  check(PyWideStringList_Append(&config->module_search_paths, wide), config);
  PyMem_RawFree(wide);
}

void preinitialize(const blob::LaunchSettings& settings, RunKind kind, int argc, char** argv) {
  PyPreConfig preconfig;
  // The python config, not the isolated one: it configures the locale from the environment
  // and turns on UTF-8 mode under the C/POSIX locale, exactly as python does.
  PyPreConfig_InitPythonConfig(&preconfig);
  preconfig.isolated = settings.isolated ? 1 : 0;
  preconfig.use_environment = settings.isolated ? 0 : 1;
  if (kind == RunKind::PythonCommandLine) {
    preconfig.parse_argv = 1;  // -E, -I, -X utf8, -X dev
    check(Py_PreInitializeFromBytesArgs(&preconfig, argc, argv));
  } else {
    preconfig.parse_argv = 0;
    check(Py_PreInitialize(&preconfig));
  }
}

void configure(PyConfig* config, const importer::ImporterContext& context, const blob::LaunchSettings& settings,
               RunKind kind, int argc, char** argv) {
  // app.toml's isolated = true holds whatever the command line says; python's own options can
  // only add to it.
  if (settings.isolated) {
    PyConfig_InitIsolatedConfig(config);
  } else {
    PyConfig_InitPythonConfig(config);
  }
  config->install_signal_handlers = 1;  // KeyboardInterrupt on SIGINT, SIGPIPE ignored: as python
  config->_init_main = 0;
  if (kind == RunKind::PythonCommandLine) {
    // CPython parses the command line exactly as python does (-c, -m, script, -, options).
    config->parse_argv = 1;
  } else {
    // The app's argv is never interpreted. The app's own configuration: site as configured,
    // never the user's site-packages directory.
    config->parse_argv = 0;
    config->site_import = settings.site ? 1 : 0;
    config->user_site_directory = 0;
  }
  check(PyConfig_SetBytesArgv(config, argc, argv), config);
  check(PyConfig_SetBytesString(config, &config->executable, context.executable.c_str()), config);
  check(PyConfig_SetBytesString(config, &config->program_name, argc > 0 ? argv[0] : context.executable.c_str()), config);
  // sys.prefix and friends name the executable's directory: nothing is looked up there, but
  // code that derives paths from them gets something meaningful.
  check(PyConfig_SetBytesString(config, &config->home, context.origin_dir.c_str()), config);
  // sys.path holds no stdlib directory: every embedded module comes from the importer.
  config->module_search_paths_set = 1;

  // Parse argv and the environment now, to apply app.toml's settings on top of them.
  check(PyConfig_Read(config), config);
  if (config->optimization_level < settings.optimize) config->optimization_level = settings.optimize;
  if (settings.unbuffered) config->buffered_stdio = 0;
  // An app that honours the environment also honours PYTHONPATH (unless -E or -I said no).
  if (config->use_environment && !config->isolated) {
    if (const char* pythonpath = std::getenv("PYTHONPATH"); pythonpath != nullptr && *pythonpath != '\0') {
      std::string paths(pythonpath);
      std::size_t start = 0;
      while (start <= paths.size()) {
        const std::size_t colon = paths.find(':', start);
        const std::string part = paths.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        if (!part.empty()) append_path(config, part);
        if (colon == std::string::npos) break;
        start = colon + 1;
      }
    }
  }
}

}  // namespace

void start_interpreter(const importer::ImporterContext& context, const blob::LaunchSettings& settings, RunKind kind,
                       int argc, char** argv) {
  if (!importer::install_inittab(&context)) {
    std::fprintf(stderr, "%s: cannot register the embedded importer\n", context.executable.c_str());
    std::exit(1);
  }
  preinitialize(settings, kind, argc, argv);

  PyConfig config;
  configure(&config, context, settings, kind, argc, argv);
  check(Py_InitializeFromConfig(&config), &config);
  PyConfig_Clear(&config);

  // Core phase done: only builtin and frozen modules so far. The importer goes first on
  // sys.meta_path before the main phase imports encodings and the rest.
  if (!importer::install_finder()) {
    PyErr_Print();
    std::fprintf(stderr, "%s: cannot install the embedded importer\n", context.executable.c_str());
    std::exit(1);
  }
  check(_Py_InitializeMain());
  install_python_hooks(context.origin_dir);
}

}  // namespace freeze::launcher
