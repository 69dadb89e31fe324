/* Fleet-grade robustness as a C agent meets it (driven by tests/c_robustness.rs).
 *
 * Every mode first restores SIGPIPE's default disposition: a C agent that never touched its
 * signals dies of SIGPIPE, and the test harness (a Rust program, which ignores SIGPIPE, a
 * setting children inherit) would otherwise hide exactly the fault under test.
 *
 * Usage:
 *   robustness_test agent <dxlclient.config> [client id]
 *       Connects (back-off 100 ms x2 up to 800 ms, jitter 0.1), with a detection callback that
 *       counts events, state and log callbacks; prints READY, then answers commands on stdin:
 *         LOAD <ms>          four threads send events (16 KiB each) and requests for <ms>;
 *                            prints `LOAD sent=<n>` (the process must survive what the broker
 *                            does meanwhile)
 *         BIG                a set_file_reputation whose filename is 3 MiB; prints
 *                            `BIG <code name> connected=<0|1>`
 *         EDGE               messages at the size limit: the largest accepted is found, then
 *                            the 15 sizes around it sent; prints `EDGE largest=<n> sent=<k>`
 *         EVENTS <n> <ms>    waits until <n> detection events have arrived; prints
 *                            `EVENTS <count>`
 *         SIGMASK            prints `SIGMASK threads=<n> sigpipe_unblocked=<m> names=…` for
 *                            the library's threads (every thread but the main one)
 *         STATS              prints `STATS connected=… received=… oversized=… reconnects=…
 *                            connect_attempts=… undecodable=…`
 *         END                frees the client; prints `robustness_test: <n> failed`
 *       At any time: `STATE <name>` on a state change, `LOG <message>` for each library log
 *       record at warning level or above.
 *   robustness_test limits <scratch dir>
 *       Numeric setters at and past their limits, client id length, FIFOs, devices and
 *       directories as configuration and certificate files (no broker needed).
 *   robustness_test keys <dxlclient.config> <encrypted pkcs8 key> <encrypted legacy key>
 *       The certificate with each encrypted key: connect fails at once, saying so.
 *   robustness_test tls-unlimited <dxlclient.config>
 *       Retries unlimited, a certificate the broker refuses: connect (3 s) gives DXLTIE_E_TLS.
 *   robustness_test fork <dxlclient.config>
 *       The fork rule: a child's calls fail with DXLTIE_E_FORKED, its free releases memory only,
 *       it exits normally; the parent's client goes on working.
 *   robustness_test clients <dxlclient.config>
 *       Two clients: inside A's callback, B can be freed, and removing B's callback waits for
 *       B's running call; set_state_callback replaces the earlier callback.
 *   robustness_test free-race <dxlclient.config of a dead broker>
 *       A client freed while another thread waits in connect: the connect returns, the free
 *       waits for it, later calls on the handle are refused.
 *   robustness_test fork-table
 *       150 children forked while a thread allocates and frees results: none hangs.
 *   robustness_test async-race <dxlclient.config>
 *       Asynchronous requests racing a disconnect: a call that returns DXLTIE_OK calls back
 *       exactly once, a call that fails never does.
 * Each mode ends with `robustness_test: <n> failed` and exits non-zero on a failure.
 * Compiled as C11, as C++ and with AddressSanitizer (Makefile). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dxltie.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;

static const dxltie_hash_t NOTEPAD[] = {{"md5", "f2c7bb8acc97f92e987a2d4087d021b1"}};



static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

static int contains(const char *text, const char *part) { return text != NULL && strstr(text, part) != NULL; }

static int finish(void) {
    say("robustness_test: %d failed", failures);
    return failures == 0 ? 0 : 1;
}

static dxltie_client_t *connect_from(const char *path, const char *client_id) {
    dxltie_config_t *config = NULL;
    CHECK(dxltie_config_from_file(path, &config) == DXLTIE_OK, "config %s", path);
    if (config == NULL) return NULL;
    if (client_id) OK(dxltie_config_set_client_id(config, client_id));
    OK(dxltie_config_set_reconnect_back_off(config, 100, 2, 800, 0.1));
    dxltie_client_t *c = NULL;
    CHECK(dxltie_client_new(config, &c) == DXLTIE_OK, "new");
    dxltie_config_free(config);
    return c;
}

/* ---- agent ------------------------------------------------------------------------------ */

static dxltie_client_t *agent_client;
static uint64_t events;
static double load_until;

