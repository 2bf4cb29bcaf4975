#pragma once
// type_hash<T>(): a 32-bit hash of a type's ABI-relevant shape, computed at compile time
// and identical under every compiler (GCC, clang), used to version the kernel's exported
// functions (modversions-style; see kernel/module/export_table.hh and docs/modules.md).
//
// Why not hash __PRETTY_FUNCTION__ or a mangled name: compilers spell types differently
// ("unsigned long" vs "long unsigned int"), so a module built with clang would be refused
// by a kernel built with GCC. Instead the type is walked structurally and FNV-1a is fed
// a stream of our own fixed codes:
//   - fundamental types: one fixed code each (void, bool, the char types, every integer
//     type by its C++ name, float, double, long double, nullptr_t, __int128). Typedefs
//     are transparent: size_t and unsigned long hash alike (they are one type on x86-64
//     Linux), but long and long long differ, as they do in C++ even at equal width.
//   - const, volatile, pointer, lvalue and rvalue reference: a code, then the type they
//     modify. Arrays: a code, the extent, then the element.
//   - function types: a code, the parameter count, the return type, each parameter in
//     order, then whether it is variadic and whether it is noexcept. (Top-level const on
//     parameters is not part of a function type, so it never matters.)
//   - va_list: a code of its own (passed as a parameter, it is a pointer to it).
//   - enums: a code, the underlying type, and the ABI tag when there is one.
//   - classes, structs, unions: a code, the ABI tag when there is one, the hash of the
//     fields listed by TESSERA_ABI_LAYOUT when there is one (each field's offset and
//     type), then sizeof and alignof when the type is complete. An incomplete type (an opaque handle such as
//     `struct tessera_mutex`) MUST have a tag: compiling its hash without one fails.
// ABI tags: a class may say `static constexpr const char* kAbiTag = "name/revision";`,
// or any type can be given one with TESSERA_ABI_TAG(type, "name/revision") at global
// scope (C structs from a C header cannot have members). Change the revision whenever
// the layout or meaning changes.
//
// Limits, stated plainly: a struct without a layout is known only by its tag, size and
// alignment, so reordering or retyping same-sized fields goes unnoticed -- give every
// struct that crosses the module boundary a tag and a layout, and bump the tag when its
// meaning changes. Calling
// conventions, attributes (noreturn, format) and parameter names are not hashed.
// Member pointers, const-qualified arrays and, under clang, function types carrying GNU
// type attributes (__attribute__((noreturn)) -- use [[noreturn]]) are not supported: they
// fail to compile rather than hash differently.
// Collisions are possible (32 bits) but two different signatures of the same symbol name
// colliding is the only case that matters, about 1 in 4 billion per change.
#include <stddef.h>
#include <stdint.h>

