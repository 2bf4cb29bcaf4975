#pragma once
// The module API's filesystem operation table for a RamFs: what tessera_mount is given.
// Each entry unpacks the C arguments and calls the RamFs behind the `filesystem` pointer.
// tessera/module_api.h defines it; declared only, so that unit tests, which also see the
// host's C library headers, can include this file.
struct tessera_filesystem_ops;

namespace tessera::ramfs {

const tessera_filesystem_ops& ramfs_operations();

}  // namespace tessera::ramfs
