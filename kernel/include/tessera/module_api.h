/* The kernel API that modules and applications see: plain C names, callable from C and
 * C++, the only kernel symbols loaded code can reach (kernel/module/kernel_exports.cc is
 * the one list of what is exported; every prototype here has a row there, and the kernel
 * does not build if a row's function type differs from its prototype).
 *
 * Each symbol carries the ABI hash of its prototype as an ELF symbol version
 * ("TESSERA_<8 hex digits>") through the stub libtessera_kernel.so that modules link
 * against, so a module built against a different prototype is refused at load time with
 * a message naming the symbol. docs/modules.md lists the API and explains the hashing.
 *
 * Conventions: calls that can fail return 0 (or a count) on success and a negative errno
 * (Linux values: -ENOENT is -2) on failure; they do not set errno. The C library subset
 * at the end behaves as C says, errno included.
 *
 * Compile with the freestanding flags: this header needs only the compiler's stddef.h,
 * stdint.h and stdarg.h. */
#ifndef TESSERA_MODULE_API_H
#define TESSERA_MODULE_API_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks a module's function or variable as exported (entry points, EXPORTS of
 * tessera_add_module): modules are compiled with hidden visibility by default. */
#define TESSERA_MODULE_EXPORT __attribute__((visibility("default")))

/* Standard spellings on purpose: clang makes GNU __attribute__((noreturn)) part of the
 * function's type, which would change its ABI hash between compilers. */
#ifdef __cplusplus
#define TESSERA_NORETURN [[noreturn]]
#else
#define TESSERA_NORETURN _Noreturn
#endif

/* ---- Kernel log and console ---------------------------------------------------------- */

#define TESSERA_LOG_ERROR 0
#define TESSERA_LOG_WARN 1
#define TESSERA_LOG_INFO 2
#define TESSERA_LOG_DEBUG 3
#define TESSERA_LOG_TRACE 4

/* A line in the kernel log (printf format, no floating point); levels above. */
void tessera_log(int level, const char* format, ...) __attribute__((format(printf, 2, 3)));
void tessera_vlog(int level, const char* format, va_list args);
/* Bytes straight to the console, as an application's standard output. */
void tessera_print(const char* text, size_t length);
/* Formatted to the console; returns the number of bytes written. */
int tessera_printf(const char* format, ...) __attribute__((format(printf, 1, 2)));
/* Ends the boot with a kernel panic (exit status 70) after printing the message. */
TESSERA_NORETURN void tessera_panic(const char* format, ...) __attribute__((format(printf, 1, 2)));
/* "ENOENT" for 2 (positive or negative); "E?" for unknown codes. */
const char* tessera_errno_name(int code);

/* ---- Time and randomness ----------------------------------------------------------------- */

uint64_t tessera_monotonic_ns(void);
uint64_t tessera_wall_clock_ns(void);
void tessera_random(void* buffer, size_t length);

/* ---- Files (the kernel VFS; Linux flag values) --------------------------------------- */

#define TESSERA_O_RDONLY 00
#define TESSERA_O_WRONLY 01
#define TESSERA_O_RDWR 02
#define TESSERA_O_CREAT 0100
#define TESSERA_O_EXCL 0200
#define TESSERA_O_TRUNC 01000
#define TESSERA_O_APPEND 02000
#define TESSERA_O_DIRECTORY 0200000
#define TESSERA_O_NOFOLLOW 0400000
#define TESSERA_SEEK_SET 0
#define TESSERA_SEEK_CUR 1
#define TESSERA_SEEK_END 2
#define TESSERA_S_IFMT 0170000
#define TESSERA_S_IFDIR 0040000
#define TESSERA_S_IFREG 0100000
#define TESSERA_S_IFLNK 0120000
#define TESSERA_DT_DIR 4
#define TESSERA_DT_REG 8
#define TESSERA_DT_LNK 10

struct tessera_stat {
  uint64_t device;
  uint64_t inode;
  uint32_t mode;
  uint32_t link_count;
  uint32_t uid;
  uint32_t gid;
  int64_t size;
  int64_t block_size;
  int64_t blocks;
  int64_t access_time_ns;
  int64_t modify_time_ns;
  int64_t change_time_ns;
};

