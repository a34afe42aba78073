// The fd_* calls. The only descriptors are 0 (stdin: the request body), 1 (stdout: the CGI
// response of a WASI function, log lines for an edge ABI module) and 2 (stderr: log lines).
// There are no preopened directories, so no file can ever be opened: fd 3 and up are EBADF.
// What the standard streams do not allow answers the errno a rights check would.
import { ERRNO } from "../../../../core/abi/wasi-preview1";
import { GuestFault } from "../../guest-fault";
import { MAX_HEADER_BYTES } from "../header-rules";
import type { InvocationContext } from "../../invocation-context";
import { wasiState } from "./wasi-context";

/** Bytes of CGI header lines a WASI function may write before its body (the edge ABI's header bound). */
export const CGI_HEADER_BYTES = MAX_HEADER_BYTES;

const FILETYPE_UNKNOWN = 0; // a pipe, as far as preview 1 can say: not a tty, not a file
const RIGHT_FD_READ = 1n << 1n;
const RIGHT_FD_WRITE = 1n << 6n;
const RIGHT_FD_FILESTAT_GET = 1n << 21n;

const isStdio = (fd: number): boolean => fd >>> 0 <= 2;
/** An errno for every fd: `stdio` for 0-2, EBADF for the rest. */
const answer =
  (stdio: number) =>
  (fd: number): number =>
    isStdio(fd) ? stdio : ERRNO.badf;

export function fdCalls(ctx: () => InvocationContext) {
  return {
    fd_write(fd: number, iovs: number, count: number, written: number): number {
      const c = ctx();
      const state = wasiState(c);
      const parts = state.memory.iovecs(iovs, count);
      state.memory.slice(written, 4);
      if (fd !== 1 && fd !== 2) return ERRNO.badf;
      let total = 0;
      for (const part of parts) total += part.byteLength;
      if (fd === 2) for (const part of parts) state.stderr.write(c, part);
      else if (state.stdout) for (const part of parts) state.stdout.write(c, part);
      else {
        const limit = c.fn.limits.maxResponseBytes + CGI_HEADER_BYTES;
        if (c.body.length + total > limit)
          throw new GuestFault("response_too_large", `stdout over ${limit} bytes (headers and body)`);
        for (const part of parts) if (part.byteLength > 0) c.body.append(part);
      }
      state.memory.setU32(written, total);
      return ERRNO.success;
    },
    fd_read(fd: number, iovs: number, count: number, read: number): number {
      const c = ctx();
      const state = wasiState(c);
      const parts = state.memory.iovecs(iovs, count);
      state.memory.slice(read, 4);
      if (fd !== 0) return ERRNO.badf;
      const body = c.request.body;
      let total = 0;
      for (const part of parts) {
        if (!body || state.stdinAt >= body.byteLength) break;
        const n = Math.min(part.byteLength, body.byteLength - state.stdinAt);
        part.set(body.subarray(state.stdinAt, state.stdinAt + n));
        state.stdinAt += n;
        total += n;
      }
      state.memory.setU32(read, total);
      return ERRNO.success;
    },
    fd_fdstat_get(fd: number, buf: number): number {
      const { memory } = wasiState(ctx());
      memory.slice(buf, 24);
      if (!isStdio(fd)) return ERRNO.badf;
      const rights = (fd === 0 ? RIGHT_FD_READ : RIGHT_FD_WRITE) | RIGHT_FD_FILESTAT_GET;
      memory.setU8(buf, FILETYPE_UNKNOWN);
      memory.setU8(buf + 1, 0);
      memory.setU16(buf + 2, 0);
      memory.setU32(buf + 4, 0);
      memory.setU64(buf + 8, rights);
      memory.setU64(buf + 16, 0n);
      return ERRNO.success;
    },
    fd_filestat_get(fd: number, buf: number): number {
      const { memory } = wasiState(ctx());
      const target = memory.slice(buf, 64);
      if (!isStdio(fd)) return ERRNO.badf;
      target.fill(0);
      memory.setU8(buf + 16, FILETYPE_UNKNOWN);
      memory.setU64(buf + 24, 1n); // nlink
      return ERRNO.success;
    },
    // Closing a standard stream is allowed and changes nothing: C's exit paths close them.
    fd_close: answer(ERRNO.success),
    fd_seek: answer(ERRNO.spipe),
    fd_tell: answer(ERRNO.spipe),
    fd_pread: answer(ERRNO.spipe),
    fd_pwrite: answer(ERRNO.spipe),
    fd_readdir: answer(ERRNO.notdir),
    fd_renumber: answer(ERRNO.notsup),
    fd_advise: answer(ERRNO.notcapable),
    fd_allocate: answer(ERRNO.notcapable),
    fd_datasync: answer(ERRNO.notcapable),
    fd_sync: answer(ERRNO.notcapable),
    fd_fdstat_set_flags: answer(ERRNO.notcapable),
    fd_fdstat_set_rights: answer(ERRNO.notcapable),
    fd_filestat_set_size: answer(ERRNO.notcapable),
    fd_filestat_set_times: answer(ERRNO.notcapable),
    // No preopened directories: libc's scan for them (from fd 3) ends at the first EBADF.
    fd_prestat_get: answer(ERRNO.badf),
    fd_prestat_dir_name: answer(ERRNO.badf),
  };
}
