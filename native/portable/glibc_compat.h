/* Force-included into every translation unit of libjgrad (CMakeLists.txt). glibc 2.29 gave exp,
 * exp2, log, log2 and pow new symbol versions (the same results, without the old SVID error
 * hooks); a library linked against glibc 2.29 or later would need those versions at load time.
 * Binding the calls to the versions every glibc since 2.2.5 (x86-64) or 2.17 (AArch64) exports
 * keeps the library loadable on glibc 2.28 (RHEL/Rocky/Alma 8). Both versions compute the value in
 * the same code; they differ only in errno handling on overflow, which jgrad never reads. CI checks
 * that no symbol of the packaged libraries needs a glibc newer than 2.28. */
#ifndef JGRAD_GLIBC_COMPAT_H
#define JGRAD_GLIBC_COMPAT_H
#if defined(__linux__) && !defined(__ANDROID__)
#if defined(__x86_64__)
#define JGRAD_GLIBC_BASE "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define JGRAD_GLIBC_BASE "GLIBC_2.17"
#endif
#ifdef JGRAD_GLIBC_BASE
__asm__(".symver exp,exp@" JGRAD_GLIBC_BASE);
__asm__(".symver exp2,exp2@" JGRAD_GLIBC_BASE);
__asm__(".symver log,log@" JGRAD_GLIBC_BASE);
__asm__(".symver log2,log2@" JGRAD_GLIBC_BASE);
__asm__(".symver pow,pow@" JGRAD_GLIBC_BASE);
#undef JGRAD_GLIBC_BASE
#endif
#endif
#endif
