import assert from "node:assert/strict";
import { test } from "node:test";
import { createMetrics, escapeLabel } from "../../src/api/metrics.js";

const gauges = { height: 12n, mempool: 3, sseClients: 1, uptimeSeconds: 2.5 };

function samples(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const typed = new Set<string>();
  for (const line of text.trimEnd().split("\n")) {
    const t = /^# TYPE (\S+) (counter|gauge|histogram|summary)$/.exec(line);
    if (t) {
      assert.ok(!typed.has(t[1]!), `one TYPE line per family: ${t[1]}`);
      typed.add(t[1]!);
      continue;
    }
    if (line.startsWith("# HELP ")) continue;
    const m = /^([a-z_]+)(\{(?:[a-z_]+="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN)$/.exec(line);
    assert.ok(m, `valid sample line: ${line}`);
    const family = m[1]!.replace(/_(bucket|sum|count)$/, "");
    assert.ok(typed.has(m[1]!) || typed.has(family), `sample after its TYPE: ${line}`);
    out.set(m[1]! + (m[2] ?? ""), m[3]!);
  }
  return out;
}

test("metrics: gauges, counters, block-time histogram and request summary in exposition format", () => {
  const m = createMetrics({ lastBlockTimeMs: 10_000n });
  m.blockCommitted({ height: 1n, timeMs: 10_200n, txs: 3, failedCodes: ["COIN_INSUFFICIENT_FUNDS"] });
  m.blockCommitted({ height: 2n, timeMs: 11_700n, txs: 2, failedCodes: [] });
  m.txRejected("TX_BAD_NONCE", "checktx");
  m.txRejected("TX_BAD_NONCE", "checktx");
  for (let i = 1; i <= 100; i++) m.observeRequest("GET", "/health", 200, i / 1000);
  m.observeRequest("POST", "/txs", 409, 0.002);
  const s = samples(m.render(gauges));
  assert.equal(s.get("consortia_height"), "12");
  assert.equal(s.get("consortia_mempool_size"), "3");
  assert.equal(s.get("consortia_txs_committed_total"), "5");
  assert.equal(s.get("consortia_blocks_committed_total"), "2");
  assert.equal(s.get('consortia_txs_rejected_total{code="TX_BAD_NONCE",stage="checktx"}'), "2");
  assert.equal(s.get('consortia_txs_rejected_total{code="COIN_INSUFFICIENT_FUNDS",stage="deliver"}'), "1");
  // Intervals 0.2 s and 1.5 s: cumulative buckets.
  assert.equal(s.get('consortia_block_time_seconds_bucket{le="0.1"}'), "0");
  assert.equal(s.get('consortia_block_time_seconds_bucket{le="0.25"}'), "1");
  assert.equal(s.get('consortia_block_time_seconds_bucket{le="1"}'), "1");
  assert.equal(s.get('consortia_block_time_seconds_bucket{le="2"}'), "2");
  assert.equal(s.get('consortia_block_time_seconds_bucket{le="+Inf"}'), "2");
  assert.equal(s.get("consortia_block_time_seconds_sum"), "1.7");
  assert.equal(s.get("consortia_block_time_seconds_count"), "2");
  assert.equal(s.get('consortia_http_requests_total{method="GET",route="/health",status="200"}'), "100");
  assert.equal(s.get('consortia_http_requests_total{method="POST",route="/txs",status="409"}'), "1");
  assert.equal(
    s.get('consortia_http_request_duration_seconds{method="GET",route="/health",quantile="0.5"}'),
    "0.051",
  );
  assert.equal(
    s.get('consortia_http_request_duration_seconds{method="GET",route="/health",quantile="0.99"}'),
    "0.1",
  );
  assert.equal(s.get('consortia_http_request_duration_seconds_count{method="GET",route="/health"}'), "100");
  assert.equal(s.get('consortia_http_request_duration_seconds_sum{method="GET",route="/health"}'), "5.05");
});

test("metrics: label values are escaped; the latency window is bounded", () => {
  assert.equal(escapeLabel('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  const m = createMetrics();
  m.observeRequest("GET", '/we"ird', 404, 0.5);
  for (let i = 0; i < 5000; i++) m.observeRequest("GET", "/x", 200, 1);
  m.observeRequest("GET", "/x", 200, 0);
  const s = samples(m.render(gauges));
  assert.equal(s.get('consortia_http_requests_total{method="GET",route="/we\\"ird",status="404"}'), "1");
  assert.equal(s.get('consortia_http_request_duration_seconds_count{method="GET",route="/x"}'), "5001");
  assert.equal(s.get('consortia_http_request_duration_seconds{method="GET",route="/x",quantile="0.5"}'), "1");
  // No block observed yet: the first block after start has no interval.
  assert.equal(s.get("consortia_block_time_seconds_count"), "0");
});
