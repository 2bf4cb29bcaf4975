#include <tessera/format.hh>
#include <tessera/panic.hh>
#include <tessera/result.hh>

namespace tessera {

Error Error::with_message(int code, const char* format, ...) {
  va_list args;
  va_start(args, format);
  Error error = with_message_v(code, format, args);
  va_end(args);
  return error;
}

Error Error::with_message_v(int code, const char* format, va_list args) {
  Error error;
  error.code_ = code;
  size_t length = vformat(error.message_, kMessageCapacity, format, args);
  if (length >= kMessageCapacity) {
    // Make the cut visible: a silently shortened message reads as a different one.
    char* end = error.message_ + kMessageCapacity - 1;
    end[-3] = end[-2] = end[-1] = '.';
  }
  return error;
}

Error Error::from_code(int code) {
  Error error;
  error.code_ = code;
  return error;
}

const char* Error::message() const { return message_[0] ? message_ : errno_name(code_); }

void panic_on_bad_result_access(bool wanted_value) {
  panic(wanted_value ? "Result: value() called on a Result holding an error"
                     : "Result: error() called on a Result holding a value");
}

}  // namespace tessera
