/* A C agent on TIE event topics full of hostile traffic (tests/support/fault_mix.rs, published by
 * tests/c_event_faults.rs): every valid event must reach its callback exactly once with the
 * promised content, every bad message must be skipped and counted in the client's statistics,
 * the connection must stay up, and memory must stay flat.
 *
 * Usage: event_faults_test <dxlclient.config> <max seq>
 * Dialogue on stdin/stdout, one line each:
 *   -> READY                                     connected, four callbacks registered
 *   <- EXPECT <received> <delivered> <unsequenced> <bad_events> <undecodable>   (running totals)
 *   -> PHASE ok|FAIL rss_kb=<VmRSS> ...          once the client has reached (or overshot) them
 *   <- END
 *   -> event_faults_test: <n> failed
 * A valid event carries a hash of type "seq": 8 bytes as hex, seq (u32) | kind | variant | d17e.
 * Compiled as C11, as C++ and with AddressSanitizer (Makefile). */
#include <pthread.h>
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

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The variants of tests/support/fault_mix.rs (`Variant`). */
enum { PLAIN = 0, SPARSE = 1, WRONG_TYPES = 2, HUGE_ARRAY = 3, NEAR_LIMIT = 4, PLAIN_ENVELOPE = 5 };
#define HUGE_HASHES 5000
#define MAX_PACKET (2 * 1024 * 1024)

static const char *AGENT = "{3a6f574a-3e6f-436d-acd4-bcde336b054d}";
static const char *MD5 = "f2c7bb8acc97f92e987a2d4087d021b1";
static const char *SHA1 = "7eb0139d2175739b3ccb0d1110067820be6abd29";
static const char *CERT_SHA1 = "6eae26db8c13182a7947982991b4321732cc3de2";
static const char *CERT_PK = "3b87a2d6f39770160364b79a152fcc73bae27adf";
static const char *TOPICS[4] = {
    DXLTIE_TIE_EVENT_FILE_DETECTION_TOPIC,
    DXLTIE_TIE_EVENT_FILE_FIRST_INSTANCE_TOPIC,
    DXLTIE_TIE_EVENT_FILE_REPUTATION_CHANGE_TOPIC,
    DXLTIE_TIE_EVENT_CERT_REPUTATION_CHANGE_TOPIC,
};

/* What the callbacks saw (under `lock`). */
static uint32_t max_seq;
static unsigned char *seen;
static uint64_t delivered, unsequenced, duplicates;

static int str_is(const char *s, const char *want) { return s != NULL && strcmp(s, want) == 0; }

/* The seq hash, parsed; returns 0 if the event has none. */
static int find_seq(const dxltie_hash_t *hashes, size_t n, uint32_t *seq, int *kind, int *variant) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(hashes[i].hash_type, "seq") != 0) continue;
        const char *v = hashes[i].value;
        unsigned long s;
        unsigned k, var;
        char marker[5];
        if (strlen(v) != 16 || sscanf(v, "%8lx%2x%2x%4s", &s, &k, &var, marker) != 4 || strcmp(marker, "d17e") != 0)
            return -1;
        *seq = (uint32_t)s;
        *kind = (int)k;
        *variant = (int)var;
        return 1;
    }
    return 0;
}

/* Counts one delivery of an event of `kind`; returns its variant, or -1 if it has no valid seq. */
static int account(int kind, const dxltie_message_info_t *m, const char *json, const dxltie_hash_t *hashes,
                   size_t n) {
    CHECK(str_is(m->topic, TOPICS[kind]), "topic %s on the kind %d callback", m->topic, kind);
    CHECK(json != NULL && json[0] != '\0', "JSON text");
    uint32_t seq = 0;
    int seq_kind = -1, variant = -1;
    int found = find_seq(hashes, n, &seq, &seq_kind, &variant);
    CHECK(found >= 0, "malformed seq hash");
    pthread_mutex_lock(&lock);
    if (found == 0) {
        unsequenced++;
    } else if (seq >= max_seq) {
        variant = -1;
    } else {
        delivered++;
        if (seen[seq]++ > 0) duplicates++;
    }
    pthread_mutex_unlock(&lock);
    if (found == 1) {
        CHECK(seq < max_seq, "seq %u out of range", (unsigned)seq);
        CHECK(seq_kind == kind, "seq %u of kind %d delivered as kind %d", (unsigned)seq, seq_kind, kind);
    }
    return found == 1 ? variant : -1;
}

