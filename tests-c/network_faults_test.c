/* A C agent meeting network faults (driven by tests/c_network_faults.rs): the broker killed and
 * restarted under load, failover to a second broker, a slow callback under a flood with either
 * queue policy, and TLS set-ups the client must refuse.
 *
 * Usage:
 *   network_faults_test connect <dxlclient.config>
 *       One connection attempt (no retries); prints `CONNECT <code name> <message>` or, when
 *       the configuration does not load, `LOAD <code name> <message>`.
 *   network_faults_test agent <dxlclient.config> block|drop <queue capacity> <callback delay us>
 *       Connects (reconnect back-off 100 ms x2 up to 1 s), registers a detection callback that
 *       sleeps <delay> and records the event number n of each event named "event-<n>", prints
 *       `READY rss_kb=<VmRSS>` and then answers commands read from stdin, one per line:
 *         PENDING <timeout ms>     a synchronous request (on a thread) and an asynchronous one
 *                                  that nobody answers; prints `PENDING sent`, later
 *                                  `SYNC_DONE <code name>` and `ASYNC_DONE <code name>`
 *         REQUEST <timeout ms>     a synchronous request; prints `REQUEST <code name>`
 *         SEEN <from> <to> <ms>    waits until every event in [from, to) has arrived; prints
 *                                  `SEEN <count in range> duplicates=<d> calls=<c>`
 *         DRAIN <count> <ms>       waits until calls + dropped reach <count>; prints
 *                                  `DRAIN calls=… dropped=… received=… undecodable=…
 *                                   bad_events=… reconnects=… duplicates=… rss_kb=… hwm_kb=…`
 *         STATS                    prints `STATS …` as DRAIN does
 *         END                      disconnects, frees; prints `network_faults_test: <n> failed`
 *       Connection state changes print `STATE connected|connecting|disconnected` at any time.
 * Compiled as C11, as C++ and with AddressSanitizer (Makefile). */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "dxltie.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#define MAX_EVENTS (1u << 20)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;

static const dxltie_hash_t NOTEPAD[] = {{"md5", "f2c7bb8acc97f92e987a2d4087d021b1"}};



/* The message of this thread's last failure, on one line. */
static const char *last_message(void) {
    static char text[1024];
    const char *m = dxltie_last_error_message();
    snprintf(text, sizeof text, "%s", m ? m : "(none)");
    for (char *p = text; *p; p++)
        if (*p == '\n') *p = ' ';
    return text;
}

static long status_kb(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0) kb = strtol(line + n, NULL, 10);
    if (f) fclose(f);
    return kb;
}

/* VmRSS after handing free heap pages back, so that it follows the memory in use. */
static long rss_kb(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
    return status_kb("VmRSS:");
}

