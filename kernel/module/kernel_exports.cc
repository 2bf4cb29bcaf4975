// The ONE list of kernel symbols that loaded code can reach (docs/modules.md, "The
// kernel API"). Each row pairs a C name declared in tessera/module_api.h with the kernel
// function behind it; the kernel defines no global symbol under the C name (hosted, it
// would replace glibc's). Rows are checked at compile time: the function's type must be
// exactly the prototype's, so the header, the stub modules link against and the kernel
// cannot drift apart. The ABI hash of each row is type_hash of that prototype.
#include <tessera/ktl/type_hash.hh>
#include <tessera/ktl/utility.hh>
#include <tessera/module_api.h>

#include "lib/sanitizer_detection.hh"
#if TESSERA_ASAN
#include <tessera/asan_api.h>
#endif

#include "libc/errno.hh"
#include "libc/stdio.hh"
#include "libc/stdlib.hh"
#include "libc/string.hh"
#include "module/api/address_api.hh"
#include "module/api/console_api.hh"
#include "module/api/device_api.hh"
#include "module/api/file_api.hh"
#include "module/api/thread_api.hh"
#include "module/api/socket_api.hh"
#include "module/api/tls_api.hh"
#include "module/api/vfs_api.hh"
#include "module/export_table.hh"

// Structs crossing the boundary are hashed by tag, fields (each by offset and type: the
// callbacks' signatures count), size and alignment; opaque handles by tag alone. Bump a
// tag's revision when a struct's meaning changes; list every field of a struct here.
TESSERA_ABI_TAG(tessera_stat, "tessera_stat/1");
TESSERA_ABI_TAG(tessera_dirent, "tessera_dirent/1");
TESSERA_ABI_TAG(tessera_thread, "tessera_thread/1");
TESSERA_ABI_TAG(tessera_mutex, "tessera_mutex/1");
TESSERA_ABI_TAG(tessera_cond, "tessera_cond/1");
TESSERA_ABI_TAG(tessera_fs_node, "tessera_fs_node/1");
TESSERA_ABI_TAG(tessera_filesystem_ops, "tessera_filesystem_ops/1");
TESSERA_ABI_TAG(tessera_filesystem_type, "tessera_filesystem_type/1");
TESSERA_ABI_TAG(tessera_tls_index, "tessera_tls_index/1");
TESSERA_ABI_TAG(tessera_device, "tessera_device/1");
TESSERA_ABI_TAG(tessera_netdev, "tessera_netdev/1");
TESSERA_ABI_TAG(tessera_netdev_ops, "tessera_netdev_ops/1");
TESSERA_ABI_TAG(tessera_netdev_info, "tessera_netdev_info/1");
TESSERA_ABI_TAG(tessera_netdev_stats, "tessera_netdev_stats/1");
TESSERA_ABI_TAG(tessera_socket_ops, "tessera_socket_ops/1");
// POSIX structs keep Linux's layout; the tags name them as such.
TESSERA_ABI_TAG(sockaddr, "linux/sockaddr/1");
TESSERA_ABI_TAG(pollfd, "linux/pollfd/1");
TESSERA_ABI_TAG(addrinfo, "linux/addrinfo/1");

#define F(type, member) TESSERA_ABI_FIELD(type, member)
TESSERA_ABI_LAYOUT(tessera_stat, F(tessera_stat, device), F(tessera_stat, inode), F(tessera_stat, mode),
                   F(tessera_stat, link_count), F(tessera_stat, uid), F(tessera_stat, gid), F(tessera_stat, size),
                   F(tessera_stat, block_size), F(tessera_stat, blocks), F(tessera_stat, access_time_ns),
                   F(tessera_stat, modify_time_ns), F(tessera_stat, change_time_ns));
TESSERA_ABI_LAYOUT(tessera_dirent, F(tessera_dirent, inode), F(tessera_dirent, type),
                   F(tessera_dirent, name_length), F(tessera_dirent, name));
