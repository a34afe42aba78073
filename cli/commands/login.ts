// `edge login`: checks a token against the control plane and saves both to the user's config
// file (cli/connection/user-config.ts), for later commands. The token comes from stdin or a
// prompt, never from argv; it is never printed.
import { ControlPlane } from "../api/client";
import { checkToken, normalizeUrl } from "../connection/resolve";
import { readToken } from "../connection/read-token";
import { readUserConfig, userConfigPath, writeUserConfig } from "../connection/user-config";
import { Failure, UsageError } from "../output/errors";
import type { Command } from "../command";

export const login: Command = {
  name: "login",
  args: "",
  summary: "Save a control plane URL and its token (read from stdin or a prompt) for later commands",
  details: `The token is read from stdin when it is not a terminal (edge login --control-plane URL < data/admin-token),
else asked for with echo off. It is checked against the control plane, then saved with the URL to
$XDG_CONFIG_HOME/edgebase/config.json (else ~/.config/edgebase/config.json), mode 0600. Later commands use it
for that URL unless --token-file, EDGEBASE_TOKEN or EDGEBASE_TOKEN_FILE says otherwise.`,
  flags: {
    "control-plane": {
      type: "string",
      help: "--control-plane URL   the control plane (else EDGEBASE_URL, else the saved one)",
    },
  },
  positionals: { min: 0, max: 0 },
  async run({ values, env, out }) {
    const path = userConfigPath(env);
    const urlText = (values["control-plane"] as string | undefined) ?? (env.EDGEBASE_URL || undefined);
    const saved = urlText ? null : readUserConfig(path, out.warn);
    const chosen = urlText ?? saved?.control_plane;
    if (!chosen) throw new UsageError("which control plane? pass --control-plane URL or set EDGEBASE_URL");
    const url = normalizeUrl(chosen, urlText ? "--control-plane" : path);
    const token = await readToken(`Token for ${url}: `);
    if (token === "") throw new UsageError("no token given on stdin");
    checkToken(token, "stdin");
    const cp = new ControlPlane({ url, token });
    const answer = await cp.request("GET", "/api/v1/functions?limit=1", { ok: [200, 401, 403] });
    if (answer.status !== 200)
      throw new Failure(`${url} refused the token (HTTP ${answer.status}); nothing saved`, "unauthorized");
    writeUserConfig(path, { control_plane: url, token });
    out.result({ control_plane: url, config: path }, [`logged in to ${url}; saved to ${path} (mode 0600)`]);
  },
};