namespace tessera::ktl {

// Specialise (through TESSERA_ABI_TAG) to give a type an explicit ABI tag.
template <typename T> struct AbiTag {
  static constexpr const char* value = nullptr;
};
// Specialise (through TESSERA_ABI_LAYOUT) to make a struct's hash cover its fields.
template <typename T> struct AbiLayout {
  static constexpr bool present = false;
  static constexpr uint32_t value = 0;
};

namespace type_hash_detail {

inline constexpr uint32_t kFnvOffset = 2166136261u;
inline constexpr uint32_t kFnvPrime = 16777619u;

// The stream codes. Their values are part of the ABI: never renumber, only append.
enum Code : uint32_t {
  kVoid = 1, kBool, kChar, kSignedChar, kUnsignedChar, kChar8, kChar16, kChar32, kWideChar,
  kShort, kUnsignedShort, kInt, kUnsignedInt, kLong, kUnsignedLong, kLongLong,
  kUnsignedLongLong, kFloat, kDouble, kLongDouble, kNullPointer, kInt128, kUnsignedInt128,
  kPointer = 0x40, kLvalueReference, kRvalueReference, kConst, kVolatile, kArray,
  kUnboundedArray, kFunction, kClass, kUnion, kEnum, kTag, kNoTag, kIncomplete, kVaList,
  kLayout,
};

constexpr uint32_t mix(uint32_t hash, uint64_t value) {
  for (int i = 0; i < 8; ++i) {
    hash ^= static_cast<uint8_t>(value >> (8 * i));
    hash *= kFnvPrime;
  }
  return hash;
}

constexpr uint32_t mix_tag(uint32_t hash, const char* tag) {
  if (!tag) return mix(hash, kNoTag);
  hash = mix(hash, kTag);
  size_t length = 0;
  while (tag[length]) ++length;
  hash = mix(hash, length);
  for (size_t i = 0; i < length; ++i) {
    hash ^= static_cast<uint8_t>(tag[i]);
    hash *= kFnvPrime;
  }
  return hash;
}

template <typename T> constexpr const char* tag_of() {
  if constexpr (requires { T::kAbiTag; }) return T::kAbiTag;
  else return AbiTag<T>::value;
}

template <typename T> inline constexpr bool kAlwaysFalse = false;

// va_list is the compiler's own type (on x86-64 an array of one __va_list_tag, which GCC
// does not even call a class), so its element gets a code of its own; as a parameter,
// va_list decays to a pointer to that element.
using VaListPointer = decltype(*static_cast<__builtin_va_list*>(nullptr) + 0);

template <typename T> struct Walk {
  static constexpr uint32_t feed(uint32_t hash) {
    if constexpr (__is_same(T*, VaListPointer)) {
      return mix(hash, kVaList);
    } else if constexpr (__is_enum(T)) {
      hash = mix(hash, kEnum);
      hash = Walk<__underlying_type(T)>::feed(hash);
      return mix_tag(hash, AbiTag<T>::value);
    } else if constexpr (__is_class(T) || __is_union(T)) {
      constexpr const char* tag = tag_of<T>();
      hash = mix(hash, __is_union(T) ? kUnion : kClass);
      hash = mix_tag(hash, tag);
      if constexpr (AbiLayout<T>::present) hash = mix(mix(hash, kLayout), AbiLayout<T>::value);
      if constexpr (requires { sizeof(T); }) {
        hash = mix(hash, sizeof(T));
        return mix(hash, alignof(T));
      } else {
        static_assert(tag != nullptr,
                      "type_hash: an incomplete type needs an ABI tag (TESSERA_ABI_TAG) to be hashed");
        return mix(hash, kIncomplete);
      }
    } else {
      static_assert(kAlwaysFalse<T>, "type_hash: unsupported type (member pointer or const array?)");
      return hash;
    }
  }
};

#define TESSERA_TYPE_HASH_FUNDAMENTAL(type, code) \
  template <> struct Walk<type> {                 \
    static constexpr uint32_t feed(uint32_t hash) { return mix(hash, code); } \
  };
TESSERA_TYPE_HASH_FUNDAMENTAL(void, kVoid)
TESSERA_TYPE_HASH_FUNDAMENTAL(bool, kBool)
TESSERA_TYPE_HASH_FUNDAMENTAL(char, kChar)
TESSERA_TYPE_HASH_FUNDAMENTAL(signed char, kSignedChar)
TESSERA_TYPE_HASH_FUNDAMENTAL(unsigned char, kUnsignedChar)
TESSERA_TYPE_HASH_FUNDAMENTAL(char8_t, kChar8)
TESSERA_TYPE_HASH_FUNDAMENTAL(char16_t, kChar16)
TESSERA_TYPE_HASH_FUNDAMENTAL(char32_t, kChar32)
TESSERA_TYPE_HASH_FUNDAMENTAL(wchar_t, kWideChar)
TESSERA_TYPE_HASH_FUNDAMENTAL(short, kShort)
TESSERA_TYPE_HASH_FUNDAMENTAL(unsigned short, kUnsignedShort)
TESSERA_TYPE_HASH_FUNDAMENTAL(int, kInt)
TESSERA_TYPE_HASH_FUNDAMENTAL(unsigned int, kUnsignedInt)
TESSERA_TYPE_HASH_FUNDAMENTAL(long, kLong)
TESSERA_TYPE_HASH_FUNDAMENTAL(unsigned long, kUnsignedLong)
TESSERA_TYPE_HASH_FUNDAMENTAL(long long, kLongLong)
TESSERA_TYPE_HASH_FUNDAMENTAL(unsigned long long, kUnsignedLongLong)
TESSERA_TYPE_HASH_FUNDAMENTAL(float, kFloat)
TESSERA_TYPE_HASH_FUNDAMENTAL(double, kDouble)
TESSERA_TYPE_HASH_FUNDAMENTAL(long double, kLongDouble)
TESSERA_TYPE_HASH_FUNDAMENTAL(decltype(nullptr), kNullPointer)
TESSERA_TYPE_HASH_FUNDAMENTAL(__int128, kInt128)
TESSERA_TYPE_HASH_FUNDAMENTAL(unsigned __int128, kUnsignedInt128)
#undef TESSERA_TYPE_HASH_FUNDAMENTAL

template <typename T> struct Walk<const T> {
  static constexpr uint32_t feed(uint32_t hash) { return Walk<T>::feed(mix(hash, kConst)); }
};
template <typename T> struct Walk<volatile T> {
  static constexpr uint32_t feed(uint32_t hash) { return Walk<T>::feed(mix(hash, kVolatile)); }
};
template <typename T> struct Walk<const volatile T> {
  static constexpr uint32_t feed(uint32_t hash) {
    return Walk<T>::feed(mix(mix(hash, kConst), kVolatile));
  }
};
template <typename T> struct Walk<T*> {
  static constexpr uint32_t feed(uint32_t hash) { return Walk<T>::feed(mix(hash, kPointer)); }
};
template <typename T> struct Walk<T&> {
  static constexpr uint32_t feed(uint32_t hash) { return Walk<T>::feed(mix(hash, kLvalueReference)); }
};
template <typename T> struct Walk<T&&> {
  static constexpr uint32_t feed(uint32_t hash) { return Walk<T>::feed(mix(hash, kRvalueReference)); }
};
template <typename T, size_t N> struct Walk<T[N]> {
  static constexpr uint32_t feed(uint32_t hash) { return Walk<T>::feed(mix(mix(hash, kArray), N)); }
};
template <typename T> struct Walk<T[]> {
  static constexpr uint32_t feed(uint32_t hash) { return Walk<T>::feed(mix(hash, kUnboundedArray)); }
};

template <bool kVariadic, bool kNoexcept, typename R, typename... Args>
constexpr uint32_t feed_function(uint32_t hash) {
  hash = mix(hash, kFunction);
  hash = mix(hash, sizeof...(Args));
  hash = Walk<R>::feed(hash);
  ((hash = Walk<Args>::feed(hash)), ...);
  hash = mix(hash, kVariadic ? 1 : 0);
  return mix(hash, kNoexcept ? 1 : 0);
}
template <typename R, typename... Args> struct Walk<R(Args...)> {
  static constexpr uint32_t feed(uint32_t hash) { return feed_function<false, false, R, Args...>(hash); }
};
template <typename R, typename... Args> struct Walk<R(Args..., ...)> {
  static constexpr uint32_t feed(uint32_t hash) { return feed_function<true, false, R, Args...>(hash); }
};
template <typename R, typename... Args> struct Walk<R(Args...) noexcept> {
  static constexpr uint32_t feed(uint32_t hash) { return feed_function<false, true, R, Args...>(hash); }
};
template <typename R, typename... Args> struct Walk<R(Args..., ...) noexcept> {
  static constexpr uint32_t feed(uint32_t hash) { return feed_function<true, true, R, Args...>(hash); }
};

}  // namespace type_hash_detail

template <typename T> constexpr uint32_t type_hash() {
  return type_hash_detail::Walk<T>::feed(type_hash_detail::kFnvOffset);
}

// One field of a TESSERA_ABI_LAYOUT: its offset and its type's hash.
constexpr uint64_t abi_field(size_t offset, uint32_t field_type_hash) {
  return (static_cast<uint64_t>(offset) << 32) | field_type_hash;
}
template <typename... Fields> constexpr uint32_t abi_fields(Fields... fields) {
  uint32_t hash = type_hash_detail::mix(type_hash_detail::kFnvOffset, sizeof...(Fields));
  ((hash = type_hash_detail::mix(hash, fields)), ...);
  return hash;
}

}  // namespace tessera::ktl

// Makes the hash of struct `type` cover the listed fields, each by offset and type:
//   TESSERA_ABI_LAYOUT(tessera_stat, TESSERA_ABI_FIELD(tessera_stat, device), ...);
// List every field: one left out is seen only through the struct's size. Worth it for
// structs of function pointers, whose signatures sizeof cannot see. At global scope.
#define TESSERA_ABI_FIELD(type, member) \
  ::tessera::ktl::abi_field(__builtin_offsetof(type, member), ::tessera::ktl::type_hash<decltype(type::member)>())
#define TESSERA_ABI_LAYOUT(type, ...)                                          \
  template <> struct tessera::ktl::AbiLayout<type> {                           \
    static constexpr bool present = true;                                      \
    static constexpr uint32_t value = ::tessera::ktl::abi_fields(__VA_ARGS__); \
  }

// Gives `type` the ABI tag `tag` (a string literal, "name/revision"). At global scope.
#define TESSERA_ABI_TAG(type, tag)                        \
  template <> struct tessera::ktl::AbiTag<type> {         \
    static constexpr const char* value = tag;             \
  }
