# Lazy import stubs (lazy helper): fixtures for lazy_binding_test, built with loader.cmake's
# loader_fixture() (this fragment is included after it).
set(loader_fixture_outputs)
loader_fixture(lazy_provider lazy_provider.c)
loader_fixture(lazy_user lazy_user.c DEPENDS lazy_provider)
loader_fixture(lazy_data_user lazy_data_user.c DEPENDS lazy_provider)
loader_fixture(lazy_constructor_user lazy_constructor_user.c DEPENDS lazy_provider)
add_custom_target(lazy_fixtures ALL DEPENDS ${loader_fixture_outputs})
if(TARGET lazy_binding_test)
  add_dependencies(lazy_binding_test lazy_fixtures loader_fixtures)
  target_compile_definitions(lazy_binding_test PRIVATE TESSERA_LOADER_FIXTURE_DIR="${loader_fixture_dir}")
endif()
# The tree shaker keeps a module reached only through lazy stubs (hosted boots).
if(TARGET lazy-app_app AND TARGET lazy-probe_module)
  add_test(NAME module.lazy-shaken-image
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/lazy_shake_test.sh ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  set_tests_properties(module.lazy-shaken-image PROPERTIES LABELS hosted TIMEOUT 120)
endif()
