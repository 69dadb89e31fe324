/* The C side of `make bench` (BENCHMARKS.md): one program, one mode per measurement. Each mode
 * prints `READY` when the driver may start sending, then one `RESULT key=value ...` line.
 *
 *   bench events <dxlclient.config> <count> struct|typed|json
 *       Connects, registers one detection callback (the flat struct, the flat struct without its
 *       JSON text, or the JSON form), reads the idle resident memory, prints READY and counts
 *       events until <count> have arrived (or none for 10 s). Rate: events between the first and
 *       the last arrival, over that time.
 *   bench requests <dxlclient.config> <count> sync|async [window]
 *       get_file_reputation against the responder: a synchronous loop timing every round trip
 *       (p50/p99), or asynchronous requests with <window> in flight (default 64).
 *   bench idle <dxlclient.config> <seconds>
 *       Connects, registers one detection callback, prints READY and then does nothing for
 *       <seconds> (the driver counts the process's context switches and CPU time meanwhile).
 *   bench cache <dxlclient.config> <count>
 *       The reputation cache: <count> synchronous round trips without a cache, then <count>
 *       lookups answered by a warm cache (p50/p99 of each, in microseconds); a burst of 1000
 *       asynchronous lookups of 10 hashes at once, without and with a cache (fabric requests
 *       sent: 1000 without; misses that did not share a request with); and the resident memory
 *       of 20 000 cached answers (per entry).
 *   bench connect <dxlclient.config> <count>
 *       <count> times: dxltie_client_connect then a detection callback, until the broker has
 *       confirmed the subscription (adding a callback to a connected client waits for the
 *       SUBACK); prints every time in ms.
 *
 * Clocks: CLOCK_MONOTONIC; no output while measuring. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dxltie.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what) {
    fprintf(stderr, "bench: %s: %s\n", what, dxltie_last_error_message());
    exit(1);
}

/* A field of /proc/self/status in KiB (VmRSS, VmHWM). */
static long status_kib(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long value = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            value = strtol(line + n + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return value;
}

/* busy_poll_us: dxltie_config_set_busy_poll (0: off, the default). */
static dxltie_client_t *new_client_polling(const char *path, uint32_t busy_poll_us) {
    dxltie_config_t *config = NULL;
    if (dxltie_config_from_file(path, &config) != DXLTIE_OK) die("config");
    if (dxltie_config_set_busy_poll(config, busy_poll_us) != DXLTIE_OK) die("set_busy_poll");
    dxltie_client_t *client = NULL;
    dxltie_result_t rc = dxltie_client_new(config, &client);
    dxltie_config_free(config);
    if (rc != DXLTIE_OK) die("client");
    return client;
}

static dxltie_client_t *new_client(const char *path) { return new_client_polling(path, 0); }

/* User + system CPU time of the process so far, in seconds. */
static double cpu_s(void) {
    struct rusage u;
    if (getrusage(RUSAGE_SELF, &u) != 0) die("getrusage");
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/* ---------------------------------------------------------------------------------------- */
/* events */

/* Written only by the dispatcher thread; `count` is read by the main thread. */
static _Atomic long received = 0;
static double first_at = 0, last_at = 0;
/* Something derived from every event, so the callbacks read what they are given. */
static size_t checksum = 0;

static void on_detection(void *user_data, const dxltie_detection_t *event) {
    (void)user_data;
    double t = now_s();
    if (atomic_load_explicit(&received, memory_order_relaxed) == 0) first_at = t;
    last_at = t;
    checksum += event->hash_count + (size_t)event->local_reputation + (event->name ? (size_t)event->name[0] : 0);
    atomic_fetch_add_explicit(&received, 1, memory_order_release);
}

static void on_json(void *user_data, const dxltie_json_event_t *event) {
    (void)user_data;
    double t = now_s();
    if (atomic_load_explicit(&received, memory_order_relaxed) == 0) first_at = t;
    last_at = t;
    checksum += strlen(event->json);
    atomic_fetch_add_explicit(&received, 1, memory_order_release);
}

/* CPU time (user + system, ms) of the library's threads: those named dxltie-*, from
 * /proc/self/task/<tid>/stat. The bench's own polling main thread is left out. */
static double library_cpu_ms(void) {
    double ms = 0;
    DIR *tasks = opendir("/proc/self/task");
    struct dirent *entry;
    while (tasks && (entry = readdir(tasks)) != NULL) {
        char path[300], comm[64] = "", line[1024];
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", entry->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        int ours = fgets(comm, sizeof comm, f) != NULL && strncmp(comm, "dxltie", 6) == 0;
        fclose(f);
        if (!ours) continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", entry->d_name);
        f = fopen(path, "r");
        if (!f) continue;
        if (fgets(line, sizeof line, f)) {
            char *p = strrchr(line, ')');
            unsigned long long utime = 0, stime = 0;
            /* After ") ": the state, then fields 4 to 13; utime and stime follow. */
            if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) == 2)
                ms += (double)(utime + stime) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
        }
        fclose(f);
    }
    if (tasks) closedir(tasks);
    return ms;
}

