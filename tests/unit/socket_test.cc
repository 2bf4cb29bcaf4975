// Sockets in the descriptor table: the POSIX calls dispatch to a fake stack registered as
// socket provider; read/write/close/fcntl/poll take files and sockets alike; errno
// values are Linux's.
#include <cstring>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "unit/host_socket_headers.hh"

#include "fake_platform/fake_platform.hh"
#include "fs/vfs/vfs.hh"
#include "libc/errno.hh"
#include "module/api/device_api.hh"
#include "module/api/socket_api.hh"
#include "sched/scheduler.hh"
#include "sched/thread.hh"

namespace tessera {
namespace {

constexpr uint64_t kMillisecond = 1'000'000;

// One file, /hello, on a read-only filesystem.
class OneFileSystem final : public FileSystem {
 public:
  const char* type_name() const override { return "onefile"; }
  Result<Node> lookup(uint64_t directory, ktl::StringView name) override {
    if (directory == 1 && name == "hello") return Node{2, vfs::file_type::kRegular};
    return Error::from_code(kENOENT);
  }
  Result<vfs::Stat> stat(uint64_t inode) override {
    vfs::Stat stat{};
    stat.inode = inode;
    stat.mode = inode == 1 ? (vfs::file_type::kDirectory | 0755) : (vfs::file_type::kRegular | 0644);
    stat.size = inode == 1 ? 0 : 5;
    return stat;
  }
  Result<size_t> read(uint64_t, uint64_t offset, ktl::MutableBytes buffer) override {
    static const char kText[] = "hello";
    size_t count = offset >= 5 ? 0 : (buffer.size() < 5 - offset ? buffer.size() : 5 - offset);
    __builtin_memcpy(buffer.data(), kText + offset, count);
    return count;
  }
};

// The fake stack: sockets are entries of a map; a socket is readable when its inbox has bytes.
struct FakeSocket {
  int type = 0;
  std::string inbox;
  std::string outbox;
  bool nonblocking = false;
  bool listening = false;
  int pending_connections = 0;
  std::string bound;
  int last_flags = 0;
};
struct FakeStack {
  // Sockets a test leaves open die with the stack (LeakSanitizer checks the asan preset).
  ~FakeStack() {
    for (auto& [socket, unused] : open) delete socket;
  }
  std::map<FakeSocket*, bool> open;
  int closes = 0;
  int configured = 0;
  uint32_t configured_address = 0;
};
FakeStack* g_stack = nullptr;

FakeSocket* as_socket(void* handle) { return static_cast<FakeSocket*>(handle); }

int fake_create(int domain, int type, int protocol, void** out) {
  if (domain != AF_INET) return -kEAFNOSUPPORT;
  if (type != SOCK_STREAM && type != SOCK_DGRAM) return -kEPROTONOSUPPORT;
  auto* socket = new FakeSocket{type};
  g_stack->open[socket] = true;
  *out = socket;
  return 0;
}
int fake_close(void* handle) {
  g_stack->open.erase(as_socket(handle));
  delete as_socket(handle);
  ++g_stack->closes;
  return 0;
}
int fake_bind(void* handle, const void* address, uint32_t length) {
  if (length != sizeof(sockaddr_in)) return -kEINVAL;
  as_socket(handle)->bound.assign(static_cast<const char*>(address), length);
  return 0;
}
int fake_listen(void* handle, int) {
  as_socket(handle)->listening = true;
  return 0;
}
int fake_accept(void* handle, void** out, void* address, uint32_t* length) {
  FakeSocket* listener = as_socket(handle);
  if (!listener->listening) return -kEINVAL;
  if (listener->pending_connections == 0) return listener->nonblocking ? -kEAGAIN : -kEINVAL;
  --listener->pending_connections;
  auto* socket = new FakeSocket{SOCK_STREAM};
  socket->inbox = "from peer";
  g_stack->open[socket] = true;
  *out = socket;
  if (address && length) *length = 0;
  return 0;
}
int fake_connect(void*, const void*, uint32_t) { return -kECONNREFUSED; }
int64_t fake_sendto(void* handle, const void* data, size_t size, int flags, const void*, uint32_t) {
  as_socket(handle)->outbox.append(static_cast<const char*>(data), size);
  as_socket(handle)->last_flags = flags;
  return int64_t(size);
}
int64_t fake_recvfrom(void* handle, void* buffer, size_t size, int flags, void*, uint32_t*) {
  FakeSocket* socket = as_socket(handle);
  socket->last_flags = flags;
  if (socket->inbox.empty()) return (socket->nonblocking || (flags & MSG_DONTWAIT)) ? -kEAGAIN : 0;
  size_t count = std::min(size, socket->inbox.size());
  __builtin_memcpy(buffer, socket->inbox.data(), count);
  socket->inbox.erase(0, count);
  return int64_t(count);
}
int fake_shutdown(void*, int) { return -kENOTCONN; }
int fake_setsockopt(void*, int level, int, const void*, uint32_t) { return level == SOL_SOCKET ? 0 : -kENOPROTOOPT; }
int fake_set_nonblocking(void* handle, int nonblocking) {
  as_socket(handle)->nonblocking = nonblocking != 0;
  return 0;
}
int fake_poll(void* handle, int events) {
  FakeSocket* socket = as_socket(handle);
  int ready = POLLOUT;
  if (!socket->inbox.empty() || socket->pending_connections) ready |= POLLIN;
  return ready & events;
}
int fake_configure(tessera_netdev*, uint32_t address, uint32_t, uint32_t) {
  ++g_stack->configured;
  g_stack->configured_address = address;
  return 0;
}

const tessera_socket_ops kFakeOps = {
    "fake", fake_create, fake_close, fake_bind, fake_listen, fake_accept, fake_connect, fake_sendto, fake_recvfrom,
    fake_shutdown, fake_setsockopt, nullptr, nullptr, nullptr, fake_set_nonblocking, fake_poll, fake_configure, nullptr,
};

int last_errno() { return *libc::errno_location(); }

class SocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::boot_core(ram_);
    kernel_vfs().reset();
    ASSERT_TRUE(kernel_vfs().mount("/", fs_).is_ok());
    g_stack = &stack_;
  }
  void TearDown() override { g_stack = nullptr; }
  void register_stack() { ASSERT_EQ(api::socket_provider_register(&kFakeOps), 0); }
  int tcp_socket(int flags = 0) {
    int fd = api::socket(AF_INET, SOCK_STREAM | flags, 0);
    EXPECT_GE(fd, 3) << "errno " << last_errno();
    return fd;
  }
  FakeSocket* only_socket() {
    EXPECT_EQ(stack_.open.size(), 1u);
    return stack_.open.empty() ? nullptr : stack_.open.begin()->first;
  }

