#pragma once
// TESSERA_ASAN: 1 when this translation unit is compiled with AddressSanitizer (gcc or
// clang), else 0. Only hosted kernel builds ever are (the asan preset).
#if defined(__SANITIZE_ADDRESS__)
#define TESSERA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TESSERA_ASAN 1
#endif
#endif
#ifndef TESSERA_ASAN
#define TESSERA_ASAN 0
#endif
