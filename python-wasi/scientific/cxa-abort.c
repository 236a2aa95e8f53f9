/*
 * C++ exception entry points for a libc++/libc++abi built without exceptions
 * (Debian's libc++-19-dev-wasm32, libc++abi-19-dev-wasm32).
 *
 * numpy and pandas compile their C++ with exceptions enabled, and clang lowers `throw` to
 * calls to these functions even though wasm32-wasip1 (without -fwasm-exceptions) cannot
 * unwind: `catch` blocks are compiled away. Every throw in numpy and pandas is on an error
 * path (allocation failure, an impossible state), so throwing ends the process with a
 * message on stderr instead of failing the link. A program that would have seen a C++
 * exception turned into a Python exception sees exit status 134 (abort) instead.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

static _Noreturn void cxx_abort(const char *what) {
    fprintf(stderr, "fatal: C++ %s in a build without C++ exception support\n", what);
    fflush(stderr);
    abort();
}

void *__cxa_allocate_exception(size_t size) {
    (void)size;
    cxx_abort("exception thrown");
}

void __cxa_free_exception(void *exception) {
    (void)exception;
}

_Noreturn void __cxa_throw(void *exception, void *type, void (*destructor)(void *)) {
    (void)exception;
    (void)type;
    (void)destructor;
    cxx_abort("exception thrown");
}

_Noreturn void __cxa_rethrow(void) {
    cxx_abort("exception rethrown");
}

void *__cxa_begin_catch(void *exception) {
    (void)exception;
    cxx_abort("exception caught");
}

void __cxa_end_catch(void) {
}
