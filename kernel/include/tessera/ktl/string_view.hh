#pragma once
// A non-owning, not necessarily NUL-terminated string.
#include <stddef.h>

namespace tessera::ktl {

class StringView {
 public:
  static constexpr size_t npos = static_cast<size_t>(-1);

  constexpr StringView() = default;
  constexpr StringView(const char* data, size_t length) : data_(data), length_(length) {}
  constexpr StringView(const char* cstring) : data_(cstring), length_(cstring ? __builtin_strlen(cstring) : 0) {}

  constexpr const char* data() const { return data_; }
  constexpr size_t length() const { return length_; }
  constexpr size_t size() const { return length_; }
  constexpr bool empty() const { return length_ == 0; }
  constexpr const char* begin() const { return data_; }
  constexpr const char* end() const { return data_ + length_; }
  constexpr char operator[](size_t index) const { return data_[index]; }

  constexpr StringView substr(size_t offset, size_t count = npos) const {
    if (offset > length_) offset = length_;
    size_t available = length_ - offset;
    return StringView(data_ + offset, count < available ? count : available);
  }
  constexpr size_t find(char c, size_t from = 0) const {
    for (size_t i = from; i < length_; ++i)
      if (data_[i] == c) return i;
    return npos;
  }
  constexpr bool starts_with(StringView prefix) const {
    return prefix.length_ <= length_ && substr(0, prefix.length_) == prefix;
  }
  constexpr bool ends_with(StringView suffix) const {
    return suffix.length_ <= length_ && substr(length_ - suffix.length_) == suffix;
  }
  friend constexpr bool operator==(StringView a, StringView b) {
    if (a.length_ != b.length_) return false;
    for (size_t i = 0; i < a.length_; ++i)
      if (a.data_[i] != b.data_[i]) return false;
    return true;
  }
  friend constexpr int compare(StringView a, StringView b) {
    size_t n = a.length_ < b.length_ ? a.length_ : b.length_;
    for (size_t i = 0; i < n; ++i) {
      auto ca = static_cast<unsigned char>(a.data_[i]), cb = static_cast<unsigned char>(b.data_[i]);
      if (ca != cb) return ca < cb ? -1 : 1;
    }
    return a.length_ == b.length_ ? 0 : (a.length_ < b.length_ ? -1 : 1);
  }

 private:
  const char* data_ = "";
  size_t length_ = 0;
};

}  // namespace tessera::ktl