static void on_detection(void *user_data, const dxltie_detection_t *e) {
    (void)user_data;
    (void)e;
    pthread_mutex_lock(&lock);
    events++;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void on_state(void *user_data, dxltie_connection_state_t state) {
    (void)user_data;
    say("STATE %s", state == DXLTIE_STATE_CONNECTED    ? "connected"
                    : state == DXLTIE_STATE_CONNECTING ? "connecting"
                                                       : "disconnected");
}

static void on_log(void *user_data, dxltie_log_level_t level, const char *target, const char *message) {
    (void)user_data;
    (void)level;
    (void)target;
    char line[512];
    snprintf(line, sizeof line, "%s", message);
    for (char *p = line; *p; p++)
        if (*p == '\n') *p = ' ';
    say("LOG %s", line);
}

/* Keeps the network thread writing: external-reputation events (fire and forget, a large
 * comment each) and a synchronous request now and then. */
static void *load_thread(void *arg) {
    uint64_t *sent = (uint64_t *)arg;
    static char comment[16384];
    if (comment[0] == '\0') {
        memset(comment, 'c', sizeof comment - 1);
        comment[sizeof comment - 1] = '\0';
    }
    while (now_ms() < load_until) {
        dxltie_result_t rc = dxltie_set_external_file_reputation(agent_client, 99, NOTEPAD, 1, 0, "load.exe", comment);
        if (++*sent % 64 == 0) {
            dxltie_reputations_t *reps = NULL;
            rc = dxltie_get_file_reputation(agent_client, NOTEPAD, 1, 200, &reps);
            dxltie_reputations_free(reps);
        }
        if (rc == DXLTIE_E_NOT_CONNECTED) sleep_ms(1);
    }
    return NULL;
}

/* Every thread of this process but the main one is the library's (the LOAD threads have been
 * joined): each must have SIGPIPE blocked. Prints `SIGMASK threads=<n> sigpipe_unblocked=<m>
 * names=<comm,…>`. */
static void say_library_signal_masks(void) {
    char names[1024] = "";
    int threads = 0, unblocked = 0;
    DIR *tasks = opendir("/proc/self/task");
    CHECK(tasks != NULL, "/proc/self/task");
    struct dirent *entry;
    while (tasks && (entry = readdir(tasks)) != NULL) {
        long tid = strtol(entry->d_name, NULL, 10);
        if (tid <= 0 || tid == (long)getpid()) continue;
        char path[128], comm[64] = "?", status_line[256];
        snprintf(path, sizeof path, "/proc/self/task/%ld/comm", tid);
        FILE *f = fopen(path, "r");
        if (f) {
            if (fgets(comm, sizeof comm, f)) comm[strcspn(comm, "\n")] = '\0';
            fclose(f);
        }
        snprintf(path, sizeof path, "/proc/self/task/%ld/status", tid);
        f = fopen(path, "r");
        unsigned long long blocked = 0;
        while (f && fgets(status_line, sizeof status_line, f))
            if (strncmp(status_line, "SigBlk:", 7) == 0) blocked = strtoull(status_line + 7, NULL, 16);
        if (f) fclose(f);
        threads++;
        if (!(blocked & (1ULL << (SIGPIPE - 1)))) unblocked++;
        if (strlen(names) + strlen(comm) + 2 < sizeof names) {
            strcat(names, comm);
            strcat(names, ",");
        }
    }
    if (tasks) closedir(tasks);
    say("SIGMASK threads=%d sigpipe_unblocked=%d names=%s", threads, unblocked, names);
}

static int run_agent(const char *path, const char *client_id) {
    agent_client = connect_from(path, client_id);
    if (agent_client == NULL) return finish();
    OK(dxltie_set_log_callback(on_log, NULL, DXLTIE_LOG_WARN));
    OK(dxltie_client_set_state_callback(agent_client, on_state, NULL, NULL));
    CHECK(dxltie_client_connect(agent_client, 15000) == DXLTIE_OK, "connect");
    uint64_t id = 0;
    OK(dxltie_add_file_detection_callback(agent_client, on_detection, NULL, NULL, &id));
    say("READY");
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        long a = 0, b = 0;
        if (sscanf(line, "LOAD %ld", &a) == 1) {
            load_until = now_ms() + (double)a;
            pthread_t threads[4];
            uint64_t sent[4] = {0, 0, 0, 0};
            for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, load_thread, &sent[i]);
            for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
            say("LOAD sent=%llu", (unsigned long long)(sent[0] + sent[1] + sent[2] + sent[3]));
        } else if (strncmp(line, "BIG", 3) == 0) {
            size_t size = 3u << 20;
            char *name = (char *)malloc(size + 1);
            memset(name, 'a', size);
            name[size] = '\0';
            dxltie_result_t rc = dxltie_set_file_reputation(agent_client, 99, NOTEPAD, 1, name, "", 5000);
            free(name);
            CHECK(rc == DXLTIE_E_INVALID_ARG && contains(dxltie_last_error_message(), "over the"),
                  "an oversized request is refused: %s", code_name(rc));
            say("BIG %s connected=%d", code_name(rc), dxltie_client_is_connected(agent_client) ? 1 : 0);
        } else if (strncmp(line, "EDGE", 4) == 0) {
            /* The largest comment the library accepts, found without sending (a refused call
             * sends nothing), then the sizes just below it sent for real: each is either sent
             * or refused, and none may cost the connection. */
            size_t lo = 1u << 20, hi = 3u << 20;
            char *comment = (char *)malloc(hi + 1);
            memset(comment, 'c', hi);
            while (lo + 1 < hi) {
                size_t mid = lo + (hi - lo) / 2;
                comment[mid] = '\0';
                dxltie_result_t rc = dxltie_set_external_file_reputation(agent_client, 99, NOTEPAD, 1, 0, "e.exe",
                                                                         comment);
                comment[mid] = 'c';
                if (rc == DXLTIE_OK) lo = mid; else hi = mid;
                if (rc != DXLTIE_OK && rc != DXLTIE_E_INVALID_ARG) break;
            }
            int sent = 0;
            for (size_t n = lo >= 12 ? lo - 12 : 0; n <= lo + 2; n++) {
                comment[n] = '\0';
                dxltie_result_t rc = dxltie_set_external_file_reputation(agent_client, 99, NOTEPAD, 1, 0, "e.exe",
                                                                         comment);
                comment[n] = 'c';
                CHECK(rc == DXLTIE_OK || rc == DXLTIE_E_INVALID_ARG, "edge size %zu: %s", n, code_name(rc));
                sent += rc == DXLTIE_OK;
            }
            free(comment);
            say("EDGE largest=%zu sent=%d", lo, sent);
        } else if (sscanf(line, "EVENTS %ld %ld", &a, &b) == 2) {
            double until = now_ms() + (double)b;
            pthread_mutex_lock(&lock);
            while (events < (uint64_t)a && now_ms() < until) {
                pthread_mutex_unlock(&lock);
                sleep_ms(10);
                pthread_mutex_lock(&lock);
            }
            unsigned long long n = events;
            pthread_mutex_unlock(&lock);
            say("EVENTS %llu", n);
        } else if (strncmp(line, "SIGMASK", 7) == 0) {
            say_library_signal_masks();
        } else if (strncmp(line, "STATS", 5) == 0) {
            dxltie_stats_t s = dxltie_stats_init();
            OK(dxltie_client_stats(agent_client, &s));
            say("STATS connected=%d received=%llu oversized=%llu reconnects=%llu connect_attempts=%llu "
                "undecodable=%llu",
                dxltie_client_is_connected(agent_client) ? 1 : 0, (unsigned long long)s.received,
                (unsigned long long)s.oversized, (unsigned long long)s.reconnects,
                (unsigned long long)s.connect_attempts, (unsigned long long)s.undecodable);
        } else if (strncmp(line, "END", 3) == 0) {
            break;
        } else {
            CHECK(0, "unknown command %s", line);
        }
    }
    OK(dxltie_client_free(agent_client));
    OK(dxltie_set_log_callback(NULL, NULL, 0));
    return finish();
}