  fake::Ram ram_{16 << 20};
  OneFileSystem fs_;
  FakeStack stack_;
};

// The first socket call tries to load the stack on demand (net:stack, net-lwip without an
// index); the unit tests' VFS has none, so it fails, says why once, and stops trying.
TEST_F(SocketTest, WithoutAStackSocketFailsWithEafnosupportAndSaysWhyOnce) {
  EXPECT_EQ(api::socket(AF_INET, SOCK_STREAM, 0), -1);
  EXPECT_EQ(last_errno(), kEAFNOSUPPORT);
  EXPECT_EQ(api::socket(AF_INET, SOCK_DGRAM, 0), -1);
  EXPECT_EQ(last_errno(), kEAFNOSUPPORT);
  std::string console = fake::console_output();
  const char* kWhy = "net: socket() without a network stack: net-lwip for net:stack (the first socket call)";
  size_t first = console.find(kWhy);
  ASSERT_NE(first, std::string::npos) << console;
  EXPECT_EQ(console.find("socket() without a network stack", first + std::strlen(kWhy)), std::string::npos);
}

TEST_F(SocketTest, OneStackAtATimeAndNotWhileItsSocketsAreOpen) {
  register_stack();
  tessera_socket_ops other = kFakeOps;
  EXPECT_EQ(api::socket_provider_register(&other), -kEBUSY);
  int fd = tcp_socket();
  EXPECT_EQ(api::socket_provider_unregister(&kFakeOps), -kEBUSY);
  EXPECT_EQ(api::close(fd), 0);
  EXPECT_EQ(api::socket_provider_unregister(&other), -kEINVAL);
  EXPECT_EQ(api::socket_provider_unregister(&kFakeOps), 0);
  EXPECT_EQ(api::socket(AF_INET, SOCK_STREAM, 0), -1);
}

