/* A module linked into the kernel executable (cmake/TesseraBuiltin.cmake): the record
 * the build generates for it, read at boot by builtin_modules.cc. C, because the record
 * is compiled with the module's own (guest, C) flags. One pointer per module in the
 * section tessera_builtin_modules; the linker brackets it with __start_/__stop_. */
#ifndef TESSERA_BUILTIN_MODULE_H
#define TESSERA_BUILTIN_MODULE_H

#ifdef __cplusplus
extern "C" {
#endif

#define TESSERA_BUILTIN_MODULE_MAGIC 0x4e544c42u /* "BLTN" */

struct tessera_builtin_symbol {
  const char* name; /* the name a loaded module would export it under */
  const void* address;
};

struct tessera_builtin_module {
  unsigned int magic;
  unsigned int reserved;
  /* The strings of the module's metadata note (name=..., version=..., provides=..., each
   * NUL-terminated, then an empty one): the same bytes as its .so's note. */
  const char* note;
  unsigned long note_size;
  const char* depends; /* DEPENDS, comma-separated; "" when none */
  const struct tessera_builtin_symbol* exports; /* EXPORTS, INIT and EXIT */
  unsigned long export_count;
  /* Its constructors and destructors (its .init_array and .fini_array, renamed
   * tessera_init_NAME and tessera_fini_NAME by the build so that neither the host's C
   * runtime nor the VM kernel's start code sees them); null when it has none. Run as the
   * loader runs a loaded module's: constructors before the init entry, destructors after
   * the exit entry, in reverse. */
  void (*const* init_array)(void);
  void (*const* init_array_end)(void);
  void (*const* fini_array)(void);
  void (*const* fini_array_end)(void);
};

#ifdef __cplusplus
}
#endif

#endif
