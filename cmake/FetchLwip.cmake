# lwIP for the net-lwip module, from Debian's source package lwip=2.1.3+dfsg1-2, fetched
# at configure time into the build tree (never into the repository):
#
#   tessera_fetch_lwip(OUT_VARIABLE)  -> the unpacked lwip-2.1.3 folder
#
# TESSERA_LWIP_SOURCE_DIR (cache) points at an unpacked lwIP 2.1.3 instead (offline
# builds, other distributions). Either way the tree is checked: version 2.1.3 and every
# file net-lwip compiles. modules/net-lwip/fetch-lwip.sh does the download and says what
# failed and how to fix it.
set(TESSERA_LWIP_SOURCE_DIR "" CACHE PATH
    "An unpacked lwIP 2.1.3 source tree to use instead of fetching Debian's lwip=2.1.3+dfsg1-2")

# Files net-lwip and fuzz/net_rx compile, relative to the tree's src/ (besides headers).
set(TESSERA_LWIP_SOURCES
  core/def.c core/inet_chksum.c core/init.c core/ip.c core/mem.c core/memp.c core/netif.c
  core/pbuf.c core/raw.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c core/tcp_out.c
  core/timeouts.c core/udp.c
  core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c
  api/api_lib.c api/api_msg.c api/err.c api/netbuf.c api/sockets.c api/tcpip.c
  netif/ethernet.c)

function(tessera_check_lwip_tree tree out_error)
  set(error "")
  set(init_h ${tree}/src/include/lwip/init.h)
  if(NOT EXISTS ${init_h})
    set(error "${tree} is not an lwIP source tree (no src/include/lwip/init.h)")
  else()
    file(STRINGS ${init_h} version_lines REGEX "#define LWIP_VERSION_(MAJOR|MINOR|REVISION)[ \t]+[0-9]+")
    set(version "")
    foreach(part MAJOR MINOR REVISION)
      foreach(line IN LISTS version_lines)
        if(line MATCHES "LWIP_VERSION_${part}[ \t]+([0-9]+)")
          list(APPEND version ${CMAKE_MATCH_1})
        endif()
      endforeach()
    endforeach()
    list(JOIN version "." version)
    if(NOT version STREQUAL "2.1.3")
      set(error "${tree} is lwIP '${version}', net-lwip is written for 2.1.3 (Debian's lwip=2.1.3+dfsg1-2)")
    else()
      foreach(file IN LISTS TESSERA_LWIP_SOURCES ITEMS include/lwip/sockets.h include/lwip/priv/sockets_priv.h
                   include/lwip/priv/tcp_priv.h include/netif/ethernet.h)
        if(NOT EXISTS ${tree}/src/${file})
          set(error "${tree} lacks src/${file}")
          break()
        endif()
      endforeach()
    endif()
  endif()
  set(${out_error} "${error}" PARENT_SCOPE)
endfunction()

function(tessera_fetch_lwip out_variable)
  if(TESSERA_LWIP_SOURCE_DIR)
    tessera_check_lwip_tree(${TESSERA_LWIP_SOURCE_DIR} error)
    if(error)
      message(FATAL_ERROR "TESSERA_LWIP_SOURCE_DIR: ${error}")
    endif()
    set(${out_variable} ${TESSERA_LWIP_SOURCE_DIR} PARENT_SCOPE)
    return()
  endif()

  set(dest ${PROJECT_BINARY_DIR}/_deps/lwip)
  set(tree ${dest}/lwip-2.1.3)
  set(script ${PROJECT_SOURCE_DIR}/modules/net-lwip/fetch-lwip.sh)
  set(stamp ${dest}/fetched.stamp)
  # Fetched once per build tree; delete _deps/lwip to fetch again.
  if(NOT EXISTS ${stamp})
    message(STATUS "lwIP: fetching Debian source package lwip=2.1.3+dfsg1-2 into ${dest}")
    execute_process(COMMAND sh ${script} ${dest}
                    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE errors)
    if(NOT result EQUAL 0)
      message(FATAL_ERROR "lwIP could not be fetched (modules/net-lwip/fetch-lwip.sh):\n${errors}")
    endif()
    tessera_check_lwip_tree(${tree} error)
    if(error)
      message(FATAL_ERROR "lwIP was fetched but is not what net-lwip needs: ${error}")
    endif()
    file(WRITE ${stamp} "lwip=2.1.3+dfsg1-2\n")
  else()
    tessera_check_lwip_tree(${tree} error)
    if(error)
      message(FATAL_ERROR "lwIP in ${dest}: ${error}; delete ${dest} to fetch it again")
    endif()
  endif()
  set(${out_variable} ${tree} PARENT_SCOPE)
endfunction()