TEST_F(SocketTest, StackErrorsBecomeErrno) {
  register_stack();
  EXPECT_EQ(api::socket(AF_INET6, SOCK_STREAM, 0), -1);
  EXPECT_EQ(last_errno(), kEAFNOSUPPORT);
  EXPECT_EQ(api::socket(AF_INET, SOCK_RAW, 0), -1);
  EXPECT_EQ(last_errno(), kEPROTONOSUPPORT);
  int fd = tcp_socket();
  sockaddr_in address{};
  EXPECT_EQ(api::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), -1);
  EXPECT_EQ(last_errno(), kECONNREFUSED);
  EXPECT_EQ(api::shutdown(fd, SHUT_RDWR), -1);
  EXPECT_EQ(last_errno(), kENOTCONN);
  EXPECT_EQ(api::shutdown(fd, 7), -1);
  EXPECT_EQ(last_errno(), kEINVAL);
  int one = 1;
  EXPECT_EQ(api::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), -1);
  EXPECT_EQ(last_errno(), kENOPROTOOPT);
  EXPECT_EQ(api::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), 0);
  socklen_t length = sizeof one;
  EXPECT_EQ(api::getsockopt(fd, SOL_SOCKET, SO_ERROR, &one, &length), -1);  // the stack has none
  EXPECT_EQ(last_errno(), kENOPROTOOPT);
  EXPECT_EQ(api::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), -1);
  EXPECT_EQ(last_errno(), kEOPNOTSUPP);
}

TEST_F(SocketTest, BadDescriptorsAndFilesAreRefusedWithLinuxErrno) {
  register_stack();
  char buffer[8];
  EXPECT_EQ(api::recv(42, buffer, sizeof buffer, 0), -1);
  EXPECT_EQ(last_errno(), kEBADF);
  EXPECT_EQ(api::read(42, buffer, sizeof buffer), -1);
  EXPECT_EQ(last_errno(), kEBADF);
  EXPECT_EQ(api::close(-1), -1);
  EXPECT_EQ(last_errno(), kEBADF);
  EXPECT_EQ(api::fcntl(42, F_GETFL), -1);
  EXPECT_EQ(last_errno(), kEBADF);
  EXPECT_EQ(api::shutdown(42, 9), -1);
  EXPECT_EQ(last_errno(), kEBADF);
  int file = kernel_vfs().open("/hello", vfs::open_flag::kReadOnly).value();
  EXPECT_EQ(api::listen(file, 5), -1);
  EXPECT_EQ(last_errno(), kENOTSOCK);
  EXPECT_EQ(api::send(file, "x", 1, 0), -1);
  EXPECT_EQ(last_errno(), kENOTSOCK);
  EXPECT_EQ(api::read(file, buffer, sizeof buffer), 5);
  EXPECT_EQ(api::close(file), 0);
}