/* ---- limits ----------------------------------------------------------------------------- */

/* Expects `rc` to be `code` with a message containing `says`, within the call. */
#define EXPECT(call, code, says)                                                                  \
    do {                                                                                          \
        dxltie_result_t rc_ = (call);                                                             \
        CHECK(rc_ == (code) && contains(dxltie_last_error_message(), says), "%s gave %s, wanted %s " \
              "saying \"%s\"", #call, code_name(rc_), code_name(code), says);                      \
    } while (0)

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "write %s", path);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static dxltie_result_t reentrant_log_rc = 1;
static int reentrant_log_calls;

/* A log callback that changes the log callback: the library must refuse (it is in use on this
 * very thread), not hang. */
static void log_reentrant(void *user_data, dxltie_log_level_t level, const char *target, const char *message) {
    (void)user_data;
    (void)level;
    (void)target;
    (void)message;
    if (reentrant_log_calls++ == 0) reentrant_log_rc = dxltie_set_log_callback(NULL, NULL, 0);
}

static int run_limits(const char *dir) {
    /* Re-entrant log callback change; the record comes from freeing something never handed out. */
    OK(dxltie_set_log_callback(log_reentrant, NULL, DXLTIE_LOG_ERROR));
    static char not_ours[] = "not from the library";
    dxltie_string_free(not_ours);
    CHECK(reentrant_log_calls >= 1, "the log callback ran");
    CHECK(reentrant_log_rc == DXLTIE_E_WOULD_DEADLOCK, "re-entrant set_log_callback gave %s",
          code_name(reentrant_log_rc));
    OK(dxltie_set_log_callback(NULL, NULL, 0));

    dxltie_config_t *c = NULL;
    OK(dxltie_config_new(&c));
    /* Keep-alive: MQTT carries 16 bits of seconds. */
    OK(dxltie_config_set_keep_alive(c, 1));
    OK(dxltie_config_set_keep_alive(c, 65535));
    EXPECT(dxltie_config_set_keep_alive(c, 65536), DXLTIE_E_INVALID_ARG, "keep-alive");
    EXPECT(dxltie_config_set_keep_alive(c, 65537), DXLTIE_E_INVALID_ARG, "65535");
    EXPECT(dxltie_config_set_keep_alive(c, 0), DXLTIE_E_INVALID_ARG, "keep-alive");
    EXPECT(dxltie_config_set_keep_alive(c, UINT32_MAX), DXLTIE_E_INVALID_ARG, "keep-alive");
    /* The proxy: a port of 1 to 65535, an address, no password without a user; the password
       never in the message. */
    OK(dxltie_config_set_proxy(c, "proxy.example", 65535, "user", "pw-never-shown"));
    OK(dxltie_config_set_proxy(c, "proxy.example", 1, "user", NULL));
    EXPECT(dxltie_config_set_proxy(c, "proxy.example", 0, NULL, NULL), DXLTIE_E_INVALID_ARG, "proxy port 0");
    EXPECT(dxltie_config_set_proxy(c, "proxy.example", 65536, NULL, NULL), DXLTIE_E_INVALID_ARG, "1 to 65535");
    EXPECT(dxltie_config_set_proxy(c, " ", 3128, NULL, NULL), DXLTIE_E_INVALID_ARG, "address is empty");
    EXPECT(dxltie_config_set_proxy(c, "proxy.example", 3128, NULL, "pw-never-shown"), DXLTIE_E_INVALID_ARG,
           "needs a proxy user");
    CHECK(!contains(dxltie_last_error_message(), "pw-never-shown"), "the password in: %s", dxltie_last_error_message());
    OK(dxltie_config_set_proxy(c, NULL, 0, NULL, NULL));
    /* The transport switches the broker list the configuration reports. */
    size_t brokers = 99;
    OK(dxltie_config_add_websocket_broker(c, "wss://127.0.0.1:443"));
    CHECK(!dxltie_config_use_websockets(c), "MQTT/TLS by default");
    OK(dxltie_config_set_use_websockets(c, true));
    CHECK(dxltie_config_use_websockets(c), "WebSockets on");
    OK(dxltie_config_broker_count(c, &brokers));
    CHECK(brokers == 1, "%zu WebSocket brokers", brokers);
    EXPECT(dxltie_config_add_websocket_broker(c, "http://x:1"), DXLTIE_E_INVALID_ARG, "unsupported scheme");
    OK(dxltie_config_set_use_websockets(c, false));
    /* Back-off: NaN and infinite jitter, a zero multiplier, max below initial. */
    OK(dxltie_config_set_reconnect_back_off(c, 100, 1, 100, 0.0));
    /* A first delay below 100 ms would make a lost broker a hot loop of attempts. */
    EXPECT(dxltie_config_set_reconnect_back_off(c, 0, 1, 0, 0.0), DXLTIE_E_INVALID_ARG, "minimum");
    EXPECT(dxltie_config_set_reconnect_back_off(c, 99, 2, 1000, 0.1), DXLTIE_E_INVALID_ARG, "minimum");
    OK(dxltie_config_set_reconnect_back_off(c, UINT32_MAX, UINT32_MAX, UINT32_MAX, 1.0));
    EXPECT(dxltie_config_set_reconnect_back_off(c, 100, 2, 1000, nan("")), DXLTIE_E_INVALID_ARG, "jitter");
    EXPECT(dxltie_config_set_reconnect_back_off(c, 100, 2, 1000, INFINITY), DXLTIE_E_INVALID_ARG, "jitter");
    EXPECT(dxltie_config_set_reconnect_back_off(c, 100, 2, 1000, -0.1), DXLTIE_E_INVALID_ARG, "jitter");
    EXPECT(dxltie_config_set_reconnect_back_off(c, 100, 0, 1000, 0.1), DXLTIE_E_INVALID_ARG, "multiplier");
    EXPECT(dxltie_config_set_reconnect_back_off(c, 1001, 2, 1000, 0.1), DXLTIE_E_INVALID_ARG, "max delay");
    /* Retries and queue. */
    OK(dxltie_config_set_connect_retries(c, -1));
    OK(dxltie_config_set_connect_retries(c, INT32_MAX));
    EXPECT(dxltie_config_set_connect_retries(c, -2), DXLTIE_E_INVALID_ARG, "retries");
    EXPECT(dxltie_config_set_connect_retries(c, INT32_MIN), DXLTIE_E_INVALID_ARG, "retries");
    OK(dxltie_config_set_queue(c, SIZE_MAX, DXLTIE_OVERFLOW_BLOCK));
    EXPECT(dxltie_config_set_queue(c, 0, DXLTIE_OVERFLOW_BLOCK), DXLTIE_E_INVALID_ARG, "capacity");
    /* Client id: its reply topic must fit in an MQTT string. */
    size_t longest = 65535 - strlen("/mcafee/client/");
    char *id = (char *)malloc(longest + 2);
    memset(id, 'x', longest + 1);
    id[longest] = '\0';
    OK(dxltie_config_set_client_id(c, id));
    id[longest] = 'x';
    id[longest + 1] = '\0';
    EXPECT(dxltie_config_set_client_id(c, id), DXLTIE_E_INVALID_ARG, "client id is 65521 bytes");
    EXPECT(dxltie_config_set_client_id(c, ""), DXLTIE_E_INVALID_ARG, "empty");
    free(id);

    /* Files that are not regular files: refused at once, named, never read. */
    char fifo[400], config_path[512], key_fifo_config[512], text[2048];
    snprintf(fifo, sizeof fifo, "%.300s/fifo", dir);
    unlink(fifo);
    CHECK(mkfifo(fifo, 0600) == 0, "mkfifo");
    dxltie_config_t *loaded = NULL;
    EXPECT(dxltie_config_from_file(fifo, &loaded), DXLTIE_E_IO, "not a regular file (a FIFO)");
    EXPECT(dxltie_config_from_file(fifo, &loaded), DXLTIE_E_IO, fifo);
    EXPECT(dxltie_config_from_file("/dev/zero", &loaded), DXLTIE_E_IO, "a device");
    EXPECT(dxltie_config_from_file(dir, &loaded), DXLTIE_E_IO, "a directory");
    CHECK(loaded == NULL, "nothing loaded");
    /* A configuration whose private key is the FIFO. */
    snprintf(config_path, sizeof config_path, "%.400s/ca.pem", dir);
    write_file(config_path, "x");
    snprintf(config_path, sizeof config_path, "%.400s/cert.pem", dir);
    write_file(config_path, "x");
    snprintf(key_fifo_config, sizeof key_fifo_config, "%.400s/fifo-key.config", dir);
    snprintf(text, sizeof text,
             "[Certs]\nBrokerCertChain=ca.pem\nCertFile=cert.pem\nPrivateKey=fifo\n[Brokers]\n"
             "b=b;1;127.0.0.1\n");
    write_file(key_fifo_config, text);
    EXPECT(dxltie_config_from_file(key_fifo_config, &loaded), DXLTIE_E_CONFIG, "[Certs] PrivateKey");
    EXPECT(dxltie_config_from_file(key_fifo_config, &loaded), DXLTIE_E_CONFIG, "is a FIFO, not a regular file");
    /* Certificate files set directly to a FIFO and a device: connect refuses at once. */
    char ca[512], cert[512];
    snprintf(ca, sizeof ca, "%.400s/ca.pem", dir);
    snprintf(cert, sizeof cert, "%.400s/cert.pem", dir);
    OK(dxltie_config_add_broker(c, "ssl://127.0.0.1:1"));
    OK(dxltie_config_set_client_id(c, "limits"));
    OK(dxltie_config_set_certificate_files(c, fifo, cert, cert));
    dxltie_client_t *client = NULL;
    OK(dxltie_client_new(c, &client));
    EXPECT(dxltie_client_connect(client, 60000), DXLTIE_E_CONFIG, "not a regular file (a FIFO)");
    OK(dxltie_client_free(client));
    OK(dxltie_config_set_certificate_files(c, "/dev/zero", cert, cert));
    OK(dxltie_client_new(c, &client));
    EXPECT(dxltie_client_connect(client, 60000), DXLTIE_E_CONFIG, "/dev/zero");
    OK(dxltie_client_free(client));
    unlink(fifo);
    dxltie_config_free(c);
    return finish();
}

