#pragma once
// Response heads: status lines, Content-Type by file extension, the Date header.
#include <stddef.h>
#include <stdint.h>

namespace httpd {

const char* reason_phrase(int status);
// "text/html; charset=utf-8" for "x.html"; application/octet-stream when unknown.
const char* content_type_for(const char* path);

struct ResponseHead {
  int status = 200;
  const char* content_type = nullptr;  // null: no Content-Type
  uint64_t content_length = 0;
  bool keep_alive = true;
  bool http10 = false;     // answer an HTTP/1.0 keep-alive with "Connection: keep-alive"
  bool allow = false;      // 405: add "Allow: GET, HEAD"
};

// Writes the head (status line, headers, blank line) into `buffer`; returns its length,
// or 0 when it does not fit (never for capacities >= 512).
size_t format_head(const ResponseHead& head, char* buffer, size_t capacity);

// The small HTML body of an error response.
size_t format_error_body(int status, char* buffer, size_t capacity);

}  // namespace httpd