TESSERA_ABI_LAYOUT(tessera_fs_node, F(tessera_fs_node, inode), F(tessera_fs_node, type));
TESSERA_ABI_LAYOUT(tessera_tls_index, F(tessera_tls_index, module), F(tessera_tls_index, offset));
TESSERA_ABI_LAYOUT(tessera_device, F(tessera_device, kind), F(tessera_device, line), F(tessera_device, base),
                   F(tessera_device, size), F(tessera_device, vendor_id), F(tessera_device, device_id),
                   F(tessera_device, class_code));
TESSERA_ABI_LAYOUT(tessera_netdev_ops, F(tessera_netdev_ops, driver_name), F(tessera_netdev_ops, transmit));
TESSERA_ABI_LAYOUT(tessera_netdev_info, F(tessera_netdev_info, mac), F(tessera_netdev_info, mtu));
TESSERA_ABI_LAYOUT(tessera_netdev_stats, F(tessera_netdev_stats, rx_frames), F(tessera_netdev_stats, rx_bytes),
                   F(tessera_netdev_stats, rx_dropped), F(tessera_netdev_stats, tx_frames),
                   F(tessera_netdev_stats, tx_bytes), F(tessera_netdev_stats, tx_dropped));
TESSERA_ABI_LAYOUT(tessera_socket_ops, F(tessera_socket_ops, stack_name), F(tessera_socket_ops, create),
                   F(tessera_socket_ops, close), F(tessera_socket_ops, bind), F(tessera_socket_ops, listen),
                   F(tessera_socket_ops, accept), F(tessera_socket_ops, connect), F(tessera_socket_ops, sendto),
                   F(tessera_socket_ops, recvfrom), F(tessera_socket_ops, shutdown),
                   F(tessera_socket_ops, setsockopt), F(tessera_socket_ops, getsockopt),
                   F(tessera_socket_ops, getsockname), F(tessera_socket_ops, getpeername),
                   F(tessera_socket_ops, set_nonblocking), F(tessera_socket_ops, poll),
                   F(tessera_socket_ops, configure), F(tessera_socket_ops, log_statistics));
TESSERA_ABI_LAYOUT(sockaddr, F(sockaddr, sa_family), F(sockaddr, sa_data));
TESSERA_ABI_LAYOUT(pollfd, F(pollfd, fd), F(pollfd, events), F(pollfd, revents));
// addrinfo points to itself (ai_next), which a layout hash cannot walk: its tag and size
// are hashed, and its fields are pinned to Linux's offsets below instead.
TESSERA_ABI_LAYOUT(tessera_filesystem_ops, F(tessera_filesystem_ops, type_name), F(tessera_filesystem_ops, root_inode),
                   F(tessera_filesystem_ops, read_only), F(tessera_filesystem_ops, lookup),
                   F(tessera_filesystem_ops, stat), F(tessera_filesystem_ops, read),
                   F(tessera_filesystem_ops, read_directory), F(tessera_filesystem_ops, read_link),
                   F(tessera_filesystem_ops, open_inode), F(tessera_filesystem_ops, close_inode),
                   F(tessera_filesystem_ops, create), F(tessera_filesystem_ops, create_symlink),
                   F(tessera_filesystem_ops, write), F(tessera_filesystem_ops, truncate),
                   F(tessera_filesystem_ops, unlink), F(tessera_filesystem_ops, remove_directory),
                   F(tessera_filesystem_ops, rename));
