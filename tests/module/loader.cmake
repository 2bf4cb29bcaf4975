# The loader's tests (loader helper): one small shared object per feature, built with the
# host C compiler as docs/modules.md's module flags say (fPIC, -z now, RELRO, separate
# code, GNU hash) but without tessera_add_module, so that each fixture controls exactly
# which relocations, dependencies, versions and TLS model it has. Kernel symbols come from
# the tests' own symbol source.
find_program(TESSERA_LOADER_FIXTURE_CC NAMES gcc cc DOC "C compiler for the loader's fixtures")
if(NOT TESSERA_LOADER_FIXTURE_CC)
  set(TESSERA_LOADER_FIXTURE_CC ${CMAKE_C_COMPILER})
endif()
set(loader_fixture_dir ${CMAKE_CURRENT_BINARY_DIR}/loader_fixtures)
set(loader_fixture_source_dir ${CMAKE_CURRENT_SOURCE_DIR}/fixtures)
set(loader_fixture_flags -shared -fPIC -nostdlib -O2 -fno-stack-protector
    -Wl,-z,now -Wl,-z,relro -Wl,--hash-style=gnu -Wl,-z,noexecstack -Wl,-z,separate-code)
set(loader_fixture_outputs)

# loader_fixture(NAME SOURCE [DEPENDS fixture...] [FLAGS ...]): fixtures/SOURCE -> NAME.so
# with soname NAME.so, linked against the DEPENDS fixtures (which become its DT_NEEDED).
function(loader_fixture name source)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "SONAME" "DEPENDS;FLAGS")
  set(output ${loader_fixture_dir}/${name}.so)
  set(soname ${name}.so)
  if(arg_SONAME)
    set(soname ${arg_SONAME})
  endif()
  set(libraries)
  foreach(dependency IN LISTS arg_DEPENDS)
    list(APPEND libraries ${loader_fixture_dir}/${dependency}.so)
  endforeach()
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${loader_fixture_dir}
    COMMAND ${TESSERA_LOADER_FIXTURE_CC} ${loader_fixture_flags} -Wl,-soname,${soname} ${arg_FLAGS}
            -o ${output} ${loader_fixture_source_dir}/${source} ${libraries}
    DEPENDS ${loader_fixture_source_dir}/${source} ${loader_fixture_source_dir}/loader_note.h
            ${loader_fixture_source_dir}/loader_versions.map ${libraries}
    COMMENT "loader fixture ${name}.so"
    VERBATIM)
  set(loader_fixture_outputs ${loader_fixture_outputs} ${output} PARENT_SCOPE)
endfunction()

loader_fixture(loader_basic loader_basic.c)
loader_fixture(loader_basic_sysv loader_basic.c FLAGS -Wl,--hash-style=sysv)
loader_fixture(loader_init_fail loader_init_fail.c)
loader_fixture(loader_nested loader_nested.c)
loader_fixture(loader_weak loader_weak.c)
loader_fixture(loader_strong_missing loader_strong_missing.c)
loader_fixture(loader_ifunc loader_ifunc.c)
loader_fixture(loader_dep_base loader_dep_base.c)
loader_fixture(loader_dep_mid loader_dep_mid.c DEPENDS loader_dep_base)
loader_fixture(loader_dep_top loader_dep_top.c DEPENDS loader_dep_mid)
# A cycle: a stub of b (same soname) lets a link first; then b links against a.
loader_fixture(loader_cycle_b_stub loader_cycle_b.c SONAME loader_cycle_b.so)
loader_fixture(loader_cycle_a loader_cycle_a.c DEPENDS loader_cycle_b_stub)
loader_fixture(loader_cycle_b loader_cycle_b.c DEPENDS loader_cycle_a)
loader_fixture(loader_versions_provider loader_versions_provider.c
  FLAGS -Wl,--version-script=${loader_fixture_source_dir}/loader_versions.map)
loader_fixture(loader_versions_new loader_versions_user.c DEPENDS loader_versions_provider)
loader_fixture(loader_versions_old loader_versions_user.c DEPENDS loader_versions_provider FLAGS -DUSE_OLD)
# The kernel's ABI stub stand-in: kernel_add@TESSERA_0000abcd.
set(loader_stub_map ${loader_fixture_dir}/loader_kernel_stub.map)
file(MAKE_DIRECTORY ${loader_fixture_dir})
file(WRITE ${loader_stub_map} "TESSERA_0000abcd { global: kernel_add; local: *; };\n")
loader_fixture(loader_kernel_stub loader_kernel_stub.c SONAME libtessera_kernel.so
  FLAGS -Wl,--version-script=${loader_stub_map})
loader_fixture(loader_kernel_user loader_kernel_user.c DEPENDS loader_kernel_stub)
loader_fixture(loader_tls_gd loader_tls.c)
loader_fixture(loader_tls_ie loader_tls.c FLAGS -ftls-model=initial-exec)
loader_fixture(loader_tls_gd_big loader_tls.c FLAGS -DLOADER_TLS_BIG=4096)
loader_fixture(loader_tls_ie_big loader_tls.c FLAGS -ftls-model=initial-exec -DLOADER_TLS_BIG=4096)
if(TESSERA_ELF_COMPILER_HAS_TLSDESC)
  loader_fixture(loader_tls_desc loader_tls.c FLAGS -mtls-dialect=gnu2)
  loader_fixture(loader_tls_desc_big loader_tls.c FLAGS -mtls-dialect=gnu2 -DLOADER_TLS_BIG=4096)
endif()
if(TESSERA_ELF_LINKER_HAS_RELR)
  loader_fixture(loader_basic_relr loader_basic.c FLAGS -Wl,-z,pack-relative-relocs)
endif()
# Loaded by bench/module_bench (found next to the test fixtures at run time).
loader_fixture(loader_bench loader_bench.c)
add_custom_target(loader_fixtures ALL DEPENDS ${loader_fixture_outputs})

foreach(test loader_relocation_test loader_lifecycle_test loader_tls_test loader_kernel_test loader_vfs_test)
  if(TARGET ${test})
    add_dependencies(${test} loader_fixtures)
    target_compile_definitions(${test} PRIVATE
      TESSERA_LOADER_FIXTURE_DIR="${loader_fixture_dir}"
      TESSERA_LOADER_HAVE_RELR=$<BOOL:${TESSERA_ELF_LINKER_HAS_RELR}>
      TESSERA_LOADER_HAVE_TLSDESC=$<BOOL:${TESSERA_ELF_COMPILER_HAS_TLSDESC}>)
  endif()
endforeach()
# module-abi's fixture built against a tampered kernel ABI stub (abi.cmake).
# Built by `all`; not a build dependency of the test, so that the loader's tests build
# while the ABI side is in flux (the test skips, saying so, when the file is missing).
if(TARGET abi-mismatch_module AND TARGET loader_relocation_test)
  target_compile_definitions(loader_relocation_test PRIVATE
    TESSERA_ABI_MISMATCH_MODULE="$<TARGET_FILE:abi-mismatch_module>")
endif()
# The sample module and application, built by tessera_add_module/tessera_add_app.
foreach(test loader_kernel_test loader_vfs_test)
  if(TARGET ${test} AND TARGET hello_module AND TARGET hello-app_app)
    add_dependencies(${test} hello_module hello-app_app)
    target_compile_definitions(${test} PRIVATE
      TESSERA_HELLO_MODULE="$<TARGET_FILE:hello_module>"
      TESSERA_HELLO_APP="$<TARGET_FILE:hello-app_app>")
  endif()
endforeach()
