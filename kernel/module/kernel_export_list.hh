#pragma once
// The kernel's export list (an X-macro: X(C name, kernel function)), expanded inside
// namespace tessera by kernel_exports.cc (the table) and by builtin_kernel_aliases.cc (the
// names built-in modules call the kernel by). Needs the headers kernel_exports.cc includes.
#include "lib/sanitizer_detection.hh"

// Sorted bytewise by C name ('_' sorts before lowercase letters), no duplicates: checked
// in kernel_exports.cc. The C library rows are the same functions kernel/libc/exports.cc
// lists; the export table test checks that both lists agree name for name and address
// for address.
// Hosted asan preset only: modules are compiled with ASan's outlined checks, served by the
// host's ASan runtime itself (tessera/asan_api.h).
#if TESSERA_ASAN
#define TESSERA_ASAN_EXPORTS(X)                                           \
  X(__asan_after_dynamic_init, ::__asan_after_dynamic_init)               \
  X(__asan_before_dynamic_init, ::__asan_before_dynamic_init)             \
  X(__asan_handle_no_return, ::__asan_handle_no_return)                   \
  X(__asan_load16_noabort, ::__asan_load16_noabort)                       \
  X(__asan_load1_noabort, ::__asan_load1_noabort)                         \
  X(__asan_load2_noabort, ::__asan_load2_noabort)                         \
  X(__asan_load4_noabort, ::__asan_load4_noabort)                         \
  X(__asan_load8_noabort, ::__asan_load8_noabort)                         \
  X(__asan_loadN_noabort, ::__asan_loadN_noabort)                         \
  X(__asan_store16_noabort, ::__asan_store16_noabort)                     \
  X(__asan_store1_noabort, ::__asan_store1_noabort)                       \
  X(__asan_store2_noabort, ::__asan_store2_noabort)                       \
  X(__asan_store4_noabort, ::__asan_store4_noabort)                       \
  X(__asan_store8_noabort, ::__asan_store8_noabort)                       \
  X(__asan_storeN_noabort, ::__asan_storeN_noabort)
#else
#define TESSERA_ASAN_EXPORTS(X)
#endif

