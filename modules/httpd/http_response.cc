#include "http_response.hh"

#include <tessera/module_api.h>

namespace httpd {
namespace {

struct Extension {
  const char* suffix;
  const char* type;
};

constexpr Extension kTypes[] = {
    {".html", "text/html; charset=utf-8"},  {".htm", "text/html; charset=utf-8"},
    {".txt", "text/plain; charset=utf-8"},  {".css", "text/css"},
    {".js", "text/javascript"},             {".json", "application/json"},
    {".xml", "application/xml"},            {".svg", "image/svg+xml"},
    {".png", "image/png"},                  {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},                {".gif", "image/gif"},
    {".ico", "image/x-icon"},               {".webp", "image/webp"},
    {".wasm", "application/wasm"},          {".pdf", "application/pdf"},
    {".gz", "application/gzip"},            {".tar", "application/x-tar"},
    {".md", "text/markdown; charset=utf-8"},
};

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

bool ends_with_ignoring_case(const char* text, size_t length, const char* suffix) {
  size_t suffix_length = strlen(suffix);
  if (suffix_length > length) return false;
  for (size_t i = 0; i < suffix_length; ++i)
    if (lower(text[length - suffix_length + i]) != suffix[i]) return false;
  return true;
}

// IMF-fixdate (RFC 9110 5.6.7) from the wall clock: civil date from days since the epoch
// (the usual era-based conversion), no tables of month lengths.
size_t format_date(char* buffer, size_t capacity) {
  static const char* const kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  uint64_t seconds = tessera_wall_clock_ns() / 1000000000u;
  int64_t days = int64_t(seconds / 86400);
  uint64_t second_of_day = seconds % 86400;
  const char* weekday = kDays[days % 7];
  days += 719468;
  int64_t era = days / 146097;
  int64_t day_of_era = days - era * 146097;
  int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t shifted_month = (5 * day_of_year + 2) / 153;
  int64_t day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  int64_t month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  int length = snprintf(buffer, capacity, "%s, %02d %s %04d %02d:%02d:%02d GMT", weekday, int(day),
                        kMonths[month - 1], int(year), int(second_of_day / 3600), int(second_of_day / 60 % 60),
                        int(second_of_day % 60));
  return length < 0 || size_t(length) >= capacity ? 0 : size_t(length);
}

}  // namespace

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

const char* content_type_for(const char* path) {
  size_t length = strlen(path);
  for (const Extension& extension : kTypes)
    if (ends_with_ignoring_case(path, length, extension.suffix)) return extension.type;
  return "application/octet-stream";
}

size_t format_head(const ResponseHead& head, char* buffer, size_t capacity) {
  char date[40];
  if (format_date(date, sizeof date) == 0) date[0] = 0;
  int length = snprintf(buffer, capacity,
                        "HTTP/1.1 %d %s\r\n"
                        "Server: tessera-httpd\r\n"
                        "Date: %s\r\n"
                        "%s%s%s"
                        "Content-Length: %llu\r\n"
                        "%s"
                        "%s"
                        "\r\n",
                        head.status, reason_phrase(head.status), date,
                        head.content_type ? "Content-Type: " : "", head.content_type ? head.content_type : "",
                        head.content_type ? "\r\n" : "", static_cast<unsigned long long>(head.content_length),
                        head.allow ? "Allow: GET, HEAD\r\n" : "",
                        !head.keep_alive ? "Connection: close\r\n" : head.http10 ? "Connection: keep-alive\r\n" : "");
  return length < 0 || size_t(length) >= capacity ? 0 : size_t(length);
}

size_t format_error_body(int status, char* buffer, size_t capacity) {
  int length = snprintf(buffer, capacity, "<html><body><h1>%d %s</h1></body></html>\n", status, reason_phrase(status));
  return length < 0 || size_t(length) >= capacity ? 0 : size_t(length);
}

}  // namespace httpd
