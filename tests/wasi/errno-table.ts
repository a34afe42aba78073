// What each WASI call answers when it is denied or misused, as rows for wasi-probe: every call
// the sandbox does not grant (docs/wasi.md's capability table), the granted fd calls on
// descriptors they do not serve, and the granted calls given a pointer outside memory (EFAULT)
// or a bad argument (EINVAL). Written from the preview 1 errno numbering, not from the host's
// code, so a denial removed from the host shows up as a wrong errno here.
import type { WasiCallName } from "../../core/abi/wasi-preview1";
import { PROBE } from "../fixtures/guests";

export const E = {
  success: 0,
  badf: 8,
  fault: 21,
  inval: 28,
  notdir: 54,
  notsup: 58,
  spipe: 70,
  notcapable: 76,
} as const;

export interface ErrnoRow {
  label: string;
  call: WasiCallName;
  args: (number | bigint)[];
  errno: number;
  /** Stores made before the call, as in ProbeCase.setup. */
  setup?: [number, number | bigint, 1 | 2 | 4 | 8][];
}

const S = PROBE.scratch;
const { path: P, pathLength: L, textIov: IOV, end: END, manyIovs } = PROBE;

const row = (label: string, call: WasiCallName, args: (number | bigint)[], errno: number): ErrnoRow => ({
  label,
  call,
  args,
  errno,
});

/** A call taking a descriptor first, on stdin/stdout (`stdio`) and on fd 3 and fd 0xffffffff (EBADF). */
function onFds(call: WasiCallName, stdioFd: number, rest: (number | bigint)[], stdio: number): ErrnoRow[] {
  return [
    row(`${call} on fd ${stdioFd}`, call, [stdioFd, ...rest], stdio),
    row(`${call} on fd 3`, call, [3, ...rest], E.badf),
    row(`${call} on fd 0xffffffff`, call, [-1, ...rest], E.badf),
  ];
}

/** A path call whose directory descriptor is `at` in its arguments: ENOTCAPABLE on 0-2, EBADF from 3. */
function pathCall(call: WasiCallName, args: (fd: number) => (number | bigint)[]): ErrnoRow[] {
  return [
    ...[0, 1, 2].map((fd) => row(`${call} on fd ${fd}`, call, args(fd), E.notcapable)),
    row(`${call} on fd 3`, call, args(3), E.badf),
    row(`${call} on fd 4`, call, args(4), E.badf),
  ];
}

/** Every call the sandbox does not grant, and the granted fd calls on descriptors they do not serve. */
export const DENIED: ErrnoRow[] = [
  ...onFds("fd_advise", 0, [0n, 16n, 0], E.notcapable),
  ...onFds("fd_allocate", 1, [0n, 16n], E.notcapable),
  ...onFds("fd_close", 1, [], E.success),
  ...onFds("fd_datasync", 1, [], E.notcapable),
  ...onFds("fd_fdstat_set_flags", 1, [0], E.notcapable),
  ...onFds("fd_fdstat_set_rights", 1, [0n, 0n], E.notcapable),
  ...onFds("fd_filestat_set_size", 1, [0n], E.notcapable),
  ...onFds("fd_filestat_set_times", 1, [0n, 0n, 0], E.notcapable),
  ...onFds("fd_pread", 0, [IOV, 1, 0n, S], E.spipe),
  ...onFds("fd_pwrite", 1, [IOV, 1, 0n, S], E.spipe),
  ...onFds("fd_readdir", 0, [S + 64, 64, 0n, S], E.notdir),
  ...onFds("fd_renumber", 1, [2], E.notsup),
  ...onFds("fd_seek", 0, [0n, 0, S], E.spipe),
  row("fd_seek on fd 1", "fd_seek", [1, 4n, 1, S], E.spipe),
  row("fd_seek on fd 2", "fd_seek", [2, 0n, 2, S], E.spipe),
  ...onFds("fd_sync", 2, [], E.notcapable),
  ...onFds("fd_tell", 1, [S], E.spipe),
  // No preopened directories: libc's scan for them starts at fd 3.
  ...[0, 3, 4].map((fd) => row(`fd_prestat_get on fd ${fd}`, "fd_prestat_get", [fd, S], E.badf)),
  ...[0, 3].map((fd) => row(`fd_prestat_dir_name on fd ${fd}`, "fd_prestat_dir_name", [fd, S, 16], E.badf)),
  // The granted fd calls on a descriptor that is not theirs.
  row("fd_read on fd 1", "fd_read", [1, IOV, 1, S], E.badf),
  row("fd_read on fd 2", "fd_read", [2, IOV, 1, S], E.badf),
  row("fd_read on fd 3", "fd_read", [3, IOV, 1, S], E.badf),
  row("fd_write on fd 0", "fd_write", [0, IOV, 1, S], E.badf),
  row("fd_write on fd 3", "fd_write", [3, IOV, 1, S], E.badf),
  row("fd_fdstat_get on fd 3", "fd_fdstat_get", [3, S], E.badf),
  row("fd_filestat_get on fd 3", "fd_filestat_get", [3, S], E.badf),
  ...pathCall("path_create_directory", (fd) => [fd, P, L]),
  ...pathCall("path_filestat_get", (fd) => [fd, 0, P, L, S]),
  ...pathCall("path_filestat_set_times", (fd) => [fd, 0, P, L, 0n, 0n, 0]),
  ...pathCall("path_link", (fd) => [fd, 0, P, L, fd, P, L]),
  ...pathCall("path_open", (fd) => [fd, 1, P, L, 0, 0xffffffffn, 0xffffffffn, 0, S]),
  ...pathCall("path_open", (fd) => [fd, 0, P, L, 1 | 8, 1n << 6n, 0n, 0, S]).map((r) => ({
    ...r,
    label: `${r.label}, creating`,
  })),
  ...pathCall("path_readlink", (fd) => [fd, P, L, S, 64, S + 64]),
  ...pathCall("path_remove_directory", (fd) => [fd, P, L]),
  ...pathCall("path_rename", (fd) => [fd, P, L, fd, P, L]),
  ...pathCall("path_symlink", (fd) => [P, L, fd, P, L]),
  ...pathCall("path_unlink_file", (fd) => [fd, P, L]),
  ...[0, 3].map((fd) => row(`sock_accept on fd ${fd}`, "sock_accept", [fd, 0, S], E.notsup)),
  ...[0, 3].map((fd) => row(`sock_recv on fd ${fd}`, "sock_recv", [fd, IOV, 1, 0, S, S + 4], E.notsup)),
  ...[1, 3].map((fd) => row(`sock_send on fd ${fd}`, "sock_send", [fd, IOV, 1, 0, S], E.notsup)),
  ...[1, 3].map((fd) => row(`sock_shutdown on fd ${fd}`, "sock_shutdown", [fd, 3], E.notsup)),
  ...[2, 9, 15].map((signal) => row(`proc_raise(${signal})`, "proc_raise", [signal], E.notsup)),
];

