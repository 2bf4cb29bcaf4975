# Building Tessera modules and applications (docs/modules.md, "Building a module").
#
#   tessera_add_module(NAME SOURCES src... [DEPENDS module...] [EXPORTS symbol...]
#                      [VERSION v] [DESCRIPTION text] [LICENSE id]
#                      [PROVIDES capability...] [REQUIRES capability...]
#                      [INIT function] [EXIT function])
#     -> ${PROJECT_BINARY_DIR}/modules/NAME.so (target NAME_module), soname NAME.so
#   tessera_add_app(NAME SOURCES src... [DEPENDS module...] [VERSION v] [DESCRIPTION text]
#                   [LICENSE id] [REQUIRES capability...])
#     -> ${PROJECT_BINARY_DIR}/apps/NAME.so (target NAME_app), exporting main
#
# Sources are guest code: compiled with the kernel's freestanding flags, but position
# independent (-fPIC) and with hidden visibility, so only what the module marks
# TESSERA_MODULE_EXPORT (tessera/module_api.h) AND lists (EXPORTS, INIT, EXIT, main) is
# exported; a version script makes everything else local. Modules link against
# libtessera_kernel.so, the stub generated from the kernel's export table by
# `tessera module abi-stub`, with --no-undefined: calling something the kernel does not
# export fails at build time, and every kernel symbol a module uses is recorded with the
# ABI hash of its signature. The metadata note is generated from the arguments.
#
# For tests only: TEST_FIXTURE (not listed in the global properties below, so no image
# gets it), OUTPUT_DIRECTORY dir, KERNEL_ABI target (another stub, e.g. a tampered one;
# see tessera_kernel_abi_stub_variant).
#
# Global properties for whoever assembles images: TESSERA_MODULE_FILES and
# TESSERA_APP_FILES (the built .so paths), TESSERA_MODULE_TARGETS and TESSERA_APP_TARGETS.
# Included by every folder that declares modules (variables are per directory), so it
# defines everything again each time; the stub target is made once.

set(TESSERA_MODULE_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR})
include(${CMAKE_CURRENT_LIST_DIR}/TesseraBuiltin.cmake)
set(TESSERA_MODULE_OUTPUT_DIR ${PROJECT_BINARY_DIR}/modules)
set(TESSERA_APP_OUTPUT_DIR ${PROJECT_BINARY_DIR}/apps)
set(TESSERA_KERNEL_ABI_DIR ${PROJECT_BINARY_DIR}/kernel-abi)

# The note's "abi" value: the kernel's revision, read from the header that defines it so
# the two cannot disagree.
file(STRINGS ${PROJECT_SOURCE_DIR}/kernel/include/tessera/module_note.hh tessera_abi_line
     REGEX "kAbiRevision = [0-9]+")
if(NOT tessera_abi_line MATCHES "kAbiRevision = ([0-9]+)")
  message(FATAL_ERROR "cannot read kAbiRevision from tessera/module_note.hh")
endif()
set(TESSERA_MODULE_ABI_REVISION ${CMAKE_MATCH_1})

# Guest-code flags for position-independent objects: the kernel's freestanding flags
# (cmake/TesseraFreestanding.cmake) without its non-PIC code model choices.
# No unwind tables: nothing unwinds a module with them (backtraces follow frame
# pointers; gdb reads .debug_frame from debug/NAME.so). TESSERA_GUEST_OPT_FLAGS: sections
# per function (the link drops what is not reached), -Os, -flto as configured.
set(tessera_module_common_flags
  -ffreestanding -nostdinc -isystem ${TESSERA_COMPILER_INCLUDE_DIR}
  -fPIC -fvisibility=hidden -mno-red-zone -fstack-protector-strong -fno-omit-frame-pointer
  -fno-asynchronous-unwind-tables -fno-unwind-tables ${TESSERA_GUEST_OPT_FLAGS}
  -Wall -Wextra -Wno-unused-parameter -Werror=return-type -Werror=format)