struct tessera_dirent {
  uint64_t inode;
  uint8_t type;         /* TESSERA_DT_* or 0 */
  uint16_t name_length;
  char name[256];       /* NUL-terminated */
};

/* A descriptor (>= 3) or a negative errno. */
int tessera_vfs_open(const char* path, int flags);
int tessera_vfs_close(int fd);
/* Bytes transferred or a negative errno. */
int64_t tessera_vfs_read(int fd, void* buffer, size_t size);
int64_t tessera_vfs_pread(int fd, void* buffer, size_t size, uint64_t offset);
int64_t tessera_vfs_write(int fd, const void* data, size_t size);
/* The new offset or a negative errno; whence is TESSERA_SEEK_*. */
int64_t tessera_vfs_lseek(int fd, int64_t offset, int whence);
int tessera_vfs_stat(const char* path, struct tessera_stat* out);
int tessera_vfs_lstat(const char* path, struct tessera_stat* out);
int tessera_vfs_fstat(int fd, struct tessera_stat* out);
/* 1 with the next entry in *out, 0 at the end, or a negative errno. */
int tessera_vfs_readdir(int fd, struct tessera_dirent* out);
/* Bytes of the target copied (no NUL added) or a negative errno. */
int64_t tessera_vfs_readlink(const char* path, char* buffer, size_t size);

/* ---- VFS writes and mounts (owned by the ramfs work; keep this block) ---------------- */

/* Changes to the tree, as their POSIX namesakes (tessera/vfs.hh has the rules): 0 or a
 * negative errno. None follows a final symlink. */
int tessera_vfs_mkdir(const char* path, uint32_t mode);
int tessera_vfs_rmdir(const char* path);
int tessera_vfs_unlink(const char* path);
int tessera_vfs_rename(const char* from, const char* to);
int tessera_vfs_symlink(const char* target, const char* path);
int tessera_vfs_ftruncate(int fd, uint64_t size);

/* A filesystem a module provides: a table of operations on its own inode numbers (never
 * 0), called by the kernel's VFS with the `filesystem` pointer given to tessera_mount.
 * The VFS does paths, ".", "..", symlink following, mounts and descriptors; a filesystem
 * answers about one directory or inode at a time (see kernel/fs/vfs/file_system.hh, which
 * these mirror). Names come as (pointer, length), NOT NUL-terminated, never "." or "..",
 * never containing '/'. Every call returns 0 (or a count, or 1/0 for "entry/end") on
 * success and a negative errno on failure; the kernel turns that into an error naming
 * the filesystem, the call and its arguments. A null entry refuses: ENOSYS for queries,
 * EROFS for changes; open_inode/close_inode may be null when not needed. Calls never
 * overlap (one guest CPU, and the kernel does not yield inside them). */
struct tessera_fs_node {
  uint64_t inode;
  uint32_t type; /* TESSERA_S_IFDIR, TESSERA_S_IFREG or TESSERA_S_IFLNK */
};

