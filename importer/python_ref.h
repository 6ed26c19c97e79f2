// An owning reference to a Python object: released when it goes out of scope, so that early
// returns on errors leak nothing.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

namespace freeze {

struct Ref {
  PyObject* p;
  explicit Ref(PyObject* object = nullptr) : p(object) {}
  ~Ref() { Py_XDECREF(p); }
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  Ref(Ref&& other) noexcept : p(other.release()) {}
  Ref& operator=(Ref&& other) noexcept {
    reset(other.release());
    return *this;
  }
  void reset(PyObject* object = nullptr) {
    PyObject* old = p;
    p = object;
    Py_XDECREF(old);
  }
  // Hands the reference to the caller (for returning a new reference).
  PyObject* release() {
    PyObject* object = p;
    p = nullptr;
    return object;
  }
  PyObject* get() const { return p; }
  explicit operator bool() const { return p != nullptr; }
};

}  // namespace freeze
