#pragma once
// The boot image becomes the kernel's "/".
#include <tessera/ktl/span.hh>
#include <tessera/result.hh>

namespace tessera {

// Forgets the previous boot's mounts and descriptors (kernel_vfs().reset()), then mounts
// `image` (BootInfo::boot_image) as a ROFS at "/" and logs
// "rofs: mounted / (N inodes, X KiB)". An empty image mounts nothing: paths then fail with
// ENOENT "nothing is mounted at /". A bad image is refused with the reader's message.
Result<void> mount_boot_image(ktl::Bytes image);

}  // namespace tessera
