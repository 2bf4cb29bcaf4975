# Network applications link against the kernel's socket calls (tessera/socket_api.h).
# Until the kernel's export table has them, building these apps would fail at link time
# with --no-undefined; they are left out with a message instead, so the tree builds.
file(STRINGS ${PROJECT_SOURCE_DIR}/kernel/module/kernel_exports.cc tessera_socket_export REGEX "X\\(accept4,")
if(tessera_socket_export)
  set(TESSERA_KERNEL_EXPORTS_SOCKETS TRUE)
else()
  set(TESSERA_KERNEL_EXPORTS_SOCKETS FALSE)
  message(STATUS "${CMAKE_CURRENT_SOURCE_DIR}: skipped: the kernel does not export the socket API yet")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/kernel/module/kernel_exports.cc)
