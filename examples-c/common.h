/* Shared by the examples: load the configuration, connect, report errors. */
#ifndef DXLTIE_EXAMPLES_COMMON_H
#define DXLTIE_EXAMPLES_COMMON_H

#include <stdio.h>

#include "dxltie.h"

/* Prints "Error: <what>: <detail>" (the Python samples print their exception). */
static inline int example_error(const char *what) {
    printf("Error: %s: %s\n", what, dxltie_last_error_message());
    return 1;
}

/* Loads the dxlclient.config at `path` and connects; NULL (after printing why) on failure. */
static inline dxltie_client_t *example_connect(const char *path) {
    dxltie_config_t *config = NULL;
    if (dxltie_config_from_file(path, &config) != DXLTIE_OK) {
        example_error("config");
        return NULL;
    }
    dxltie_client_t *client = NULL;
    dxltie_result_t rc = dxltie_client_new(config, &client);
    dxltie_config_free(config);
    if (rc != DXLTIE_OK) {
        example_error("client");
        return NULL;
    }
    if (dxltie_client_connect(client, 10000) != DXLTIE_OK) {
        example_error("connect");
        dxltie_client_free(client);
        return NULL;
    }
    return client;
}

/* Prints JSON as the Python samples do (sorted keys, four-space indentation). */
static inline void example_print_json(const char *json) {
    char *pretty = NULL;
    if (dxltie_json_pretty(json, &pretty) == DXLTIE_OK) {
        printf("%s\n", pretty);
        dxltie_string_free(pretty);
    } else {
        printf("%s\n", json);
    }
}

#endif
