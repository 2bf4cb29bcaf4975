#pragma once
// The network stack serving socket calls (one at a time): a copy of its operations
// table, and how many sockets it has open (it cannot leave while any is).
#include <tessera/result.hh>
#include <tessera/socket_api.h>

namespace tessera {

class SocketProvider {
 public:
  static void reset();
  // EBUSY while another stack is registered; EINVAL for a table without create/close.
  static Result<void> add(const tessera_socket_ops& ops);
  // EINVAL when `ops` is not the registered stack's table (compared by identity of the
  // caller's table), EBUSY while its sockets are open.
  static Result<void> remove(const tessera_socket_ops* ops);
  // The registered table. Without one, the first call loads the provider of net:stack
  // on demand (module_index.hh); when that fails it says why once per boot and every
  // call returns null (socket() then fails with EAFNOSUPPORT).
  static const tessera_socket_ops* get();
  // Null without a stack, silently.
  static const tessera_socket_ops* peek();
  static void socket_opened();
  static void socket_closed();
};

}  // namespace tessera