#define TESSERA_KERNEL_OWN_EXPORTS(X)                                    \
  X(__errno_location, libc::errno_location)                              \
  X(__stack_chk_fail, api::stack_check_failed)                           \
  X(__tls_get_addr, api::tls_get_addr)                                   \
  X(accept, api::accept)                                                 \
  X(accept4, api::accept4)                                               \
  X(aligned_alloc, libc::aligned_alloc)                                  \
  X(bind, api::bind)                                                     \
  X(calloc, libc::calloc)                                                \
  X(close, api::close)                                                   \
  X(connect, api::connect)                                               \
  X(fcntl, api::fcntl)                                                   \
  X(free, libc::free)                                                    \
  X(freeaddrinfo, api::freeaddrinfo)                                     \
  X(gai_strerror, api::gai_strerror)                                     \
  X(getaddrinfo, api::getaddrinfo)                                       \
  X(getpeername, api::getpeername)                                       \
  X(getsockname, api::getsockname)                                       \
  X(getsockopt, api::getsockopt)                                         \
  X(inet_ntop, api::inet_ntop)                                           \
  X(inet_pton, api::inet_pton)                                           \
  X(listen, api::listen)                                                 \
  X(malloc, libc::malloc)                                                \
  X(memchr, libc::memchr)                                                \
  X(memcmp, libc::memcmp)                                                \
  X(memcpy, libc::memcpy)                                                \
  X(memmove, libc::memmove)                                              \
  X(memset, libc::memset)                                                \
  X(mount, api::posix_mount)                                             \
  X(poll, api::poll)                                                     \
  X(posix_memalign, libc::posix_memalign)                                \
  X(read, api::read)                                                     \
  X(realloc, libc::realloc)                                              \
  X(recv, api::recv)                                                     \
  X(recvfrom, api::recvfrom)                                             \
  X(send, api::send)                                                     \
  X(sendto, api::sendto)                                                 \
  X(setsockopt, api::setsockopt)                                         \
  X(shutdown, api::shutdown)                                             \
  X(snprintf, libc::snprintf)                                            \
  X(socket, api::socket)                                                 \
  X(strcat, libc::strcat)                                                \
  X(strchr, libc::strchr)                                                \
  X(strcmp, libc::strcmp)                                                \
  X(strcpy, libc::strcpy)                                                \
  X(strdup, libc::strdup)                                                \
  X(strlen, libc::strlen)                                                \
  X(strncmp, libc::strncmp)                                              \
  X(strncpy, libc::strncpy)                                              \
  X(strndup, libc::strndup)                                              \
  X(strnlen, libc::strnlen)                                              \
  X(strrchr, libc::strrchr)                                              \
  X(strstr, libc::strstr)                                                \
  X(strtol, libc::strtol)                                                \
  X(strtoul, libc::strtoul)                                              \
  X(tessera_cond_broadcast, api::cond_broadcast)                         \
  X(tessera_cond_create, api::cond_create)                               \
  X(tessera_cond_destroy, api::cond_destroy)                             \
  X(tessera_cond_signal, api::cond_signal)                               \
  X(tessera_cond_timedwait, api::cond_timedwait)                         \
  X(tessera_cond_wait, api::cond_wait)                                   \
  X(tessera_device_at, api::device_at)                                   \
  X(tessera_device_line_attach, api::device_line_attach)                 \
  X(tessera_device_line_detach, api::device_line_detach)                 \
  X(tessera_dma_address, api::dma_address)                               \
  X(tessera_dma_alloc, api::dma_alloc)                                   \
  X(tessera_dma_free, api::dma_free)                                     \
  X(tessera_errno_name, api::errno_name)                                 \
  X(tessera_host_net_info, api::host_net_info)                           \
  X(tessera_host_net_receive, api::host_net_receive)                     \
  X(tessera_host_net_send, api::host_net_send)                           \
  X(tessera_kernel_option, api::kernel_option)                           \
  X(tessera_log, api::log)                                               \
  X(tessera_map_device_memory, api::map_device_memory)                   \
  X(tessera_module_load, api::module_load)                               \
  X(tessera_monotonic_ns, api::monotonic_ns)                             \
  X(tessera_mount, api::mount)                                           \
  X(tessera_msi_allocate, api::msi_allocate)                             \
  X(tessera_mutex_create, api::mutex_create)                             \
  X(tessera_mutex_destroy, api::mutex_destroy)                           \
  X(tessera_mutex_lock, api::mutex_lock)                                 \
  X(tessera_mutex_trylock, api::mutex_trylock)                           \
  X(tessera_mutex_unlock, api::mutex_unlock)                             \
  X(tessera_net_configure, api::net_configure)                           \
  X(tessera_netdev_at, api::netdev_at)                                   \
  X(tessera_netdev_attach, api::netdev_attach)                           \
  X(tessera_netdev_count, api::netdev_count)                             \
  X(tessera_netdev_query, api::netdev_query)                             \
  X(tessera_netdev_receive, api::netdev_receive)                         \
  X(tessera_netdev_register, api::netdev_register)                       \
  X(tessera_netdev_set_link, api::netdev_set_link)                       \
  X(tessera_netdev_statistics, api::netdev_statistics)                   \
  X(tessera_netdev_transmit, api::netdev_transmit)                       \
  X(tessera_netdev_unregister, api::netdev_unregister)                   \
  X(tessera_panic, api::panic)                                           \
  X(tessera_pci_config_read, api::pci_config_read)                       \
  X(tessera_pci_config_write, api::pci_config_write)                     \
  X(tessera_print, api::print)                                           \
  X(tessera_printf, api::printf)                                         \
  X(tessera_random, api::random)                                         \
  X(tessera_register_filesystem, api::register_filesystem)               \
  X(tessera_socket_notify, api::socket_notify)                           \
  X(tessera_socket_provider_register, api::socket_provider_register)     \
  X(tessera_socket_provider_unregister, api::socket_provider_unregister) \
  X(tessera_thread_create, api::thread_create)                           \
  X(tessera_thread_id, api::thread_id)                                   \
  X(tessera_thread_join, api::thread_join)                               \
  X(tessera_thread_sleep_ns, api::thread_sleep_ns)                       \
  X(tessera_thread_yield, api::thread_yield)                             \
  X(tessera_unmount, api::unmount)                                       \
  X(tessera_unregister_filesystem, api::unregister_filesystem)           \
  X(tessera_vfs_close, api::vfs_close)                                   \
  X(tessera_vfs_fstat, api::vfs_fstat)                                   \
  X(tessera_vfs_ftruncate, api::vfs_ftruncate)                           \
  X(tessera_vfs_lseek, api::vfs_lseek)                                   \
  X(tessera_vfs_lstat, api::vfs_lstat)                                   \
  X(tessera_vfs_mkdir, api::vfs_mkdir)                                   \
  X(tessera_vfs_open, api::vfs_open)                                     \
  X(tessera_vfs_pread, api::vfs_pread)                                   \
  X(tessera_vfs_read, api::vfs_read)                                     \
  X(tessera_vfs_readdir, api::vfs_readdir)                               \
  X(tessera_vfs_readlink, api::vfs_readlink)                             \
  X(tessera_vfs_rename, api::vfs_rename)                                 \
  X(tessera_vfs_rmdir, api::vfs_rmdir)                                   \
  X(tessera_vfs_stat, api::vfs_stat)                                     \
  X(tessera_vfs_symlink, api::vfs_symlink)                               \
  X(tessera_vfs_unlink, api::vfs_unlink)                                 \
  X(tessera_vfs_write, api::vfs_write)                                   \
  X(tessera_vlog, api::vlog)                                             \
  X(tessera_wall_clock_ns, api::wall_clock_ns)                           \
  X(umount, api::posix_umount)                                           \
  X(vsnprintf, libc::vsnprintf)                                          \
  X(write, api::write)

// The kernel's own functions; the ASan rows (asan preset) are the host runtime's.
#define TESSERA_KERNEL_EXPORTS(X) TESSERA_ASAN_EXPORTS(X) TESSERA_KERNEL_OWN_EXPORTS(X)
