/**
 * `StdioProcessTransport`: the MCP stdio client transport (newline-delimited JSON-RPC over a
 * child process's stdin/stdout) that also reports how the process ended.
 *
 * Decision: the SDK's `StdioClientTransport` spawns the same way but keeps the child private,
 * so its exit code, signal and stderr are lost; a crash could only be reported as "connection
 * closed". Options were (a) reaching into its private `_process`, (b) this ~120-line transport
 * on the SDK's own `ReadBuffer`/`serializeMessage`. (b) keeps the wire format the SDK's and
 * gives `McpServerError` the exit code, signal and stderr tail.
 *
 * States: created -> running (after `start()`) -> exited (`exit` is set; `onclose` fires once).
 * `close()` ends stdin, then escalates to SIGTERM and SIGKILL after `graceMs` each.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { McpServerExit } from "./mcp-errors.ts";

/** How to start a stdio MCP server process. */
export interface StdioProcessParams {
  readonly command: string;
  readonly args?: readonly string[] | undefined;
  /** Added to the SDK's safe default environment (PATH, HOME...). */
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly cwd?: string | undefined;
  /** How long `close()` waits for the process at each escalation step (default 2000 ms). */
  readonly graceMs?: number | undefined;
  /** Receives the server's stderr, chunk by chunk (it is also kept as a short tail). */
  readonly onStderr?: ((chunk: string) => void) | undefined;
}

const STDERR_TAIL_CHARS = 2000;

/** An MCP client transport over a child process that records the process's exit. Not pure. */
export class StdioProcessTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;
  readonly #params: StdioProcessParams;
  readonly #buffer = new ReadBuffer();
  #child: ChildProcess | undefined;
  #exit: McpServerExit | undefined;
  #stderrTail = "";
  #closed: Promise<void> | undefined;

  constructor(params: StdioProcessParams) {
    this.#params = params;
  }

  /** The child's process id while it runs, else `undefined`. */
  get pid(): number | undefined {
    return this.#exit === undefined ? this.#child?.pid : undefined;
  }

  /** How the process ended, or `undefined` while it runs. */
  get exit(): McpServerExit | undefined {
    const exit = this.#exit;
    return exit && { ...exit, stderrTail: this.#stderrTail.trim() };
  }

  /** Spawns the process; rejects when it cannot be spawned (e.g. command not found). */
  start(): Promise<void> {
    if (this.#child) throw new Error("StdioProcessTransport.start() was called twice.");
    const { command, args = [], env, cwd } = this.#params;
    const child = spawn(command, [...args], {
      env: { ...getDefaultEnvironment(), ...env },
      cwd,
      stdio: ["pipe", "pipe", "pipe"],
      shell: false,
      windowsHide: true,
    });
    this.#child = child;
    this.#closed = new Promise((resolve) => child.once("close", () => resolve()));
    child.once("exit", (exitCode, signal) => {
      this.#exit = { exitCode, signal };
    });
    child.once("close", () => {
      this.#exit ??= { exitCode: child.exitCode, signal: child.signalCode };
      this.onclose?.();
    });
    child.stdout?.on("data", (chunk: Buffer) => this.#receive(chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => this.#stderr(chunk));
    child.stdin?.on("error", (error) => this.onerror?.(error));
    return new Promise((resolve, reject) => {
      child.once("spawn", () => resolve());
      child.once("error", (error) => {
        this.#exit ??= { exitCode: null, signal: null };
        this.#stderrTail += error.message;
        reject(error);
      });
    });
  }

  /** Writes one message to the server's stdin. */
  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.#child?.stdin;
    if (!stdin || this.#exit !== undefined || !stdin.writable) {
      return Promise.reject(new Error("The MCP server process is not running."));
    }
    return new Promise((resolve, reject) => {
      stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Ends stdin and waits for the process to exit, escalating to SIGTERM then SIGKILL. */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child || !this.#closed) return;
    if (this.#exit === undefined) {
      child.stdin?.end();
      const graceMs = this.#params.graceMs ?? 2000;
      for (const signal of ["SIGTERM", "SIGKILL"] as const) {
        if (await settlesWithin(this.#closed, graceMs)) break;
        child.kill(signal);
      }
    }
    await this.#closed;
    this.#buffer.clear();
  }

  #receive(chunk: Buffer): void {
    this.#buffer.append(chunk);
    try {
      for (let m = this.#buffer.readMessage(); m !== null; m = this.#buffer.readMessage()) {
        this.onmessage?.(m);
      }
    } catch (error) {
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #stderr(chunk: string): void {
    this.#stderrTail = (this.#stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    this.#params.onStderr?.(chunk);
  }
}

/** Whether `promise` settles within `ms`; the timer never outlives the call. */
async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
