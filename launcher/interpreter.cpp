#define PY_SSIZE_T_CLEAN
#include "launcher/interpreter.h"

#include <Python.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "launcher/out_of_memory.h"
#include "importer/importer_module.h"
#include "importer/python_ref.h"
#include "importer/install_layout.h"
#include "launcher/site_guard.h"
#include "launcher/site_builtins.h"

namespace freeze::launcher {
namespace {

// `_Py_InitializeMain` finishes the two-phase initialisation (PEP 587); 3.11 declares it only
// in the internal headers but exports it.
extern "C" PyStatus _Py_InitializeMain(void);

void check(PyStatus status, PyConfig* config = nullptr) {
  if (!PyStatus_Exception(status)) return;
  if (config != nullptr) PyConfig_Clear(config);
  // _PyStatus_NO_MEMORY's message: before the allocators are watched (pre-initialisation).
  if (PyStatus_IsError(status) && status.err_msg != nullptr && std::strcmp(status.err_msg, "memory allocation failed") == 0) {
    die_out_of_memory("starting the interpreter");
  }
  // A MemoryError that made start-up fail ("Failed to import encodings module"): raised by
  // code that reports allocation failures itself (the importer's, marshal's) rather than
  // through the allocators watched meanwhile.
#if PY_VERSION_HEX >= 0x030D0000
  PyThreadState* thread = PyThreadState_GetUnchecked();
#else
  PyThreadState* thread = _PyThreadState_UncheckedGet();
#endif
  if (thread != nullptr && PyErr_Occurred() != nullptr && PyErr_ExceptionMatches(PyExc_MemoryError)) {
    die_out_of_memory("starting the interpreter");
  }
  Py_ExitStatusException(status);
}

void append_path(PyConfig* config, const std::string& path) {
  wchar_t* wide = Py_DecodeLocale(path.c_str(), nullptr);
  if (wide == nullptr) return;
  check(PyWideStringList_Append(&config->module_search_paths, wide), config);
  PyMem_RawFree(wide);
}

std::vector<std::string> argv_vector(int argc, char** argv) { return std::vector<std::string>(argv, argv + argc); }

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
  if (settings.unbuffered) config->buffered_stdio = 0;  // -u and PYTHONUNBUFFERED only add to it
  bool honours_environment = !settings.isolated;
  if (kind == RunKind::PythonCommandLine) {
    // CPython parses the command line exactly as python does (-c, -m, script, -, options),
    // once (PyConfig_Read twice would drop -X warn_default_encoding in 3.11), and sys.flags
    // are what it says: multiprocessing passes the app's own flags to its helpers.
    config->parse_argv = 1;
    honours_environment = honours_environment && !python_options_ignore_environment(argv_vector(argc, argv));
  } else {
    // The app's argv is never interpreted; site and optimisation as app.toml says (python -S,
    // -O; PYTHONOPTIMIZE can only raise it).
    config->parse_argv = 0;
    config->site_import = settings.site ? 1 : 0;
    config->optimization_level = settings.optimize;
  }
  check(PyConfig_SetBytesArgv(config, argc, argv), config);
  check(PyConfig_SetBytesString(config, &config->executable, context.executable.c_str()), config);
  check(PyConfig_SetBytesString(config, &config->program_name, argc > 0 ? argv[0] : context.executable.c_str()), config);
  // sys.prefix and friends name the executable's directory: nothing is looked up there, but
  // code that derives paths from them gets something meaningful.
  check(PyConfig_SetBytesString(config, &config->home, context.origin_dir.c_str()), config);
  // sys.path lists the virtual installation's directories (install_layout.h), in python's
  // order: the app's code first, as a script's directory; then PYTHONPATH, the stdlib, its
  // extension modules, the third-party packages. The importer's path hook answers for these
  // directories from the index (a file dropped there is not imported), and its meta-path
  // finder finds embedded modules first anyway.
  config->module_search_paths_set = 1;
  const auto installation_dir = [&](std::string_view dir) { return context.origin_dir + "/" + std::string(dir); };
  append_path(config, installation_dir(layout::kAppDir));

