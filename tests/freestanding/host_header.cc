// Must NOT compile with the kernel's flags: guest code cannot reach the host's libc.
#include <unistd.h>

int freestanding_probe_host_header() { return static_cast<int>(getpid()); }