static int has_hash(const dxltie_hash_t *hashes, size_t n, size_t i, const char *type, const char *value) {
    return i < n && str_is(hashes[i].hash_type, type) && str_is(hashes[i].value, value);
}

/* Hashes h0..h4999 keep their order and their values (index as 2 bytes). */
static void check_huge(const dxltie_hash_t *hashes, size_t n) {
    CHECK(n == HUGE_HASHES + 1, "huge array: %zu hashes", n);
    const size_t probes[3] = {0, 1234, HUGE_HASHES - 1};
    for (int p = 0; p < 3 && n == HUGE_HASHES + 1; p++) {
        char type[16], value[8];
        snprintf(type, sizeof type, "h%zu", probes[p]);
        snprintf(value, sizeof value, "%04zx", probes[p]);
        CHECK(has_hash(hashes, n, probes[p], type, value), "huge array element %zu", probes[p]);
    }
}

static void on_detection(void *user_data, const dxltie_detection_t *e) {
    (void)user_data;
    int variant = account(0, &e->message, e->json, e->hashes, e->hash_count);
    switch (variant) {
    case PLAIN:
    case PLAIN_ENVELOPE:
        CHECK(str_is(e->agent_guid, AGENT) && str_is(e->name, "FOCUS_MALWARE2.EXE"), "detection strings");
        CHECK(e->detection_time == 1481301038 && e->local_reputation == 1 && e->remediation_action == 5,
              "detection numbers");
        CHECK(e->hash_count == 3 && has_hash(e->hashes, 3, 0, "md5", MD5) && has_hash(e->hashes, 3, 1, "sha1", SHA1),
              "detection hashes as hex");
        break;
    case SPARSE:
    case WRONG_TYPES:
        CHECK(e->agent_guid == NULL && e->name == NULL && e->hash_count == 1, "absent detection fields");
        CHECK(e->detection_time == DXLTIE_ABSENT && e->local_reputation == DXLTIE_ABSENT &&
                  e->remediation_action == DXLTIE_ABSENT,
              "absent detection numbers");
        CHECK(strstr(e->json, variant == SPARSE ? "\"extraField\"" : "\"yesterday\"") != NULL,
              "the JSON keeps what the typed view cannot show");
        break;
    case HUGE_ARRAY:
        check_huge(e->hashes, e->hash_count);
        break;
    case NEAR_LIMIT:
        CHECK(e->hash_count == 1 && e->message.payload_len > MAX_PACKET - 8192, "near-limit detection");
        break;
    default:
        break;
    }
}

static void on_first_instance(void *user_data, const dxltie_first_instance_t *e) {
    (void)user_data;
    int variant = account(1, &e->message, e->json, e->hashes, e->hash_count);
    switch (variant) {
    case PLAIN:
    case PLAIN_ENVELOPE:
        CHECK(str_is(e->agent_guid, AGENT) && str_is(e->name, "MORPH.EXE"), "first instance strings");
        CHECK(e->hash_count == 3 && has_hash(e->hashes, 3, 0, "md5", MD5), "first instance hashes");
        break;
    case SPARSE:
    case WRONG_TYPES:
        CHECK(e->agent_guid == NULL && e->name == NULL && e->hash_count == 1, "absent first instance fields");
        break;
    case HUGE_ARRAY:
        check_huge(e->hashes, e->hash_count);
        break;
    default:
        break;
    }
}

