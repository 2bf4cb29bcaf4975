#pragma once
// Something other than a file that lives in the descriptor table: a socket today. The
// VFS knows streams only through this interface, so it depends on nothing above it; the
// network layer (kernel/net) implements it. read/write/close on a descriptor dispatch
// here, poll asks poll(). Calls may block the calling thread unless the stream was made
// non-blocking (set_nonblocking, from fcntl or SOCK_NONBLOCK).
#include <stddef.h>
#include <tessera/ktl/span.hh>
#include <tessera/result.hh>

namespace tessera {

class Stream {
 public:
  // "socket": in messages.
  virtual const char* type_name() const = 0;
  virtual Result<size_t> read(ktl::MutableBytes buffer) = 0;
  virtual Result<size_t> write(ktl::Bytes data) = 0;
  // Which of `events` (POLL* bits, Linux values) hold now, plus POLLERR/POLLHUP; never blocks.
  virtual int poll(int events) = 0;
  virtual Result<void> set_nonblocking(bool nonblocking) = 0;
  // The last descriptor referring to the stream is gone: release everything.
  virtual void close() = 0;

 protected:
  Stream() = default;
  ~Stream() = default;
};

}  // namespace tessera
