/* Malformed TIE responses through the C API: every request function must return the expected
 * result code with a clear message (or a lenient result where Python is lenient), leave its
 * out-parameter untouched on failure, and never crash. Run by tests/c_response_faults.rs, whose
 * responder answers case N to a request whose first hash starts with byte N.
 *
 * Usage: response_faults_test <dxlclient.config> <cases file>
 * Each line of the cases file, tab-separated:
 *   case  group(rep|refs|set)  code  count(-1: any)  absent(0|1)  timeout_ms  text
 * `text` must appear in the JSON on success and in dxltie_last_error_message (or the async
 * callback's error_message) on failure; `absent` asks that the first item's typed fields be
 * absent. Compiled as C11, as C++ and with AddressSanitizer (Makefile). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dxltie.h"

static int failures = 0;
static int current_case = -1;

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "FAIL case %d, %s:%d: %s: ", current_case, __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fprintf(stderr, " [last error: %s]\n", dxltie_last_error_message());           \
            failures++;                                                                    \
        }                                                                                  \
    } while (0)

struct expect {
    int code;
    long count;
    int absent;
    unsigned timeout_ms;
    char text[512];
};

static int contains(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

/* A failed call: the right code, a non-empty message holding the expected text. */
static void check_failure(const char *what, dxltie_result_t rc, const struct expect *want) {
    CHECK(rc == want->code, "%s returned %d (%s), want %d", what, rc, dxltie_result_str(rc), want->code);
    const char *message = dxltie_last_error_message();
    CHECK(message[0] != '\0' && contains(message, want->text), "%s: message \"%s\" lacks \"%s\"", what, message,
          want->text);
}

static void check_reputations(const char *what, const dxltie_reputations_t *reps, const struct expect *want) {
    CHECK(want->count < 0 || reps->count == (size_t)want->count, "%s: %zu reputations, want %ld", what, reps->count,
          want->count);
    CHECK(contains(reps->json, want->text), "%s: JSON lacks \"%s\"", what, want->text);
    if (want->absent && reps->count > 0)
        CHECK(reps->items[0].trust_level == DXLTIE_ABSENT && reps->items[0].create_date == DXLTIE_ABSENT &&
                  reps->items[0].attribute_count == 0,
              "%s: wrongly typed fields are absent", what);
}

static void check_references(const char *what, const dxltie_first_references_t *refs, const struct expect *want) {
    CHECK(want->count < 0 || refs->count == (size_t)want->count, "%s: %zu references, want %ld", what, refs->count,
          want->count);
    CHECK(contains(refs->json, want->text), "%s: JSON lacks \"%s\"", what, want->text);
    if (want->absent && refs->count > 0)
        CHECK(refs->items[0].agent_guid == NULL && refs->items[0].date == DXLTIE_ABSENT,
              "%s: wrongly typed fields are absent", what);
}

/* The JSON form of any request: JSON on success, out-parameter untouched on failure. */
static void check_json(const char *what, dxltie_result_t rc, char *json, char *sentinel, const struct expect *want) {
    if (want->code == DXLTIE_OK) {
        CHECK(rc == DXLTIE_OK, "%s returned %d", what, rc);
        if (rc == DXLTIE_OK) {
            CHECK(contains(json, want->text), "%s: JSON lacks \"%s\"", what, want->text);
            dxltie_string_free(json);
        }
    } else {
        check_failure(what, rc, want);
        CHECK(json == sentinel, "%s: out_json written on failure", what);
    }
}

