/**
 * Incremental Server-Sent Events parser (the WHATWG event-stream rules that matter here): lines end
 * with CRLF, LF or CR; a blank line dispatches; `:` lines are comments; `data` lines accumulate.
 */
export interface SseMessage {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

export interface SseParser {
  /** Feeds decoded text; calls `onMessage` for every complete event. */
  push(text: string): void;
}

export function createSseParser(onMessage: (m: SseMessage) => void): SseParser {
  let buf = "";
  let event = "";
  let data: string[] = [];
  let id: string | undefined;
  // A chunk may end between the CR and LF of one CRLF line ending.
  let skipLf = false;

  const line = (l: string) => {
    if (l === "") {
      if (data.length > 0)
        onMessage({ event: event || "message", data: data.join("\n"), ...(id !== undefined ? { id } : {}) });
      event = "";
      data = [];
      return;
    }
    if (l.startsWith(":")) return;
    const colon = l.indexOf(":");
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? "" : l.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) id = value;
  };

  return {
    push(text) {
      buf += text;
      let start = 0;
      for (let i = 0; i < buf.length; i++) {
        const c = buf.charCodeAt(i);
        if (skipLf) {
          skipLf = false;
          if (c === 10) {
            start = i + 1;
            continue;
          }
        }
        if (c === 10 || c === 13) {
          line(buf.slice(start, i));
          start = i + 1;
          if (c === 13) skipLf = true;
        }
      }
      buf = buf.slice(start);
    },
  };
}
