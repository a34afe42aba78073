// The edge v1 host calls, one @external per entry of core/abi/edge-v1.ts.
// Raw pointers live only here and in buffers.ts; the rest of the SDK wraps them.
// Getters return the value's full length and copy at most `cap` bytes of it.

// @ts-ignore: decorator
@external("edge", "request_method")
export declare function request_method(buf: usize, cap: i32): i32;

// @ts-ignore: decorator
@external("edge", "request_uri")
export declare function request_uri(buf: usize, cap: i32): i32;

/** -1 when the header is absent. */
// @ts-ignore: decorator
@external("edge", "request_header")
export declare function request_header(name: usize, nameLen: i32, buf: usize, cap: i32): i32;

// @ts-ignore: decorator
@external("edge", "request_headers")
export declare function request_headers(buf: usize, cap: i32): i32;

// @ts-ignore: decorator
@external("edge", "request_body")
export declare function request_body(buf: usize, cap: i32): i32;

// @ts-ignore: decorator
@external("edge", "response_status")
export declare function response_status(code: i32): void;

// @ts-ignore: decorator
@external("edge", "response_header")
export declare function response_header(name: usize, nameLen: i32, value: usize, valueLen: i32): void;

// @ts-ignore: decorator
@external("edge", "response_write")
export declare function response_write(ptr: usize, len: i32): void;

// @ts-ignore: decorator
@external("edge", "log")
export declare function log(level: i32, ptr: usize, len: i32): void;

/** -1 when the variable is not set. */
// @ts-ignore: decorator
@external("edge", "env_get")
export declare function env_get(name: usize, nameLen: i32, buf: usize, cap: i32): i32;

// @ts-ignore: decorator
@external("edge", "time_now_ms")
export declare function time_now_ms(): f64;

// @ts-ignore: decorator
@external("edge", "random_fill")
export declare function random_fill(buf: usize, len: i32): void;