static int deadline_passed(const struct timespec *deadline) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec > deadline->tv_sec || (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

static struct timespec deadline_in(long ms) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* ---- connect ---------------------------------------------------------------------------- */

static int run_connect(const char *path) {
    dxltie_config_t *config = NULL;
    dxltie_result_t rc = dxltie_config_from_file(path, &config);
    if (rc != DXLTIE_OK) {
        say("LOAD %s %s", code_name(rc), last_message());
        return 0;
    }
    CHECK(dxltie_config_set_connect_retries(config, 0) == DXLTIE_OK, "retries");
    dxltie_client_t *client = NULL;
    rc = dxltie_client_new(config, &client);
    dxltie_config_free(config);
    if (rc != DXLTIE_OK) {
        say("NEW %s %s", code_name(rc), last_message());
        return 0;
    }
    rc = dxltie_client_connect(client, 10000);
    say("CONNECT %s %s", code_name(rc), rc == DXLTIE_OK ? "connected" : last_message());
    CHECK(dxltie_client_is_connected(client) == (rc == DXLTIE_OK), "is_connected agrees");
    CHECK(dxltie_client_free(client) == DXLTIE_OK, "free");
    return failures == 0 ? 0 : 1;
}

/* ---- agent ------------------------------------------------------------------------------ */

static unsigned char *seen; /* per event number: how often it arrived (under `lock`) */
static uint64_t calls, duplicates, out_of_range;
static long callback_delay_us;
static dxltie_client_t *client;

static void on_detection(void *user_data, const dxltie_detection_t *e) {
    (void)user_data;
    if (callback_delay_us > 0) {
        struct timespec t = {callback_delay_us / 1000000, (callback_delay_us % 1000000) * 1000L};
        nanosleep(&t, NULL);
    }
    unsigned n = 0;
    int numbered = e->name != NULL && sscanf(e->name, "event-%u", &n) == 1 && n < MAX_EVENTS;
    pthread_mutex_lock(&lock);
    calls++;
    if (!numbered) {
        out_of_range++;
    } else if (seen[n]++ > 0) {
        duplicates++;
    }
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void on_state(void *user_data, dxltie_connection_state_t state) {
    (void)user_data;
    say("STATE %s", state == DXLTIE_STATE_CONNECTED    ? "connected"
                    : state == DXLTIE_STATE_CONNECTING ? "connecting"
                                                       : "disconnected");
}

static void on_async(void *user_data, const dxltie_response_t *r) {
    (void)user_data;
    say("ASYNC_DONE %s %s", code_name(r->status), r->error_message ? r->error_message : "");
}

static void *pending_sync(void *arg) {
    uint32_t timeout_ms = (uint32_t)(uintptr_t)arg;
    dxltie_reputations_t *reps = NULL;
    dxltie_result_t rc = dxltie_get_file_reputation(client, NOTEPAD, 1, timeout_ms, &reps);
    say("SYNC_DONE %s %s", code_name(rc), rc == DXLTIE_OK ? "" : last_message());
    dxltie_reputations_free(reps);
    return NULL;
}

static void say_stats(const char *label) {
    dxltie_stats_t s = dxltie_stats_init();
    CHECK(dxltie_client_stats(client, &s) == DXLTIE_OK, "stats");
    pthread_mutex_lock(&lock);
    unsigned long long c = calls, d = duplicates;
    pthread_mutex_unlock(&lock);
    long rss = rss_kb();
    say("%s calls=%llu dropped=%llu received=%llu undecodable=%llu bad_events=%llu reconnects=%llu "
        "duplicates=%llu rss_kb=%ld hwm_kb=%ld",
        label, c, (unsigned long long)s.dropped, (unsigned long long)s.received,
        (unsigned long long)s.undecodable, (unsigned long long)s.bad_events, (unsigned long long)s.reconnects, d,
        rss, status_kb("VmHWM:"));
}

static int run_agent(const char *path, const char *policy_name, size_t capacity) {
    seen = (unsigned char *)calloc(MAX_EVENTS, 1);
    dxltie_config_t *config = NULL;
    CHECK(dxltie_config_from_file(path, &config) == DXLTIE_OK, "config: %s", last_message());
    if (config == NULL) return 1;
    dxltie_overflow_policy_t policy =
        strcmp(policy_name, "drop") == 0 ? DXLTIE_OVERFLOW_DROP_OLDEST : DXLTIE_OVERFLOW_BLOCK;
    CHECK(dxltie_config_set_queue(config, capacity, policy) == DXLTIE_OK, "queue");
    CHECK(dxltie_config_set_reconnect_back_off(config, 100, 2, 1000, 0.1) == DXLTIE_OK, "back-off");
    CHECK(dxltie_client_new(config, &client) == DXLTIE_OK, "new: %s", last_message());
    dxltie_config_free(config);
    if (client == NULL) return 1;
    CHECK(dxltie_client_set_state_callback(client, on_state, NULL, NULL) == DXLTIE_OK, "state callback");
    CHECK(dxltie_client_connect(client, 15000) == DXLTIE_OK, "connect: %s", last_message());
    uint64_t id = 0;
    CHECK(dxltie_add_file_detection_callback(client, on_detection, NULL, NULL, &id) == DXLTIE_OK, "add");
    say("READY rss_kb=%ld", rss_kb());

    pthread_t sync_thread;
    int sync_started = 0;
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        long a = 0, b = 0, c = 0;
        if (sscanf(line, "PENDING %ld", &a) == 1) {
            CHECK(dxltie_get_file_reputation_async(client, NOTEPAD, 1, (uint32_t)a, on_async, NULL, NULL) ==
                      DXLTIE_OK,
                  "async request sent: %s", last_message());
            if (sync_started) pthread_join(sync_thread, NULL); /* the previous one has ended */
            sync_started = pthread_create(&sync_thread, NULL, pending_sync, (void *)(uintptr_t)a) == 0;
            CHECK(sync_started, "thread");
            struct timespec t = {0, 300 * 1000 * 1000}; /* both requests are on the wire */
            nanosleep(&t, NULL);
            say("PENDING sent");
        } else if (sscanf(line, "REQUEST %ld", &a) == 1) {
            dxltie_reputations_t *reps = NULL;
            dxltie_result_t rc = dxltie_get_file_reputation(client, NOTEPAD, 1, (uint32_t)a, &reps);
            say("REQUEST %s %s", code_name(rc), rc == DXLTIE_OK ? "" : last_message());
            dxltie_reputations_free(reps);
        } else if (sscanf(line, "SEEN %ld %ld %ld", &a, &b, &c) == 3) {
            struct timespec deadline = deadline_in(c);
            long count = 0;
            pthread_mutex_lock(&lock);
            for (;;) {
                count = 0;
                for (long n = a; n < b && n < (long)MAX_EVENTS; n++) count += seen[n] > 0;
                if (count == b - a || deadline_passed(&deadline)) break;
                pthread_cond_timedwait(&changed, &lock, &deadline);
            }
            unsigned long long d = duplicates, k = calls;
            pthread_mutex_unlock(&lock);
            say("SEEN %ld duplicates=%llu calls=%llu", count, d, k);
        } else if (sscanf(line, "DRAIN %ld %ld", &a, &b) == 2) {
            struct timespec deadline = deadline_in(b);
            for (;;) {
                dxltie_stats_t s = dxltie_stats_init();
                CHECK(dxltie_client_stats(client, &s) == DXLTIE_OK, "stats");
                pthread_mutex_lock(&lock);
                uint64_t done = calls + s.dropped;
                pthread_mutex_unlock(&lock);
                if (done >= (uint64_t)a || deadline_passed(&deadline)) break;
                struct timespec t = {0, 20 * 1000 * 1000};
                nanosleep(&t, NULL);
            }
            say_stats("DRAIN");
        } else if (strncmp(line, "STATS", 5) == 0) {
            say_stats("STATS");
        } else if (strncmp(line, "END", 3) == 0) {
            break;
        } else {
            CHECK(0, "unknown command %s", line);
        }
    }
    if (sync_started) pthread_join(sync_thread, NULL);
    CHECK(out_of_range == 0, "%llu events without a number", (unsigned long long)out_of_range);
    CHECK(dxltie_remove_callback(client, id) == DXLTIE_OK, "remove");
    CHECK(dxltie_client_disconnect(client) == DXLTIE_OK, "disconnect");
    CHECK(dxltie_client_free(client) == DXLTIE_OK, "free");
    free(seen);
    say("network_faults_test: %d failed", failures);
    return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "connect") == 0) return run_connect(argv[2]);
    if (argc == 6 && strcmp(argv[1], "agent") == 0) {
        callback_delay_us = strtol(argv[5], NULL, 10);
        return run_agent(argv[2], argv[3], (size_t)strtoul(argv[4], NULL, 10));
    }
    fprintf(stderr,
            "usage: %s connect <dxlclient.config>\n"
            "       %s agent <dxlclient.config> block|drop <queue capacity> <callback delay us>\n",
            argv[0], argv[0]);
    return 2;
}
