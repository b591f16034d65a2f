/**
 * Which network addresses a fetch may reach. Blocks every non-public range an SSRF aims at
 * (loopback, private, link-local incl. cloud metadata, unspecified, CGNAT, multicast, reserved,
 * NAT64/6to4 wrappers); `net.BlockList` also matches IPv4-mapped IPv6 forms (::ffff:127.0.0.1).
 * An allowlist of exact hosts or CIDRs overrides the block.
 */
import { BlockList, isIP } from "node:net";
import { ToolDefinitionError } from "./errors.ts";

const BLOCKED_V4: ReadonlyArray<[string, number, string]> = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local (cloud metadata)"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "IETF protocol assignments"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

const BLOCKED_V6: ReadonlyArray<[string, number, string]> = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["64:ff9b::", 96, "NAT64 (wraps an IPv4 address)"],
  ["100::", 64, "discard"],
  ["2002::", 16, "6to4 (wraps an IPv4 address)"],
  ["fc00::", 7, "private (unique local)"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "site-local"],
  ["ff00::", 8, "multicast"],
];

/** The block list with one entry per range, each kept with its label for error messages. */
const ranges = [
  ...BLOCKED_V4.map((r) => [...r, "ipv4"]),
  ...BLOCKED_V6.map((r) => [...r, "ipv6"]),
].map(([net, prefix, label, family]) => {
  const list = new BlockList();
  list.addSubnet(net as string, prefix as number, family as "ipv4" | "ipv6");
  return { list, label: label as string, cidr: `${net}/${prefix}` };
});

/**
 * Why `address` (an IP literal) is blocked, e.g. "loopback (127.0.0.0/8)", or undefined when it
 * is public. Pure.
 */
export function blockedReason(address: string): string | undefined {
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  for (const r of ranges) if (r.list.check(address, family)) return `${r.label} (${r.cidr})`;
  return undefined;
}

/** A compiled allowlist: exact host names and CIDR ranges. */
export interface AddressAllowlist {
  /** Whether fetching `host` (a name) at `address` (its IP) is explicitly allowed. */
  allows(host: string, address: string): boolean;
}

/**
 * Compiles allowlist entries: `"example.com"` (exact host, case-insensitive), `"127.0.0.1"`
 * (one address) or `"10.0.0.0/8"` / `"fd00::/8"` (CIDR). Throws {@link ToolDefinitionError} on a
 * malformed CIDR.
 */
export function compileAllowlist(entries: readonly string[] = []): AddressAllowlist {
  const hosts = new Set<string>();
  const cidrs = new BlockList();
  for (const entry of entries) {
    const [net, bits, extra] = entry.split("/");
    const family = isIP(net ?? "");
    if (bits === undefined && family === 0) {
      hosts.add(entry.toLowerCase().replace(/\.$/, ""));
      continue;
    }
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
    const max = family === 4 ? 32 : 128;
    if (
      family === 0 ||
      extra !== undefined ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > max
    ) {
      throw new ToolDefinitionError(
        `allowHosts entry ${JSON.stringify(entry)} is not a host name, an IP or a CIDR like "10.0.0.0/8".`,
      );
    }
    cidrs.addSubnet(net!, prefix, family === 4 ? "ipv4" : "ipv6");
  }
  return {
    allows(host, address) {
      if (hosts.has(host.toLowerCase().replace(/\.$/, ""))) return true;
      return cidrs.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
    },
  };
}
