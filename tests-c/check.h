/* The check of the C test programs: CHECK(condition, printf-style detail) counts a failure in
 * `failures` and prints where, what and this thread's last library error to stderr (the first
 * 40 only, so that a systematic fault does not flood the log). Safe from any thread, callbacks
 * included. Each program prints `<name>: <failures> failed` and exits non-zero if any. */
#ifndef DXLTIE_TEST_CHECK_H
#define DXLTIE_TEST_CHECK_H

#include <pthread.h>
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

#endif
