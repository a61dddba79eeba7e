import { type ConsortiaClient, createClient } from "../sdk/client.js";
import { urlFlag } from "./flags.js";

export const DEFAULT_API_URL = "http://127.0.0.1:26680";
export const API_HELP = `node API base URL (default: $CONSORTIA_API or ${DEFAULT_API_URL})`;

/** --api, else $CONSORTIA_API, else the local node's default port. */
export function apiClient(flag: string | undefined): ConsortiaClient {
  const env = process.env.CONSORTIA_API;
  const url = flag ?? (env !== undefined && env !== "" ? env : DEFAULT_API_URL);
  return createClient(urlFlag(url, flag !== undefined ? "--api" : "CONSORTIA_API"));
}