/* The asynchronous outcome, handed from the dispatcher thread to the main thread. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
struct async_result {
    int calls;
    dxltie_result_t status;
    int text_found;
    size_t count;
    int has_error_message;
    const struct expect *want;
};

static void on_async(void *user_data, const dxltie_response_t *r) {
    struct async_result *out = (struct async_result *)user_data;
    pthread_mutex_lock(&lock);
    out->calls++;
    out->status = r->status;
    if (r->status == DXLTIE_OK) {
        out->text_found = contains(r->json, out->want->text);
        out->count = r->reputations ? r->reputations->count : (size_t)-1;
    } else {
        out->has_error_message = r->error_message != NULL && r->error_message[0] != '\0';
        out->text_found = contains(r->error_message, out->want->text);
    }
    pthread_cond_broadcast(&done_cond);
    pthread_mutex_unlock(&lock);
}

static void check_async(dxltie_client_t *client, const dxltie_hash_t *hash, const struct expect *want) {
    struct async_result result;
    memset(&result, 0, sizeof result);
    result.want = want;
    dxltie_result_t rc = dxltie_get_file_reputation_async(client, hash, 1, want->timeout_ms, on_async, &result, NULL);
    CHECK(rc == DXLTIE_OK, "async request not sent: %d", rc);
    if (rc != DXLTIE_OK) return;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += (time_t)(want->timeout_ms / 1000 + 30);
    pthread_mutex_lock(&lock);
    while (result.calls == 0 && pthread_cond_timedwait(&done_cond, &lock, &deadline) == 0) {
    }
    struct async_result seen = result;
    pthread_mutex_unlock(&lock);
    CHECK(seen.calls == 1, "async callback called %d times", seen.calls);
    CHECK(seen.status == want->code, "async status %d, want %d", seen.status, want->code);
    CHECK(seen.text_found, "async result lacks \"%s\"", want->text);
    if (want->code == DXLTIE_OK)
        CHECK(want->count < 0 || seen.count == (size_t)want->count, "async count %zu", seen.count);
    else
        CHECK(seen.has_error_message, "async error message");
}

static void run_case(dxltie_client_t *client, int n, const char *group, const struct expect *want) {
    char md5[33], sha1[41];
    /* The first byte selects the case; the rest is any valid hex. */
    snprintf(md5, sizeof md5, "%02x%s", n, "ab0123456789abcdef0123456789ab");
    snprintf(sha1, sizeof sha1, "%02x%s", n, "cd0123456789abcdef0123456789abcdef0123");
    dxltie_hash_t hash;
    hash.hash_type = "md5";
    hash.value = md5;
    char sentinel_text[] = "untouched";
    char *sentinel = sentinel_text;
    char *json = sentinel;
    dxltie_result_t rc;
    unsigned t = want->timeout_ms;

    if (strcmp(group, "rep") == 0) {
        dxltie_reputations_t *reps = (dxltie_reputations_t *)(void *)sentinel;
        rc = dxltie_get_file_reputation(client, &hash, 1, t, &reps);
        if (want->code == DXLTIE_OK && rc == DXLTIE_OK) {
            check_reputations("dxltie_get_file_reputation", reps, want);
            dxltie_reputations_free(reps);
        } else {
            check_failure("dxltie_get_file_reputation", rc, want);
            CHECK(reps == (dxltie_reputations_t *)(void *)sentinel, "out_reputations written on failure");
        }
        rc = dxltie_get_file_reputation_json(client, &hash, 1, t, &json);
        check_json("dxltie_get_file_reputation_json", rc, json, sentinel, want);
        reps = (dxltie_reputations_t *)(void *)sentinel;
        rc = dxltie_get_certificate_reputation(client, sha1, NULL, t, &reps);
        if (want->code == DXLTIE_OK && rc == DXLTIE_OK) {
            check_reputations("dxltie_get_certificate_reputation", reps, want);
            dxltie_reputations_free(reps);
        } else {
            check_failure("dxltie_get_certificate_reputation", rc, want);
            CHECK(reps == (dxltie_reputations_t *)(void *)sentinel, "out_reputations written on failure");
        }
        json = sentinel;
        rc = dxltie_get_certificate_reputation_json(client, sha1, NULL, t, &json);
        check_json("dxltie_get_certificate_reputation_json", rc, json, sentinel, want);
        check_async(client, &hash, want);
    } else if (strcmp(group, "refs") == 0) {
        dxltie_first_references_t *refs = (dxltie_first_references_t *)(void *)sentinel;
        rc = dxltie_get_file_first_references(client, &hash, 1, 500, t, &refs);
        if (want->code == DXLTIE_OK && rc == DXLTIE_OK) {
            check_references("dxltie_get_file_first_references", refs, want);
            dxltie_first_references_free(refs);
        } else {
            check_failure("dxltie_get_file_first_references", rc, want);
            CHECK(refs == (dxltie_first_references_t *)(void *)sentinel, "out_references written on failure");
        }
        rc = dxltie_get_file_first_references_json(client, &hash, 1, 500, t, &json);
        check_json("dxltie_get_file_first_references_json", rc, json, sentinel, want);
        refs = (dxltie_first_references_t *)(void *)sentinel;
        rc = dxltie_get_certificate_first_references(client, sha1, NULL, 500, t, &refs);
        if (want->code == DXLTIE_OK && rc == DXLTIE_OK) {
            check_references("dxltie_get_certificate_first_references", refs, want);
            dxltie_first_references_free(refs);
        } else {
            check_failure("dxltie_get_certificate_first_references", rc, want);
            CHECK(refs == (dxltie_first_references_t *)(void *)sentinel, "out_references written on failure");
        }
        json = sentinel;
        rc = dxltie_get_certificate_first_references_json(client, sha1, NULL, 500, t, &json);
        check_json("dxltie_get_certificate_first_references_json", rc, json, sentinel, want);
    } else {
        rc = dxltie_set_file_reputation(client, DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED, &hash, 1, "f.exe", NULL, t);
        if (want->code == DXLTIE_OK)
            CHECK(rc == DXLTIE_OK, "dxltie_set_file_reputation returned %d", rc);
        else
            check_failure("dxltie_set_file_reputation", rc, want);
        rc = dxltie_set_certificate_reputation(client, DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED, sha1, NULL, "c", t);
        if (want->code == DXLTIE_OK)
            CHECK(rc == DXLTIE_OK, "dxltie_set_certificate_reputation returned %d", rc);
        else
            check_failure("dxltie_set_certificate_reputation", rc, want);
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s <dxlclient.config> <cases file>\n", argv[0]);
        return 2;
    }
    FILE *cases = fopen(argv[2], "r");
    dxltie_config_t *cfg = NULL;
    dxltie_client_t *client = NULL;
    if (!cases || dxltie_config_from_file(argv[1], &cfg) != DXLTIE_OK || dxltie_client_new(cfg, &client) != DXLTIE_OK) {
        fprintf(stderr, "setup: %s\n", dxltie_last_error_message());
        return 2;
    }
    dxltie_config_free(cfg);
    CHECK(dxltie_client_connect(client, 10000) == DXLTIE_OK, "connect");

    char line[2048];
    int lines = 0, last_case = -1, case_count = 0;
    while (fgets(line, sizeof line, cases)) {
        struct expect want;
        char group[8];
        int n;
        memset(&want, 0, sizeof want);
        line[strcspn(line, "\n")] = '\0';
        int fields = sscanf(line, "%d\t%7[a-z]\t%d\t%ld\t%d\t%u\t%511[^\n]", &n, group, &want.code, &want.count,
                            &want.absent, &want.timeout_ms, want.text);
        CHECK(fields == 6 || fields == 7, "malformed cases line: %s", line);
        if (fields < 6) continue;
        current_case = n;
        run_case(client, n, group, &want);
        if (n != last_case) case_count++;
        last_case = n;
        lines++;
    }
    fclose(cases);
    current_case = -1;

    /* None of it hurt the connection. */
    dxltie_stats_t stats = dxltie_stats_init();
    CHECK(dxltie_client_stats(client, &stats) == DXLTIE_OK, "stats");
    CHECK(dxltie_client_is_connected(client) && stats.reconnects == 0, "connection kept");
    CHECK(stats.callback_faults == 0, "no callback fault");
    CHECK(dxltie_client_free(client) == DXLTIE_OK, "free");
    printf("%d cases, %d lines\n", case_count, lines);
    printf("response_faults_test: %d failed\n", failures);
    return failures == 0 && lines > 0 ? 0 : 1;
}
