#pragma once
// One HTTP/1.x request head, parsed in place from the connection's input buffer
// (RFC 9112). Pure code: no sockets, no files, so every rule is checkable on its own.
#include <stddef.h>
#include <stdint.h>

namespace httpd {

// Limits, and the status each one produces when exceeded.
inline constexpr size_t kMaxRequestLine = 4096;  // 414 URI Too Long
inline constexpr size_t kMaxHead = 8192;         // 431 Request Header Fields Too Large
inline constexpr uint64_t kMaxBody = 1 << 20;    // 413 Content Too Large (GET bodies are discarded)
inline constexpr size_t kMaxPath = 1024;         // 414 after decoding

enum class Method { kGet, kHead, kOther };

struct Request {
  Method method = Method::kOther;
  const char* target = nullptr;  // points into the buffer; not NUL-terminated
  size_t target_length = 0;
  int minor_version = 1;         // HTTP/1.minor
  bool keep_alive = true;        // after Connection: and the version's default
  bool has_host = false;
  uint64_t content_length = 0;
  size_t head_length = 0;        // bytes of request line + headers + the blank line
};

// kIncomplete: need more bytes; kComplete: *out is filled; otherwise the HTTP status
// to answer with (400, 413, 414, 431, 501, 505), after which the connection closes.
inline constexpr int kIncomplete = 0;
inline constexpr int kComplete = 1;

// Parses the head at the start of data[0..length). Leading empty lines are skipped
// (RFC 9112 2.2) and count in head_length.
int parse_request(const char* data, size_t length, Request* out);

// Decodes the request target's path (origin-form "/a/b?q" or absolute-form
// "http://host/a/b") into `out` as a clean absolute path: percent escapes decoded,
// "." and empty segments removed, query dropped. Returns the length, or minus the
// status to answer: 400 for a bad escape, a NUL, a ".." segment (no path may climb out of the
// root), or a target that is not a path; 414 when the result (with its NUL) exceeds `capacity` - 1.
// The result is NUL-terminated and starts with '/'; a trailing '/' is kept.
int64_t decode_path(const char* target, size_t length, char* out, size_t capacity);

}  // namespace httpd
