// The kernel's printf engine. One formatter feeds a Sink, so bounded buffers (vformat)
// and the console (print, which streams in chunks and never truncates) share the parser.
#include <stdint.h>
#include <tessera/format.hh>
#include <tessera/platform.hh>

namespace tessera {
namespace {

// Collects output. Bytes beyond `limit` are counted but only kept when a flush
// callback can make room; a bounded buffer has none and simply drops them.
struct Sink {
  char* buffer;
  size_t limit;
  size_t used = 0;
  size_t total = 0;
  void (*flush)(Sink&) = nullptr;

  void put(char c) {
    ++total;
    if (used == limit) {
      if (!flush) return;
      flush(*this);
    }
    if (used < limit) buffer[used++] = c;
  }
  void put(const char* text, size_t length) {
    for (size_t i = 0; i < length; ++i) put(text[i]);
  }
  void pad(char c, size_t count) {
    for (size_t i = 0; i < count; ++i) put(c);
  }
};

enum class Length : uint8_t { kDefault, kChar, kShort, kLong, kLongLong, kSize, kPtrdiff, kMax };

struct Spec {
  bool left = false;      // '-'
  bool zero = false;      // '0'
  bool plus = false;      // '+'
  bool space = false;     // ' '
  bool alternate = false; // '#'
  bool width_from_argument = false;
  bool precision_from_argument = false;
  bool has_precision = false;
  int width = 0;
  int precision = 0;
  Length length = Length::kDefault;
  char conversion = 0;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads a decimal field, saturating instead of overflowing on absurd widths.
int parse_number(const char*& p) {
  int value = 0;
  while (is_digit(*p)) {
    if (value < 100'000'000) value = value * 10 + (*p - '0');
    ++p;
  }
  return value;
}

// Parses "%[flags][width][.precision][length]conversion" without touching the
// arguments, so an unknown conversion can be echoed without consuming any.
// Returns the character after the spec, or nullptr when the format ended inside it.
const char* parse_spec(const char* p, Spec& spec) {
  for (;; ++p) {
    if (*p == '-') spec.left = true;
    else if (*p == '0') spec.zero = true;
    else if (*p == '+') spec.plus = true;
    else if (*p == ' ') spec.space = true;
    else if (*p == '#') spec.alternate = true;
    else break;
  }
  if (*p == '*') {
    spec.width_from_argument = true;
    ++p;
  } else {
    spec.width = parse_number(p);
  }
  if (*p == '.') {
    ++p;
    spec.has_precision = true;
    if (*p == '*') {
      spec.precision_from_argument = true;
      ++p;
    } else {
      spec.precision = parse_number(p);  // "." alone means precision 0, as in C
    }
  }
  switch (*p) {
    case 'h':
      if (p[1] == 'h') { spec.length = Length::kChar; p += 2; }
      else { spec.length = Length::kShort; ++p; }
      break;
    case 'l':
      if (p[1] == 'l') { spec.length = Length::kLongLong; p += 2; }
      else { spec.length = Length::kLong; ++p; }
      break;
    case 'z': spec.length = Length::kSize; ++p; break;
    case 't': spec.length = Length::kPtrdiff; ++p; break;
    case 'j': spec.length = Length::kMax; ++p; break;
    default: break;
  }
  if (*p == '\0') return nullptr;
  spec.conversion = *p;
  return p + 1;
}

bool is_known_conversion(char c) {
  switch (c) {
    case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': case 'c': case 's': case 'p': case '%':
      return true;
    default:
      return false;
  }
}

class Formatter {
 public:
  Formatter(Sink& sink, va_list args) : sink_(sink) { va_copy(args_, args); }
  ~Formatter() { va_end(args_); }
  Formatter(const Formatter&) = delete;
  Formatter& operator=(const Formatter&) = delete;

  void run(const char* format) {
    const char* p = format;
    while (*p) {
      if (*p != '%') {
        sink_.put(*p++);
        continue;
      }
      const char* start = p;
      Spec spec;
      const char* next = parse_spec(p + 1, spec);
      if (!next) {
        // The format ended inside a spec: show what was there.
        while (*p) sink_.put(*p++);
        return;
      }
      if (!is_known_conversion(spec.conversion)) {
        sink_.put(start, static_cast<size_t>(next - start));
        p = next;
        continue;
      }
      fetch_star_fields(spec);
      convert(spec);
      p = next;
    }
  }

 private:
  void fetch_star_fields(Spec& spec) {
    if (spec.width_from_argument) {
      int width = va_arg(args_, int);
      if (width < 0) {
        spec.left = true;
        // -INT_MIN does not exist; such a width is meaningless anyway.
        width = width == INT32_MIN ? INT32_MAX : -width;
      }
      spec.width = width;
    }
    if (spec.precision_from_argument) {
      int precision = va_arg(args_, int);
      if (precision < 0) spec.has_precision = false;  // as if omitted, per C
      else spec.precision = precision;
    }
  }

  void convert(const Spec& spec) {
    switch (spec.conversion) {
      case '%': sink_.put('%'); return;
      case 'c': {
        char c = static_cast<char>(va_arg(args_, int));
        emit_padded(spec, &c, 1);
        return;
      }
      case 's': {
        const char* text = va_arg(args_, const char*);
        if (!text) text = "(null)";
        size_t length = 0;
        // With a precision the string need not be NUL-terminated: never read past it.
        size_t max = spec.has_precision ? static_cast<size_t>(spec.precision) : SIZE_MAX;
        while (length < max && text[length]) ++length;
        emit_padded(spec, text, length);
        return;
      }
      case 'p': {
        void* pointer = va_arg(args_, void*);
        if (!pointer) {
          emit_padded(spec, "(nil)", 5);  // as glibc prints it
          return;
        }
        Spec as_hex = spec;
        as_hex.conversion = 'x';
        as_hex.alternate = true;
        emit_integer(as_hex, reinterpret_cast<uintptr_t>(pointer), false);
        return;
      }
      case 'd':
      case 'i': {
        long long value = fetch_signed(spec.length);
        bool negative = value < 0;
        // Negating in unsigned arithmetic keeps LLONG_MIN correct.
        unsigned long long magnitude = negative ? 0ull - static_cast<unsigned long long>(value)
                                                : static_cast<unsigned long long>(value);
        emit_integer(spec, magnitude, negative);
        return;
      }
      default:
        emit_integer(spec, fetch_unsigned(spec.length), false);
        return;
    }
  }