/* ---- keys, TLS with unlimited retries ------------------------------------------------------ */

static int run_keys(const char *path, const char *pkcs8, const char *legacy) {
    const char *keys[2] = {pkcs8, legacy};
    for (int i = 0; i < 2; i++) {
        dxltie_config_t *c = NULL;
        OK(dxltie_config_from_file(path, &c));
        if (c == NULL) return finish();
        /* The CA and certificate of the configuration, the encrypted key. */
        char folder[400], ca[512], cert[512];
        snprintf(folder, sizeof folder, "%s", path);
        char *slash = strrchr(folder, '/');
        if (slash) *slash = '\0';
        snprintf(cert, sizeof cert, "%s/client.crt", folder);
        snprintf(ca, sizeof ca, "%s/ca-bundle.crt", folder);
        OK(dxltie_config_set_certificate_files(c, ca, cert, keys[i]));
        dxltie_client_t *client = NULL;
        OK(dxltie_client_new(c, &client));
        dxltie_config_free(c);
        EXPECT(dxltie_client_connect(client, 10000), DXLTIE_E_TLS, "is encrypted with a passphrase");
        EXPECT(dxltie_client_connect(client, 10000), DXLTIE_E_TLS, keys[i]);
        OK(dxltie_client_free(client));
    }
    return finish();
}

