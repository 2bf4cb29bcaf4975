// `httpd [port] [root]`: serves the files under root (default /www on the boot image)
// over HTTP/1.1 on port (default 80). See docs/networking.md.
#include <tessera/module_api.h>

#include "http_server.hh"

namespace {

// 1..65535 in decimal digits only (strtoul alone would take signs and spaces).
bool parse_port(const char* text, uint16_t* out) {
  char* end = nullptr;
  unsigned long value = strtoul(text, &end, 10);
  if (*text < '0' || *text > '9' || *end || value == 0 || value > 65535) return false;
  *out = uint16_t(value);
  return true;
}

}  // namespace

extern "C" TESSERA_MODULE_EXPORT int main(int argc, char** argv) {
  httpd::ServerConfig config;
  if (argc > 3 || (argc > 1 && !parse_port(argv[1], &config.port))) {
    tessera_printf("httpd: usage: httpd [port 1-65535] [document root]\n");
    return 2;
  }
  static char root[256];
  if (argc > 2) {
    size_t length = strlen(argv[2]);
    while (length > 1 && argv[2][length - 1] == '/') --length;
    if (argv[2][0] != '/' || length >= sizeof root) {
      tessera_printf("httpd: usage: the document root is an absolute path under 256 bytes, got '%s'\n", argv[2]);
      return 2;
    }
    memcpy(root, argv[2], length);
    root[length] = 0;
    config.root = root;
  }
  return httpd::Server::run(config);
}