static int run_events(const char *path, long count, const char *form) {
    dxltie_client_t *client = NULL;
    if (strcmp(form, "typed") == 0) {
        /* The struct callback of an agent that reads only the typed fields: no JSON text. */
        dxltie_config_t *config = NULL;
        if (dxltie_config_from_file(path, &config) != DXLTIE_OK) die("config");
        if (dxltie_config_set_event_json(config, false) != DXLTIE_OK) die("set_event_json");
        if (dxltie_client_new(config, &client) != DXLTIE_OK) die("client");
        dxltie_config_free(config);
    } else {
        client = new_client(path);
    }
    if (dxltie_client_connect(client, 10000) != DXLTIE_OK) die("connect");
    uint64_t id;
    dxltie_result_t rc = strcmp(form, "json") == 0
                             ? dxltie_add_json_callback(client, DXLTIE_EVENT_KIND_FILE_DETECTION, on_json, NULL,
                                                        NULL, &id)
                             : dxltie_add_file_detection_callback(client, on_detection, NULL, NULL, &id);
    if (rc != DXLTIE_OK) die("add callback");
    sleep(1); /* idle, connected and subscribed */
    long rss_idle = status_kib("VmRSS");
    double cpu_before = library_cpu_ms();
    printf("READY\n");
    fflush(stdout);

    long seen = 0;
    double progress_at = now_s();
    for (;;) {
        long n = atomic_load_explicit(&received, memory_order_acquire);
        if (n >= count) break;
        if (n != seen) {
            seen = n;
            progress_at = now_s();
        } else if (now_s() - progress_at > 10.0) {
            break; /* lost events: report what arrived */
        }
        usleep(1000);
    }
    long n = atomic_load_explicit(&received, memory_order_acquire);
    double cpu_ms = library_cpu_ms() - cpu_before;
    double seconds = last_at - first_at;
    dxltie_stats_t stats = dxltie_stats_init();
    if (dxltie_client_stats(client, &stats) != DXLTIE_OK) die("stats");
    long hwm = status_kib("VmHWM");
    long rss_after = status_kib("VmRSS");
    printf("RESULT mode=events form=%s count=%ld seconds=%.6f rate=%.1f rss_idle_kib=%ld hwm_kib=%ld "
           "rss_after_kib=%ld dropped=%llu bad_events=%llu checksum=%zu cpu_ms=%.0f\n",
           form, n, seconds, n > 1 && seconds > 0 ? (double)(n - 1) / seconds : 0.0, rss_idle, hwm, rss_after,
           (unsigned long long)stats.dropped, (unsigned long long)stats.bad_events, checksum, cpu_ms);
    fflush(stdout);
    dxltie_client_free(client);
    return n >= count ? 0 : 1;
}

/* ---------------------------------------------------------------------------------------- */
/* requests */