static int run_tls_unlimited(const char *path) {
    dxltie_config_t *c = NULL;
    OK(dxltie_config_from_file(path, &c));
    if (c == NULL) return finish();
    OK(dxltie_config_set_connect_retries(c, -1));
    OK(dxltie_config_set_reconnect_back_off(c, 100, 2, 400, 0.1));
    dxltie_client_t *client = NULL;
    OK(dxltie_client_new(c, &client));
    dxltie_config_free(c);
    EXPECT(dxltie_client_connect(client, 3000), DXLTIE_E_TLS, "not connected within");
    EXPECT(dxltie_client_connect(client, 3000), DXLTIE_E_TLS, "the broker refused our client certificate (CertFile)");
    OK(dxltie_client_free(client));
    return finish();
}

/* ---- fork ------------------------------------------------------------------------------- */

static int run_fork(const char *path) {
    dxltie_client_t *client = connect_from(path, NULL);
    if (client == NULL) return finish();
    OK(dxltie_client_connect(client, 15000));
    pid_t pid = fork();
    if (pid == 0) {
        /* The child: every call on the parent's client fails at once, clearly; free works. */
        int bad = 0;
        dxltie_reputations_t *reps = NULL;
        dxltie_result_t rc = dxltie_get_file_reputation(client, NOTEPAD, 1, 60000, &reps);
        bad += rc != DXLTIE_E_FORKED || !contains(dxltie_last_error_message(), "fork()");
        dxltie_stats_t s = dxltie_stats_init();
        bad += dxltie_client_stats(client, &s) != DXLTIE_E_FORKED;
        bad += dxltie_client_is_connected(client) != false;
        bad += dxltie_client_connect(client, 60000) != DXLTIE_E_FORKED;
        bad += dxltie_client_disconnect(client) != DXLTIE_E_FORKED;
        uint64_t id = 0;
        bad += dxltie_add_file_detection_callback(client, on_detection, NULL, NULL, &id) != DXLTIE_E_FORKED;
        bad += dxltie_client_free(client) != DXLTIE_OK;
        /* A client of its own works in the child. */
        dxltie_client_t *own = connect_from(path, NULL);
        bad += own == NULL || dxltie_client_connect(own, 15000) != DXLTIE_OK;
        bad += own == NULL || dxltie_client_free(own) != DXLTIE_OK;
        fprintf(stderr, "child: %d bad\n", bad);
        exit(bad == 0 ? 0 : 3); /* exit, not _exit: atexit handlers and stdio run as in a host */
    }
    CHECK(pid > 0, "fork");
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child ended with status 0x%x", status);
    /* The parent's client is untouched. */
    CHECK(dxltie_client_is_connected(client), "the parent is still connected");
    dxltie_stats_t s = dxltie_stats_init();
    OK(dxltie_client_stats(client, &s));
    uint64_t id = 0;
    OK(dxltie_add_file_detection_callback(client, on_detection, NULL, NULL, &id));
    OK(dxltie_remove_callback(client, id));
    OK(dxltie_client_free(client));
    return finish();
}

