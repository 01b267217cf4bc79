#include "inventory/render/shared_library.hpp"

#include <dlfcn.h>

namespace mieruka::inventory {

SharedLibrary::SharedLibrary(std::initializer_list<const char*> sonames) {
  std::string tried;
  for (const char* soname : sonames) {
    // RTLD_GLOBAL: Graphviz's own plugins resolve libgvc/libcgraph symbols.
    handle_ = dlopen(soname, RTLD_NOW | RTLD_GLOBAL);
    if (handle_ != nullptr) {
      loaded_ = soname;
      return;
    }
    if (!tried.empty()) tried += "; ";
    const char* why = dlerror();
    tried += why != nullptr ? why : soname;
  }
  error_ = "cannot load " + tried;
}

void* SharedLibrary::symbol(const char* name) {
  if (handle_ == nullptr) return nullptr;
  void* p = dlsym(handle_, name);
  if (p == nullptr && error_.empty()) error_ = loaded_ + " has no " + name;
  return p;
}

}  // namespace mieruka::inventory
