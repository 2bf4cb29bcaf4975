#pragma once
// move/forward/swap/min/max and the scalar helpers the kernel uses everywhere.
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/type_traits.hh>

// Placement new: kernel code never uses the global allocating operator new.
#if __STDC_HOSTED__
// Host code (tests, platform-linux) includes kernel headers too; there <new> owns it.
#include <new>  // tessera-allow-host-header: compiled only in hosted translation units
#else
[[nodiscard]] inline void* operator new(size_t, void* where) noexcept { return where; }
[[nodiscard]] inline void* operator new[](size_t, void* where) noexcept { return where; }
#endif

namespace tessera::ktl {

template <typename T> constexpr remove_reference_t<T>&& move(T&& value) noexcept {
  return static_cast<remove_reference_t<T>&&>(value);
}
template <typename T> constexpr T&& forward(remove_reference_t<T>& value) noexcept {
  return static_cast<T&&>(value);
}
template <typename T> constexpr T&& forward(remove_reference_t<T>&& value) noexcept {
  return static_cast<T&&>(value);
}
template <typename T, typename U = T> constexpr T exchange(T& target, U&& replacement) {
  T old = move(target);
  target = forward<U>(replacement);
  return old;
}
template <typename T> constexpr void swap(T& a, T& b) {
  T tmp = move(a);
  a = move(b);
  b = move(tmp);
}
template <typename T> constexpr const T& min(const T& a, const T& b) { return b < a ? b : a; }
template <typename T> constexpr const T& max(const T& a, const T& b) { return a < b ? b : a; }

template <typename T> constexpr bool is_power_of_two(T value) { return value && !(value & (value - 1)); }
// `alignment` must be a power of two.
template <typename T> constexpr T align_down(T value, T alignment) { return value & ~(alignment - 1); }
// Returns false on overflow instead of wrapping.
template <typename T> constexpr bool align_up(T value, T alignment, T& out) {
  return !__builtin_add_overflow(value, alignment - 1, &out) && ((out &= ~(alignment - 1)), true);
}

// Overflow-checked arithmetic: true when the result fits.
template <typename T> constexpr bool checked_add(T a, T b, T& out) { return !__builtin_add_overflow(a, b, &out); }
template <typename T> constexpr bool checked_mul(T a, T b, T& out) { return !__builtin_mul_overflow(a, b, &out); }

template <typename To, typename From> constexpr To bit_cast(const From& from) { return __builtin_bit_cast(To, from); }

template <typename T, size_t N> constexpr size_t size(const T (&)[N]) { return N; }

}  // namespace tessera::ktl