set(TESSERA_MODULE_C_FLAGS ${tessera_module_common_flags} -Werror=implicit-function-declaration)
set(TESSERA_MODULE_CXX_FLAGS ${tessera_module_common_flags}
  -nostdinc++ -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit -fvisibility-inlines-hidden)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  list(APPEND TESSERA_MODULE_CXX_FLAGS -Wthread-safety)
endif()
# The asan preset (gcc): modules get ASan's checks too, outlined into calls the kernel
# exports from the host's ASan runtime (tessera/asan_api.h), so the kernel heap's
# poisoning catches module code as well. No stack or global instrumentation: those need
# runtime registration the kernel does not offer.
if(TESSERA_SANITIZERS MATCHES "address" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # --param=NAME=VALUE in one word: CMake would fold repeated "--param" words into one.
  set(tessera_module_asan_flags -fsanitize=kernel-address --param=asan-instrumentation-with-call-threshold=0
      --param=asan-stack=0 --param=asan-globals=0)
  list(APPEND TESSERA_MODULE_C_FLAGS ${tessera_module_asan_flags})
  list(APPEND TESSERA_MODULE_CXX_FLAGS ${tessera_module_asan_flags})
endif()
# -z now: every symbol is bound at load time (no ld.so-style lazy PLT resolution; the
#   loader's own lazy import stubs, docs/modularity.md, need no help from the linker);
# -z relro: the GOT and .data.rel.ro become read-only after relocation;
# -z separate-code: text gets pages of its own, so W^X protections are exact.
# --gc-sections: what no exported symbol reaches is dropped.
set(TESSERA_MODULE_LINK_FLAGS
  -nostdlib -Wl,--no-undefined -Wl,--no-undefined-version -Wl,-z,now -Wl,-z,relro
  -Wl,--hash-style=gnu -Wl,-z,noexecstack -Wl,-z,separate-code -Wl,--build-id
  -Wl,--gc-sections ${TESSERA_GUEST_LINK_FLAGS})

# The layout: ld's own script for these options, with one change. -z separate-code pads
# the file to a page before and after the text so that an mmap-ing loader maps no header
# or rodata byte executable; ours copies segments, so only their pages in memory must be
# distinct (W^X stays exact, elf_validator checks it). Each of those two page alignments
# becomes "the next page, at the same offset in it", as ld already does for data: the file
# carries no padding there (8-11 KiB less for a small module), memory is unchanged.
# Generated from the installed linker, so it follows its version; if that script does
# not have the expected shape, modules are linked with ld's default and padded as before.
get_property(tessera_module_script_known GLOBAL PROPERTY TESSERA_MODULE_LINKER_SCRIPT SET)
if(NOT tessera_module_script_known)
  set(tessera_module_script "")
  execute_process(COMMAND ${CMAKE_LINKER} --verbose -shared -z separate-code -z relro -z now
                  OUTPUT_VARIABLE ld_verbose RESULT_VARIABLE ld_status ERROR_QUIET)
  set(page_align_line "  . = ALIGN(CONSTANT (MAXPAGESIZE));\n")
  set(page_align_regex "  \\. = ALIGN\\(CONSTANT \\(MAXPAGESIZE\\)\\);\n")
  set(rodata_adjust_regex "  /\\* Adjust the address for the rodata segment\\.")
  if(ld_status EQUAL 0 AND ld_verbose MATCHES "\n=+\n(.*)\n=+\n")
    set(script "${CMAKE_MATCH_1}")
    # Counted on a copy without ';', which would split the list CMake returns.
    string(REPLACE ";" "," flat "${script}")
    string(REGEX MATCHALL "\n  \\. = ALIGN\\(CONSTANT \\(MAXPAGESIZE\\)\\),\n" alignments "${flat}")
    list(LENGTH alignments alignment_count)
    if(alignment_count EQUAL 2 AND script MATCHES "${page_align_regex}${rodata_adjust_regex}")
      # The second, before rodata: ld's own adjustment right after it does the rest.
      string(REGEX REPLACE "${page_align_regex}(${rodata_adjust_regex})" "\\1" script "${script}")
      # The first, before the text.
      string(REPLACE "${page_align_line}"
             "  . = ALIGN(CONSTANT (MAXPAGESIZE)) + (. & (CONSTANT (MAXPAGESIZE) - 1));\n" script "${script}")
      set(tessera_module_script ${PROJECT_BINARY_DIR}/kernel-abi/module.ld)
      file(WRITE ${tessera_module_script} "/* Generated by cmake/TesseraModule.cmake from ld --verbose. */\n${script}\n")
    endif()
  endif()
  if(NOT tessera_module_script)
    message(STATUS "modules: ld's script is not in the expected shape; modules keep ld's page padding")
  endif()
  set_property(GLOBAL PROPERTY TESSERA_MODULE_LINKER_SCRIPT "${tessera_module_script}")
else()
  get_property(tessera_module_script GLOBAL PROPERTY TESSERA_MODULE_LINKER_SCRIPT)
endif()
if(tessera_module_script)
  list(APPEND TESSERA_MODULE_LINK_FLAGS -Wl,-T,${tessera_module_script})
endif()

# tessera_drop_inherited_flags(TARGET): guest objects must not get the host build's
# directory-wide options (sanitizers above all: they would import __asan_* symbols the
# kernel does not export).
function(tessera_drop_inherited_flags target)
  set_property(TARGET ${target} PROPERTY COMPILE_OPTIONS "")
  set_property(TARGET ${target} PROPERTY LINK_OPTIONS "")
  set_property(TARGET ${target} PROPERTY INTERPROCEDURAL_OPTIMIZATION OFF)
endfunction()

# The stub libtessera_kernel.so, made once, from the tessera binary's own export table.
function(tessera_kernel_abi_stub)
  if(NOT TARGET tessera_kernel_abi)
    tessera_kernel_abi_stub_variant(tessera_kernel_abi ${TESSERA_KERNEL_ABI_DIR})
    # Beside the modules, never inside an image: the loader resolves it to the kernel.
    set_target_properties(tessera_kernel_abi PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${TESSERA_MODULE_OUTPUT_DIR})
  endif()
endfunction()

# tessera_kernel_abi_stub_variant(TARGET DIRECTORY ARGS...): another libtessera_kernel.so
# in DIRECTORY, generated with extra `tessera module abi-stub` ARGS (for tests:
# --tamper SYMBOL gives SYMBOL a version the kernel refuses).
function(tessera_kernel_abi_stub_variant target directory)
  set(stub_source ${directory}/libtessera_kernel.S)
  set(stub_map ${directory}/libtessera_kernel.map)
  file(MAKE_DIRECTORY ${directory})
  add_custom_command(
    OUTPUT ${stub_source} ${stub_map}
    COMMAND $<TARGET_FILE:tessera> module abi-stub ${directory} ${ARGN}
    DEPENDS tessera
    COMMENT "Kernel ABI stub variant ${target}"
    VERBATIM)
  add_library(${target} SHARED ${stub_source})
  tessera_drop_inherited_flags(${target})
  set_source_files_properties(${stub_source} PROPERTIES LANGUAGE ASM)
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME tessera_kernel
    LIBRARY_OUTPUT_DIRECTORY ${directory}
    LINK_DEPENDS ${stub_map}
    LINKER_LANGUAGE C)  # CMake has no rule to link an assembler-only shared library
  target_link_options(${target} PRIVATE -nostdlib -Wl,--version-script=${stub_map})
