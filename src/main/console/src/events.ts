// The change stream (/api/v1/changes, Server-Sent Events) read with fetch, since EventSource cannot send the bearer
// token as a header (and a token in the URL would end up in logs). It reconnects after a failure, resuming after
// the last event it saw with Last-Event-ID, so nothing is missed or repeated.
import { session, sessionExpired, withQuery } from "./api";

export interface ChangeEvent {
  op: "c" | "u" | "d" | "r";
  cluster: string;
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  ts: number;
  seq: number;
  object?: any;
}

/** How the console names each op of a change event. */
export const OP_NAMES: Record<string, string> = { c: "created", u: "updated", d: "deleted", r: "listed" };

export interface StreamFilter {
  cluster?: string;
  group?: string;
  kind?: string;
  resource?: string;
  namespace?: string;
  name?: string;
  from?: string;
}

export interface StreamHandlers {
  onEvent(e: ChangeEvent): void;
  onState?(state: "connected" | "reconnecting" | "ended", detail?: string): void;
}

/** Follows the stream until the returned function is called. */
export function follow(filter: StreamFilter, handlers: StreamHandlers): () => void {
  const abort = new AbortController();
  let lastId: string | null = null;
  let stopped = false;
  const params: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(filter)) if (v) params[k] = v;

  const run = async () => {
    let pause = 500;
    while (!stopped) {
      const s = session();
      if (!s) return;
      const headers: Record<string, string> = { authorization: "Bearer " + s.token, user: s.user,
        accept: "text/event-stream" };
      const query = { ...params };
      if (lastId !== null) {
        headers["last-event-id"] = lastId;
        delete query.from;
      }
      try {
        const res = await fetch(withQuery("/api/v1/changes", query), { headers, signal: abort.signal });
        if (res.status === 401) {
          sessionExpired();
          return;
        }
        if (res.status === 403 || res.status === 400 || res.status === 410) {
          handlers.onState?.("ended", res.status === 410 ? "events were pruned; reload" : "refused: " + res.status);
          return;
        }
        if (!res.ok || !res.body) throw new Error("status " + res.status);
        handlers.onState?.("connected");
        pause = 500;
        const overtaken = await read(res.body, (type, id, data) => {
          if (id) lastId = id;
          if (type !== "message" || !data) return;
          let event: ChangeEvent;
          try {
            event = JSON.parse(data) as ChangeEvent;
          } catch {
            return; // not an event this console understands: skipped, not retried forever
          }
          handlers.onEvent(event);
        }, (seq) => {
          // The server says where the stream starts: a reconnect before any event resumes there, not at "latest".
          if (lastId === null) lastId = seq;
        });
        if (overtaken) {
          handlers.onState?.("ended", "events were pruned before they were read; reload");
          return;
        }
      } catch (e) {
        if (stopped || abort.signal.aborted) return;
      }
      if (stopped) return;
      handlers.onState?.("reconnecting");
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 10_000);
    }
  };
  run();
  return () => {
    stopped = true;
    abort.abort();
  };
}

/**
 * Parses an SSE body: calls back once per event with its type, id and data (comments and retry lines ignored).
 * True when the server ended the stream with an error event (pruning overtook it).
 */
async function read(body: ReadableStream<Uint8Array>,
                    onMessage: (type: string, id: string | null, data: string) => void,
                    onStart: (seq: string) => void): Promise<boolean> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let id: string | null = null;
  let type = "message";
  let data: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      let line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line === "") {
        if (data.length || id) onMessage(type, id, data.join("\n"));
        if (type === "error") return true;
        id = null;
        type = "message";
        data = [];
      } else if (line.startsWith(": after seq ")) {
        onStart(line.slice(12).trim());
      } else if (line.startsWith("event:")) {
        type = line.slice(6).trim();
      } else if (line.startsWith("data:")) {
        data.push(line.slice(5).replace(/^ /, ""));
      } else if (line.startsWith("id:")) {
        id = line.slice(3).trim();
      }
    }
  }
}
