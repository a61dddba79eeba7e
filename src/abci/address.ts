import { isIP } from "node:net";
import { ConsortiaError } from "../errors.js";
import { AbciErrors } from "./errors.js";

/** Where the server listens, in CometBFT's `proxy_app` syntax. */
export type ListenAddress =
  | { readonly kind: "tcp"; readonly host: string; readonly port: number }
  | { readonly kind: "unix"; readonly path: string };

/**
 * Parses "tcp://host:port" or "unix:///abs/path.sock". ABCI has no authentication (whoever
 * connects can finalize blocks), so a TCP host must be loopback unless explicitly allowed.
 */
export function parseListenAddress(address: string, allowNonLoopback = false): ListenAddress {
  if (address.startsWith("unix://")) {
    const path = address.slice("unix://".length);
    if (path.length === 0) {
      throw new ConsortiaError(AbciErrors.ABCI_BAD_ADDRESS, `address ${address}: unix socket path is empty`);
    }
    return { kind: "unix", path };
  }
  if (!address.startsWith("tcp://")) {
    throw new ConsortiaError(
      AbciErrors.ABCI_BAD_ADDRESS,
      `address ${address} must start with tcp:// or unix://`,
    );
  }
  const rest = address.slice("tcp://".length);
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(rest);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (host === undefined || !Number.isInteger(port) || port > 65535) {
    throw new ConsortiaError(
      AbciErrors.ABCI_BAD_ADDRESS,
      `address ${address} must be tcp://host:port with port 0–65535`,
    );
  }
  if (!allowNonLoopback && !isLoopback(host)) {
    throw new ConsortiaError(
      AbciErrors.ABCI_BAD_ADDRESS,
      `address ${address}: host must be loopback (ABCI is unauthenticated); set allowNonLoopback to override`,
    );
  }
  return { kind: "tcp", host, port };
}

function isLoopback(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

export function formatListenAddress(a: ListenAddress): string {
  if (a.kind === "unix") return `unix://${a.path}`;
  return a.host.includes(":") ? `tcp://[${a.host}]:${a.port}` : `tcp://${a.host}:${a.port}`;
}