  // An app that honours the environment also honours PYTHONPATH (unless -E or -I say no).
  if (honours_environment) {
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
  for (const std::string_view dir : layout::kSearchPath) {
    if (dir != layout::kAppDir) append_path(config, installation_dir(dir));
  }
}

// sys._stdlib_dir: where the embedded stdlib lives in the virtual installation, as every
// stdlib module's __file__ says (<prefix>/lib/python3.11, sysconfig's "stdlib"). The frozen importer derives the __file__ of
// libpython's deep-frozen modules (os, codecs, site, ...) from it, so they have one, as under
// python. getpath drops a PyConfig.stdlib_dir that does not exist on disk, and the main phase
// copies the configuration into sys: it is set just after, when posix is imported (below).
void set_stdlib_dir(const std::string& directory) {
  const Ref value(PyUnicode_DecodeFSDefault(directory.c_str()));
  // Deliberate: without it (no memory), deep-frozen modules only go without __file__.
  if (!value || PySys_SetObject("_stdlib_dir", value.get()) < 0) PyErr_Clear();
}

// importlib's external bootstrap, which imports posix, was found before sys._stdlib_dir was
// set: it gets the __file__ python gives it now, as the frozen importer would have.
// Deliberate about errors: at worst that module goes without __file__, as it did before.
void fix_up_external_bootstrap() {
  PyObject* modules = PySys_GetObject("modules");  // borrowed
  PyObject* module = modules ? PyDict_GetItemString(modules, "_frozen_importlib_external") : nullptr;  // borrowed
  if (module == nullptr || PyObject_HasAttrString(module, "__file__")) return;
  const Ref bootstrap(PyImport_ImportModule("_frozen_importlib"));
  const Ref frozen_importer(bootstrap ? PyObject_GetAttrString(bootstrap.get(), "FrozenImporter") : nullptr);
  const Ref spec(frozen_importer ? PyObject_GetAttrString(module, "__spec__") : nullptr);
  const Ref state(spec ? PyObject_GetAttrString(spec.get(), "loader_state") : nullptr);
  const Ref origname(state && state.get() != Py_None ? PyObject_GetAttrString(state.get(), "origname") : nullptr);
  const Ref resolved(origname ? PyObject_CallMethod(frozen_importer.get(), "_resolve_filename", "Os", origname.get(),
                                                    "_frozen_importlib_external")
                              : nullptr);
  PyObject* filename = resolved && PyTuple_Check(resolved.get()) ? PyTuple_GetItem(resolved.get(), 0) : nullptr;  // borrowed
  if (filename && filename != Py_None) {
    if (PyObject_SetAttrString(state.get(), "filename", filename) < 0) PyErr_Clear();  // deliberate (above)
    if (PyObject_SetAttrString(module, "__file__", filename) < 0) PyErr_Clear();
  }
  PyErr_Clear();  // deliberate (above)
}

// Subinterpreters (Py_NewInterpreter, _interpreters, _testcapi.run_in_subinterp) set up their
// own import system and import encodings before any Python code runs: the embedded importer
// must be on their sys.meta_path by then. `posix` is imported by importlib's external bootstrap
// of every interpreter, just before that. It is a multi-phase module whose exec slot runs in
// each interpreter that imports it (its init function does not: 3.13 runs it in the main
// interpreter), so a wrapper around that slot installs the importer.
int (*g_posix_exec)(PyObject*) = nullptr;
std::string g_stdlib_dir;
bool g_frozen = true;  // [python] frozen: sys.frozen set in every interpreter

// In every interpreter, after it took its sys attributes from the configuration and before it
// imports encodings and its first frozen stdlib modules. (The main interpreter has its importer
// since the core phase.)
void prepare_interpreter() {
  PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  if (PyInterpreterState_Get() != PyInterpreterState_Main()) {
    // Deliberate: a subinterpreter that cannot have them still runs, with the stdlib CPython
    // itself freezes (its encodings import then fails with CPython's own message).
    if (!importer::install_finder()) PyErr_Clear();
    if (g_frozen && PySys_SetObject("frozen", Py_True) < 0) PyErr_Clear();
  }
  set_stdlib_dir(g_stdlib_dir);
  guard_site();
  PyErr_Restore(type, value, traceback);
}

int posix_exec_preparing_the_interpreter(PyObject* module) {
  const int result = g_posix_exec(module);
  if (result == 0) prepare_interpreter();
  return result;
}

// posix's init function, wrapped: the first call points its definition's exec slot at the
// wrapper above (a copy of the slots, kept for the process's life).
PyObject* (*g_posix_init)() = nullptr;
PyObject* posix_init_wrapping_its_exec_slot() {
  PyObject* definition = g_posix_init();
  if (definition == nullptr || g_posix_exec != nullptr || !PyObject_TypeCheck(definition, &PyModuleDef_Type)) {
    return definition;
  }
  auto* def = reinterpret_cast<PyModuleDef*>(definition);
  std::size_t count = 0;
  while (def->m_slots != nullptr && def->m_slots[count].slot != 0) ++count;
  auto* slots = new PyModuleDef_Slot[count + 1];
  for (std::size_t i = 0; i <= count; ++i) {
    slots[i] = def->m_slots[i];
    if (slots[i].slot == Py_mod_exec && g_posix_exec == nullptr) {
      g_posix_exec = reinterpret_cast<int (*)(PyObject*)>(slots[i].value);
      slots[i].value = reinterpret_cast<void*>(posix_exec_preparing_the_interpreter);
    }
  }
  def->m_slots = slots;
  return definition;
}

void wrap_posix_init() {
  for (_inittab* entry = PyImport_Inittab; entry != nullptr && entry->name != nullptr; ++entry) {
    if (std::string_view(entry->name) == "posix" && entry->initfunc != nullptr) {
      g_posix_init = entry->initfunc;
      entry->initfunc = posix_init_wrapping_its_exec_slot;
      return;
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
  g_stdlib_dir = context.origin_dir + "/" + std::string(layout::kStdlibDir);
  g_frozen = settings.frozen;
  wrap_posix_init();
  set_start_up_step("starting the interpreter");
  preinitialize(settings, kind, argc, argv);
  watch_interpreter_allocations();

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
  // The main phase copied the configuration into sys, where getpath had dropped the stdlib
  // directory (it is not on disk): set it again, for the frozen importer's __file__s.
  set_stdlib_dir(g_stdlib_dir);
  fix_up_external_bootstrap();
  after_initialisation();
  // The app without site (the default: site has nothing to do in a frozen program and costs a
  // fifth of the start-up) still has exit() and friends. A python command line (interpreter
  // mode) keeps python's meaning of -S.
  if (kind != RunKind::PythonCommandLine && !settings.site) install_site_builtins();
  set_start_up_step(nullptr);  // from here on, out of memory is MemoryError
  stop_watching_interpreter_allocations();
}

}  // namespace freeze::launcher
