/* Counters that callbacks bump and the main thread waits for, under one lock and condition
 * variable: what the C test programs with callbacks share. Include after check.h; the program
 * may use `lock` for its own state too (helgrind then sees one ordering for all of it). */
#ifndef DXLTIE_TEST_COUNTERS_H
#define DXLTIE_TEST_COUNTERS_H

#include <pthread.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;

/* Adds one to *counter and wakes the waiters. */
static inline void bump(int *counter) {
    pthread_mutex_lock(&lock);
    (*counter)++;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

/* Waits until *counter >= n or 20 s pass; whether it got there. */
static inline int wait_for(int *counter, int n) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 20;
    pthread_mutex_lock(&lock);
    while (*counter < n) {
        if (pthread_cond_timedwait(&changed, &lock, &deadline) != 0) break;
    }
    int reached = *counter >= n;
    pthread_mutex_unlock(&lock);
    return reached;
}

#endif
