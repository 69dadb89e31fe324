/* The reputation cache through the C API: dxltie_config_set_reputation_cache's argument checks,
 * and a cached answer identical to the fabric's in the typed, JSON and asynchronous forms, with
 * the cache counters of dxltie_stats_t. Against a real broker and the canned TIE responder of
 * tests/support/tie_responder.rs. Usage: cache_test <dxlclient.config>
 * Run by tests/c_programs.rs as C11, C++ and with AddressSanitizer, and under valgrind. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "counters.h"
#include "dxltie.h"

static const dxltie_hash_t NOTEPAD[] = {{"md5", "f2c7bb8acc97f92e987a2d4087d021b1"}};
static const char *CERT_SHA1 = "6eae26db8c13182a7947982991b4321732cc3de2";

static int answers;
static char async_json[2][4096];
static int async_status[2];

static void on_response(void *user_data, const dxltie_response_t *response) {
    long slot = (long)(size_t)user_data;
    pthread_mutex_lock(&lock);
    async_status[slot] = response->status;
    if (response->status == DXLTIE_OK) {
        CHECK(response->reputations != NULL && response->reputations->count == 2, "async reputations");
        snprintf(async_json[slot], sizeof async_json[slot], "%s", response->json);
    }
    answers++;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static dxltie_stats_t stats_of(dxltie_client_t *client) {
    dxltie_stats_t stats;
    memset(&stats, 0, sizeof stats);
    stats.struct_size = sizeof stats;
    OK(dxltie_client_stats(client, &stats));
    return stats;
}

static int same_reputations(const dxltie_reputations_t *a, const dxltie_reputations_t *b) {
    if (a->count != b->count || strcmp(a->json, b->json) != 0) return 0;
    for (size_t i = 0; i < a->count; i++) {
        const dxltie_reputation_t *x = &a->items[i], *y = &b->items[i];
        if (x->provider_id != y->provider_id || x->trust_level != y->trust_level ||
            x->create_date != y->create_date || x->attribute_count != y->attribute_count)
            return 0;
        for (size_t j = 0; j < x->attribute_count; j++) {
            if (strcmp(x->attributes[j].id, y->attributes[j].id) != 0 ||
                strcmp(x->attributes[j].value, y->attributes[j].value) != 0)
                return 0;
        }
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: cache_test <dxlclient.config>\n");
        return 2;
    }
    dxltie_config_t *config = NULL;
    OK(dxltie_config_from_file(argv[1], &config));

    /* The argument checks: nothing changes on a refusal. */
    CHECK(dxltie_config_set_reputation_cache(NULL, 10, 10) == DXLTIE_E_NULL_ARG, "NULL config");
    CHECK(dxltie_config_set_reputation_cache(config, 10, 0) == DXLTIE_E_INVALID_ARG, "ttl 0");
    CHECK(strstr(dxltie_last_error_message(), "time to live") != NULL, "message: %s", dxltie_last_error_message());
    CHECK(dxltie_config_set_reputation_cache(config, 1000001, 10) == DXLTIE_E_INVALID_ARG, "too many entries");
    OK(dxltie_config_set_reputation_cache(config, 0, 0)); /* off */
    OK(dxltie_config_set_reputation_cache(config, 100, 600));

    dxltie_client_t *client = NULL;
    OK(dxltie_client_new(config, &client));
    dxltie_config_free(config);
    OK(dxltie_client_connect(client, 10000));

    /* Typed: the second answer comes from the cache and is the same. */
    dxltie_reputations_t *fabric = NULL, *cached = NULL;
    OK(dxltie_get_file_reputation(client, NOTEPAD, 1, 10000, &fabric));
    OK(dxltie_get_file_reputation(client, NOTEPAD, 1, 10000, &cached));
    CHECK(fabric && cached && same_reputations(fabric, cached), "typed answers differ");
    dxltie_stats_t s = stats_of(client);
    CHECK(s.cache_hits == 1 && s.cache_misses == 1 && s.cache_entries == 1, "hits %llu misses %llu entries %llu",
          (unsigned long long)s.cache_hits, (unsigned long long)s.cache_misses,
          (unsigned long long)s.cache_entries);

    /* JSON: the same text as the typed form's. */
    char *json = NULL;
    OK(dxltie_get_file_reputation_json(client, NOTEPAD, 1, 10000, &json));
    CHECK(json && fabric && strcmp(json, fabric->json) == 0, "json %s", json ? json : "(null)");
    dxltie_string_free(json);

    /* Asynchronous: a hit and a miss (certificate), each exactly once, the hit on the
     * dispatcher thread after this call returned. */
    OK(dxltie_get_file_reputation_async(client, NOTEPAD, 1, 10000, on_response, (void *)(size_t)0, NULL));
    OK(dxltie_get_certificate_reputation_async(client, CERT_SHA1, NULL, 10000, on_response, (void *)(size_t)1,
                                               NULL));
    CHECK(wait_for(&answers, 2), "async answers: %d", answers);
    pthread_mutex_lock(&lock);
    CHECK(async_status[0] == DXLTIE_OK && fabric && strcmp(async_json[0], fabric->json) == 0, "async hit %s",
          async_json[0]);
    CHECK(async_status[1] == DXLTIE_OK, "async miss %d", async_status[1]);
    pthread_mutex_unlock(&lock);
    dxltie_reputations_t *cert = NULL;
    OK(dxltie_get_certificate_reputation(client, CERT_SHA1, NULL, 10000, &cert));
    pthread_mutex_lock(&lock);
    CHECK(cert && strcmp(cert->json, async_json[1]) == 0, "cert %s", cert ? cert->json : "(null)");
    pthread_mutex_unlock(&lock);
    s = stats_of(client);
    CHECK(s.cache_hits == 4 && s.cache_misses == 2 && s.cache_entries == 2, "hits %llu misses %llu entries %llu",
          (unsigned long long)s.cache_hits, (unsigned long long)s.cache_misses,
          (unsigned long long)s.cache_entries);

    /* A set of this client's drops the entry. */
    OK(dxltie_set_file_reputation(client, DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED, NOTEPAD, 1, "notepad.exe", NULL, 10000));
    s = stats_of(client);
    CHECK(s.cache_invalidated_by_set == 1 && s.cache_entries == 1, "by set %llu entries %llu",
          (unsigned long long)s.cache_invalidated_by_set, (unsigned long long)s.cache_entries);

    dxltie_reputations_free(fabric);
    dxltie_reputations_free(cached);
    dxltie_reputations_free(cert);
    dxltie_client_free(client);
    printf("cache_test: %d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
