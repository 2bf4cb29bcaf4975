#pragma once
// `tessera run --gdb` and `--gdb-batch FILE`: the same boot under gdb with the Tessera
// extension (hosted/gdb/tessera_gdb.py) loaded. Hosted, gdb runs this very program without
// the gdb options; under QEMU, QEMU starts with its gdbstub, waiting, and gdb attaches.
// The gdb command line is printed first, so a user can repeat it by hand.
#include <string>

#include "tessera/qemu_runner.hh"
#include "tessera/run_command.hh"

namespace tessera::cli {

// Never returns on success (exec) for hosted; returns the exit status otherwise.
int run_hosted_under_gdb(const RunOptions& options);
// Runs QEMU (config.gdb_port set here) and gdb side by side; returns the guest's status.
int run_qemu_under_gdb(const RunOptions& options, QemuConfig config);

}  // namespace tessera::cli
