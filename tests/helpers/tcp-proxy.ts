// A TCP proxy on 127.0.0.1 to a port there: a second URL of the same server, or a link that can
// be cut (close() also destroys its open connections) and made again on the same port.
import { connect, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
  port: number;
  url: string;
  /** Stops listening and cuts every connection through it. */
  close(): void;
  /** Listens again on the same port. */
  reopen(): Promise<void>;
}

export async function tcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => (client.destroy(), upstream.destroy()));
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
    });
  const port = await listen(0);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close() {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
    async reopen() {
      await listen(port);
    },
  };
}
