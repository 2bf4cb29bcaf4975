// The grammar is RFC 9112's, kept strict where leniency would hide request smuggling
// (whitespace before a header colon, obs-fold, conflicting Content-Length values) and
// lenient only where RFC 9112 allows (empty lines before the request line).
#include "http_request.hh"

#include <tessera/module_api.h>

namespace httpd {
namespace {

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

bool equals_ignoring_case(const char* a, size_t length, const char* b) {
  for (size_t i = 0; i < length; ++i)
    if (b[i] == 0 || lower(a[i]) != lower(b[i])) return false;
  return b[length] == 0;
}

// The end of the line starting at `start` (index of its '\n'), or -1 when not there yet.
// A bare '\n' is accepted as a line end, as RFC 9112 2.2 permits.
int64_t find_line_end(const char* data, size_t start, size_t length) {
  const void* found = memchr(data + start, '\n', length - start);
  return found ? static_cast<const char*>(found) - data : -1;
}

// A line's length without its terminator ("\r\n" or "\n").
size_t content_length_of_line(const char* data, size_t start, size_t end) {
  size_t line_end = end;
  if (line_end > start && data[line_end - 1] == '\r') --line_end;
  return line_end - start;
}

int parse_request_line(const char* line, size_t length, Request* out) {
  size_t i = 0;
  while (i < length && is_token_char(line[i])) ++i;
  if (i == 0 || i >= length || line[i] != ' ') return 400;
  if (i == 3 && memcmp(line, "GET", 3) == 0) out->method = Method::kGet;
  else if (i == 4 && memcmp(line, "HEAD", 4) == 0) out->method = Method::kHead;
  else out->method = Method::kOther;
  size_t target_start = ++i;
  while (i < length && line[i] != ' ') {
    // Controls and spaces are never part of a target (RFC 3986 has no raw ones).
    if (static_cast<unsigned char>(line[i]) <= 0x20 || line[i] == 0x7f) return 400;
    ++i;
  }
  if (i == target_start || i >= length) return 400;
  out->target = line + target_start;
  out->target_length = i - target_start;
  ++i;
  static const char kPrefix[] = "HTTP/";
  if (length - i != 8 || memcmp(line + i, kPrefix, 5) != 0) return 400;
  char major = line[i + 5], dot = line[i + 6], minor = line[i + 7];
  if (major < '0' || major > '9' || dot != '.' || minor < '0' || minor > '9') return 400;
  if (major != '1') return 505;
  out->minor_version = minor - '0';
  out->keep_alive = out->minor_version >= 1;
  return kComplete;
}

// Connection: a comma-separated list of options, any case.
void apply_connection(const char* value, size_t length, Request* out) {
  size_t i = 0;
  while (i < length) {
    while (i < length && (value[i] == ' ' || value[i] == '\t' || value[i] == ',')) ++i;
    size_t start = i;
    while (i < length && value[i] != ',' && value[i] != ' ' && value[i] != '\t') ++i;
    if (equals_ignoring_case(value + start, i - start, "close")) out->keep_alive = false;
    else if (equals_ignoring_case(value + start, i - start, "keep-alive") && out->minor_version == 0)
      out->keep_alive = true;
  }
}

int apply_content_length(const char* value, size_t length, bool* seen, Request* out) {
  if (length == 0) return 400;
  uint64_t parsed = 0;
  for (size_t i = 0; i < length; ++i) {
    if (value[i] < '0' || value[i] > '9') return 400;
    if (parsed > kMaxBody) return 413;
    parsed = parsed * 10 + uint64_t(value[i] - '0');
  }
  if (parsed > kMaxBody) return 413;
  // Two different lengths are how requests get smuggled: refuse (RFC 9112 6.3).
  if (*seen && parsed != out->content_length) return 400;
  *seen = true;
  out->content_length = parsed;
  return kComplete;
}

int parse_header(const char* line, size_t length, bool* seen_length, Request* out) {
  size_t colon = 0;
  while (colon < length && is_token_char(line[colon])) ++colon;
  // No name, whitespace before the colon, or a continuation line (obs-fold): 400.
  if (colon == 0 || colon >= length || line[colon] != ':') return 400;
  size_t start = colon + 1, end = length;
  while (start < end && (line[start] == ' ' || line[start] == '\t')) ++start;
  while (end > start && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
  for (size_t i = start; i < end; ++i)
    if (line[i] == 0 || line[i] == '\r' || line[i] == '\n') return 400;
  const char* value = line + start;
  size_t value_length = end - start;
  if (equals_ignoring_case(line, colon, "host")) {
    if (out->has_host) return 400;  // exactly one Host (RFC 9112 3.2)
    out->has_host = true;
  } else if (equals_ignoring_case(line, colon, "connection")) {
    apply_connection(value, value_length, out);
  } else if (equals_ignoring_case(line, colon, "content-length")) {
    return apply_content_length(value, value_length, seen_length, out);
  } else if (equals_ignoring_case(line, colon, "transfer-encoding")) {
    return 501;  // no request bodies to decode: a file server needs none
  }
  return kComplete;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

int parse_request(const char* data, size_t length, Request* out) {
  *out = Request{};
  size_t position = 0;
  // Leading empty lines.
  for (;;) {
    if (position < length && data[position] == '\n') { ++position; continue; }
    if (position + 1 < length && data[position] == '\r' && data[position + 1] == '\n') { position += 2; continue; }
    break;
  }
  int64_t line_end = find_line_end(data, position, length);
  if (line_end < 0) {
    if (length - position > kMaxRequestLine) return 414;
    return length >= kMaxHead ? 431 : kIncomplete;
  }
  if (size_t(line_end) - position > kMaxRequestLine) return 414;
  int status = parse_request_line(data + position, content_length_of_line(data, position, size_t(line_end)), out);
  if (status != kComplete) return status;
  position = size_t(line_end) + 1;

  bool seen_length = false;
  for (;;) {
    line_end = find_line_end(data, position, length);
    if (line_end < 0) return length >= kMaxHead ? 431 : kIncomplete;
    if (size_t(line_end) + 1 > kMaxHead) return 431;
    size_t line_length = content_length_of_line(data, position, size_t(line_end));
    if (line_length == 0) break;
    status = parse_header(data + position, line_length, &seen_length, out);
    if (status != kComplete) return status;
    position = size_t(line_end) + 1;
  }
  if (out->minor_version >= 1 && !out->has_host) return 400;
  out->head_length = size_t(line_end) + 1;
  return kComplete;
}

int64_t decode_path(const char* target, size_t length, char* out, size_t capacity) {
  size_t i = 0;
  // absolute-form: skip "scheme://authority".
  if (length > 0 && target[0] != '/') {
    const char* scheme_end = nullptr;
    for (size_t j = 0; j + 2 < length; ++j)
      if (target[j] == ':' && target[j + 1] == '/' && target[j + 2] == '/') { scheme_end = target + j; break; }
    if (!scheme_end) return -400;  // "*" and authority-form name no file
    i = size_t(scheme_end - target) + 3;
    while (i < length && target[i] != '/' && target[i] != '?') ++i;
    if (i >= length || target[i] != '/') {
      if (capacity < 2) return -414;
      out[0] = '/';
      out[1] = 0;
      return 1;
    }
  }
  size_t written = 0;
  size_t segment_start = 0;  // index in `out` just after the segment's '/'
  auto end_segment = [&]() -> int {
    size_t segment_length = written - segment_start;
    if (segment_length == 1 && out[segment_start] == '.') {
      written = segment_start;  // "/./" adds nothing
    } else if (segment_length == 2 && out[segment_start] == '.' && out[segment_start + 1] == '.') {
      return -400;
    }
    return 0;
  };
  for (; i < length && target[i] != '?' && target[i] != '#'; ++i) {
    char c = target[i];
    if (c == '%') {
      if (i + 2 >= length) return -400;
      int high = hex_value(target[i + 1]), low = hex_value(target[i + 2]);
      if (high < 0 || low < 0) return -400;
      c = char(high * 16 + low);
      if (c == 0) return -400;
      i += 2;
      // An escaped '/' is not a separator in the URI, but a file name cannot hold one.
      if (c == '/') return -400;
    } else if (c == '/') {
      if (written > 0 && end_segment() != 0) return -400;
      if (written > 0 && out[written - 1] == '/') continue;  // "//" collapses
      if (written + 1 >= capacity) return -414;
      out[written++] = '/';
      segment_start = written;
      continue;
    }
    if (c == '\\') return -400;  // no alternative separators
    if (written + 1 >= capacity) return -414;
    out[written++] = c;
  }
  if (written == 0) return -400;
  if (end_segment() != 0) return -400;
  out[written] = 0;
  return int64_t(written);
}

}  // namespace httpd