struct tessera_filesystem_ops {
  const char* type_name; /* "ramfs": shown in messages */
  uint64_t root_inode;
  int read_only;         /* nonzero: the VFS refuses changes with EROFS before calling */
  /* ENOENT when `name` is not in `directory`. */
  int (*lookup)(void* filesystem, uint64_t directory, const char* name, size_t name_length,
                struct tessera_fs_node* out);
  /* Every field but `device`, which the VFS fills in. */
  int (*stat)(void* filesystem, uint64_t inode, struct tessera_stat* out);
  /* Up to `size` bytes from `offset`; 0 at or past the end. */
  int64_t (*read)(void* filesystem, uint64_t inode, uint64_t offset, void* buffer, size_t size);
  /* The index-th entry (without "." and ".."): 1 with *out filled, 0 past the end. */
  int (*read_directory)(void* filesystem, uint64_t directory, uint64_t index, struct tessera_dirent* out);
  /* Up to `size` bytes of the target, no NUL; the count copied. */
  int64_t (*read_link)(void* filesystem, uint64_t inode, char* buffer, size_t size);
  /* A descriptor opened / closed the inode: keep unlinked inodes alive while open. */
  int (*open_inode)(void* filesystem, uint64_t inode, int flags);
  void (*close_inode)(void* filesystem, uint64_t inode);
  /* A new entry; `mode`'s type bits are TESSERA_S_IFREG or TESSERA_S_IFDIR. */
  int (*create)(void* filesystem, uint64_t directory, const char* name, size_t name_length, uint32_t mode,
                struct tessera_fs_node* out);
  int (*create_symlink)(void* filesystem, uint64_t directory, const char* name, size_t name_length,
                        const char* target, size_t target_length, struct tessera_fs_node* out);
  /* All `size` bytes at `offset` (growing the file, zero-filling any gap): the count written. */
  int64_t (*write)(void* filesystem, uint64_t inode, uint64_t offset, const void* data, size_t size);
  int (*truncate)(void* filesystem, uint64_t inode, uint64_t size);
  int (*unlink)(void* filesystem, uint64_t directory, const char* name, size_t name_length);
  /* ENOTEMPTY unless the directory is empty. */
  int (*remove_directory)(void* filesystem, uint64_t directory, const char* name, size_t name_length);
  /* Replaces the target if present (the VFS has checked types, same filesystem, and that
   * a directory does not move into its own subtree); ENOTEMPTY over a non-empty directory. */
  int (*rename)(void* filesystem, uint64_t from_directory, const char* from_name, size_t from_length,
                uint64_t to_directory, const char* to_name, size_t to_length);
};

/* Mounts `filesystem` over the directory `path` (the kernel copies `ops`). The module
 * must unmount it before it is unloaded; the loader refuses to unload a module whose
 * filesystem still has open files, and unmounts any it left behind after its exit. */
int tessera_mount(const char* path, const struct tessera_filesystem_ops* ops, void* filesystem);
/* Unmounts what tessera_mount put at `path`: EBUSY while files are open on it or another
 * filesystem is mounted inside it; EINVAL when `path` is not a mount point; EPERM for a
 * filesystem the kernel mounted itself (the boot image). */
int tessera_unmount(const char* path);

/* Filesystem types (mounted by name, as Linux's mount(2) does): a module registers a type
 * from its init entry, and every mount(source, target, NAME, flags, data) creates an
 * instance through it. Mounting a type nobody registered asks the module index for the
 * capability "fs:NAME" and loads its provider first (docs/modularity.md), so a module
 * that only registers its type is loaded by the first mount of it. */
struct tessera_filesystem_type {
  /* A new instance for a mount: fills *ops (a table that lives as long as the module) and
   * *filesystem (handed back to every operation); 0 or a negative errno. `source` and
   * `data` are mount()'s (data: a NUL-terminated option string or null). */
  int (*mount)(const char* source, unsigned long flags, const void* data, const struct tessera_filesystem_ops** ops,
               void** filesystem);
  /* Frees an instance once the kernel has unmounted it; never called while mounted. */
  void (*release)(void* filesystem);
};

/* Registers `name` (1..31 bytes of a-z, 0-9, '.', '_', '-'); the kernel copies `type`.
 * -EEXIST when the name is taken. */
int tessera_register_filesystem(const char* name, const struct tessera_filesystem_type* type);
/* Unmounts every instance of `name` (releasing each) and forgets the type: -EBUSY, with
 * nothing changed, while any instance has files open or a mount inside it; -ENOENT for
 * an unknown name. The loader does it for a module that forgets. */
int tessera_unregister_filesystem(const char* name);

/* ---- end of VFS writes and mounts --------------------------------------------------------- */

/* ---- Threads and synchronisation (cooperative: a thread runs until it blocks or yields) */

typedef struct tessera_thread tessera_thread;
typedef struct tessera_mutex tessera_mutex;
typedef struct tessera_cond tessera_cond;

/* Starts entry(argument) on a new thread (name: at most 31 bytes are kept). */
int tessera_thread_create(tessera_thread** out, const char* name, void (*entry)(void*), void* argument);
/* Waits for the thread to finish and releases it; every created thread must be joined. */
int tessera_thread_join(tessera_thread* thread);
void tessera_thread_yield(void);
void tessera_thread_sleep_ns(uint64_t duration_ns);
/* The current thread's id (the boot thread "main" is 1). */
uint64_t tessera_thread_id(void);

