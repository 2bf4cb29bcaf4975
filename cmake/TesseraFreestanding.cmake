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

# tessera_freestanding(TARGET): compile TARGET's sources as guest code.
function(tessera_freestanding target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:${TESSERA_FREESTANDING_FLAGS}>
    $<$<COMPILE_LANGUAGE:ASM>:-fno-pic>)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/kernel/include)
endfunction()