TESSERA_ABI_LAYOUT(tessera_filesystem_type, F(tessera_filesystem_type, mount), F(tessera_filesystem_type, release));
#undef F
// A field added after the last one listed would be seen only through sizeof: refuse.
#define TESSERA_LAST_FIELD(type, member)                                                         \
  static_assert((__builtin_offsetof(type, member) + sizeof(type::member) + alignof(type) - 1) / \
                        alignof(type) * alignof(type) ==                                         \
                    sizeof(type),                                                                \
                #type " has fields after " #member ": list them in its TESSERA_ABI_LAYOUT")
TESSERA_LAST_FIELD(tessera_stat, change_time_ns);
TESSERA_LAST_FIELD(tessera_dirent, name);
TESSERA_LAST_FIELD(tessera_fs_node, type);
TESSERA_LAST_FIELD(tessera_filesystem_type, release);
TESSERA_LAST_FIELD(tessera_tls_index, offset);
TESSERA_LAST_FIELD(tessera_device, class_code);
TESSERA_LAST_FIELD(tessera_netdev_ops, transmit);
TESSERA_LAST_FIELD(tessera_netdev_info, mtu);
TESSERA_LAST_FIELD(tessera_netdev_stats, tx_dropped);
TESSERA_LAST_FIELD(tessera_socket_ops, log_statistics);
TESSERA_LAST_FIELD(sockaddr, sa_data);
TESSERA_LAST_FIELD(pollfd, revents);
TESSERA_LAST_FIELD(addrinfo, ai_next);
static_assert(__builtin_offsetof(addrinfo, ai_addrlen) == 16 && __builtin_offsetof(addrinfo, ai_addr) == 24 &&
              __builtin_offsetof(addrinfo, ai_canonname) == 32 && __builtin_offsetof(addrinfo, ai_next) == 40);
// Linux's sizes, which applications compiled elsewhere rely on.
static_assert(sizeof(sockaddr) == 16 && sizeof(sockaddr_in) == 16 && sizeof(tessera_sockaddr_in) == 16);
static_assert(sizeof(sockaddr_storage) == 128 && sizeof(pollfd) == 8 && sizeof(addrinfo) == 48);
TESSERA_LAST_FIELD(tessera_filesystem_ops, rename);
#undef TESSERA_LAST_FIELD

// Attributes such as format(printf) are not part of a function's type; GCC warns that
// decltype drops them when the type becomes a template argument, which is the point.
#pragma GCC diagnostic ignored "-Wignored-attributes"

namespace tessera {
namespace {

// Sorted bytewise by C name ('_' sorts before lowercase letters), no duplicates: checked
// below. The C library rows are the same functions kernel/libc/exports.cc lists; the
// export table test checks that both lists agree name for name and address for address.
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

#define TESSERA_KERNEL_EXPORTS(X)                                        \
  TESSERA_ASAN_EXPORTS(X)                                                \
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

#define TESSERA_CHECK_PROTOTYPE(c_name, function)                                       \
  static_assert(ktl::is_same_v<decltype(::c_name), decltype(function)>,                 \
                "kernel export " #c_name ": the kernel function's type differs from its " \
                "prototype in tessera/module_api.h");
TESSERA_KERNEL_EXPORTS(TESSERA_CHECK_PROTOTYPE)
#undef TESSERA_CHECK_PROTOTYPE

#define TESSERA_NAME_ONLY(c_name, function) ktl::StringView(#c_name),
constexpr ktl::StringView kNames[] = {TESSERA_KERNEL_EXPORTS(TESSERA_NAME_ONLY)};
#undef TESSERA_NAME_ONLY

constexpr bool strictly_sorted() {
  for (size_t i = 1; i < ktl::size(kNames); ++i)
    if (compare(kNames[i - 1], kNames[i]) >= 0) return false;
  return true;
}
static_assert(strictly_sorted(), "TESSERA_KERNEL_EXPORTS must be sorted by C name, without duplicates");

// Static data with no initialisation code: the addresses are link-time constants (not
// constexpr only because C++ forbids function-to-void* casts in constant expressions).
#define TESSERA_ROW(c_name, function) \
  {#c_name, reinterpret_cast<const void*>(&function), ktl::type_hash<decltype(::c_name)>()},
const KernelExport kExports[] = {TESSERA_KERNEL_EXPORTS(TESSERA_ROW)};
#undef TESSERA_ROW
static_assert(ktl::size(kExports) == ktl::size(kNames));

}  // namespace

ktl::Span<const KernelExport> kernel_exports() { return {kExports, ktl::size(kExports)}; }

}  // namespace tessera
