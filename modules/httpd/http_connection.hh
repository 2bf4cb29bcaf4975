#pragma once
// One client connection: reads requests (pipelined or not), answers each, and keeps the
// connection open as HTTP/1.x says until the client closes, asks to close, idles out or
// sends something that makes the stream unreadable.
#include <stddef.h>
#include <stdint.h>

#include <tessera/module_api.h>

#include "http_request.hh"

namespace httpd {

class Server;

// Error numbers the socket calls set (Linux values).
inline constexpr int kEINTR = 4;
inline constexpr int kEAGAIN = 11;
inline constexpr int kENOMEM = 12;
inline constexpr int kENFILE = 23;
inline constexpr int kEMFILE = 24;
inline constexpr int kEPIPE = 32;
inline constexpr int kENOSYS = 38;
inline constexpr int kECONNABORTED = 103;
inline constexpr int kECONNRESET = 104;
inline constexpr int kENOTCONN = 107;
inline constexpr int kETIMEDOUT = 110;

// Heads and small files go out in one send from `out`; bigger files stream through a
// kChunk buffer taken only while they are sent.
inline constexpr size_t kOutCapacity = 16 * 1024;
inline constexpr size_t kChunk = 128 * 1024;
// A keep-alive connection with no request for this long is closed.
inline constexpr int kIdleTimeoutMs = 30'000;

struct Connection {
  Server* server = nullptr;
  int fd = -1;
  tessera_thread* thread = nullptr;
  Connection* next = nullptr;  // in the server's list of finished connections
  size_t in_length = 0;
  char in[kMaxHead];
  char out[kOutCapacity];
  char path[kMaxPath + 64];

  // Runs the connection to its end and closes the socket.
  void serve();

 private:
  // kComplete with *request filled, or an error status / 0 when the client went away.
  int read_request(Request* request);
  bool discard_body(const Request& request);
  // false: close the connection.
  bool respond(const Request& request);
  bool send_error(int status, bool keep_alive, bool http10, bool head_only);
  bool send_file(const Request& request, int file, uint64_t size, const char* content_type);
  bool send_all(const void* data, size_t length);
  bool wait_readable();
};

}  // namespace httpd
