/**
 * Prometheus text exposition (format 0.0.4), written by hand: the handful of series below do not
 * justify a client library. Label values are bounded: routes are route patterns (unmatched
 * requests share one label), error codes come from the registered table.
 */

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Block-interval histogram buckets (seconds). */
const BLOCK_TIME_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60] as const;
const QUANTILES = [0.5, 0.9, 0.99] as const;
/** Latency samples kept per route for quantiles; older samples fall out. */
const LATENCY_WINDOW = 1024;

export type RejectStage = "checktx" | "deliver";

export interface BlockObservation {
  readonly height: bigint;
  readonly timeMs: bigint;
  readonly txs: number;
  /** errorCode of every transaction that failed at execution. */
  readonly failedCodes: readonly string[];
}

export interface Gauges {
  readonly height: bigint;
  readonly mempool: number;
  readonly sseClients: number;
  readonly uptimeSeconds: number;
}

export interface Metrics {
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  txRejected(code: string, stage: RejectStage): void;
  blockCommitted(b: BlockObservation): void;
  render(g: Gauges): string;
}

interface LatencySeries {
  count: number;
  sum: number;
  window: number[];
  next: number;
}

export function createMetrics(init: { lastBlockTimeMs?: bigint } = {}): Metrics {
  const requests = new Map<string, number>();
  const latency = new Map<string, LatencySeries>();
  const rejected = new Map<string, number>();
  const blockBuckets = new Array<number>(BLOCK_TIME_BUCKETS.length).fill(0);
  let blockCount = 0;
  let blockSum = 0;
  let lastBlockTimeMs = init.lastBlockTimeMs;
  let committed = 0;
  let blocks = 0;

  return {
    observeRequest(method, route, status, seconds) {
      const rk = labels({ method, route, status: String(status) });
      requests.set(rk, (requests.get(rk) ?? 0) + 1);
      const lk = labels({ method, route });
      let s = latency.get(lk);
      if (!s) {
        s = { count: 0, sum: 0, window: [], next: 0 };
        latency.set(lk, s);
      }
      s.count++;
      s.sum += seconds;
      if (s.window.length < LATENCY_WINDOW) s.window.push(seconds);
      else {
        s.window[s.next] = seconds;
        s.next = (s.next + 1) % LATENCY_WINDOW;
      }
    },
    txRejected(code, stage) {
      const k = labels({ code, stage });
      rejected.set(k, (rejected.get(k) ?? 0) + 1);
    },
    blockCommitted(b) {
      blocks++;
      committed += b.txs;
      for (const code of b.failedCodes) this.txRejected(code, "deliver");
      if (lastBlockTimeMs !== undefined && b.timeMs >= lastBlockTimeMs) {
        const dt = Number(b.timeMs - lastBlockTimeMs) / 1000;
        blockCount++;
        blockSum += dt;
        for (let i = 0; i < BLOCK_TIME_BUCKETS.length; i++)
          if (dt <= BLOCK_TIME_BUCKETS[i]!) blockBuckets[i]!++;
      }
      lastBlockTimeMs = b.timeMs;
    },
    render(g) {
      const out: string[] = [];
      const head = (name: string, type: string, help: string) =>
        out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      head("consortia_height", "gauge", "Last committed block height.");
      out.push(`consortia_height ${g.height}`);
      head("consortia_mempool_size", "gauge", "Transactions admitted and not yet committed.");
      out.push(`consortia_mempool_size ${g.mempool}`);
      head("consortia_blocks_committed_total", "counter", "Blocks committed since this process started.");
      out.push(`consortia_blocks_committed_total ${blocks}`);
      head(
        "consortia_txs_committed_total",
        "counter",
        "Transactions included in committed blocks (failed ones too).",
      );
      out.push(`consortia_txs_committed_total ${committed}`);
      head(
        "consortia_txs_rejected_total",
        "counter",
        "Transactions refused at admission (stage=checktx) or failed at execution (stage=deliver), by code.",
      );
      for (const [k, v] of sorted(rejected)) out.push(`consortia_txs_rejected_total{${k}} ${v}`);
      head(
        "consortia_block_time_seconds",
        "histogram",
        "Time between consecutive committed blocks (block time).",
      );
      for (let i = 0; i < BLOCK_TIME_BUCKETS.length; i++) {
        out.push(`consortia_block_time_seconds_bucket{le="${BLOCK_TIME_BUCKETS[i]}"} ${blockBuckets[i]}`);
      }
      out.push(`consortia_block_time_seconds_bucket{le="+Inf"} ${blockCount}`);
      out.push(
        `consortia_block_time_seconds_sum ${num(blockSum)}`,
        `consortia_block_time_seconds_count ${blockCount}`,
      );
      head("consortia_sse_clients", "gauge", "Connected event-stream clients.");
      out.push(`consortia_sse_clients ${g.sseClients}`);
      head("consortia_uptime_seconds", "gauge", "Seconds since the node started.");
      out.push(`consortia_uptime_seconds ${num(g.uptimeSeconds)}`);
      head("consortia_http_requests_total", "counter", "HTTP requests by method, route pattern and status.");
      for (const [k, v] of sorted(requests)) out.push(`consortia_http_requests_total{${k}} ${v}`);
      head(
        "consortia_http_request_duration_seconds",
        "summary",
        "HTTP request latency (quantiles over the last 1024 requests).",
      );
      for (const [k, s] of sorted(latency)) {
        const w = [...s.window].sort((a, b) => a - b);
        for (const q of QUANTILES) {
          const v = w[Math.min(w.length - 1, Math.floor(q * w.length))] ?? 0;
          out.push(`consortia_http_request_duration_seconds{${k},quantile="${q}"} ${num(v)}`);
        }
        out.push(`consortia_http_request_duration_seconds_sum{${k}} ${num(s.sum)}`);
        out.push(`consortia_http_request_duration_seconds_count{${k}} ${s.count}`);
      }
      return `${out.join("\n")}\n`;
    },
  };
}

function labels(l: Readonly<Record<string, string>>): string {
  return Object.entries(l)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",");
}

export function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function sorted<V>(m: Map<string, V>): [string, V][] {
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function num(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toFixed(9))) : "NaN";
}