TEST_F(SocketTest, ReadWriteAndCloseOnASocketGoToTheStack) {
  register_stack();
  int fd = tcp_socket();
  FakeSocket* socket = only_socket();
  ASSERT_NE(socket, nullptr);
  EXPECT_EQ(api::write(fd, "abc", 3), 3);
  EXPECT_EQ(api::send(fd, "de", 2, MSG_NOSIGNAL), 2);
  EXPECT_EQ(socket->outbox, "abcde");
  EXPECT_EQ(socket->last_flags, MSG_NOSIGNAL);
  socket->inbox = "0123456789";
  char buffer[4];
  EXPECT_EQ(api::read(fd, buffer, sizeof buffer), 4);
  EXPECT_EQ(std::string(buffer, 4), "0123");
  EXPECT_EQ(api::recv(fd, buffer, sizeof buffer, MSG_PEEK), 4);
  EXPECT_EQ(socket->last_flags, MSG_PEEK);
  // The module API's descriptor calls take sockets too.
  EXPECT_EQ(kernel_vfs().read(fd, ktl::MutableBytes(reinterpret_cast<uint8_t*>(buffer), 2)).value(), 2u);
  EXPECT_EQ(std::string(buffer, 2), "89");
  EXPECT_EQ(kernel_vfs().lseek(fd, 0, vfs::Whence::kSet).error().code(), kESPIPE);
  EXPECT_EQ(kernel_vfs().fstat(fd).value().mode & vfs::file_type::kMask, vfs::file_type::kSocket);
  EXPECT_EQ(api::close(fd), 0);
  EXPECT_EQ(stack_.closes, 1);
  EXPECT_TRUE(stack_.open.empty());
  EXPECT_EQ(api::close(fd), -1);
  EXPECT_EQ(last_errno(), kEBADF);
}

TEST_F(SocketTest, SocketsAndFilesShareTheLowestFreeDescriptor) {
  register_stack();
  int file = kernel_vfs().open("/hello", vfs::open_flag::kReadOnly).value();
  int socket = tcp_socket();
  EXPECT_EQ(socket, file + 1);
  EXPECT_EQ(api::close(file), 0);
  EXPECT_EQ(tcp_socket(), file);
}

