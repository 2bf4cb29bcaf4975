#include "http_server.hh"

#include "http_connection.hh"

namespace httpd {

int Server::run(const ServerConfig& config) {
  Server server(config);
  if (tessera_mutex_create(&server.mutex_) != 0 || tessera_cond_create(&server.changed_) != 0) {
    tessera_printf("httpd: cannot create a mutex or condition variable\n");
    return 1;
  }
  int status = server.serve();
  tessera_cond_destroy(server.changed_);
  tessera_mutex_destroy(server.mutex_);
  return status;
}

int Server::open_listener() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    tessera_printf("httpd: socket: %s (is a network stack loaded? kernel option net.ip)\n", tessera_errno_name(errno));
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(config_.port);
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&address), sizeof address) != 0) {
    tessera_printf("httpd: bind to port %u: %s\n", unsigned(config_.port), tessera_errno_name(errno));
    close(fd);
    return -1;
  }
  if (listen(fd, 128) != 0) {
    tessera_printf("httpd: listen: %s\n", tessera_errno_name(errno));
    close(fd);
    return -1;
  }
  return fd;
}

int Server::serve() {
  struct tessera_stat root;
  if (tessera_vfs_stat(config_.root, &root) != 0 || (root.mode & TESSERA_S_IFMT) != TESSERA_S_IFDIR)
    tessera_printf("httpd: warning: document root %s is not a directory: every request gets 404\n", config_.root);
  listener_ = open_listener();
  if (listener_ < 0) return 1;
  tessera_thread* reaper = nullptr;
  if (int error = tessera_thread_create(&reaper, "httpd-reaper", reap, this); error != 0) {
    tessera_printf("httpd: cannot start the reaper thread: %s\n", tessera_errno_name(error));
    close(listener_);
    return 1;
  }
  tessera_printf("httpd: listening on 0.0.0.0:%u (root %s)\n", unsigned(config_.port), config_.root);
  accept_loop();

  // The listener failed for good: let the connections finish, then stop the reaper.
  close(listener_);
  tessera_mutex_lock(mutex_);
  stopping_ = true;
  tessera_cond_broadcast(changed_);
  tessera_mutex_unlock(mutex_);
  tessera_thread_join(reaper);
  return 1;
}

void Server::accept_loop() {
  unsigned consecutive_failures = 0;
  for (;;) {
    tessera_mutex_lock(mutex_);
    while (active_ >= kMaxConnections) tessera_cond_wait(changed_, mutex_);
    tessera_mutex_unlock(mutex_);

    int fd = accept(listener_, nullptr, nullptr);
    if (fd >= 0) {
      consecutive_failures = 0;
      if (!start_connection(fd)) close(fd);
      continue;
    }
    int error = errno;
    if (error == kEINTR || error == kECONNABORTED || error == kEAGAIN) continue;
    // Out of descriptors or memory: say so once, back off, try again.
    if (error == kEMFILE || error == kENFILE || error == kENOMEM) {
      if (consecutive_failures++ == 0) tessera_log(TESSERA_LOG_WARN, "httpd: accept: %s", tessera_errno_name(error));
      tessera_thread_sleep_ns(10'000'000);
      continue;
    }
    tessera_printf("httpd: accept: %s; stopping\n", tessera_errno_name(error));
    return;
  }
}

bool Server::start_connection(int fd) {
  auto* connection = static_cast<Connection*>(malloc(sizeof(Connection)));
  if (!connection) {
    tessera_log(TESSERA_LOG_WARN, "httpd: no memory for a connection");
    return false;
  }
  connection->server = this;
  connection->fd = fd;
  connection->thread = nullptr;
  connection->next = nullptr;
  connection->in_length = 0;
  // The thread may run before tessera_thread_create returns: holding the mutex makes it
  // see connection->thread set when it reports itself finished.
  tessera_mutex_lock(mutex_);
  int error = tessera_thread_create(&connection->thread, "httpd-conn", connection_main, connection);
  if (error == 0) ++active_;
  tessera_mutex_unlock(mutex_);
  if (error != 0) {
    tessera_log(TESSERA_LOG_WARN, "httpd: cannot start a connection thread: %s", tessera_errno_name(error));
    free(connection);
    return false;
  }
  return true;
}

void Server::connection_main(void* argument) {
  auto* connection = static_cast<Connection*>(argument);
  connection->serve();
  connection->server->finished(connection);
}

void Server::finished(Connection* connection) {
  tessera_mutex_lock(mutex_);
  connection->next = done_;
  done_ = connection;
  tessera_cond_broadcast(changed_);
  tessera_mutex_unlock(mutex_);
}

void Server::reap(void* argument) {
  auto& server = *static_cast<Server*>(argument);
  tessera_mutex_lock(server.mutex_);
  for (;;) {
    while (!server.done_ && !(server.stopping_ && server.active_ == 0)) tessera_cond_wait(server.changed_, server.mutex_);
    if (!server.done_) break;
    Connection* list = server.done_;
    server.done_ = nullptr;
    tessera_mutex_unlock(server.mutex_);
    unsigned joined = 0;
    while (list) {
      Connection* next = list->next;
      tessera_thread_join(list->thread);
      free(list);
      list = next;
      ++joined;
    }
    tessera_mutex_lock(server.mutex_);
    server.active_ -= joined;
    tessera_cond_broadcast(server.changed_);
  }
  tessera_mutex_unlock(server.mutex_);
}

}  // namespace httpd
