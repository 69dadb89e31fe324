/* What the C test programs share. The check: CHECK(condition, printf-style detail) counts a
 * failure in `failures` and prints where, what and this thread's last library error to stderr
 * (the first 40 only, so that a systematic fault does not flood the log). Safe from any thread,
 * callbacks included. Each program prints `<name>: <failures> failed` and exits non-zero if any.
 * The agents' line output: say() prints one whole line, code_name() names a result code. */
#ifndef DXLTIE_TEST_CHECK_H
#define DXLTIE_TEST_CHECK_H

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "dxltie.h"

static pthread_mutex_t check_lock = PTHREAD_MUTEX_INITIALIZER;
static int failures = 0;

#define CHECK(cond, ...)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            const char *last_error_ = dxltie_last_error_message();                           \
            pthread_mutex_lock(&check_lock);                                                 \
            if (failures++ < 40) {                                                           \
                fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);              \
                fprintf(stderr, __VA_ARGS__);                                                \
                fprintf(stderr, " [last error: %s]\n", last_error_ ? last_error_ : "none");  \
            }                                                                                \
            pthread_mutex_unlock(&check_lock);                                               \
        }                                                                                    \
    } while (0)

#define OK(call) CHECK((call) == DXLTIE_OK, "%s", #call)

/* The name of a result code, for the lines the agent programs print. */
static inline const char *code_name(dxltie_result_t code) {
    switch (code) {
    case DXLTIE_OK: return "OK";
    case DXLTIE_E_NULL_ARG: return "NULL_ARG";
    case DXLTIE_E_INVALID_ARG: return "INVALID_ARG";
    case DXLTIE_E_UTF8: return "UTF8";
    case DXLTIE_E_CONFIG: return "CONFIG";
    case DXLTIE_E_IO: return "IO";
    case DXLTIE_E_TLS: return "TLS";
    case DXLTIE_E_CONNECT: return "CONNECT";
    case DXLTIE_E_NOT_CONNECTED: return "NOT_CONNECTED";
    case DXLTIE_E_TIMEOUT: return "TIMEOUT";
    case DXLTIE_E_SERVICE_ERROR: return "SERVICE_ERROR";
    case DXLTIE_E_BAD_RESPONSE: return "BAD_RESPONSE";
    case DXLTIE_E_QUEUE_FULL: return "QUEUE_FULL";
    case DXLTIE_E_WOULD_DEADLOCK: return "WOULD_DEADLOCK";
    case DXLTIE_E_NOT_FOUND: return "NOT_FOUND";
    case DXLTIE_E_SHUTDOWN: return "SHUTDOWN";
    case DXLTIE_E_PANIC: return "PANIC";
    case DXLTIE_E_FORKED: return "FORKED";
    default: return "UNKNOWN";
    }
}

/* One line to stdout, whole, whichever thread prints it. */
static inline void say(const char *format, ...) __attribute__((format(printf, 1, 2)));
static inline void say(const char *format, ...) {
    va_list args;
    va_start(args, format);
    pthread_mutex_lock(&check_lock);
    vprintf(format, args);
    printf("\n");
    fflush(stdout);
    pthread_mutex_unlock(&check_lock);
    va_end(args);
}


#endif
