#pragma once
// Host-side errors as values: either a T or a message that names what was wrong (the host
// path or manifest line). The kernel's Result<T> caps messages at 160 bytes, too short for
// host paths, so the builder uses this instead.
#include <string>
#include <utility>
#include <variant>

namespace tessera::image {

struct Failure {
  std::string message;
};

inline Failure fail(std::string message) { return Failure{std::move(message)}; }

template <typename T> class [[nodiscard]] Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}
  Expected(Failure failure) : state_(std::move(failure)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(state_); }
  const T& value() const { return std::get<0>(state_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const std::string& error() const { return std::get<1>(state_).message; }
  Failure failure() const { return std::get<1>(state_); }

 private:
  std::variant<T, Failure> state_;
};

template <> class [[nodiscard]] Expected<void> {
 public:
  Expected() = default;
  Expected(Failure failure) : failure_(std::move(failure)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const std::string& error() const { return failure_.message; }
  Failure failure() const { return failure_; }

 private:
  Failure failure_;
  bool ok_ = true;
};

}  // namespace tessera::image

// Propagate a failure out of the enclosing function (which returns some Expected).
// IMAGE_TRY yields the value of an Expected<T>; IMAGE_CHECK is for Expected<void>.
#define IMAGE_TRY(expression)                                        \
  ({                                                                 \
    auto&& _image_try_result = (expression);                         \
    if (!_image_try_result.ok()) return _image_try_result.failure(); \
    std::move(_image_try_result.value());                            \
  })
#define IMAGE_CHECK(expression)                                        \
  do {                                                                 \
    auto&& _image_check_result = (expression);                         \
    if (!_image_check_result.ok()) return _image_check_result.failure(); \
  } while (false)
