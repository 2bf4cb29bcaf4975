#pragma once
// The slice of <type_traits> the kernel needs, built on compiler intrinsics.
// Kernel code is compiled with -nostdinc++, so libstdc++ is out of reach by design.

namespace tessera::ktl {

template <typename T> struct remove_reference { using type = T; };
template <typename T> struct remove_reference<T&> { using type = T; };
template <typename T> struct remove_reference<T&&> { using type = T; };
template <typename T> using remove_reference_t = typename remove_reference<T>::type;

template <typename T> struct remove_cv { using type = T; };
template <typename T> struct remove_cv<const T> { using type = T; };
template <typename T> struct remove_cv<volatile T> { using type = T; };
template <typename T> struct remove_cv<const volatile T> { using type = T; };
template <typename T> using remove_cvref_t = typename remove_cv<remove_reference_t<T>>::type;

template <bool B, typename T = void> struct enable_if {};
template <typename T> struct enable_if<true, T> { using type = T; };
template <bool B, typename T = void> using enable_if_t = typename enable_if<B, T>::type;

template <typename A, typename B> inline constexpr bool is_same_v = __is_same(A, B);
template <typename T> inline constexpr bool is_void_v = is_same_v<remove_cvref_t<T>, void>;
template <typename T> inline constexpr bool is_trivially_copyable_v = __is_trivially_copyable(T);
template <typename T> inline constexpr bool is_trivially_destructible_v = __has_trivial_destructor(T);
template <typename T> struct is_integral_base { static constexpr bool value = false; };
#define TESSERA_KTL_INTEGRAL(type) \
  template <> struct is_integral_base<type> { static constexpr bool value = true; };
TESSERA_KTL_INTEGRAL(bool)
TESSERA_KTL_INTEGRAL(char)
TESSERA_KTL_INTEGRAL(signed char)
TESSERA_KTL_INTEGRAL(unsigned char)
TESSERA_KTL_INTEGRAL(char8_t)
TESSERA_KTL_INTEGRAL(char16_t)
TESSERA_KTL_INTEGRAL(char32_t)
TESSERA_KTL_INTEGRAL(wchar_t)
TESSERA_KTL_INTEGRAL(short)
TESSERA_KTL_INTEGRAL(unsigned short)
TESSERA_KTL_INTEGRAL(int)
TESSERA_KTL_INTEGRAL(unsigned int)
TESSERA_KTL_INTEGRAL(long)
TESSERA_KTL_INTEGRAL(unsigned long)
TESSERA_KTL_INTEGRAL(long long)
TESSERA_KTL_INTEGRAL(unsigned long long)
#undef TESSERA_KTL_INTEGRAL
// GCC 12 has no __is_integral builtin, so this is spelled out.
template <typename T> inline constexpr bool is_integral_v = is_integral_base<typename remove_cv<T>::type>::value;
template <typename T> inline constexpr bool is_unsigned_v = is_integral_v<T> && T(0) < T(-1);
template <typename Base, typename Derived> inline constexpr bool is_base_of_v = __is_base_of(Base, Derived);

template <typename T> struct type_identity { using type = T; };

}  // namespace tessera::ktl
