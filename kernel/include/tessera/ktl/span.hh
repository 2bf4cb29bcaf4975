#pragma once
// A non-owning view of contiguous objects. Indexing is bounds-checked in all builds:
// an out-of-range index is a kernel bug and panics rather than reading past the end.
#include <stddef.h>
#include <tessera/ktl/utility.hh>

namespace tessera { [[noreturn]] void panic(const char* format, ...) __attribute__((format(printf, 1, 2))); }

namespace tessera::ktl {

template <typename T> class Span {
 public:
  constexpr Span() = default;
  constexpr Span(T* data, size_t size) : data_(data), size_(size) {}
  template <size_t N> constexpr Span(T (&array)[N]) : data_(array), size_(N) {}

  constexpr T* data() const { return data_; }
  constexpr size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr T* begin() const { return data_; }
  constexpr T* end() const { return data_ + size_; }
  constexpr T& operator[](size_t index) const {
    if (index >= size_) panic("Span index %zu out of range (size %zu)", index, size_);
    return data_[index];
  }
  // Clamped: a subspan never reaches outside this one.
  constexpr Span subspan(size_t offset, size_t count = static_cast<size_t>(-1)) const {
    if (offset > size_) offset = size_;
    size_t available = size_ - offset;
    return Span(data_ + offset, count < available ? count : available);
  }
  constexpr operator Span<const T>() const { return Span<const T>(data_, size_); }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

using Bytes = Span<const uint8_t>;
using MutableBytes = Span<uint8_t>;

}  // namespace tessera::ktl