static void on_reputation_change(void *user_data, const dxltie_reputation_change_t *e) {
    int kind = *(const int *)user_data;
    CHECK(e->kind == kind, "event kind %d on the kind %d callback", (int)e->kind, kind);
    int variant = account(kind, &e->message, e->json, e->hashes, e->hash_count);
    switch (variant) {
    case PLAIN:
    case PLAIN_ENVELOPE:
        CHECK(e->update_time == 1481219581, "update time");
        if (kind == DXLTIE_EVENT_KIND_FILE_REPUTATION_CHANGE) {
            CHECK(e->hash_count == 3 && has_hash(e->hashes, 3, 0, "md5", MD5), "file hashes");
            CHECK(e->new_reputation_count == 2 && e->old_reputation_count == 1, "reputation counts");
            if (e->new_reputation_count == 2 && e->old_reputation_count == 1) {
                const dxltie_reputation_t *gti = &e->new_reputations[0];
                CHECK(gti->provider_id == 1 && gti->trust_level == 99 && gti->create_date == 1480455704 &&
                          gti->attribute_count == 1 && str_is(gti->attributes[0].id, "2120340") &&
                          str_is(gti->attributes[0].value, "2139160704"),
                      "GTI reputation");
                CHECK(e->new_reputations[1].provider_id == 3 && e->new_reputations[1].trust_level == 85,
                      "new Enterprise reputation");
                CHECK(e->old_reputations[0].trust_level == 0, "old reputation");
            }
            CHECK(e->certificate_hash_count == 1 && has_hash(e->certificate_hashes, 1, 0, "sha1", CERT_SHA1),
                  "signing certificate hashes");
            CHECK(str_is(e->certificate_public_key_sha1, CERT_PK) && e->public_key_sha1 == NULL, "public keys");
            CHECK(strstr(e->json, "props") == NULL, "props dropped");
        } else {
            CHECK(e->hash_count == 2 && has_hash(e->hashes, 2, 0, "sha1", CERT_SHA1), "certificate hashes");
            CHECK(e->new_reputation_count == 2 && e->old_reputation_count == 0, "certificate reputations");
            if (e->new_reputation_count == 2)
                CHECK(e->new_reputations[0].provider_id == 2 && e->new_reputations[0].trust_level == 99 &&
                          e->new_reputations[1].provider_id == 4,
                      "certificate providers");
            CHECK(str_is(e->public_key_sha1, CERT_PK) && e->certificate_hash_count == 0, "certificate public key");
        }
        break;
    case SPARSE:
        CHECK(e->hash_count == 1 && e->new_reputation_count == 0 && e->old_reputation_count == 0, "sparse change");
        CHECK(e->update_time == DXLTIE_ABSENT && e->public_key_sha1 == NULL && e->certificate_hash_count == 0 &&
                  e->certificate_public_key_sha1 == NULL,
              "sparse change absent fields");
        CHECK(strstr(e->json, "\"extraField\"") != NULL, "unknown fields kept in the JSON");
        break;
    case WRONG_TYPES:
        CHECK(e->new_reputation_count == 1 && e->old_reputation_count == 0 && e->update_time == DXLTIE_ABSENT,
              "wrongly typed change");
        if (e->new_reputation_count == 1)
            CHECK(e->new_reputations[0].provider_id == 7 && e->new_reputations[0].trust_level == DXLTIE_ABSENT &&
                      e->new_reputations[0].create_date == DXLTIE_ABSENT && e->new_reputations[0].attribute_count == 0,
                  "wrongly typed reputation fields are absent");
        CHECK(strstr(e->json, "\"high\"") != NULL, "the JSON keeps the wrongly typed value");
        break;
    case HUGE_ARRAY:
        check_huge(e->hashes, e->hash_count);
        break;
    case NEAR_LIMIT:
        CHECK(e->hash_count == 1 && e->message.payload_len > MAX_PACKET - 8192, "near-limit change");
        break;
    default:
        break;
    }
}

/* VmRSS after handing free heap pages back (glibc keeps them per thread arena otherwise), so
 * that it follows the memory in use rather than where the allocator's high-water mark fell. */
