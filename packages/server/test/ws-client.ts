/**
 * A WebSocket test client over Node's global WebSocket: it records every message, and tests
 * wait on conditions (`next`), never on fixed sleeps. A condition not met in time fails the
 * test with the messages seen so far.
 */

/** A server message as the tests read it. */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON fields.
export type Incoming = { type: string; [key: string]: any };

export interface TestSocket {
  /** Every message received, in order. */
  readonly messages: Incoming[];
  /** When each message arrived (Date.now()), by index. */
  readonly received: number[];
  send(message: object | string): void;
  /** The first message after the previous `next` match that satisfies `match`. */
  next(match: (m: Incoming) => boolean, timeoutMs?: number): Promise<Incoming>;
  /** Resolves when the server closes the socket. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens a socket to `url`; `headers` uses undici's extension to the browser constructor. */
export function connect(url: string, headers?: Record<string, string>): Promise<TestSocket> {
  const ws = headers ? new WebSocket(url, { headers } as unknown as string[]) : new WebSocket(url);
  const messages: Incoming[] = [];
  const received: number[] = [];
  const waiters = new Set<() => void>();
  let cursor = 0;
  ws.addEventListener("message", (event) => {
    messages.push(JSON.parse(String(event.data)) as Incoming);
    received.push(Date.now());
    for (const wake of [...waiters]) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.addEventListener("close", (event) => {
      resolve({ code: event.code, reason: event.reason });
      for (const wake of [...waiters]) wake();
    });
  });
  const socket: TestSocket = {
    messages,
    received,
    closed,
    send: (message) => ws.send(typeof message === "string" ? message : JSON.stringify(message)),
    close: () => ws.close(),
    next(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const at = messages.findIndex((m, i) => i >= cursor && match(m));
          if (at < 0) return false;
          cursor = at + 1;
          finish();
          resolve(messages[at]!);
          return true;
        };
        const timer = setTimeout(() => {
          finish();
          reject(
            new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(messages)}`),
          );
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        if (!check()) waiters.add(check);
      });
    },
  };
  return new Promise((resolve, reject) => {
    ws.addEventListener("open", () => resolve(socket), { once: true });
    ws.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)), {
      once: true,
    });
  });
}

/** Shorthand matchers. */
export const ofType =
  (type: string, extra: (m: Incoming) => boolean = () => true) =>
  (m: Incoming) =>
    m.type === type && extra(m);
