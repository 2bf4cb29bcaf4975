# cmake -P script (cmake/TesseraBuiltin.cmake), after linking a kernel executable with
# built-in modules: every __tessera_kernel_* alias must be a real address. One the linker
# could not resolve to its kernel function (the function was renamed or dropped) is an
# absolute symbol at 0, which built-in modules would call.
#   -DFILE=executable -DNM=nm
execute_process(COMMAND ${NM} ${FILE} RESULT_VARIABLE status OUTPUT_VARIABLE symbols ERROR_VARIABLE error)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${FILE}: ${NM} failed: ${error}")
endif()
string(REGEX MATCHALL "[0-9a-f]+ [Aa] __tessera_kernel_[A-Za-z0-9_]+" absolute "${symbols}")
string(REGEX MATCHALL "\n0+ [A-Za-z] __tessera_kernel_[A-Za-z0-9_]+" zero "${symbols}")
if(absolute OR zero)
  list(JOIN absolute ", " absolute)
  message(FATAL_ERROR "${FILE}: kernel aliases that are not kernel functions (built-in modules would call them): "
                      "${absolute}${zero}")
endif()