static long rss_kb(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kb = strtol(line + 6, NULL, 10);
    if (f) fclose(f);
    return kb;
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

struct totals {
    uint64_t received, delivered, unsequenced, bad_events, undecodable;
};

static struct totals current(dxltie_client_t *client) {
    struct totals t;
    dxltie_stats_t s = dxltie_stats_init();
    CHECK(dxltie_client_stats(client, &s) == DXLTIE_OK, "stats");
    pthread_mutex_lock(&lock);
    t.delivered = delivered;
    t.unsequenced = unsequenced;
    pthread_mutex_unlock(&lock);
    t.received = s.received;
    t.bad_events = s.bad_events;
    t.undecodable = s.undecodable;
    return t;
}

static int reached(const struct totals *t, const struct totals *want) {
    return t->received >= want->received && t->delivered >= want->delivered &&
           t->unsequenced >= want->unsequenced && t->bad_events >= want->bad_events &&
           t->undecodable >= want->undecodable;
}

static int equal(const struct totals *t, const struct totals *want) {
    return t->received == want->received && t->delivered == want->delivered &&
           t->unsequenced == want->unsequenced && t->bad_events == want->bad_events &&
           t->undecodable == want->undecodable;
}

/* Waits (at most 180 s) until the client has seen everything published so far, then checks
 * that the counts are exact and stay so, and reports. */
static void phase(dxltie_client_t *client, const struct totals *want) {
    struct totals t = current(client);
    for (int i = 0; i < 9000 && !reached(&t, want); i++) {
        sleep_ms(20);
        t = current(client);
    }
    sleep_ms(300); /* anything extra (a duplicate, a late callback) shows up here */
    t = current(client);
    int ok = equal(&t, want);
    CHECK(ok, "received %llu/%llu delivered %llu/%llu unsequenced %llu/%llu bad_events %llu/%llu undecodable %llu/%llu",
          (unsigned long long)t.received, (unsigned long long)want->received, (unsigned long long)t.delivered,
          (unsigned long long)want->delivered, (unsigned long long)t.unsequenced,
          (unsigned long long)want->unsequenced, (unsigned long long)t.bad_events,
          (unsigned long long)want->bad_events, (unsigned long long)t.undecodable,
          (unsigned long long)want->undecodable);
    dxltie_stats_t s = dxltie_stats_init();
    CHECK(dxltie_client_stats(client, &s) == DXLTIE_OK, "stats");
    CHECK(dxltie_client_is_connected(client) && s.reconnects == 0, "connection kept (%llu reconnects)",
          (unsigned long long)s.reconnects);
    CHECK(s.dropped == 0 && s.callback_faults == 0, "nothing dropped, no callback fault");
    pthread_mutex_lock(&lock);
    uint64_t dup = duplicates;
    int failed = failures;
    pthread_mutex_unlock(&lock);
    CHECK(dup == 0, "%llu events delivered more than once", (unsigned long long)dup);
    printf("PHASE %s rss_kb=%ld received=%llu delivered=%llu unsequenced=%llu bad_events=%llu undecodable=%llu "
           "failures=%d\n",
           ok && dup == 0 && failed == 0 ? "ok" : "FAIL", rss_kb(), (unsigned long long)t.received,
           (unsigned long long)t.delivered, (unsigned long long)t.unsequenced, (unsigned long long)t.bad_events,
           (unsigned long long)t.undecodable, failed);
    fflush(stdout);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s <dxlclient.config> <max seq>\n", argv[0]);
        return 2;
    }
    max_seq = (uint32_t)strtoul(argv[2], NULL, 10);
    seen = (unsigned char *)calloc(max_seq, 1);
    static const int KINDS[4] = {0, 1, DXLTIE_EVENT_KIND_FILE_REPUTATION_CHANGE,
                                 DXLTIE_EVENT_KIND_CERTIFICATE_REPUTATION_CHANGE};
    dxltie_config_t *cfg = NULL;
    dxltie_client_t *client = NULL;
    uint64_t ids[4];
    if (dxltie_config_from_file(argv[1], &cfg) != DXLTIE_OK || dxltie_client_new(cfg, &client) != DXLTIE_OK) {
        fprintf(stderr, "setup: %s\n", dxltie_last_error_message());
        return 2;
    }
    dxltie_config_free(cfg);
    CHECK(dxltie_client_connect(client, 10000) == DXLTIE_OK, "connect: %s", dxltie_last_error_message());
    CHECK(dxltie_add_file_detection_callback(client, on_detection, NULL, NULL, &ids[0]) == DXLTIE_OK, "register");
    CHECK(dxltie_add_file_first_instance_callback(client, on_first_instance, NULL, NULL, &ids[1]) == DXLTIE_OK,
          "register");
    CHECK(dxltie_add_file_reputation_change_callback(client, on_reputation_change, (void *)&KINDS[2], NULL, &ids[2]) ==
              DXLTIE_OK,
          "register");
    CHECK(dxltie_add_certificate_reputation_change_callback(client, on_reputation_change, (void *)&KINDS[3], NULL,
                                                            &ids[3]) == DXLTIE_OK,
          "register");
    printf("READY\n");
    fflush(stdout);

    char line[512];
    while (fgets(line, sizeof line, stdin)) {
        struct totals want;
        unsigned long long r, d, u, b, n;
        if (strncmp(line, "END", 3) == 0) break;
        if (sscanf(line, "EXPECT %llu %llu %llu %llu %llu", &r, &d, &u, &b, &n) != 5) {
            CHECK(0, "unknown command: %s", line);
            break;
        }
        want.received = r;
        want.delivered = d;
        want.unsequenced = u;
        want.bad_events = b;
        want.undecodable = n;
        phase(client, &want);
    }
    CHECK(dxltie_client_free(client) == DXLTIE_OK, "free");
    free(seen);
    printf("event_faults_test: %d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
