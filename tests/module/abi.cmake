# The module ABI's tests (module-abi): type hashes, the export table, `tessera module info`,
# and the fixture of a module built against a kernel whose prototype differed.

# type_hash must give the same values under every compiler: the same probe program,
# built by each C++ compiler found, prints its table; type_hash_test compares them all
# with the values it was compiled with.
set(type_hash_probe_source ${CMAKE_CURRENT_SOURCE_DIR}/fixtures/type_hash_probe.cc)
set(type_hash_probes)
find_program(TESSERA_PROBE_GXX NAMES g++ DOC "g++ for the type_hash cross-compiler check")
find_program(TESSERA_PROBE_CLANGXX NAMES clang++ clang++-14 clang++-15 DOC "clang++ for the type_hash cross-compiler check")
foreach(compiler IN ITEMS TESSERA_PROBE_GXX TESSERA_PROBE_CLANGXX)
  if(${compiler})
    string(TOLOWER ${compiler} suffix)
    set(probe ${CMAKE_CURRENT_BINARY_DIR}/${suffix})
    add_custom_command(
      OUTPUT ${probe}
      COMMAND ${${compiler}} -std=c++20 -O1 -I${PROJECT_SOURCE_DIR}/kernel/include -o ${probe} ${type_hash_probe_source}
      DEPENDS ${type_hash_probe_source} ${PROJECT_SOURCE_DIR}/kernel/include/tessera/ktl/type_hash.hh
      COMMENT "type_hash probe built by ${${compiler}}"
      VERBATIM)
    list(APPEND type_hash_probes ${probe})
  endif()
endforeach()
add_custom_target(type_hash_probes DEPENDS ${type_hash_probes})
if(TARGET type_hash_test)
  add_dependencies(type_hash_test type_hash_probes)
  list(JOIN type_hash_probes "," probe_list)
  target_compile_definitions(type_hash_test PRIVATE TESSERA_TYPE_HASH_PROBES="${probe_list}")
endif()

if(TARGET export_table_test)
  target_compile_definitions(export_table_test PRIVATE
    TESSERA_MODULE_API_HEADER="${PROJECT_SOURCE_DIR}/kernel/include/tessera/module_api.h")
endif()

# A module built against a stub in which tessera_log carries a version this kernel does
# not have: what a module built against an older prototype looks like. The loader's tests
# load it and expect a refusal naming tessera_log; module_info_test expects info to say so.
set(TESSERA_MODULE_FIXTURE_DIR ${CMAKE_CURRENT_BINARY_DIR}/fixtures)
tessera_kernel_abi_stub_variant(tampered_kernel_abi ${CMAKE_CURRENT_BINARY_DIR}/tampered-abi --tamper tessera_log)
tessera_add_module(abi-mismatch
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fixtures/abi_mismatch.c
  DESCRIPTION "Test fixture: imports tessera_log under a version this kernel refuses"
  INIT abi_mismatch_init
  KERNEL_ABI tampered_kernel_abi
  OUTPUT_DIRECTORY ${TESSERA_MODULE_FIXTURE_DIR}
  TEST_FIXTURE)

# A module that DEPENDS on another (hello): DT_NEEDED hello.so, hello_greeting imported
# from it without a kernel version, hello.h found through the dependency.
tessera_add_module(hello-user
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fixtures/hello_user.c
  DEPENDS hello
  DESCRIPTION "Test fixture: calls the hello module from its init"
  INIT hello_user_init
  OUTPUT_DIRECTORY ${TESSERA_MODULE_FIXTURE_DIR}
  TEST_FIXTURE)

if(TARGET module_abi_load_test)
  add_dependencies(module_abi_load_test hello_module hello-app_app abi-mismatch_module hello-user_module)
  target_compile_definitions(module_abi_load_test PRIVATE
    TESSERA_HELLO_USER_MODULE="$<TARGET_FILE:hello-user_module>"
    TESSERA_HELLO_MODULE="$<TARGET_FILE:hello_module>"
    TESSERA_HELLO_APP="$<TARGET_FILE:hello-app_app>"
    TESSERA_ABI_MISMATCH_MODULE="$<TARGET_FILE:abi-mismatch_module>")
endif()

# `tessera module info` on the sample modules and the fixture: runs the tessera binary,
# so it is a hosted test, not a unit test (hence not named *_test.cc).
add_executable(module_info_test ${CMAKE_CURRENT_SOURCE_DIR}/module_info_hosted.cc)
target_link_libraries(module_info_test PRIVATE GTest::gtest GTest::gtest_main)
add_dependencies(module_info_test tessera hello_module hello-app_app abi-mismatch_module hello-user_module)
target_compile_definitions(module_info_test PRIVATE
  TESSERA_BINARY="$<TARGET_FILE:tessera>"
  TESSERA_HELLO_MODULE="$<TARGET_FILE:hello_module>"
  TESSERA_HELLO_APP="$<TARGET_FILE:hello-app_app>"
  TESSERA_ABI_MISMATCH_MODULE="$<TARGET_FILE:abi-mismatch_module>"
  TESSERA_HELLO_USER_MODULE="$<TARGET_FILE:hello-user_module>"
  TESSERA_KERNEL_ABI_STUB="$<TARGET_FILE:tessera_kernel_abi>")
gtest_discover_tests(module_info_test NO_PRETTY_VALUES DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60
                     PROPERTIES LABELS hosted)
