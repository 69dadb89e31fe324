/* The foundation of the C API: configuration loading, result codes, the last-error message and
 * the version. Compiled as C11 and as C++ with -Wall -Wextra -Werror; run by `make test-c`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dxltie.h"

static void write_file(const char *dir, const char *name, const char *text) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); exit(2); }
    fputs(text, f);
    fclose(f);
}

int main(void) {
    char dir[] = "/tmp/dxltie-c-config-XXXXXX";
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 2; }
    write_file(dir, "ca.crt", "-----BEGIN CERTIFICATE-----\n");
    write_file(dir, "client.crt", "-----BEGIN CERTIFICATE-----\n");
    write_file(dir, "client.key", "-----BEGIN PRIVATE KEY-----\n");
    write_file(dir, "good.config",
               "[General]\nClientId={11111111-2222-4333-8444-555555555555}\n"
               "[Certs]\nBrokerCertChain=ca.crt\nCertFile=client.crt\nPrivateKey=client.key\n"
               "[Brokers]\nlocal=local;8883;localhost;127.0.0.1\nv6=8993;[::1]\n");
    write_file(dir, "nocerts.config", "[Brokers]\nlocal=local;8883;localhost;127.0.0.1\n");

    char path[512];

    /* A good configuration. */
    dxltie_config_t *cfg = NULL;
    snprintf(path, sizeof path, "%s/good.config", dir);
    dxltie_result_t rc = dxltie_config_from_file(path, &cfg);
    CHECK(rc == DXLTIE_OK, "rc=%d (%s): %s", rc, dxltie_result_str(rc), dxltie_last_error_message());
    if (cfg == NULL) {
        fprintf(stderr, "FAIL: no configuration handle, stopping\n");
        return 1;
    }
    CHECK(strcmp(dxltie_config_client_id(cfg), "{11111111-2222-4333-8444-555555555555}") == 0, "client id %s",
          dxltie_config_client_id(cfg));
    size_t count = 0;
    CHECK(dxltie_config_broker_count(cfg, &count) == DXLTIE_OK && count == 2, "broker count %zu", count);
    dxltie_broker_t b = dxltie_broker_init();
    CHECK(dxltie_config_broker(cfg, 0, &b) == DXLTIE_OK, "broker 0");
    CHECK(strcmp(b.unique_id, "local") == 0 && b.port == 8883 && strcmp(b.host_name, "localhost") == 0 &&
              b.ip_address != NULL && strcmp(b.ip_address, "127.0.0.1") == 0,
          "broker 0 fields");
    CHECK(dxltie_config_broker(cfg, 1, &b) == DXLTIE_OK, "broker 1");
    CHECK(strcmp(b.unique_id, "") == 0 && b.port == 8993 && strcmp(b.host_name, "::1") == 0 && b.ip_address == NULL,
          "broker 1 fields: host %s", b.host_name);
    CHECK(dxltie_config_broker(cfg, 2, &b) == DXLTIE_E_INVALID_ARG, "index out of range");
    CHECK(strstr(dxltie_last_error_message(), "out of range") != NULL, "%s", dxltie_last_error_message());
    CHECK(!dxltie_config_use_websockets(cfg), "no websockets");
    dxltie_config_free(cfg);
    dxltie_config_free(NULL); /* a no-op */

    /* A missing file: an I/O error naming the file; the out-param is not written. */
    dxltie_config_t *untouched = (dxltie_config_t *)&failures;
    snprintf(path, sizeof path, "%s/absent.config", dir);
    rc = dxltie_config_from_file(path, &untouched);
    CHECK(rc == DXLTIE_E_IO, "rc=%d", rc);
    CHECK(strstr(dxltie_last_error_message(), "absent.config") != NULL, "message: %s", dxltie_last_error_message());
    CHECK(untouched == (dxltie_config_t *)&failures, "out-param written on failure");

    /* A file without [Certs]. */
    snprintf(path, sizeof path, "%s/nocerts.config", dir);
    rc = dxltie_config_from_file(path, &cfg);
    CHECK(rc == DXLTIE_E_CONFIG, "rc=%d", rc);
    CHECK(strstr(dxltie_last_error_message(), "[Certs]: section missing") != NULL, "message: %s",
          dxltie_last_error_message());
    CHECK(strstr(dxltie_last_error_message(), "nocerts.config") != NULL, "message names the file: %s",
          dxltie_last_error_message());

    /* NULL arguments. */
    CHECK(dxltie_config_from_file(NULL, &cfg) == DXLTIE_E_NULL_ARG, "NULL path");
    CHECK(strstr(dxltie_last_error_message(), "path") != NULL, "%s", dxltie_last_error_message());
    CHECK(dxltie_config_from_file(path, NULL) == DXLTIE_E_NULL_ARG, "NULL out");
    CHECK(dxltie_config_broker_count(NULL, &count) == DXLTIE_E_NULL_ARG, "NULL config");

    /* Result strings and the version. */
    CHECK(strcmp(dxltie_result_str(DXLTIE_OK), "ok") == 0, "ok text");
    CHECK(strcmp(dxltie_result_str(12345), "unknown result code") == 0, "unknown code text");
    char expected_version[64];
    snprintf(expected_version, sizeof expected_version, "dxltie %d.%d.%d", DXLTIE_VERSION_MAJOR, DXLTIE_VERSION_MINOR,
             DXLTIE_VERSION_PATCH);
    CHECK(strcmp(dxltie_version(), expected_version) == 0, "version %s vs %s", dxltie_version(), expected_version);

    const char *names[] = {"ca.crt", "client.crt", "client.key", "good.config", "nocerts.config"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);

    printf("config_test: %d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