  long long fetch_signed(Length length) {
    switch (length) {
      case Length::kChar: return static_cast<signed char>(va_arg(args_, int));
      case Length::kShort: return static_cast<short>(va_arg(args_, int));
      case Length::kLong: return va_arg(args_, long);
      case Length::kLongLong: return va_arg(args_, long long);
      case Length::kSize: return va_arg(args_, long);  // the signed type of size_t's width
      case Length::kPtrdiff: return va_arg(args_, ptrdiff_t);
      case Length::kMax: return va_arg(args_, intmax_t);
      case Length::kDefault: break;
    }
    return va_arg(args_, int);
  }

  unsigned long long fetch_unsigned(Length length) {
    switch (length) {
      case Length::kChar: return static_cast<unsigned char>(va_arg(args_, unsigned));
      case Length::kShort: return static_cast<unsigned short>(va_arg(args_, unsigned));
      case Length::kLong: return va_arg(args_, unsigned long);
      case Length::kLongLong: return va_arg(args_, unsigned long long);
      case Length::kSize: return va_arg(args_, size_t);
      case Length::kPtrdiff: return static_cast<unsigned long long>(va_arg(args_, ptrdiff_t));
      case Length::kMax: return va_arg(args_, uintmax_t);
      case Length::kDefault: break;
    }
    return va_arg(args_, unsigned);
  }

  void emit_padded(const Spec& spec, const char* text, size_t length) {
    size_t width = static_cast<size_t>(spec.width);
    size_t padding = width > length ? width - length : 0;
    if (!spec.left) sink_.pad(' ', padding);
    sink_.put(text, length);
    if (spec.left) sink_.pad(' ', padding);
  }

  void emit_integer(const Spec& spec, unsigned long long magnitude, bool negative) {
    char digits[24];  // 22 octal digits is the most a 64-bit value needs
    size_t digit_count = 0;
    unsigned base = spec.conversion == 'o' ? 8 : (spec.conversion == 'x' || spec.conversion == 'X') ? 16 : 10;
    const char* alphabet = spec.conversion == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    for (unsigned long long v = magnitude; v != 0; v /= base) digits[digit_count++] = alphabet[v % base];

    // C: an explicit precision of 0 prints no digits for the value 0; otherwise at least one.
    size_t minimum_digits = spec.has_precision ? static_cast<size_t>(spec.precision) : 1;
    size_t zeros = minimum_digits > digit_count ? minimum_digits - digit_count : 0;
    // '#' with 'o' makes the first digit a 0 (the digits themselves never start with one).
    if (spec.conversion == 'o' && spec.alternate && zeros == 0) zeros = 1;

    char prefix[2];
    size_t prefix_length = 0;
    bool is_signed = spec.conversion == 'd' || spec.conversion == 'i';
    if (negative) prefix[prefix_length++] = '-';
    else if (is_signed && spec.plus) prefix[prefix_length++] = '+';
    else if (is_signed && spec.space) prefix[prefix_length++] = ' ';
    if (spec.alternate && magnitude != 0 && (spec.conversion == 'x' || spec.conversion == 'X')) {
      prefix[prefix_length++] = '0';
      prefix[prefix_length++] = spec.conversion;
    }

    size_t body = prefix_length + zeros + digit_count;
    size_t width = static_cast<size_t>(spec.width);
    size_t padding = width > body ? width - body : 0;
    // '0' pads between sign/prefix and digits, unless '-' or a precision overrides it.
    if (spec.zero && !spec.left && !spec.has_precision) {
      zeros += padding;
      padding = 0;
    }
    if (!spec.left) sink_.pad(' ', padding);
    sink_.put(prefix, prefix_length);
    sink_.pad('0', zeros);
    while (digit_count) sink_.put(digits[--digit_count]);
    if (spec.left) sink_.pad(' ', padding);
  }

  Sink& sink_;
  va_list args_;
};

void flush_to_console(Sink& sink) {
  platform::console_write(sink.buffer, sink.used);
  sink.used = 0;
}

}  // namespace

size_t vformat(char* buffer, size_t capacity, const char* format, va_list args) {
  // Capacity 0 writes nothing at all, not even the NUL; otherwise one byte stays for it.
  Sink sink{buffer, capacity ? capacity - 1 : 0};
  Formatter(sink, args).run(format);
  if (capacity) buffer[sink.used] = '\0';
  return sink.total;
}

size_t format(char* buffer, size_t capacity, const char* format, ...) {
  va_list args;
  va_start(args, format);
  size_t length = vformat(buffer, capacity, format, args);
  va_end(args);
  return length;
}

// Streams through a small stack buffer, so output of any length reaches the console
// whole, in as few console_write calls as the chunk size allows.
void print(const char* format, ...) {
  char chunk[256];
  Sink sink{chunk, sizeof(chunk)};
  sink.flush = flush_to_console;
  va_list args;
  va_start(args, format);
  Formatter(sink, args).run(format);
  va_end(args);
  if (sink.used) flush_to_console(sink);
}

}  // namespace tessera
