# cmake -P script (cmake/TesseraBuiltin.cmake): one module's objects -> one relocatable
# object for a kernel executable.
#   -DNAME= -DOUTPUT= -DOBJECTS=a.o|b.o -DEXPORTS=x|y -DDEPENDENCY_EXPORTS=z|w
#   -DKERNEL_RENAMES=file -DLD= -DOBJCOPY= -DNM= -DOBJDUMP=
# 1. ld -r: the objects become one (the module's own references resolved inside it);
# 2. constructors and destructors: .init_array and .fini_array are renamed
#    tessera_init_NAME and tessera_fini_NAME, which the module's record brackets with the
#    linker's __start_/__stop_ symbols: the kernel runs them when it starts the module, as
#    the loader would (the VM kernel refuses to boot with an .init_array of its own, and
#    the host's C runtime would run them before the kernel exists). Refused: prioritised
#    constructors, .ctors/.dtors, and thread-local data (the VM kernel's TLS is its own);
# 3. drop COMDAT groups: once its symbols are local, a module's copy of an inline
#    function must not be discarded in favour of another module's or the kernel's;
# 4. every defined global but EXPORTS becomes local;
# 5. EXPORTS and the dependencies' exports it calls -> __tessera_module_NAME, kernel C
#    names -> __tessera_kernel_NAME (the map generated from the export list);
# 6. check: globals are all __tessera_module_*, undefined symbols all prefixed (or ASan's
#    own, in the asan preset), so nothing binds to a host library by accident.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "built-in module ${NAME}: ${ARGN} failed (${status}): ${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

string(REPLACE "|" ";" objects "${OBJECTS}")
string(REPLACE "|" ";" exports "${EXPORTS}")
string(REPLACE "|" ";" dependency_exports "${DEPENDENCY_EXPORTS}")
set(work ${OUTPUT}.work)

run(${LD} -r -o ${work}.combined.o ${objects})

run(${OBJDUMP} -h ${work}.combined.o)
set(sections "${run_output}")
string(REGEX MATCHALL "[ \t](\\.init_array\\.|\\.fini_array\\.|\\.ctors|\\.dtors|\\.tdata|\\.tbss)[^ \t\n]*" refused "${sections}")
if(refused)
  string(STRIP "${refused}" refused)
  message(FATAL_ERROR "built-in module ${NAME}: has section(s) ${refused}: prioritised constructors, .ctors/.dtors "
                      "and thread-local data cannot be built into the kernel; keep it a loaded module")
endif()
set(renames "")
if(sections MATCHES "[ \t]\\.init_array[ \t]")
  list(APPEND renames --rename-section .init_array=tessera_init_${C_NAME})
endif()
if(sections MATCHES "[ \t]\\.fini_array[ \t]")
  list(APPEND renames --rename-section .fini_array=tessera_fini_${C_NAME})
endif()

run(${OBJCOPY} --remove-section=.group ${renames} ${work}.combined.o ${work}.ungrouped.o)

list(JOIN exports "\n" keep)
file(WRITE ${work}.keep "${keep}\n")
run(${OBJCOPY} --keep-global-symbols=${work}.keep ${work}.ungrouped.o ${work}.local.o)

file(READ ${KERNEL_RENAMES} renames)
foreach(symbol IN LISTS exports dependency_exports)
  string(APPEND renames "${symbol} __tessera_module_${symbol}\n")
endforeach()
file(WRITE ${work}.renames "${renames}")
run(${OBJCOPY} --redefine-syms=${work}.renames ${work}.local.o ${OUTPUT}.tmp)

run(${NM} --extern-only ${OUTPUT}.tmp)
string(REPLACE "\n" ";" lines "${run_output}")
set(bad "")
foreach(line IN LISTS lines)
  # (each MATCHES resets CMAKE_MATCH_n: keep the name first)
  if(line MATCHES "^ *[Uvw] (.+)$")
    set(symbol ${CMAKE_MATCH_1})
    # _GLOBAL_OFFSET_TABLE_: PIC code's anchor, which every linker defines.
    if(NOT symbol MATCHES "^(__tessera_kernel_|__tessera_module_|__asan_|__start_tessera_|__stop_tessera_|_GLOBAL_OFFSET_TABLE_$)")
      list(APPEND bad "undefined ${symbol}")
    endif()
  elseif(line MATCHES "^[0-9a-f]+ [A-Za-z] (.+)$")
    set(symbol ${CMAKE_MATCH_1})
    if(NOT symbol MATCHES "^__tessera_module_")
      list(APPEND bad "global ${symbol}")
    endif()
  endif()
endforeach()
if(bad)
  list(JOIN bad ", " bad)
  file(REMOVE ${OUTPUT}.tmp)
  message(FATAL_ERROR "built-in module ${NAME}: symbols that are neither its exports nor kernel or dependency "
                      "exports: ${bad}")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
file(REMOVE ${work}.combined.o ${work}.ungrouped.o ${work}.local.o)
