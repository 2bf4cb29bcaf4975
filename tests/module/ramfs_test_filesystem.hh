#pragma once
// For ramfs_test: a module filesystem table that lies (unknown node types, counts larger
// than the buffer, overlong names, errno values out of range), built in a file of its own
// because tessera/module_api.h's C library declarations clash with glibc's in a test.
#include <cstdint>

struct tessera_filesystem_ops;

namespace tessera {

// The table stays valid until the next call.
const tessera_filesystem_ops& lying_filesystem_operations(const char* type_name, uint64_t root_inode);

}  // namespace tessera
