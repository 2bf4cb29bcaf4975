# cmake -DFILE=module.so -DNM=nm -DEXPORTS="a;b" -P TesseraCheckExports.cmake
cmake_minimum_required(VERSION 3.25)
# Run after linking a module (tessera_add_module): every symbol the declaration lists must
# really be in the dynamic symbol table. A listed symbol that the source forgot to mark
# TESSERA_MODULE_EXPORT stays hidden, and the linker says nothing about it.
execute_process(COMMAND ${NM} -D --defined-only ${FILE} OUTPUT_VARIABLE symbols RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${FILE}: cannot list its dynamic symbols with ${NM}")
endif()
string(REGEX REPLACE "\n" ";" lines "${symbols}")
set(defined "")
foreach(line IN LISTS lines)
  if(line MATCHES "[ \t]([A-Za-z_][A-Za-z0-9_]*)(@.*)?$")
    list(APPEND defined ${CMAKE_MATCH_1})
  endif()
endforeach()
foreach(name IN LISTS EXPORTS)
  if(NOT name IN_LIST defined)
    message(FATAL_ERROR "${FILE}: the declaration exports '${name}' but the module does not: "
                        "mark its definition TESSERA_MODULE_EXPORT (modules are compiled with hidden visibility)")
  endif()
endforeach()
