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
#include "module/kernel_export_list.hh"

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

// The rows are in module/kernel_export_list.hh.
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
