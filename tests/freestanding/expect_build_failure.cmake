# Builds TARGET and passes only if the build fails because EXPECTED was not found
# (so an unrelated build error cannot pass for the enforcement working).
execute_process(
  COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET}
  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(result EQUAL 0)
  message(FATAL_ERROR "${TARGET} compiled, but guest code must not be able to include ${EXPECTED}")
endif()
string(REGEX MATCH "${EXPECTED}[':]* *(No such file|file not found)" found "${output}")
if(NOT found)
  message(FATAL_ERROR "${TARGET} failed for another reason than a missing ${EXPECTED}:\n${output}")
endif()
message(STATUS "rejected as expected: ${found}")
