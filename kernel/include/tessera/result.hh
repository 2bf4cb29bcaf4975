#pragma once
// Errors are values. Every fallible kernel function returns Result<T>; TRY() propagates.
// An Error carries an errno-style code and a message that names what was wrong
// ("unknown kernel option 'foo'"), formatted at the point of failure.
#include <stdarg.h>
#include <stddef.h>
#include <tessera/errno.hh>
#include <tessera/ktl/utility.hh>

namespace tessera {

template <typename T> class Result;

class Error {
 public:
  static constexpr size_t kMessageCapacity = 160;

  // A message is printf-formatted and truncated to fit (with "..." marking the cut).
  static Error with_message(int code, const char* format, ...) __attribute__((format(printf, 2, 3)));
  static Error with_message_v(int code, const char* format, va_list args);
  static Error from_code(int code);

  int code() const { return code_; }
  // Never null: the formatted message, or the errno name when none was given.
  const char* message() const;

 private:
  constexpr Error() = default;
  template <typename> friend class Result;
  int code_ = 0;
  char message_[kMessageCapacity] = {};
};

template <typename T> class [[nodiscard]] Result {
 public:
  Result(const T& value) : has_value_(true) { new (&value_) T(value); }
  Result(T&& value) : has_value_(true) { new (&value_) T(ktl::move(value)); }
  Result(const Error& error) : has_value_(false) { new (&error_) Error(error); }
  Result(Result&& other) : has_value_(other.has_value_) {
    if (has_value_) new (&value_) T(ktl::move(other.value_));
    else new (&error_) Error(other.error_);
  }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result() {
    if (has_value_) value_.~T();
  }

  bool is_ok() const { return has_value_; }
  bool is_error() const { return !has_value_; }
  // Calling these on the wrong alternative is a kernel bug: it panics.
  T& value() { check(true); return value_; }
  const T& value() const { check(true); return value_; }
  T release_value() { check(true); return ktl::move(value_); }
  const Error& error() const { check(false); return error_; }
  Error release_error() const { check(false); return error_; }

 private:
  void check(bool want_value) const;
  bool has_value_;
  // Only the live alternative is constructed: a successful call never touches the Error.
  union {
    T value_;
    Error error_;
  };
};

template <> class [[nodiscard]] Result<void> {
 public:
  Result() : has_value_(true) {}
  Result(const Error& error) : has_value_(false) { new (&error_) Error(error); }
  bool is_ok() const { return has_value_; }
  bool is_error() const { return !has_value_; }
  void release_value() const {}
  void value() const {}
  const Error& error() const { return error_; }
  Error release_error() const { return error_; }

 private:
  bool has_value_;
  union {
    char none_ = 0;
    Error error_;
  };
};

[[noreturn]] void panic_on_bad_result_access(bool wanted_value);

template <typename T> void Result<T>::check(bool want_value) const {
  if (has_value_ != want_value) panic_on_bad_result_access(want_value);
}

}  // namespace tessera

// Evaluates `expression` (a Result); on error returns the error from the enclosing
// function, otherwise yields the value.
#define TRY(expression)                                           \
  ({                                                              \
    auto&& _tessera_try_result = (expression);                    \
    if (_tessera_try_result.is_error())                           \
      return _tessera_try_result.release_error();                 \
    _tessera_try_result.release_value();                          \
  })
