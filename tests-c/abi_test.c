/* The ABI conventions a program built against another version of the header relies on (run by
 * tests/c_programs.rs as C11, C++ and with AddressSanitizer; no broker needed):
 * - a caller-allocated struct with an OLDER layout (fewer fields at its end) is filled only as
 *   far as its struct_size says: the bytes after it are never written;
 * - one with a NEWER layout (more fields) gets the library's fields and zeroes in the rest;
 * - a struct_size below the first released layout is refused, nothing written;
 * - ownership mistakes are refused, not undefined: freeing a copy of a result, freeing twice,
 *   freeing a result with the wrong function, freeing a client twice. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dxltie.h"

/* dxltie_stats_t as dxltie 0.1 declared it (plus the struct_size that 1.0 put first). */
typedef struct {
    size_t struct_size;
    uint64_t received, delivered, dropped, undecodable, reconnects, bad_events, callback_faults;
} stats_v1_t;

/* A future dxltie_stats_t with two more counters. */
typedef struct {
    dxltie_stats_t current;
    uint64_t future_a, future_b;
} stats_future_t;

/* A future dxltie_broker_t with one more field. */
typedef struct {
    dxltie_broker_t current;
    const char *future;
} broker_future_t;

static int all_bytes(const unsigned char *p, size_t n, unsigned char value) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != value) return 0;
    return 1;
}

static void layouts(dxltie_client_t *client, dxltie_config_t *config) {
    /* Older layout, followed by canary bytes the library must not touch. */
    struct {
        stats_v1_t stats;
        unsigned char canary[64];
    } old;
    memset(&old, 0xAB, sizeof old);
    old.stats.struct_size = sizeof old.stats;
    OK(dxltie_client_stats(client, (dxltie_stats_t *)&old.stats));
    CHECK(old.stats.struct_size == sizeof(stats_v1_t), "old layout: filled %zu bytes", old.stats.struct_size);
    CHECK(old.stats.received == 0 && old.stats.callback_faults == 0, "old layout: counters written");
    CHECK(all_bytes(old.canary, sizeof old.canary, 0xAB), "old layout: bytes after the struct were written");

    /* Newer layout: the fields this library does not know read as 0. */
    stats_future_t future;
    memset(&future, 0xFF, sizeof future);
    future.current.struct_size = sizeof future;
    OK(dxltie_client_stats(client, (dxltie_stats_t *)&future));
    CHECK(future.current.struct_size == sizeof(dxltie_stats_t), "new layout: filled %zu bytes",
          future.current.struct_size);
    CHECK(future.future_a == 0 && future.future_b == 0, "new layout: unknown fields not zeroed");
    CHECK(future.current.connect_attempts == 0, "new layout: counters written");

    /* Too small: refused, untouched. */
    stats_v1_t tiny;
    memset(&tiny, 0xCD, sizeof tiny);
    tiny.struct_size = sizeof(size_t) + 8;
    CHECK(dxltie_client_stats(client, (dxltie_stats_t *)&tiny) == DXLTIE_E_INVALID_ARG, "too small accepted");
    CHECK(strstr(dxltie_last_error_message(), "struct_size") != NULL, "message: %s", dxltie_last_error_message());
    CHECK(tiny.struct_size == sizeof(size_t) + 8 && tiny.received == 0xCDCDCDCDCDCDCDCDull, "too small: written");
    /* A struct_size that was never set (garbage, or SIZE_MAX) is refused, not trusted. */
    stats_v1_t garbage;
    memset(&garbage, 0xAA, sizeof garbage);
    CHECK(dxltie_client_stats(client, (dxltie_stats_t *)&garbage) == DXLTIE_E_INVALID_ARG, "garbage size accepted");
    garbage.struct_size = SIZE_MAX;
    CHECK(dxltie_client_stats(client, (dxltie_stats_t *)&garbage) == DXLTIE_E_INVALID_ARG, "SIZE_MAX accepted");
    dxltie_stats_t zero = dxltie_stats_init();
    zero.struct_size = 0; /* a caller that forgot to set it */
    CHECK(dxltie_client_stats(client, &zero) == DXLTIE_E_INVALID_ARG, "struct_size 0 accepted");

    /* The broker struct, current and newer. */
    dxltie_broker_t b = dxltie_broker_init();
    OK(dxltie_config_broker(config, 0, &b));
    CHECK(b.port == 8883 && b.struct_size == sizeof b, "broker: port %u", b.port);
    broker_future_t fb;
    memset(&fb, 0xEE, sizeof fb);
    fb.current.struct_size = sizeof fb;
    OK(dxltie_config_broker(config, 0, (dxltie_broker_t *)&fb));
    CHECK(fb.future == NULL && fb.current.port == 8883, "broker: newer layout");
}

static void ownership(void) {
    char *text = NULL;
    OK(dxltie_json_pretty("{\"b\":1,\"a\":[2]}", &text));
    CHECK(text != NULL, "json_pretty");
    if (text == NULL) return;
    /* A copy is not the result: refused, and the original is still intact. */
    char *copy = (char *)malloc(strlen(text) + 1);
    strcpy(copy, text);
    dxltie_string_free(copy);
    CHECK(strcmp(copy, text) == 0, "the copy was touched");
    free(copy);
    /* A string is not a reputation list. */
    dxltie_reputations_free((dxltie_reputations_t *)text);
    dxltie_first_references_free((dxltie_first_references_t *)text);
    CHECK(strstr(text, "\"a\"") != NULL, "the string was freed by the wrong function");
    dxltie_string_free(text);
    dxltie_string_free(text); /* twice: refused, not a double free */

    dxltie_config_t *config = NULL;
    OK(dxltie_config_new(&config));
    dxltie_config_free(config);
    dxltie_config_free(config); /* twice: refused */

    dxltie_config_t *c2 = NULL;
    OK(dxltie_config_new(&c2));
    OK(dxltie_config_add_broker(c2, "ssl://127.0.0.1:1"));
    dxltie_client_t *client = NULL;
    OK(dxltie_client_new(c2, &client));
    dxltie_config_free(c2);
    OK(dxltie_client_free(client));
    CHECK(dxltie_client_free(client) == DXLTIE_E_INVALID_ARG, "a second free of a client was accepted");
    /* A config handle is not a client. */
    dxltie_config_t *c3 = NULL;
    OK(dxltie_config_new(&c3));
    CHECK(dxltie_client_free((dxltie_client_t *)c3) == DXLTIE_E_INVALID_ARG, "a config freed as a client");
    dxltie_config_free(c3);
}

int main(void) {
    CHECK(dxltie_version_major() == DXLTIE_VERSION_MAJOR && dxltie_version_minor() == DXLTIE_VERSION_MINOR &&
              dxltie_version_patch() == DXLTIE_VERSION_PATCH,
          "run-time version %u.%u.%u", dxltie_version_major(), dxltie_version_minor(), dxltie_version_patch());
    dxltie_config_t *config = NULL;
    OK(dxltie_config_new(&config));
    OK(dxltie_config_add_broker(config, "b;8883;127.0.0.1"));
    dxltie_client_t *client = NULL;
    OK(dxltie_client_new(config, &client));
    if (client) layouts(client, config);
    OK(dxltie_client_free(client));
    dxltie_config_free(config);
    ownership();
    printf("abi_test: %d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