/* The notepad.exe hashes the TIE samples ask for. */
static const dxltie_hash_t HASHES[] = {
    {DXLTIE_HASH_TYPE_MD5, "f2c7bb8acc97f92e987a2d4087d021b1"},
    {DXLTIE_HASH_TYPE_SHA1, "7eb0139d2175739b3ccb0d1110067820be6abd29"},
    {DXLTIE_HASH_TYPE_SHA256, "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2"},
};
#define HASH_COUNT (sizeof HASHES / sizeof HASHES[0])

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(const double *sorted, long n, double p) {
    long i = (long)(p * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

static void sync_one(dxltie_client_t *client) {
    dxltie_reputations_t *reps = NULL;
    if (dxltie_get_file_reputation(client, HASHES, HASH_COUNT, 5000, &reps) != DXLTIE_OK) die("get_file_reputation");
    if (reps->count != 2) {
        fprintf(stderr, "bench: expected 2 reputations, got %zu\n", reps->count);
        exit(1);
    }
    dxltie_reputations_free(reps);
}

static sem_t slots;
static _Atomic long completed = 0;
static _Atomic long failed = 0;

static void on_response(void *user_data, const dxltie_response_t *response) {
    (void)user_data;
    if (response->status != DXLTIE_OK || !response->reputations || response->reputations->count != 2)
        atomic_fetch_add(&failed, 1);
    atomic_fetch_add(&completed, 1);
    sem_post(&slots);
}

/* form: sync, sync-busy (sync with 200 us of busy polling) or async. */
static int run_requests(const char *path, long count, const char *form, long window) {
    const bool busy = strcmp(form, "sync-busy") == 0;
    dxltie_client_t *client = new_client_polling(path, busy ? 200 : 0);
    if (dxltie_client_connect(client, 10000) != DXLTIE_OK) die("connect");
    for (int i = 0; i < 200; i++) sync_one(client); /* warm-up: connections, caches, allocator */
    printf("READY\n");
    fflush(stdout);
    if (strcmp(form, "sync") == 0 || busy) {
        double *lat = malloc(sizeof(double) * (size_t)count);
        if (!lat) die("malloc");
        double cpu_start = cpu_s();
        double start = now_s();
        for (long i = 0; i < count; i++) {
            double t0 = now_s();
            sync_one(client);
            lat[i] = now_s() - t0;
        }
        double total = now_s() - start;
        double cpu = cpu_s() - cpu_start;
        qsort(lat, (size_t)count, sizeof(double), cmp_double);
        printf("RESULT mode=requests form=%s count=%ld seconds=%.6f rate=%.1f p50_ms=%.4f p99_ms=%.4f "
               "min_ms=%.4f max_ms=%.4f cpu_us=%.1f\n",
               form, count, total, (double)count / total, percentile(lat, count, 0.50) * 1e3,
               percentile(lat, count, 0.99) * 1e3, lat[0] * 1e3, lat[count - 1] * 1e3, cpu / (double)count * 1e6);
        free(lat);
    } else {
        if (sem_init(&slots, 0, (unsigned)window) != 0) die("sem_init");
        double start = now_s();
        for (long i = 0; i < count; i++) {
            while (sem_wait(&slots) != 0 && errno == EINTR) {
            }
            if (dxltie_get_file_reputation_async(client, HASHES, HASH_COUNT, 30000, on_response, NULL, NULL) !=
                DXLTIE_OK)
                die("get_file_reputation_async");
        }
        while (atomic_load(&completed) < count) usleep(100);
        double total = now_s() - start;
        printf("RESULT mode=requests form=async window=%ld count=%ld seconds=%.6f rate=%.1f failed=%ld\n", window,
               count, total, (double)count / total, atomic_load(&failed));
    }
    fflush(stdout);
    dxltie_client_free(client);
    return atomic_load(&failed) == 0 ? 0 : 1;
}

/* ---------------------------------------------------------------------------------------- */
/* cache */

static dxltie_client_t *cached_client(const char *path, uint32_t entries) {
    dxltie_config_t *config = NULL;
    if (dxltie_config_from_file(path, &config) != DXLTIE_OK) die("config");
    if (dxltie_config_set_reputation_cache(config, entries, 3600) != DXLTIE_OK) die("set_reputation_cache");
    dxltie_client_t *client = NULL;
    dxltie_result_t rc = dxltie_client_new(config, &client);
    dxltie_config_free(config);
    if (rc != DXLTIE_OK) die("client");
    if (dxltie_client_connect(client, 10000) != DXLTIE_OK) die("connect");
    return client;
}

/* p50 and p99 in microseconds of <count> synchronous lookups. */
static void time_lookups(dxltie_client_t *client, long count, double *p50_us, double *p99_us) {
    double *lat = malloc(sizeof(double) * (size_t)count);
    if (!lat) die("malloc");
    for (long i = 0; i < count; i++) {
        double t0 = now_s();
        sync_one(client);
        lat[i] = now_s() - t0;
    }
    qsort(lat, (size_t)count, sizeof(double), cmp_double);
    *p50_us = percentile(lat, count, 0.50) * 1e6;
    *p99_us = percentile(lat, count, 0.99) * 1e6;
    free(lat);
}

/* md5 number i as hex, for distinct lookups. */
static void md5_of(long i, char out[33]) { snprintf(out, 33, "%032lx", i); }

/* 1000 asynchronous lookups of 10 hashes, all issued before any answer is awaited. */
static void burst(dxltie_client_t *client) {
    atomic_store(&completed, 0);
    atomic_store(&failed, 0);
    if (sem_init(&slots, 0, 1000) != 0) die("sem_init");
    char hex[10][33];
    for (long h = 0; h < 10; h++) md5_of(1000000 + h, hex[h]);
    for (long i = 0; i < 1000; i++) {
        dxltie_hash_t hash = {DXLTIE_HASH_TYPE_MD5, hex[i % 10]};
        if (dxltie_get_file_reputation_async(client, &hash, 1, 30000, on_response, NULL, NULL) != DXLTIE_OK)
            die("get_file_reputation_async");
    }
    while (atomic_load(&completed) < 1000) usleep(100);
    if (atomic_load(&failed) != 0) die("burst answers");
}

static dxltie_stats_t stats_of(dxltie_client_t *client) {
    dxltie_stats_t stats;
    memset(&stats, 0, sizeof stats);
    stats.struct_size = sizeof stats;
    if (dxltie_client_stats(client, &stats) != DXLTIE_OK) die("stats");
    return stats;
}

static int run_cache(const char *path, long count) {
    dxltie_client_t *plain = new_client(path);
    if (dxltie_client_connect(plain, 10000) != DXLTIE_OK) die("connect");
    dxltie_client_t *cached = cached_client(path, 100000);
    for (int i = 0; i < 200; i++) sync_one(plain); /* warm-up */
    sync_one(cached);                               /* the one miss */
    printf("READY\n");
    fflush(stdout);
    double rtt_p50, rtt_p99, hit_p50, hit_p99;
    time_lookups(plain, count, &rtt_p50, &rtt_p99);
    time_lookups(cached, count * 10, &hit_p50, &hit_p99);
    dxltie_stats_t s = stats_of(cached);
    if (s.cache_misses != 1) die("the warm cache missed");

    burst(plain); /* without a cache: 1000 requests by construction */
    dxltie_client_t *fresh = cached_client(path, 1000);
    burst(fresh);
    dxltie_stats_t b = stats_of(fresh);
    unsigned long long burst_requests = (unsigned long long)(b.cache_misses - b.cache_coalesced);
    dxltie_client_free(fresh);

    /* Memory: 20 000 distinct answers cached. */
    long rss_before = status_kib("VmRSS");
    for (long i = 0; i < 20000; i++) {
        char hex[33];
        md5_of(i, hex);
        dxltie_hash_t hash = {DXLTIE_HASH_TYPE_MD5, hex};
        dxltie_reputations_t *reps = NULL;
        if (dxltie_get_file_reputation(cached, &hash, 1, 5000, &reps) != DXLTIE_OK) die("fill");
        dxltie_reputations_free(reps);
    }
    long rss_after = status_kib("VmRSS");
    s = stats_of(cached);
    printf("RESULT mode=cache count=%ld rtt_p50_us=%.2f rtt_p99_us=%.2f hit_p50_us=%.3f hit_p99_us=%.3f "
           "burst_requests_uncached=1000 burst_requests_cached=%llu burst_hits=%llu burst_coalesced=%llu "
           "entries=%llu bytes_per_entry=%.0f\n",
           count, rtt_p50, rtt_p99, hit_p50, hit_p99, burst_requests, (unsigned long long)b.cache_hits,
           (unsigned long long)b.cache_coalesced, (unsigned long long)s.cache_entries,
           (double)(rss_after - rss_before) * 1024.0 / 20000.0);
    fflush(stdout);
    dxltie_client_free(cached);
    dxltie_client_free(plain);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* connect */

static void on_detection_noop(void *user_data, const dxltie_detection_t *event) {
    (void)user_data;
    (void)event;
}

static int run_connect(const char *path, long count) {
    printf("READY\n");
    fflush(stdout);
    double *ms = malloc(sizeof(double) * (size_t)count);
    if (!ms) die("malloc");
    for (long i = 0; i < count; i++) {
        dxltie_client_t *client = new_client(path);
        double t0 = now_s();
        if (dxltie_client_connect(client, 10000) != DXLTIE_OK) die("connect");
        uint64_t id;
        if (dxltie_add_file_detection_callback(client, on_detection_noop, NULL, NULL, &id) != DXLTIE_OK)
            die("add callback");
        ms[i] = (now_s() - t0) * 1e3;
        dxltie_client_free(client);
    }
    printf("RESULT mode=connect count=%ld ms=", count);
    for (long i = 0; i < count; i++) printf("%s%.3f", i ? "," : "", ms[i]);
    qsort(ms, (size_t)count, sizeof(double), cmp_double);
    printf(" median_ms=%.3f min_ms=%.3f max_ms=%.3f\n", percentile(ms, count, 0.5), ms[0], ms[count - 1]);
    fflush(stdout);
    free(ms);
    return 0;
}

/* Connected, subscribed, a callback registered, and nothing else: the library's idle cost. */
static int run_idle(const char *path, long seconds) {
    dxltie_client_t *client = new_client(path);
    if (dxltie_client_connect(client, 10000) != DXLTIE_OK) die("connect");
    uint64_t id;
    if (dxltie_add_file_detection_callback(client, on_detection, NULL, NULL, &id) != DXLTIE_OK) die("add callback");
    printf("READY\n");
    fflush(stdout);
    sleep((unsigned)seconds);
    printf("RESULT mode=idle\n");
    fflush(stdout);
    dxltie_client_free(client);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s events|requests|cache|connect|idle <dxlclient.config> <count> [form] [window]\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1], *path = argv[2];
    long count = strtol(argv[3], NULL, 10);
    if (count < 2) {
        fprintf(stderr, "bench: count must be at least 2\n");
        return 2;
    }
    if (strcmp(mode, "events") == 0) return run_events(path, count, argc > 4 ? argv[4] : "struct");
    if (strcmp(mode, "requests") == 0)
        return run_requests(path, count, argc > 4 ? argv[4] : "sync", argc > 5 ? strtol(argv[5], NULL, 10) : 64);
    if (strcmp(mode, "connect") == 0) return run_connect(path, count);
    if (strcmp(mode, "cache") == 0) return run_cache(path, count);
    if (strcmp(mode, "idle") == 0) return run_idle(path, count);
    fprintf(stderr, "bench: unknown mode %s\n", mode);
    return 2;
}
