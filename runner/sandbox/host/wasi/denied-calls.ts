// The calls no function is granted: they exist, so that any WASI program links, and answer an
// errno, so that e.g. Rust's std::fs::read fails inside the guest with an error it can handle.
// path_*: there is no directory to resolve a path against (fd 0-2 have no path rights, fd 3
// and up do not exist); sock_*: no sockets; proc_raise: no signals.
import { ERRNO } from "../../../../core/abi/wasi-preview1";

/** The answer of a path call whose directory descriptor is `fd`. */
const noPath = (fd: number): number => (fd >>> 0 <= 2 ? ERRNO.notcapable : ERRNO.badf);
const notSupported = (): number => ERRNO.notsup;

export const deniedCalls = {
  path_create_directory: noPath,
  path_filestat_get: noPath,
  path_filestat_set_times: noPath,
  path_link: noPath,
  path_open: noPath,
  path_readlink: noPath,
  path_remove_directory: noPath,
  path_rename: noPath,
  path_unlink_file: noPath,
  // path_symlink(old_path, old_path_len, fd, new_path, new_path_len): its directory is the third.
  path_symlink: (_old: number, _oldLen: number, fd: number): number => noPath(fd),
  sock_accept: notSupported,
  sock_recv: notSupported,
  sock_send: notSupported,
  sock_shutdown: notSupported,
  proc_raise: notSupported,
};
