// httpd's request parser and path decoder, compiled for the host: every rule of the
// grammar and every path escape, without a network.
#include <gtest/gtest.h>

#include <string>

#include "http_request.hh"

namespace httpd {
namespace {

int parse(const std::string& text, Request* request) { return parse_request(text.data(), text.size(), request); }

std::string target_of(const Request& request) { return std::string(request.target, request.target_length); }

TEST(HttpRequest, SimpleGet) {
  Request request;
  std::string text = "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\nGET /next";
  ASSERT_EQ(parse(text, &request), kComplete);
  EXPECT_EQ(request.method, Method::kGet);
  EXPECT_EQ(target_of(request), "/index.html");
  EXPECT_EQ(request.minor_version, 1);
  EXPECT_TRUE(request.keep_alive);
  EXPECT_EQ(request.head_length, text.find("GET /next"));
}

TEST(HttpRequest, IncompleteUntilTheBlankLine) {
  Request request;
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\n", &request), kIncomplete);
  EXPECT_EQ(parse("GET / HT", &request), kIncomplete);
  EXPECT_EQ(parse("", &request), kIncomplete);
}

TEST(HttpRequest, KeepAliveRules) {
  Request request;
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n", &request), kComplete);
  EXPECT_FALSE(request.keep_alive);
  ASSERT_EQ(parse("GET / HTTP/1.0\r\n\r\n", &request), kComplete);
  EXPECT_FALSE(request.keep_alive);
  EXPECT_EQ(request.minor_version, 0);
  ASSERT_EQ(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &request), kComplete);
  EXPECT_TRUE(request.keep_alive);
  ASSERT_EQ(parse("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: foo, close\r\n\r\n", &request), kComplete);
  EXPECT_EQ(request.method, Method::kHead);
  EXPECT_FALSE(request.keep_alive);
}

TEST(HttpRequest, BareLineFeedsAndLeadingEmptyLines) {
  Request request;
  std::string text = "\r\n\nGET /a HTTP/1.1\nHost: x\n\n";  // the request points into it
  ASSERT_EQ(parse(text, &request), kComplete);
  EXPECT_EQ(request.head_length, text.size());
  EXPECT_EQ(target_of(request), "/a");
}

TEST(HttpRequest, MalformedIs400) {
  Request request;
  for (const char* text : {"GET\r\n\r\n", "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n",
                           "GET / FTP/1.1\r\n\r\n", "GET / HTTP/1.x\r\n\r\n", " GET / HTTP/1.1\r\n\r\n",
                           "GET / HTTP/1.1\r\nHost : x\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\n continued\r\n\r\n",
                           "GET / HTTP/1.1\r\nNoColon\r\n\r\n", "GET / HTTP/1.1\r\n\r\n" /* no Host */,
                           "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                           "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n",
                           "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                           "G\x01T / HTTP/1.1\r\n\r\n", "GET /a\x7f HTTP/1.1\r\nHost: x\r\n\r\n"})
    EXPECT_EQ(parse(text, &request), 400) << text;
}

TEST(HttpRequest, OtherStatuses) {
  Request request;
  EXPECT_EQ(parse("GET / HTTP/2.0\r\n\r\n", &request), 505);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", &request), 501);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n", &request), 413);
  ASSERT_EQ(parse("DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", &request), kComplete);
  EXPECT_EQ(request.method, Method::kOther);
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n", &request), kComplete);
  EXPECT_EQ(request.content_length, 5u);
}

TEST(HttpRequest, OversizeRequestLineIs414AndHeadersAre431) {
  Request request;
  std::string long_line = "GET /" + std::string(kMaxRequestLine, 'a');
  EXPECT_EQ(parse(long_line, &request), 414);
  EXPECT_EQ(parse(long_line + " HTTP/1.1\r\nHost: x\r\n\r\n", &request), 414);
  std::string headers = "GET / HTTP/1.1\r\nHost: x\r\n";
  while (headers.size() < kMaxHead) headers += "X-Filler: 0123456789abcdef\r\n";
  EXPECT_EQ(parse(headers, &request), 431);
  EXPECT_EQ(parse(headers + "\r\n", &request), 431);
}

std::string decode(const std::string& target, int64_t* result = nullptr) {
  char out[64];
  int64_t length = decode_path(target.data(), target.size(), out, sizeof out);
  if (result) *result = length;
  return length < 0 ? "error " + std::to_string(-length) : std::string(out, size_t(length));
}

TEST(HttpPath, Decodes) {
  EXPECT_EQ(decode("/"), "/");
  EXPECT_EQ(decode("/a/b.html?x=1#f"), "/a/b.html");
  EXPECT_EQ(decode("/a%20b"), "/a b");
  EXPECT_EQ(decode("//a///b/"), "/a/b/");
  EXPECT_EQ(decode("/./a/./b/."), "/a/b/");
  EXPECT_EQ(decode("http://host:80/x/y"), "/x/y");
  EXPECT_EQ(decode("http://host"), "/");
  EXPECT_EQ(decode("/..."), "/...");
  EXPECT_EQ(decode("/a..b"), "/a..b");
}

TEST(HttpPath, RefusesEscapesAndBadInput) {
  for (const char* target : {"/..", "/../etc/passwd", "/a/../b", "/a/..", "/%2e%2e/x", "/%2E./x", "/a%2fb", "/a%00",
                             "/a%zz", "/a%4", "*", "a/b", "/a\\..\\b"})
    EXPECT_EQ(decode(target), "error 400") << target;
}

TEST(HttpPath, TooLongIs414) {
  EXPECT_EQ(decode("/" + std::string(100, 'a')), "error 414");
  EXPECT_EQ(decode("/" + std::string(62, 'a')), "/" + std::string(62, 'a'));
  EXPECT_EQ(decode("/" + std::string(63, 'a')), "error 414");
}

}  // namespace
}  // namespace httpd