/** The granted calls given a pointer outside memory (EFAULT) or an argument out of range (EINVAL). */
export const MISUSED: ErrnoRow[] = [
  row("args_sizes_get, count past the end", "args_sizes_get", [END, S], E.fault),
  row("args_sizes_get, size at 0xfffffffc", "args_sizes_get", [S, -4], E.fault),
  row("args_get, pointers past the end", "args_get", [END - 2, S], E.fault),
  row("args_get, strings past the end", "args_get", [S, END - 2], E.fault),
  row("environ_sizes_get, size past the end", "environ_sizes_get", [S, END], E.fault),
  row("environ_get, strings past the end", "environ_get", [S, END - 10], E.fault),
  row("clock_res_get, out past the end", "clock_res_get", [0, END - 4], E.fault),
  row("clock_res_get, unknown clock 4", "clock_res_get", [4, S], E.inval),
  row("clock_time_get, out at 0xfffffffc", "clock_time_get", [1, 0n, -4], E.fault),
  row("clock_time_get, unknown clock 99", "clock_time_get", [99, 0n, S], E.inval),
  row("clock_time_get, clock -1", "clock_time_get", [-1, 0n, S], E.inval),
  row("random_get, buffer over the end", "random_get", [END - 4, 8], E.fault),
  row("random_get, length 0xffffffff", "random_get", [S, -1], E.fault),
  row("fd_read, iovecs past the end", "fd_read", [0, END - 4, 1, S], E.fault),
  row("fd_read, count past the end", "fd_read", [0, IOV, 1, END], E.fault),
  row("fd_read, 1025 iovecs", "fd_read", [0, manyIovs, 1025, S], E.inval),
  row("fd_write, iovecs past the end", "fd_write", [1, END, 1, S], E.fault),
  row("fd_write, count past the end", "fd_write", [1, IOV, 1, END], E.fault),
  row("fd_write, 1025 iovecs", "fd_write", [1, manyIovs, 1025, S], E.inval),
  row("fd_write, 1024 empty iovecs", "fd_write", [1, manyIovs, 1024, S], E.success),
  row("fd_write, 0xffffffff iovecs", "fd_write", [2, manyIovs, -1, S], E.inval),
  {
    ...row("fd_write, an iovec reaching past the end", "fd_write", [1, S, 1, S + 8], E.fault),
    setup: [
      [S, END - 2, 4],
      [S + 4, 4, 4],
    ],
  },
  row("fd_fdstat_get, buffer over the end", "fd_fdstat_get", [0, END - 8], E.fault),
  row("fd_filestat_get, buffer over the end", "fd_filestat_get", [2, END - 32], E.fault),
  row("poll_oneoff, no subscriptions", "poll_oneoff", [S, S + 512, 0, S + 1000], E.inval),
  row("poll_oneoff, subscriptions past the end", "poll_oneoff", [END - 40, S, 1, S + 1000], E.fault),
  row("poll_oneoff, 1025 subscriptions", "poll_oneoff", [0, 0, 1025, S], E.inval),
  {
    ...row("poll_oneoff, an unknown event type", "poll_oneoff", [S, S + 512, 1, S + 1000], E.inval),
    setup: [[S + 8, 7, 1]],
  },
  row("sched_yield", "sched_yield", [], E.success),
];
