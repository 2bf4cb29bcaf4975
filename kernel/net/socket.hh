#pragma once
// A socket in the descriptor table: the stack's handle and its operations table. Every
// call goes to the stack (tessera_socket_ops) with Linux constants; a negative errno
// from the stack becomes an Error with that code.
#include <stddef.h>
#include <stdint.h>
#include <tessera/result.hh>
#include <tessera/socket_api.h>

#include "fs/vfs/stream.hh"

namespace tessera {

class Socket final : public Stream {
 public:
  // Asks the stack for a socket (on failure nothing is left behind).
  static Result<Socket*> create(const tessera_socket_ops& ops, int domain, int type, int protocol);
  // Adopts a handle the stack already made (accept).
  static Result<Socket*> adopt(const tessera_socket_ops& ops, void* handle);

  // The Socket behind a stream, or null for any other kind of stream.
  static Socket* from(Stream* stream);

  const char* type_name() const override { return kTypeName; }
  Result<size_t> read(ktl::MutableBytes buffer) override;
  Result<size_t> write(ktl::Bytes data) override;
  int poll(int events) override;
  Result<void> set_nonblocking(bool nonblocking) override;
  void close() override;

  const tessera_socket_ops& ops() const { return *ops_; }
  void* handle() const { return handle_; }

 private:
  template <typename T, typename... Args> friend Result<T*> try_make(Args&&... args);
  Socket(const tessera_socket_ops& ops, void* handle) : ops_(&ops), handle_(handle) {}

  static constexpr const char* kTypeName = "socket";
  const tessera_socket_ops* ops_;
  void* handle_;
};

// A stack's count or negative errno as a Result.
Result<size_t> socket_count(int64_t status);
Result<void> socket_status(int64_t status);

}  // namespace tessera
