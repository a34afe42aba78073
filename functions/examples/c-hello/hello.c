// edge v1 "Hello, World!" in C, with no libc: the only imports are edge.* calls.

#define EDGE_IMPORT(name) __attribute__((import_module("edge"), import_name(name)))

EDGE_IMPORT("response_write") void response_write(const char *ptr, int len);
EDGE_IMPORT("response_header") void response_header(const char *name, int name_len, const char *value, int value_len);
EDGE_IMPORT("request_method") int request_method(char *buf, int cap);

static const char HELLO[] = "Hello, World!";

void handle(void) {
    // A getter returns the full length and copies at most cap bytes.
    char method[16];
    int n = request_method(method, sizeof method);
    if (n > (int)sizeof method) n = sizeof method;
    response_header("x-method", 8, method, n);
    response_write(HELLO, sizeof HELLO - 1);
}