int tessera_mutex_create(tessera_mutex** out);
void tessera_mutex_destroy(tessera_mutex* mutex);
void tessera_mutex_lock(tessera_mutex* mutex);
/* 1 when acquired, 0 when another thread holds it. */
int tessera_mutex_trylock(tessera_mutex* mutex);
void tessera_mutex_unlock(tessera_mutex* mutex);

int tessera_cond_create(tessera_cond** out);
void tessera_cond_destroy(tessera_cond* cond);
void tessera_cond_wait(tessera_cond* cond, tessera_mutex* mutex);
/* 0 when notified, -ETIMEDOUT when the monotonic deadline passed first. */
int tessera_cond_timedwait(tessera_cond* cond, tessera_mutex* mutex, uint64_t deadline_ns);
void tessera_cond_signal(tessera_cond* cond);
void tessera_cond_broadcast(tessera_cond* cond);

/* ---- The C library subset (kernel/libc), under the C names ---------------------------- */
/* Host programs that include this header next to their own C library (tests of the
 * kernel side) define TESSERA_MODULE_API_NO_LIBC: glibc's declarations differ in
 * exception specifications. */
#ifndef TESSERA_MODULE_API_NO_LIBC

void* memcpy(void* destination, const void* source, size_t count);
void* memmove(void* destination, const void* source, size_t count);
void* memset(void* destination, int value, size_t count);
int memcmp(const void* a, const void* b, size_t count);
void* memchr(const void* memory, int value, size_t count);
size_t strlen(const char* string);
size_t strnlen(const char* string, size_t max_length);
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, size_t count);
char* strchr(const char* string, int c);
char* strrchr(const char* string, int c);
char* strstr(const char* haystack, const char* needle);
char* strcpy(char* destination, const char* source);
char* strncpy(char* destination, const char* source, size_t count);
char* strcat(char* destination, const char* source);
char* strdup(const char* string);
char* strndup(const char* string, size_t max_length);

void* malloc(size_t size);
void free(void* pointer);
void* calloc(size_t count, size_t size);
void* realloc(void* pointer, size_t size);
void* aligned_alloc(size_t alignment, size_t size);
int posix_memalign(void** out, size_t alignment, size_t size);
long strtol(const char* text, char** end, int base);
unsigned long strtoul(const char* text, char** end, int base);

int snprintf(char* buffer, size_t capacity, const char* format, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char* buffer, size_t capacity, const char* format, va_list args);

int* __errno_location(void);

/* Mounts a new instance of filesystem type `filesystemtype` over the directory `target`,
 * as Linux's mount(2): 0, or -1 with errno (ENODEV: no such type and no module provides
 * it, the kernel log says which capability and how to fix the image; EBUSY: `target` is
 * a mount point already; EINVAL: flags other than 0; ENOENT/ENOTDIR: `target`). `source`
 * is handed to the filesystem ("none" for memory filesystems), as is `data`. */
int mount(const char* source, const char* target, const char* filesystemtype, unsigned long mountflags,
          const void* data);
/* Unmounts what mount() put at `target`: 0, or -1 with errno (EBUSY with files open on
 * it; EINVAL when `target` is not a mount point; EPERM for the boot image). */
int umount(const char* target);
#ifndef errno
#define errno (*__errno_location())
#endif
#endif /* TESSERA_MODULE_API_NO_LIBC */

/* ---- Compiler support ------------------------------------------------------------------- */

/* Called by code compiled with -fstack-protector when a canary was overwritten: panics. */
TESSERA_NORETURN void __stack_chk_fail(void);
/* Called by compiler-generated general- and local-dynamic TLS accesses (__thread in a
 * module); never called by hand. */
struct tessera_tls_index {
  uint64_t module;
  uint64_t offset;
};
void* __tls_get_addr(struct tessera_tls_index* index);

#ifdef __cplusplus
}  /* extern "C" */
#endif

/* Drivers, network devices, kernel options and module loading; then sockets. */
#include "device_api.h"
#include "socket_api.h"

#endif /* TESSERA_MODULE_API_H */
