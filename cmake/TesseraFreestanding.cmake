# Flags for code that runs inside the guest (kernel/ and modules/): freestanding, with
# only the compiler's own headers (stddef.h, stdint.h, stdarg.h, ...) and kernel/include
# on the include path, so that a host header such as <unistd.h> fails to compile.
# Valid on both platforms: non-PIC small code model, no red zone, stack protector on.

execute_process(
  COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=include
  OUTPUT_VARIABLE TESSERA_COMPILER_INCLUDE_DIR OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT IS_DIRECTORY "${TESSERA_COMPILER_INCLUDE_DIR}")
  message(FATAL_ERROR "cannot find the compiler's freestanding headers (got '${TESSERA_COMPILER_INCLUDE_DIR}')")
endif()

set(TESSERA_FREESTANDING_FLAGS
  -ffreestanding -nostdinc -nostdinc++ -isystem ${TESSERA_COMPILER_INCLUDE_DIR}
  -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit
  -fno-pic -fno-pie -mcmodel=small -mno-red-zone
  -fstack-protector-strong -fno-omit-frame-pointer
  -Wall -Wextra -Wno-unused-parameter -Werror=return-type -Werror=format)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  list(APPEND TESSERA_FREESTANDING_FLAGS -Wthread-safety)
endif()

# Optimisation of guest code, shared with modules (cmake/TesseraModule.cmake); the options
# are declared in the top-level CMakeLists.txt.
#   TESSERA_GUEST_OPT_FLAGS: compile flags of the kernel, the VM platform and modules;
#   TESSERA_GUEST_LINK_FLAGS: link flags of whatever links them (LTO recompiles at link
#   time with the link line's optimisation level, so -Os must be there too).
# Every function and object in a section of its own, so that the VM link and module links
# (--gc-sections) drop what nothing references.
set(TESSERA_GUEST_OPT_FLAGS -ffunction-sections -fdata-sections)
set(TESSERA_GUEST_LINK_FLAGS "")
if(TESSERA_OPTIMIZE_SIZE)
  list(APPEND TESSERA_GUEST_OPT_FLAGS -Os)
  list(APPEND TESSERA_GUEST_LINK_FLAGS -Os)
endif()
if(TESSERA_LTO)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    message(FATAL_ERROR "TESSERA_LTO is written for gcc (gcc-ar, gcc-nm and the LTO plugin)")
  endif()
  if(TESSERA_SANITIZERS)
    message(FATAL_ERROR "TESSERA_LTO with TESSERA_SANITIZERS is not supported")
  endif()
  # Slim LTO objects hold only GIMPLE: the archive needs the plugin-aware tools, and so
  # does the kernel-symbols check (nm).
  foreach(tool ar nm ranlib)
    string(TOUPPER ${tool} upper)
    find_program(TESSERA_GCC_${upper} NAMES gcc-${tool} REQUIRED)
    set(CMAKE_${upper} ${TESSERA_GCC_${upper}})
  endforeach()
  list(APPEND TESSERA_GUEST_OPT_FLAGS -flto=auto -fno-fat-lto-objects)
  list(APPEND TESSERA_GUEST_LINK_FLAGS -flto=auto)
endif()

# PGO, kernel archive only (modules run from our own loader, which cannot run gcov's
# constructors nor export libgcov to them). The profile comes from hosted runs: the
# instrumented archive cannot boot in the VM (gcov registers each object from a global
# constructor, which vm_start.cc refuses). -fprofile-prefix-path makes the .gcda names
# relative to the build folder, so a `use` build in another folder finds them.
set(TESSERA_PGO_FLAGS "")
set(TESSERA_PGO_LINK_FLAGS "")
if(TESSERA_PGO STREQUAL "generate")
  if(TESSERA_SANITIZERS)
    message(FATAL_ERROR "TESSERA_PGO with TESSERA_SANITIZERS is not supported")
  endif()
  # Guest threads all run on one host thread (platform-linux/tls_window.hh): plain
  # counter updates are exact.
  set(TESSERA_PGO_FLAGS -fprofile-generate=${TESSERA_PGO_PROFILE_DIR} -fprofile-prefix-path=${PROJECT_BINARY_DIR}
      -fprofile-update=single)
  set(TESSERA_PGO_LINK_FLAGS -fprofile-generate=${TESSERA_PGO_PROFILE_DIR})
elseif(TESSERA_PGO STREQUAL "use")
  if(NOT IS_DIRECTORY ${TESSERA_PGO_PROFILE_DIR})
    message(FATAL_ERROR "TESSERA_PGO=use: no profile at TESSERA_PGO_PROFILE_DIR=${TESSERA_PGO_PROFILE_DIR} "
                        "(make one with bench/pgo/run, or a TESSERA_PGO=generate build and a training run)")
  endif()
  # Partial training: what the hosted workload never ran (the VM's paths, error paths)
  # is optimised as usual rather than as cold code. Objects the workload never reached
  # have no .gcda at all, which is expected, not worth a warning each.
  set(TESSERA_PGO_FLAGS -fprofile-use=${TESSERA_PGO_PROFILE_DIR} -fprofile-prefix-path=${PROJECT_BINARY_DIR}
      -fprofile-partial-training -Wno-missing-profile)
elseif(NOT TESSERA_PGO STREQUAL "")
  message(FATAL_ERROR "TESSERA_PGO must be generate, use or empty, not '${TESSERA_PGO}'")
endif()

# tessera_freestanding(TARGET [PGO]): compile TARGET's sources as guest code; PGO: with the
# TESSERA_PGO flags too.
function(tessera_freestanding target)
  set(pgo "")
  if("PGO" IN_LIST ARGN)
    set(pgo ${TESSERA_PGO_FLAGS})
  endif()
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:${TESSERA_FREESTANDING_FLAGS} ${TESSERA_GUEST_OPT_FLAGS} ${pgo}>
    $<$<COMPILE_LANGUAGE:ASM>:-fno-pic>)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/kernel/include)
endfunction()