/* ---- two clients -------------------------------------------------------------------------- */

static dxltie_client_t *client_a, *client_b;
static int b_call_running, b_call_finished, b_freed_in_a;
static uint64_t b_callback_id;
static dxltie_result_t a_free_b_rc = 1, a_remove_b_rc = 1;
static int removal_saw_b_finished = -1;
static int first_state_calls, second_state_calls, first_state_freed;

static void on_b_state(void *user_data, dxltie_connection_state_t state) {
    (void)user_data;
    (void)state;
}

static void b_slow(void *user_data, const dxltie_detection_t *e) {
    (void)user_data;
    (void)e;
    pthread_mutex_lock(&lock);
    b_call_running = 1;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    sleep_ms(500);
    pthread_mutex_lock(&lock);
    b_call_finished = 1;
    pthread_mutex_unlock(&lock);
}

/* A's state callback: at the first "connected" it removes B's callback while B's call runs. */
static void a_removes_b(void *user_data, const dxltie_detection_t *e) {
    (void)user_data;
    (void)e;
    pthread_mutex_lock(&lock);
    while (!b_call_running) pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
    a_remove_b_rc = dxltie_remove_callback(client_b, b_callback_id);
    pthread_mutex_lock(&lock);
    removal_saw_b_finished = b_call_finished;
    pthread_mutex_unlock(&lock);
    a_free_b_rc = dxltie_client_free(client_b);
    pthread_mutex_lock(&lock);
    b_freed_in_a = 1;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void first_state(void *user_data, dxltie_connection_state_t state) {
    (void)user_data;
    (void)state;
    __atomic_add_fetch(&first_state_calls, 1, __ATOMIC_SEQ_CST);
}
static void first_state_free(void *user_data) {
    (void)user_data;
    __atomic_add_fetch(&first_state_freed, 1, __ATOMIC_SEQ_CST);
}
static void second_state(void *user_data, dxltie_connection_state_t state) {
    (void)user_data;
    (void)state;
    __atomic_add_fetch(&second_state_calls, 1, __ATOMIC_SEQ_CST);
}

static int run_clients(const char *path) {
    client_a = connect_from(path, NULL);
    client_b = connect_from(path, NULL);
    if (client_a == NULL || client_b == NULL) return finish();
    OK(dxltie_client_set_state_callback(client_b, on_b_state, NULL, NULL));
    OK(dxltie_client_connect(client_a, 15000));
    OK(dxltie_client_connect(client_b, 15000));
    uint64_t a_id = 0;
    OK(dxltie_add_file_detection_callback(client_a, a_removes_b, NULL, NULL, &a_id));
    OK(dxltie_add_file_detection_callback(client_b, b_slow, NULL, NULL, &b_callback_id));
    say("READY"); /* the driver now publishes one detection event */
    pthread_mutex_lock(&lock);
    double until = now_ms() + 30000;
    while (!b_freed_in_a && now_ms() < until) {
        pthread_mutex_unlock(&lock);
        sleep_ms(10);
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    CHECK(b_freed_in_a, "A's callback ran");
    CHECK(a_remove_b_rc == DXLTIE_OK, "removing B's callback inside A's: %s", code_name(a_remove_b_rc));
    CHECK(removal_saw_b_finished == 1, "the removal waited for B's running call");
    CHECK(a_free_b_rc == DXLTIE_OK, "freeing B inside A's callback: %s", code_name(a_free_b_rc));

    /* set_state_callback replaces: the first callback's user data is freed at once (no call
     * is running), and only the second hears the next state changes. */
    OK(dxltie_client_set_state_callback(client_a, first_state, NULL, first_state_free));
    OK(dxltie_client_set_state_callback(client_a, second_state, NULL, NULL));
    CHECK(__atomic_load_n(&first_state_freed, __ATOMIC_SEQ_CST) == 1, "the replaced callback was freed");
    OK(dxltie_client_disconnect(client_a));
    OK(dxltie_client_connect(client_a, 15000));
    sleep_ms(200);
    CHECK(__atomic_load_n(&first_state_calls, __ATOMIC_SEQ_CST) == 0, "the replaced callback was called");
    CHECK(__atomic_load_n(&second_state_calls, __ATOMIC_SEQ_CST) >= 2, "the new callback heard %d changes",
          second_state_calls);
    OK(dxltie_client_free(client_a));
    return finish();
}

/* ---- asynchronous requests racing a disconnect ------------------------------------------ */

typedef struct {
    int called;
    int freed;
} request_record_t;

static void race_callback(void *user_data, const dxltie_response_t *r) {
    (void)r;
    __atomic_add_fetch(&((request_record_t *)user_data)->called, 1, __ATOMIC_SEQ_CST);
}
static void race_free(void *user_data) {
    __atomic_add_fetch(&((request_record_t *)user_data)->freed, 1, __ATOMIC_SEQ_CST);
}

/* At most this many requests a round. Each sender sends until one is refused (the disconnect
 * has taken effect): with a fixed number of requests (400) and a fixed delay before the
 * disconnect (0-4 ms), an idle machine sent them all before the disconnect took effect in every
 * round, so there was no race to check, and the test failed. More than the client's request
 * channel holds (4096), so senders also wait for room there when the disconnect comes: they
 * used to wait for ever. */
#define RACE_REQUESTS 8000
/* The disconnect starts once this many requests were accepted. */
#define RACE_ACCEPTED_FIRST 100
/* A request slot no sender reached. */
#define RACE_NOT_SENT 1

typedef struct {
    dxltie_client_t *client;
    int accepted;
    request_record_t records[RACE_REQUESTS];
    dxltie_result_t results[RACE_REQUESTS];
} race_t;

#define RACE_SENDERS 4

typedef struct {
    race_t *race;
    int first;
} race_slice_t;

/* Sends every RACE_SENDERS-th request from `first`: four threads widen the window in which a
 * request registers itself while the disconnect fails the pending table. */
static void *race_sender(void *arg) {
    race_slice_t *slice = (race_slice_t *)arg;
    race_t *race = slice->race;
    for (int i = slice->first; i < RACE_REQUESTS; i += RACE_SENDERS) {
        race->results[i] = dxltie_get_file_reputation_async(race->client, NOTEPAD, 1, 60000, race_callback,
                                                            &race->records[i], race_free);
        if (race->results[i] != DXLTIE_OK) break; /* disconnected: this sender's race is over */
        __atomic_add_fetch(&race->accepted, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static int run_async_race(const char *path) {
    dxltie_client_t *client = connect_from(path, NULL);
    if (client == NULL) return finish();
    static race_t race;
    unsigned long ok = 0, refused = 0;
    for (int round = 0; round < 40; round++) {
        memset(&race, 0, sizeof race);
        race.client = client;
        for (int i = 0; i < RACE_REQUESTS; i++) race.results[i] = RACE_NOT_SENT;
        OK(dxltie_client_connect(client, 15000));
        pthread_t senders[RACE_SENDERS];
        race_slice_t slices[RACE_SENDERS];
        for (int t = 0; t < RACE_SENDERS; t++) {
            slices[t].race = &race;
            slices[t].first = t;
            pthread_create(&senders[t], NULL, race_sender, &slices[t]);
        }
        double started = now_ms();
        while (__atomic_load_n(&race.accepted, __ATOMIC_SEQ_CST) < RACE_ACCEPTED_FIRST && now_ms() < started + 10000)
            sched_yield();
        OK(dxltie_client_disconnect(client));
        for (int t = 0; t < RACE_SENDERS; t++) pthread_join(senders[t], NULL);
        /* Every callback of a successful call has run (or runs now): the disconnect failed them. */
        double until = now_ms() + 10000;
        for (int i = 0; i < RACE_REQUESTS; i++) {
            request_record_t *r = &race.records[i];
            if (race.results[i] == RACE_NOT_SENT) continue;
            if (race.results[i] == DXLTIE_OK) {
                while (__atomic_load_n(&r->freed, __ATOMIC_SEQ_CST) == 0 && now_ms() < until) sleep_ms(1);
                CHECK(r->called == 1 && r->freed == 1, "request %d returned OK: called %d, freed %d", i, r->called,
                      r->freed);
                ok++;
            } else {
                CHECK(r->called == 0 && r->freed == 0, "request %d failed (%s): called %d, freed %d", i,
                      code_name(race.results[i]), r->called, r->freed);
                refused++;
            }
        }
    }
    say("RACE ok=%lu refused=%lu", ok, refused);
    OK(dxltie_client_free(client));
    return finish();
}

/* ---- free while another thread is inside connect ------------------------------------- */

static dxltie_client_t *racing_client;
static dxltie_result_t racing_connect_rc = 1;

static void *connect_forever(void *arg) {
    (void)arg;
    racing_connect_rc = dxltie_client_connect(racing_client, 600000);
    return NULL;
}

/* <config> names a broker nobody listens on: the connect keeps trying until freed. */
static int run_free_race(const char *path) {
    for (int round = 0; round < 5; round++) {
        racing_client = connect_from(path, NULL);
        if (racing_client == NULL) return finish();
        pthread_t t;
        pthread_create(&t, NULL, connect_forever, NULL);
        sleep_ms(200 + 50 * round);
        OK(dxltie_client_free(racing_client));
        pthread_join(t, NULL);
        CHECK(racing_connect_rc != DXLTIE_OK, "the connect of a freed client succeeded");
        /* The handle is gone: a call on it is refused, not a use of freed memory. */
        CHECK(dxltie_client_connect(racing_client, 0) == DXLTIE_E_INVALID_ARG, "a call after free");
    }
    return finish();
}

/* ---- fork while another thread allocates and frees results ---------------------------- */

static volatile int churning = 1;

static void *churn(void *arg) {
    (void)arg;
    while (churning) {
        char *text = NULL;
        if (dxltie_json_pretty("{\"a\":1}", &text) == DXLTIE_OK) dxltie_string_free(text);
    }
    return NULL;
}

/* Children forked while a thread holds the library's table of results must not hang in it. */
static int run_fork_table(void) {
    pthread_t t;
    pthread_create(&t, NULL, churn, NULL);
    int hung = 0;
    for (int i = 0; i < 150; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            alarm(10); /* a hang dies of SIGALRM instead of blocking the test */
            dxltie_config_t *c = NULL;
            int ok = dxltie_config_new(&c) == DXLTIE_OK;
            dxltie_config_free(c);
            char *text = NULL;
            ok = ok && dxltie_json_pretty("[1]", &text) == DXLTIE_OK;
            dxltie_string_free(text);
            _exit(ok ? 0 : 3);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) hung++;
    }
    churning = 0;
    pthread_join(t, NULL);
    CHECK(hung == 0, "%d of 150 forked children hung or failed", hung);
    return finish();
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_DFL); /* a host that never touched its signals */
    if (argc == 3 && strcmp(argv[1], "free-race") == 0) return run_free_race(argv[2]);
    if (argc == 2 && strcmp(argv[1], "fork-table") == 0) return run_fork_table();
    if (argc >= 3 && strcmp(argv[1], "agent") == 0) return run_agent(argv[2], argc > 3 ? argv[3] : NULL);
    if (argc == 3 && strcmp(argv[1], "limits") == 0) return run_limits(argv[2]);
    if (argc == 5 && strcmp(argv[1], "keys") == 0) return run_keys(argv[2], argv[3], argv[4]);
    if (argc == 3 && strcmp(argv[1], "tls-unlimited") == 0) return run_tls_unlimited(argv[2]);
    if (argc == 3 && strcmp(argv[1], "fork") == 0) return run_fork(argv[2]);
    if (argc == 3 && strcmp(argv[1], "clients") == 0) return run_clients(argv[2]);
    if (argc == 3 && strcmp(argv[1], "async-race") == 0) return run_async_race(argv[2]);
    fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
    return 2;
}
