import type { ApiOptions } from "../node/config.js";
import type { ConsortiaNode } from "../node/node.js";
import type { Clock } from "../util/clock.js";
import type { EventHub } from "./events.js";
import type { Metrics } from "./metrics.js";

/** What every route handler may use. */
export interface ApiContext {
  readonly node: ConsortiaNode;
  readonly opts: ApiOptions;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly events: EventHub;
}
