#include "http_connection.hh"

#include "http_response.hh"
#include "http_server.hh"

namespace httpd {
namespace {

// A client hanging up mid-response is ordinary, not worth a log line.
bool is_disconnect(int error) {
  return error == kEPIPE || error == kECONNRESET || error == kENOTCONN || error == kECONNABORTED ||
         error == kETIMEDOUT;
}

}  // namespace

void Connection::serve() {
  int one = 1;
  // Heads and small files go out in one send: nothing to gain from Nagle's delay.
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // A client that stops reading must not hold its thread forever (best effort: a stack
  // without send timeouts leaves it to the client's own timeout).
  struct timeval send_timeout = {60, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);

  for (;;) {
    Request request;
    int status = read_request(&request);
    if (status == 0) break;
    if (status != kComplete) {
      tessera_log(TESSERA_LOG_DEBUG, "httpd: %d %s, closing the connection", status, reason_phrase(status));
      send_error(status, false, false, false);
      break;
    }
    if (!discard_body(request) || !respond(request) || !request.keep_alive) break;
    // Pipelined requests already read stay for the next round.
    size_t consumed = request.head_length;
    memmove(in, in + consumed, in_length - consumed);
    in_length -= consumed;
  }
  close(fd);
  fd = -1;
}

bool Connection::wait_readable() {
  struct pollfd entry = {fd, POLLIN, 0};
  int ready = poll(&entry, 1, kIdleTimeoutMs);
  if (ready == 0) return false;  // idle too long
  // A stack without poll still has blocking recv, which is all this needs.
  return ready > 0 || errno == kENOSYS || errno == kEINTR;
}

int Connection::read_request(Request* request) {
  for (;;) {
    if (in_length > 0) {
      int status = parse_request(in, in_length, request);
      if (status != kIncomplete) return status;
    }
    if (in_length >= sizeof in) return 431;
    if (!wait_readable()) return 0;
    ssize_t received = recv(fd, in + in_length, sizeof in - in_length, 0);
    if (received == 0) return 0;
    if (received < 0) {
      if (errno == kEINTR || errno == kEAGAIN) continue;
      if (!is_disconnect(errno)) tessera_log(TESSERA_LOG_WARN, "httpd: recv: %s", tessera_errno_name(errno));
      return 0;
    }
    in_length += size_t(received);
  }
}

// A GET or HEAD may carry a body (Content-Length); it means nothing here but must be
// read past so the next request starts where it should.
bool Connection::discard_body(const Request& request) {
  uint64_t remaining = request.content_length;
  size_t buffered = in_length - request.head_length;
  size_t take = remaining < buffered ? size_t(remaining) : buffered;
  memmove(in + request.head_length, in + request.head_length + take, buffered - take);
  in_length -= take;
  remaining -= take;
  while (remaining > 0) {
    size_t want = remaining < sizeof out ? size_t(remaining) : sizeof out;
    ssize_t received = recv(fd, out, want, 0);
    if (received <= 0) return false;
    remaining -= uint64_t(received);
  }
  return true;
}

bool Connection::send_all(const void* data, size_t length) {
  const char* bytes = static_cast<const char*>(data);
  while (length > 0) {
    ssize_t sent = send(fd, bytes, length, 0);
    if (sent < 0) {
      if (errno == kEINTR) continue;
      if (!is_disconnect(errno) && errno != kEAGAIN)
        tessera_log(TESSERA_LOG_WARN, "httpd: send: %s", tessera_errno_name(errno));
      return false;
    }
    bytes += sent;
    length -= size_t(sent);
  }
  return true;
}

bool Connection::send_error(int status, bool keep_alive, bool http10, bool head_only) {
  char body[160];
  size_t body_length = format_error_body(status, body, sizeof body);
  ResponseHead head;
  head.status = status;
  head.content_type = "text/html; charset=utf-8";
  head.content_length = body_length;
  head.keep_alive = keep_alive;
  head.http10 = http10;
  head.allow = status == 405;
  size_t length = format_head(head, out, sizeof out);
  if (!head_only) {
    memcpy(out + length, body, body_length);
    length += body_length;
  }
  return send_all(out, length) && keep_alive;
}

bool Connection::respond(const Request& request) {
  bool http10 = request.minor_version == 0;
  bool head_only = request.method == Method::kHead;
  if (request.method == Method::kOther) return send_error(405, request.keep_alive, http10, false);

  const char* root = server->config().root;
  size_t root_length = strcmp(root, "/") == 0 ? 0 : strlen(root);
  memcpy(path, root, root_length);
  int64_t decoded = decode_path(request.target, request.target_length, path + root_length, kMaxPath);
  if (decoded < 0) return send_error(int(-decoded), false, http10, head_only);
  size_t length = root_length + size_t(decoded);

  struct tessera_stat info;
  int found = tessera_vfs_stat(path, &info);
  if (found == 0 && (info.mode & TESSERA_S_IFMT) == TESSERA_S_IFDIR) {
    // A directory serves its index.html.
    static const char kIndex[] = "index.html";
    if (path[length - 1] != '/') path[length++] = '/';
    memcpy(path + length, kIndex, sizeof kIndex);
    found = tessera_vfs_stat(path, &info);
  }
  if (found != 0 || (info.mode & TESSERA_S_IFMT) != TESSERA_S_IFREG)
    return send_error(404, request.keep_alive, http10, head_only);

  int file = tessera_vfs_open(path, TESSERA_O_RDONLY);
  if (file < 0) {
    tessera_log(TESSERA_LOG_WARN, "httpd: open %s: %s", path, tessera_errno_name(file));
    return send_error(500, false, http10, head_only);
  }
  bool ok = send_file(request, file, uint64_t(info.size), content_type_for(path));
  tessera_vfs_close(file);
  return ok;
}

bool Connection::send_file(const Request& request, int file, uint64_t size, const char* content_type) {
  ResponseHead head;
  head.content_type = content_type;
  head.content_length = size;
  head.keep_alive = request.keep_alive;
  head.http10 = request.minor_version == 0;
  size_t head_length = format_head(head, out, sizeof out);
  if (request.method == Method::kHead) return send_all(out, head_length);

  // Small: head and body in one send.
  if (head_length + size <= sizeof out) {
    int64_t got = tessera_vfs_pread(file, out + head_length, size_t(size), 0);
    if (got != int64_t(size)) {
      tessera_log(TESSERA_LOG_WARN, "httpd: read %s: %s", path, got < 0 ? tessera_errno_name(int(got)) : "short");
      return false;
    }
    return send_all(out, head_length + size);
  }

  // Large: big reads into one chunk, the head riding in front of the first one.
  char* chunk = static_cast<char*>(malloc(kChunk));
  if (!chunk) {
    tessera_log(TESSERA_LOG_WARN, "httpd: no memory for a %zu-byte send buffer", kChunk);
    return send_error(503, false, head.http10, false);
  }
  memcpy(chunk, out, head_length);
  size_t filled = head_length;
  uint64_t offset = 0;
  bool ok = true;
  while (ok && offset < size) {
    uint64_t left = size - offset;
    size_t want = kChunk - filled < left ? kChunk - filled : size_t(left);
    int64_t got = tessera_vfs_pread(file, chunk + filled, want, offset);
    if (got <= 0) {
      // The head promised `size` bytes: all that can be done now is to close.
      tessera_log(TESSERA_LOG_WARN, "httpd: read %s at %llu: %s", path, static_cast<unsigned long long>(offset),
                  got < 0 ? tessera_errno_name(int(got)) : "unexpected end of file");
      ok = false;
      break;
    }
    offset += uint64_t(got);
    ok = send_all(chunk, filled + size_t(got));
    filled = 0;
  }
  free(chunk);
  return ok;
}

}  // namespace httpd
