#pragma once
// What vm_start.cc found at boot and the platform functions consult later.
#include <tessera/boot_info.hh>

namespace tessera::vm {

// The BootInfo handed to kernel_main: its RAM regions are the only memory protect() may
// change.
const BootInfo& boot_info();

}  // namespace tessera::vm
