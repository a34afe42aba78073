// WASI preview 1 ("wasi_snapshot_preview1"), declared once as data: every call the standard
// defines, with its signature, and which of them the sandbox grants. The pipeline checks guest
// imports against it; runner/sandbox/host/wasi builds its host functions from it; docs/wasi.md
// has the capability table. A call that is not granted still exists: it answers an errno.
import type { HostCallSignature } from "./edge-v1";

export const WASI_MODULE = "wasi_snapshot_preview1";

/** What a WASI command exports and the runner calls per request. */
export const WASI_ENTRYPOINT = "_start";

/**
 * The default memory cap of a WASI function, in 64 KiB pages (8 MiB). A plain Rust program's
 * default link reserves a 1 MiB stack and so needs 17 pages before its heap; 128 leaves room for
 * the heap of a program that reads a request of a few MiB.
 */
export const WASI_MEMORY_PAGES = 128;

const I = "i32";
const L = "i64";
const errno = (...params: ("i32" | "i64")[]): HostCallSignature => ({ params, results: [I] });

export const WASI_P1 = {
  args_get: errno(I, I),
  args_sizes_get: errno(I, I),
  environ_get: errno(I, I),
  environ_sizes_get: errno(I, I),
  clock_res_get: errno(I, I),
  clock_time_get: errno(I, L, I),
  fd_advise: errno(I, L, L, I),
  fd_allocate: errno(I, L, L),
  fd_close: errno(I),
  fd_datasync: errno(I),
  fd_fdstat_get: errno(I, I),
  fd_fdstat_set_flags: errno(I, I),
  fd_fdstat_set_rights: errno(I, L, L),
  fd_filestat_get: errno(I, I),
  fd_filestat_set_size: errno(I, L),
  fd_filestat_set_times: errno(I, L, L, I),
  fd_pread: errno(I, I, I, L, I),
  fd_prestat_get: errno(I, I),
  fd_prestat_dir_name: errno(I, I, I),
  fd_pwrite: errno(I, I, I, L, I),
  fd_read: errno(I, I, I, I),
  fd_readdir: errno(I, I, I, L, I),
  fd_renumber: errno(I, I),
  fd_seek: errno(I, L, I, I),
  fd_sync: errno(I),
  fd_tell: errno(I, I),
  fd_write: errno(I, I, I, I),
  path_create_directory: errno(I, I, I),
  path_filestat_get: errno(I, I, I, I, I),
  path_filestat_set_times: errno(I, I, I, I, L, L, I),
  path_link: errno(I, I, I, I, I, I, I),
  path_open: errno(I, I, I, I, I, L, L, I, I),
  path_readlink: errno(I, I, I, I, I, I),
  path_remove_directory: errno(I, I, I),
  path_rename: errno(I, I, I, I, I, I),
  path_symlink: errno(I, I, I, I, I),
  path_unlink_file: errno(I, I, I),
  poll_oneoff: errno(I, I, I, I),
  proc_exit: { params: [I], results: [] },
  proc_raise: errno(I),
  sched_yield: errno(),
  random_get: errno(I, I),
  sock_accept: errno(I, I, I),
  sock_recv: errno(I, I, I, I, I, I),
  sock_send: errno(I, I, I, I, I),
  sock_shutdown: errno(I, I),
} as const satisfies Record<string, HostCallSignature>;

export type WasiCallName = keyof typeof WASI_P1;

/** The calls that do something (on stdin, stdout and stderr only, for the fd calls); the rest answer an errno. */
export const WASI_GRANTED: ReadonlySet<WasiCallName> = new Set<WasiCallName>([
  "args_get",
  "args_sizes_get",
  "environ_get",
  "environ_sizes_get",
  "clock_res_get",
  "clock_time_get",
  "random_get",
  "fd_read",
  "fd_write",
  "fd_fdstat_get",
  "fd_filestat_get",
  "sched_yield",
  "proc_exit",
  "poll_oneoff",
]);

/**
 * What a module of runtime `wasm` (the edge ABI) may import from WASI: the granted calls and
 * the few a libc's start-up and stdio touch (they answer as they do for a WASI function), so
 * that a language's standard library links (Rust's std on wasm32-wasi pulls in fd_write). Its
 * stdout and stderr go to the log; its environment is the function's env.
 */
export const EDGE_WASI_IMPORTS: ReadonlySet<WasiCallName> = new Set<WasiCallName>([
  ...WASI_GRANTED,
  "fd_close",
  "fd_seek",
  "fd_tell",
  "fd_prestat_get",
  "fd_prestat_dir_name",
]);

/** The errno values the sandbox answers (preview 1 numbering). */
export const ERRNO = {
  success: 0,
  badf: 8,
  fault: 21,
  inval: 28,
  io: 29,
  isdir: 31,
  nosys: 52,
  notdir: 54,
  notsup: 58,
  perm: 63,
  spipe: 70,
  notcapable: 76,
} as const;
