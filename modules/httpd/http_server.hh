#pragma once
// The server: a listening socket, one kernel thread per connection, a reaper joining the
// threads that finished.
//
// Why threads and not a poll() loop: the kernel's threads are cooperative and cheap
// (a 64 KiB stack, a context switch is a function call), the stack's socket calls block
// the calling thread only, and files come from the in-memory boot image, so a
// connection's code reads top to bottom (read a request, stream the file with blocking
// sends) with no state machine, and a slow client stalls only its own thread. 256
// connections cost about 256 x 90 KiB; past kMaxConnections the accept loop waits for
// one to finish instead of refusing.
#include <stddef.h>
#include <stdint.h>

#include <tessera/module_api.h>

namespace httpd {

struct Connection;

struct ServerConfig {
  uint16_t port = 80;
  const char* root = "/www";  // no trailing '/' (except "/" itself)
};

class Server {
 public:
  static constexpr unsigned kMaxConnections = 256;

  // Serves until the listening socket fails for good; returns the exit status.
  static int run(const ServerConfig& config);

  const ServerConfig& config() const { return config_; }
  // Called by a connection's thread as its last act.
  void finished(Connection* connection);

 private:
  explicit Server(const ServerConfig& config) : config_(config) {}
  int open_listener();
  int serve();
  void accept_loop();
  bool start_connection(int fd);
  static void reap(void* server);
  static void connection_main(void* connection);

  ServerConfig config_;
  int listener_ = -1;
  tessera_mutex* mutex_ = nullptr;
  tessera_cond* changed_ = nullptr;
  Connection* done_ = nullptr;  // finished, waiting to be joined
  unsigned active_ = 0;
  bool stopping_ = false;
};

}  // namespace httpd
