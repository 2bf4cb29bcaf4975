#pragma once
// Entry points a module or application defines (C names, found through its dynamic
// symbol table):
//   module:      int <init>(void);  void <exit>(void);   names from the note's init/exit keys;
//                init returns 0 on success or a negative errno; a failed init unloads the module.
//   application: int main(int argc, char** argv);         its return value is the exit status.
namespace tessera {
using ModuleInitFunction = int (*)();
using ModuleExitFunction = void (*)();
using ApplicationMain = int (*)(int argc, char** argv);
}  // namespace tessera
