#pragma once
// Entry points a module or application defines (C names, found through its dynamic
// symbol table):
//   module:      int <init>(void);  void <exit>(void);   names from the note's init/exit keys;
//                init returns 0 on success or a negative errno; a failed init unloads the module.
//   application: int main(int argc, char** argv);         its return value is the exit status.
#include <tessera/errno.hh>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

#include "module/module_format.hh"

namespace tessera {
using ModuleInitFunction = int (*)();
using ModuleExitFunction = void (*)();
using ApplicationMain = int (*)(int argc, char** argv);

// The error for an init entry that returned `status` (not 0): its errno when it is a
// negative one, else EIO.
inline Error init_entry_failure(ktl::StringView module, ktl::StringView init, int status) {
  int code = status < 0 && status > -4096 ? -status : kEIO;
  return Error::with_message(code, "module %.*s: init entry '%.*s' failed (returned %d, %s)", TESSERA_NAME_ARG(module),
                             TESSERA_NAME_ARG(init), status, errno_name(code));
}
}  // namespace tessera