endfunction()

# Escapes a value for an assembler string.
function(tessera_note_escape variable value)
  string(REPLACE "\\" "\\\\" value "${value}")
  string(REPLACE "\"" "\\\"" value "${value}")
  set(${variable} "${value}" PARENT_SCOPE)
endfunction()

# tessera_add_loadable(KIND NAME TARGET OUTPUT_DIR ...): what modules and apps share.
function(tessera_add_loadable kind name target output_dir)
  cmake_parse_arguments(PARSE_ARGV 4 arg "TEST_FIXTURE"
    "VERSION;DESCRIPTION;LICENSE;INIT;EXIT;KERNEL_ABI;OUTPUT_DIRECTORY"
    "SOURCES;DEPENDS;EXPORTS;PROVIDES;REQUIRES")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "tessera_add_${kind}(${name}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "tessera_add_${kind}(${name}): no SOURCES")
  endif()
  if(NOT name MATCHES "^[a-z][a-z0-9_-]*$")
    message(FATAL_ERROR "tessera_add_${kind}(${name}): names are lower case letters, digits, '-' and '_'")
  endif()
  if(NOT arg_VERSION)
    set(arg_VERSION ${PROJECT_VERSION})
  endif()
  tessera_kernel_abi_stub()
  if(NOT arg_KERNEL_ABI)
    set(arg_KERNEL_ABI tessera_kernel_abi)
  endif()
  if(arg_OUTPUT_DIRECTORY)
    set(output_dir ${arg_OUTPUT_DIRECTORY})
  endif()

  # The metadata note (tessera/module_note.hh): name "Tessera", type "TSM1", key=value
  # strings ended by an empty one, in a SHT_NOTE section so the linker gives it a PT_NOTE.
  list(JOIN arg_PROVIDES "," provides)
  list(JOIN arg_REQUIRES "," requires)
  set(entries "name=${name}" "kind=${kind}" "version=${arg_VERSION}" "abi=${TESSERA_MODULE_ABI_REVISION}")
  set(description "${arg_DESCRIPTION}")
  set(license "${arg_LICENSE}")
  set(init "${arg_INIT}")
  set(exit "${arg_EXIT}")
  foreach(key description license provides requires init exit)
    if(NOT "${${key}}" STREQUAL "")
      list(APPEND entries "${key}=${${key}}")
    endif()
  endforeach()
  set(note_strings "")
  foreach(entry IN LISTS entries)
    tessera_note_escape(escaped "${entry}")
    string(APPEND note_strings "  .asciz \"${escaped}\"\n")
  endforeach()
  set(note_source ${CMAKE_CURRENT_BINARY_DIR}/${target}_note.S)
  file(CONFIGURE OUTPUT ${note_source} CONTENT [=[
/* Generated by tessera_add_@kind@(@name@): the module's metadata note. */
  .section .note.tessera, "a", @note
  .balign 4
  .long 2f - 1f    /* name size */
  .long 4f - 3f    /* descriptor size */
  .long 0x54534d31 /* kModuleInfoNoteType, "TSM1" */
1:
  .asciz "Tessera"
2:
  .balign 4
3:
@note_strings@  .byte 0
4:
  .balign 4
  .section .note.GNU-stack, "", @progbits
]=] @ONLY)

  # The version script: the listed symbols global, everything else local.
  set(exports ${arg_EXPORTS})
  if(arg_INIT)
    list(APPEND exports ${arg_INIT})
  endif()
  if(arg_EXIT)
    list(APPEND exports ${arg_EXIT})
  endif()
  if(kind STREQUAL "app")
    list(APPEND exports main)
  endif()
  set(global_part "")
  if(exports)
    list(REMOVE_DUPLICATES exports)
    list(JOIN exports ";\n    " joined)
    set(global_part "global:\n    ${joined};\n  ")
  endif()
  set(version_script ${CMAKE_CURRENT_BINARY_DIR}/${target}.map)
  file(CONFIGURE OUTPUT ${version_script} CONTENT "/* Generated by tessera_add_${kind}(${name}). */\n{\n  ${global_part}local: *;\n};\n")

  add_library(${target} SHARED ${arg_SOURCES} ${note_source})
  tessera_drop_inherited_flags(${target})
  set_source_files_properties(${note_source} PROPERTIES LANGUAGE ASM)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C>:${TESSERA_MODULE_C_FLAGS}>
    $<$<COMPILE_LANGUAGE:CXX>:${TESSERA_MODULE_CXX_FLAGS}>)
  # Only the module API and the header-only parts of kernel/include: modules reach the
  # kernel through module_api.h, never through its C++ internals.
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/kernel/include)
  # A module that DEPENDS on this one includes its headers (modules/NAME/*.h) by name.
  target_include_directories(${target} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_options(${target} PRIVATE ${TESSERA_MODULE_LINK_FLAGS} -Wl,--version-script=${version_script})
  target_link_libraries(${target} PRIVATE ${arg_KERNEL_ABI})
  foreach(dependency IN LISTS arg_DEPENDS)
    target_link_libraries(${target} PRIVATE ${dependency}_module)
  endforeach()
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${name}
    SUFFIX ".so"
    LIBRARY_OUTPUT_DIRECTORY ${output_dir}
    POSITION_INDEPENDENT_CODE ON
    LINK_DEPENDS ${version_script}
    TESSERA_NAME ${name}
    TESSERA_KIND ${kind})
  # Without this CMake would link with the C++ driver and ask for libstdc++ behaviours
  # (it does not add libraries under -nostdlib, but keep the driver predictable).
  set_target_properties(${target} PROPERTIES LINKER_LANGUAGE C)

  if(exports)
    add_custom_command(TARGET ${target} POST_BUILD
      COMMAND ${CMAKE_COMMAND} -DFILE=$<TARGET_FILE:${target}> -DNM=${CMAKE_NM} "-DEXPORTS=${exports}"
              -P ${TESSERA_MODULE_CMAKE_DIR}/TesseraCheckExports.cmake
      VERBATIM)
  endif()

  # Images carry the file without DWARF (a third to a fifth of the size); debuggers load
  # the full one from debug/NAME.so beside it (same build id). The symbol table stays, so
  # crash reports still name functions.
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -E make_directory ${output_dir}/debug
    COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:${target}> ${output_dir}/debug/${name}.so
    COMMAND ${CMAKE_STRIP} --strip-debug $<TARGET_FILE:${target}>
    VERBATIM)

  # The same declaration, for linking the module into a kernel (cmake/TesseraBuiltin.cmake).
  if(kind STREQUAL "module")
    tessera_declare_builtin(${name} ${target} SOURCES ${arg_SOURCES} DEPENDS ${arg_DEPENDS} EXPORTS ${exports}
                            NOTE ${entries})
  endif()
  if(arg_TEST_FIXTURE)
    return()
  endif()
  string(TOUPPER ${kind} upper_kind)
  set_property(GLOBAL APPEND PROPERTY TESSERA_${upper_kind}_FILES ${output_dir}/${name}.so)
  set_property(GLOBAL APPEND PROPERTY TESSERA_${upper_kind}_TARGETS ${target})
endfunction()

function(tessera_add_module name)
  tessera_add_loadable(module ${name} ${name}_module ${TESSERA_MODULE_OUTPUT_DIR} ${ARGN})
endfunction()

function(tessera_add_app name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "EXPORTS;INIT;EXIT;PROVIDES")
  if(arg_EXPORTS OR arg_INIT OR arg_EXIT OR arg_PROVIDES)
    message(FATAL_ERROR "tessera_add_app(${name}): applications have main, not EXPORTS, INIT, EXIT or PROVIDES")
  endif()
  tessera_add_loadable(app ${name} ${name}_app ${TESSERA_APP_OUTPUT_DIR} ${ARGN})
endfunction()
