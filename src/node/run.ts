import { createApiServer } from "../api/server.js";
import type { NodeOptions } from "./config.js";
import { loadNodeOptions } from "./config.js";
import { type ConsortiaNode, type NodeComponents, startNode } from "./node.js";

export interface RunningNode {
  readonly node: ConsortiaNode;
  readonly apiUrl: string;
  stop(): Promise<void>;
}

/** Starts the node in `home` and its HTTP API; `stop` closes both in reverse order. */
export async function runNode(
  home: string,
  overrides: { apiPort?: number; engine?: NodeOptions["engine"] } = {},
  components: NodeComponents = {},
): Promise<RunningNode> {
  const options = loadNodeOptions(home, overrides);
  const node = await startNode(home, options, components);
  try {
    const api = createApiServer({ node }, options.api);
    const { url } = await api.start();
    let stopped = false;
    return {
      node,
      apiUrl: url,
      async stop() {
        if (stopped) return;
        stopped = true;
        await api.stop();
        await node.stop();
      },
    };
  } catch (err) {
    await node.stop();
    throw err;
  }
}
