// An owned reference to a Python object, the one reference holder of freeze's C-API code
// (importer, launcher, the packager's build interpreter): released when it goes out of scope,
// so that every return path, error paths included, gives back exactly what it took.
//
// Three ways in and one way out, as the C API's own ownership rules:
//   Ref x(PyFoo_New(...));        takes over a new reference (what most calls return), or null
//   Ref::new_ref(borrowed)        takes a new reference to a borrowed object
//   x.release()                   hands the reference over (returned to Python, or given to a
//                                 call that steals it), leaving x empty
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

namespace freeze {

class Ref {
 public:
  Ref() = default;
  explicit Ref(PyObject* new_reference) : object_(new_reference) {}
  static Ref new_ref(PyObject* borrowed) { return Ref(Py_XNewRef(borrowed)); }

  ~Ref() { Py_XDECREF(object_); }
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  Ref(Ref&& other) noexcept : object_(other.release()) {}
  Ref& operator=(Ref&& other) noexcept {
    reset(other.release());
    return *this;
  }

  // Owns `new_reference` (or nothing) instead; the old object is released after the switch,
  // so that a destructor it runs never sees this Ref half-changed.
  void reset(PyObject* new_reference = nullptr) {
    PyObject* old = object_;
    object_ = new_reference;
    Py_XDECREF(old);
  }
  [[nodiscard]] PyObject* release() {
    PyObject* object = object_;
    object_ = nullptr;
    return object;
  }

  PyObject* get() const { return object_; }
  explicit operator bool() const { return object_ != nullptr; }

 private:
  PyObject* object_ = nullptr;
};

}  // namespace freeze
