// Waiting for something to become true in a test: generous bounds, never a timing assertion.

/** Polls until `check` holds (a throw counts as not yet); throws with `what` after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (
    !(await Promise.resolve()
      .then(check)
      .catch((error) => ((last = error), false)))
  ) {
    if (Date.now() > deadline)
      throw new Error(`timed out: ${what}${last === undefined ? "" : ` (last error: ${last})`}`);
    await Bun.sleep(5);
  }
}

/** Polls `check` until it returns true or `ms` pass; returns the last answer. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await Bun.sleep(20);
  }
  return check();
}