TEST_F(SocketTest, AcceptInstallsTheNewConnection) {
  register_stack();
  int listener = tcp_socket();
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(80);
  ASSERT_EQ(api::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(api::listen(listener, 16), 0);
  FakeSocket* listening = only_socket();
  listening->pending_connections = 1;
  sockaddr_in peer{};
  socklen_t length = sizeof peer;
  int connection = api::accept4(listener, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_NONBLOCK);
  ASSERT_GE(connection, 3) << last_errno();
  EXPECT_EQ(api::fcntl(connection, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
  char buffer[16];
  EXPECT_EQ(api::read(connection, buffer, sizeof buffer), 9);
  EXPECT_EQ(api::read(connection, buffer, sizeof buffer), -1);  // nonblocking, nothing left
  EXPECT_EQ(last_errno(), kEAGAIN);
  EXPECT_EQ(api::accept4(listener, nullptr, nullptr, 0x1), -1);
  EXPECT_EQ(last_errno(), kEINVAL);
  EXPECT_EQ(api::close(connection), 0);
  EXPECT_EQ(api::close(listener), 0);
  EXPECT_EQ(stack_.closes, 2);
}

TEST_F(SocketTest, FcntlNonblockReachesTheStack) {
  register_stack();
  int fd = tcp_socket();
  FakeSocket* socket = only_socket();
  EXPECT_EQ(api::fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
  EXPECT_EQ(api::fcntl(fd, F_SETFL, api::fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
  EXPECT_TRUE(socket->nonblocking);
  EXPECT_EQ(api::fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
  char buffer[4];
  EXPECT_EQ(api::recv(fd, buffer, sizeof buffer, 0), -1);
  EXPECT_EQ(last_errno(), kEAGAIN);
  EXPECT_EQ(api::fcntl(fd, F_SETFL, 0), 0);
  EXPECT_FALSE(socket->nonblocking);
  EXPECT_EQ(api::fcntl(fd, 12345), -1);
  EXPECT_EQ(last_errno(), kEINVAL);
  int nonblocking = tcp_socket(SOCK_NONBLOCK | SOCK_CLOEXEC);
  EXPECT_EQ(api::fcntl(nonblocking, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
}

TEST_F(SocketTest, PollMixesFilesAndSocketsAndFlagsBadDescriptors) {
  register_stack();
  int file = kernel_vfs().open("/hello", vfs::open_flag::kReadOnly).value();
  int idle = tcp_socket();
  FakeSocket* idle_socket = only_socket();
  int busy = tcp_socket();
  FakeSocket* busy_socket = nullptr;
  for (auto& entry : stack_.open)
    if (entry.first != idle_socket) busy_socket = entry.first;
  ASSERT_NE(busy_socket, nullptr);
  busy_socket->inbox = "ready";
  pollfd fds[4] = {{file, POLLIN, 0}, {idle, POLLIN, 0}, {busy, POLLIN | POLLOUT, 0}, {99, POLLIN, 0}};
  EXPECT_EQ(api::poll(fds, 4, -1), 3);  // the file, the busy socket and the bad descriptor
  EXPECT_EQ(fds[0].revents, POLLIN);
  EXPECT_EQ(fds[1].revents, 0);
  EXPECT_EQ(fds[2].revents, POLLIN | POLLOUT);
  EXPECT_EQ(fds[3].revents, POLLNVAL);
  pollfd writable = {idle, POLLOUT, 0};
  EXPECT_EQ(api::poll(&writable, 1, 0), 1);
  EXPECT_EQ(writable.revents, POLLOUT);
  pollfd ignored = {-1, POLLIN, 7};
  EXPECT_EQ(api::poll(&ignored, 1, 0), 0);
  EXPECT_EQ(ignored.revents, 0);
}

TEST_F(SocketTest, PollTimesOutAfterItsTimeout) {
  register_stack();
  int fd = tcp_socket();
  pollfd entry = {fd, POLLIN, 0};
  uint64_t start = fake::now_ns();
  EXPECT_EQ(api::poll(&entry, 1, 250), 0);
  EXPECT_EQ(entry.revents, 0);
  EXPECT_GE(fake::now_ns() - start, 250 * kMillisecond);
  EXPECT_LT(fake::now_ns() - start, 260 * kMillisecond);
}

struct Waker {
  FakeSocket* socket;
  uint64_t after_ns;
};

void deliver_later(void* argument) {
  auto* waker = static_cast<Waker*>(argument);
  Scheduler::sleep_for(waker->after_ns);
  waker->socket->inbox = "late data";
  api::socket_notify();
}

TEST_F(SocketTest, PollWaitsUntilTheStackNotifies) {
  register_stack();
  int fd = tcp_socket();
  Waker waker{only_socket(), 30 * kMillisecond};
  auto thread = Thread::try_create("waker", deliver_later, &waker);
  ASSERT_TRUE(thread.is_ok());
  pollfd entry = {fd, POLLIN, 0};
  uint64_t start = fake::now_ns();
  EXPECT_EQ(api::poll(&entry, 1, -1), 1);
  EXPECT_EQ(entry.revents, POLLIN);
  EXPECT_EQ(fake::now_ns() - start, 30 * kMillisecond);
  EXPECT_TRUE(thread.value()->join().is_ok());
}

TEST_F(SocketTest, PollArgumentsAreChecked) {
  EXPECT_EQ(api::poll(nullptr, 1, 0), -1);
  EXPECT_EQ(last_errno(), kEFAULT);
  pollfd entry{};
  EXPECT_EQ(api::poll(&entry, 1u << 20, 0), -1);
  EXPECT_EQ(last_errno(), kEINVAL);
  EXPECT_EQ(api::poll(nullptr, 0, 10), 0);  // a sleep
}

TEST_F(SocketTest, NetConfigureGoesToTheStackForRegisteredDevicesOnly) {
  int not_a_device = 0;
  EXPECT_EQ(api::net_configure(reinterpret_cast<tessera_netdev*>(&not_a_device), 1, 2, 3), -kEINVAL);
  tessera_netdev_ops ops = {"fake-net", [](void*, const void*, size_t) { return 0; }};
  tessera_netdev_info info = {{2, 0, 0, 0, 0, 1}, 1500};
  tessera_netdev* device = nullptr;
  ASSERT_EQ(tessera::api::netdev_register(&ops, nullptr, &info, &device), 0);
  EXPECT_EQ(api::net_configure(device, 1, 2, 3), -kENETDOWN);  // no stack yet
  register_stack();
  EXPECT_EQ(api::net_configure(device, htonl(0x0a00020f), htonl(0xffffff00), 0), 0);
  EXPECT_EQ(stack_.configured, 1);
  EXPECT_EQ(stack_.configured_address, htonl(0x0a00020f));
}

}  // namespace
}  // namespace tessera
