// A WAGI function in C with wasi-libc: a plain WASI program. The request arrives as CGI
// environment variables (REQUEST_METHOD, PATH_INFO, QUERY_STRING, ...) with the body on stdin;
// the response is written to stdout as header lines, a blank line, then the body. Whatever
// goes to stderr becomes the function's log lines.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// A CGI variable, or `fallback` when it is unset or empty.
static const char *var(const char *name, const char *fallback) {
  const char *value = getenv(name);
  return value && *value ? value : fallback;
}

int main(void) {
  const char *method = var("REQUEST_METHOD", "");
  const char *path = var("PATH_INFO", "");
  fprintf(stderr, "%s %s\n", method, path);

  if (strncmp(path, "/status/", 8) == 0) {
    // `Status:` sets the response status; without it the status is 200.
    char *end;
    long code = strtol(path + 8, &end, 10);
    if (end == path + 8 || *end || code < 200 || code > 599) {
      printf("Status: 400 Bad Request\nContent-Type: text/plain\n\nnot a status: %s\n", path + 8);
      return 0;
    }
    printf("Status: %ld\nContent-Type: text/plain\n\nstatus %ld\n", code, code);
    return 0;
  }
  if (strcmp(method, "POST") == 0) {
    printf("Content-Type: %s\n\n", var("CONTENT_TYPE", "application/octet-stream"));
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) fwrite(buf, 1, n, stdout);
    return 0;
  }
  // GREETING comes from the function's own env (set at deploy time, or --env on the runner).
  printf("Content-Type: text/plain\n\n%s\nmethod: %s\npath: %s\nquery: %s\n",
         var("GREETING", "Hello from C on WASI!"), method, path, var("QUERY_STRING", ""));
  return 0;
}
