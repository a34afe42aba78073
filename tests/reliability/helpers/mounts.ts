// Small filesystems for storage faults, without touching the rest of the machine: a size-limited
// tmpfs (disk full) and a loop-mounted ext4 image that can be forced read-only under a running
// process (`mount -o remount,abort`, ext4's "simulate an error" switch: it goes read-only even
// with files open for writing, as a failing disk does). Needs root; callers skip otherwise.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../helpers/temp-dir";

function run(...argv: string[]): void {
  const result = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${result.stderr.toString().trim()}`);
}

/** Whether this process may mount (root in a machine that allows it): probes with a 1 MiB tmpfs. */
export function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = tempDir("rel-probe-");
  try {
    run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir);
    run("umount", dir);
    return Bun.spawnSync(["which", "mkfs.ext4"]).exitCode === 0;
  } catch {
    return false;
  }
}

export interface Mount {
  dir: string;
  /** Unmounts (retrying while a killed process lets go) and removes what it made. */
  release(): Promise<void>;
}

async function unmount(dir: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (Bun.spawnSync(["umount", dir]).exitCode === 0) return;
    if (Bun.spawnSync(["mountpoint", "-q", dir]).exitCode !== 0) return;
    await Bun.sleep(100);
  }
  throw new Error(`could not unmount ${dir}`);
}

export function tmpfs(sizeMb: number): Mount {
  const dir = tempDir("rel-tmpfs-");
  run("mount", "-t", "tmpfs", "-o", `size=${sizeMb}m,mode=0700`, "tmpfs", dir);
  return { dir, release: () => unmount(dir) };
}

export function growTmpfs(mount: Mount, sizeMb: number): void {
  run("mount", "-o", `remount,size=${sizeMb}m`, mount.dir);
}

export interface Ext4 extends Mount {
  /** Forces the filesystem read-only, as ext4 does on an I/O error (errors=remount-ro). */
  abort(): void;
  /** Unmounts and mounts the image again, read-write (the journal is replayed). */
  remount(): Promise<void>;
}

export function ext4(sizeMb: number): Ext4 {
  const base = tempDir("rel-ext4-");
  const image = join(base, "disk.img");
  const dir = join(base, "mnt");
  mkdirSync(dir);
  run("truncate", "-s", `${sizeMb}M`, image);
  run("mkfs.ext4", "-q", "-F", image);
  const mount = () => run("mount", "-o", "loop,errors=remount-ro", image, dir);
  mount();
  return {
    dir,
    abort: () => run("mount", "-o", "remount,abort", dir),
    async remount() {
      await unmount(dir);
      mount();
    },
    async release() {
      await unmount(dir);
      rmSync(image, { force: true });
    },
  };
}
