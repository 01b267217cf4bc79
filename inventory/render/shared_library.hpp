// A C library opened with dlopen() when a feature first needs it.
//
// Libraries only an occasional command uses (libcurl for delivery, Graphviz
// for SVG diagrams) are not linked: the dynamic loader would map and relocate
// them, and their own dependencies, at every start of every command (README,
// Performance: startup). Callers bind the few entry points they use and get a
// one-line reason when the library or a symbol is missing.
#pragma once

#include <initializer_list>
#include <string>

namespace mieruka::inventory {

class SharedLibrary {
 public:
  // Opens the first of `sonames` that loads. On failure ok() is false and
  // error() names every soname tried with the loader's reason.
  explicit SharedLibrary(std::initializer_list<const char*> sonames);
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;
  ~SharedLibrary() = default;  // never dlclose()d: callers keep pointers into it

  bool ok() const noexcept { return error_.empty(); }  // a failed open sets error_ too
  const std::string& error() const noexcept { return error_; }

  // Sets `fn` to the symbol `name`. A missing symbol sets error() (the first
  // one only) and leaves ok() false; binding goes on so one call binds all.
  template <class Fn>
  void bind(const char* name, Fn& fn) {
    fn = reinterpret_cast<Fn>(symbol(name));
  }

 private:
  void* symbol(const char* name);

  void* handle_ = nullptr;
  std::string loaded_;  // the soname that loaded
  std::string error_;
};

}  // namespace mieruka::inventory
