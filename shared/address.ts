/**
 * Peer addresses as people type them: `host:port`, `[v6]:port`, `[v6]`, a bare IPv6 address, or a bare host.
 * Errors are sentences for the person who typed the address, shown as they are.
 */
import { DEFAULT_PORT } from './protocol/limits';

export type ParsedPeerAddress = { ok: true; host: string; port: number } | { ok: false; error: string };

const TYPE_AN_ADDRESS = 'Type an address like 192.168.1.20:8000.';
const PORT_RANGE = 'Port must be a number from 1 to 65535.';
/** Longer than any host name (253) or IPv6 address with a zone; also keeps pasted junk out of error messages. */
const MAX_ADDRESS_LENGTH = 300;
const MAX_HOST_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;

export function parsePeerAddress(input: string, defaultPort: number = DEFAULT_PORT): ParsedPeerAddress {
  const address = input.trim();
  if (address === '') return failure(TYPE_AN_ADDRESS);
  if (address.length > MAX_ADDRESS_LENGTH) return failure(`That address is too long. ${TYPE_AN_ADDRESS}`);
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(address);
  if (scheme !== null) return failure(`Leave out "${scheme[0]}" and type just the address, like 192.168.1.20:8000.`);
  if (/\s/.test(address)) {
    return failure('An address has no spaces; put a colon before the port, like 192.168.1.20:8000.');
  }

  if (address.startsWith('[')) {
    const closingBracket = address.indexOf(']');
    if (closingBracket === -1) return failure('Close the IPv6 address with "]", like [fe80::1]:8000.');
    const afterBracket = address.slice(closingBracket + 1);
    if (afterBracket !== '' && !afterBracket.startsWith(':')) {
      return failure('After "]" type a colon and the port, like [fe80::1]:8000.');
    }
    const host = address.slice(1, closingBracket);
    if (host === '') return failure('Type an IPv6 address between the brackets, like [fe80::1]:8000.');
    if (!isIPv6Literal(host)) return failure(`"${host}" is not a valid IPv6 address.`);
    return afterBracket === '' ? success(host, defaultPort) : withPort(host, afterBracket.slice(1));
  }

  const colons = address.split(':').length - 1;
  if (colons > 1) {
    // Several colons and no brackets: an IPv6 address with no room for a port.
    if (!isIPv6Literal(address)) return failure(`"${address}" is not a valid IPv6 address. ${TYPE_AN_ADDRESS}`);
    return success(address, defaultPort);
  }
  const [host, portText] = colons === 1 ? address.split(':') : [address, undefined];
  if (host === '') return failure('Type the host before the port, like 192.168.1.20:8000.');
  if (portText === undefined && /^[0-9]+$/.test(host)) {
    return failure('That looks like a port alone. Type the host too, like 192.168.1.20:8000.');
  }
  const hostProblem = problemWithHost(host);
  if (hostProblem !== null) return failure(hostProblem);
  return portText === undefined ? success(host, defaultPort) : withPort(host, portText);
}

/** `host:port`, with the host in brackets when it is an IPv6 address (host names and IPv4 have no colon). */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** An IPv6 address as text, with `::` compression, an embedded IPv4 tail, and a `%zone` (`fe80::1%eth0`). */
export function isIPv6Literal(host: string): boolean {
  const [address, zone, ...more] = host.split('%');
  if (more.length > 0 || (zone !== undefined && !/^[A-Za-z0-9_.-]+$/.test(zone))) return false;
  const halves = address.split('::');
  if (halves.length > 2) return false;
  let groups = 0;
  for (const [halfIndex, half] of halves.entries()) {
    if (half === '') continue;
    const parts = half.split(':');
    for (const [partIndex, part] of parts.entries()) {
      const isLastPart = halfIndex === halves.length - 1 && partIndex === parts.length - 1;
      if (isLastPart && part.includes('.')) {
        if (!isIPv4Literal(part)) return false;
        groups += 2; // 32 bits of IPv4 fill two 16-bit groups
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        groups += 1;
      } else {
        return false;
      }
    }
  }
  // `::` stands for at least one group of zeros.
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

/** Four decimal numbers 0..255 without leading zeros (which some resolvers would read as octal). */
function isIPv4Literal(host: string): boolean {
  const parts = host.split('.');
  return parts.length === 4 && parts.every((part) => /^(0|[1-9][0-9]{0,2})$/.test(part) && Number(part) <= 255);
}

function problemWithHost(host: string): string | null {
  if (/^[0-9.]+$/.test(host)) {
    if (isIPv4Literal(host)) return null;
    return `"${host}" is not a valid IPv4 address: it has four numbers from 0 to 255, like 192.168.1.20.`;
  }
  if (!/^[A-Za-z0-9._-]+$/.test(host)) {
    return `"${host}" is not a valid host name: use only letters, digits, dots, hyphens and underscores.`;
  }
  if (host.length > MAX_HOST_NAME_LENGTH) return `That host name is longer than ${MAX_HOST_NAME_LENGTH} characters.`;
  for (const label of host.split('.')) {
    if (label === '') return `"${host}" is not a valid host name: it has an empty part between dots.`;
    if (label.length > MAX_LABEL_LENGTH) {
      return `"${host}" is not a valid host name: a part between dots is longer than ${MAX_LABEL_LENGTH} characters.`;
    }
    if (label.startsWith('-') || label.endsWith('-')) {
      return `"${host}" is not a valid host name: a part between dots starts or ends with a hyphen.`;
    }
  }
  return null;
}

function withPort(host: string, portText: string): ParsedPeerAddress {
  if (!/^[0-9]{1,5}$/.test(portText)) return failure(PORT_RANGE);
  const port = Number(portText);
  return port >= 1 && port <= 65535 ? success(host, port) : failure(PORT_RANGE);
}

function success(host: string, port: number): ParsedPeerAddress {
  return { ok: true, host, port };
}

function failure(error: string): ParsedPeerAddress {
  return { ok: false, error };
}
