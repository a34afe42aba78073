// Reads a token for `edge login` from stdin: a pipe or file is read whole (`edge login <
// token-file`, `pass show x | edge login`); a terminal is asked, with echo off, so the token is
// in no argv, no shell history and not on the screen.
const MAX_TOKEN_TEXT = 4096;

export async function readToken(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const text = await new Response(Bun.stdin.stream()).text();
    return text.slice(0, MAX_TOKEN_TEXT).replace(/[\r\n]+$/, "");
  }
  process.stderr.write(prompt);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = "";
      const onData = (chunk: Buffer) => {
        for (const char of chunk.toString("utf8")) {
          if (char === "\r" || char === "\n") return finish(() => resolve(typed));
          if (char === "\u0003") return finish(() => reject(new Error("interrupted")));
          if (char === "\u007f" || char === "\b") typed = typed.slice(0, -1);
          else if (typed.length < MAX_TOKEN_TEXT) typed += char;
        }
      };
      const finish = (then: () => void) => {
        stdin.off("data", onData);
        process.stderr.write("\n");
        then();
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}
