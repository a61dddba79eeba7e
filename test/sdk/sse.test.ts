import assert from "node:assert/strict";
import { test } from "node:test";
import { createSseParser, type SseMessage } from "../../src/sdk/sse.js";

const STREAM =
  'retry: 2000\n: connected\n\nevent: block\nid: 1\ndata: {"a":1}\n\r\n' +
  "event: tx\r\ndata: line1\r\ndata:line2\r\n\r\n: heartbeat\n\ndata: plain\r\rid\n\nevent: x\n";

const EXPECTED: SseMessage[] = [
  { event: "block", data: '{"a":1}', id: "1" },
  { event: "tx", data: "line1\nline2", id: "1" },
  { event: "message", data: "plain", id: "1" },
];

test("sse: parses events, comments, CRLF/CR/LF line ends and multi-line data", () => {
  const out: SseMessage[] = [];
  createSseParser((m) => out.push(m)).push(STREAM);
  // The id persists across events (the spec's last-event-id buffer).
  assert.deepEqual(out, EXPECTED);
});

test("sse: the same messages whatever the chunking", () => {
  for (let cut = 0; cut <= STREAM.length; cut++) {
    for (const step of [1, 3]) {
      const out: SseMessage[] = [];
      const p = createSseParser((m) => out.push(m));
      p.push(STREAM.slice(0, cut));
      for (let i = cut; i < STREAM.length; i += step) p.push(STREAM.slice(i, i + step));
      assert.deepEqual(out, EXPECTED, `cut at ${cut}, step ${step}`);
    }
  }
});
