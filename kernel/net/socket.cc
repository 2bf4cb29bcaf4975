#include "net/socket.hh"

#include "fs/vfs/poller.hh"
#include "mm/heap.hh"
#include "net/socket_provider.hh"

namespace tessera {

Result<size_t> socket_count(int64_t status) {
  if (status < 0) return Error::from_code(int(-status));
  return size_t(status);
}

Result<void> socket_status(int64_t status) {
  if (status < 0) return Error::from_code(int(-status));
  return {};
}

Result<Socket*> Socket::create(const tessera_socket_ops& ops, int domain, int type, int protocol) {
  void* handle = nullptr;
  TRY(socket_status(ops.create(domain, type, protocol, &handle)));
  auto made = adopt(ops, handle);
  if (made.is_error()) ops.close(handle);
  return made;
}

Result<Socket*> Socket::adopt(const tessera_socket_ops& ops, void* handle) {
  Socket* socket = TRY(try_make<Socket>(ops, handle));
  SocketProvider::socket_opened();
  return socket;
}

// No RTTI in the kernel: a stream is a Socket when it answers with Socket's own name
// string (the same object, not just equal text).
Socket* Socket::from(Stream* stream) {
  if (!stream || stream->type_name() != kTypeName) return nullptr;
  return static_cast<Socket*>(stream);
}

Result<size_t> Socket::read(ktl::MutableBytes buffer) {
  if (!ops_->recvfrom) return Error::from_code(kEOPNOTSUPP);
  return socket_count(ops_->recvfrom(handle_, buffer.data(), buffer.size(), 0, nullptr, nullptr));
}

Result<size_t> Socket::write(ktl::Bytes data) {
  if (!ops_->sendto) return Error::from_code(kEOPNOTSUPP);
  return socket_count(ops_->sendto(handle_, data.data(), data.size(), 0, nullptr, 0));
}

int Socket::poll(int events) {
  // A stack that cannot tell is taken at its word that the socket is ready: better a
  // call that returns EAGAIN than a poll that never wakes.
  if (!ops_->poll) return events;
  return ops_->poll(handle_, events);
}

Result<void> Socket::set_nonblocking(bool nonblocking) {
  if (!ops_->set_nonblocking) return Error::from_code(kEOPNOTSUPP);
  return socket_status(ops_->set_nonblocking(handle_, nonblocking ? 1 : 0));
}

void Socket::close() {
  ops_->close(handle_);
  SocketProvider::socket_closed();
  destroy(this);
  // A thread polling this socket's descriptor sees POLLNVAL on its next look.
  Poller::notify();
}

}  // namespace tessera
