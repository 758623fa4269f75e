// The native suites' assertion: counts a failure and prints the condition, and goes on.
#pragma once
#include <cstdio>

static int failures = 0;
#define CHECK(...)                                                             \
    do {                                                                       \
        if (!(__VA_ARGS__)) {                                                  \
            std::printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #__VA_ARGS__); \
            ++failures;                                                        \
        }                                                                      \
    } while (0)
