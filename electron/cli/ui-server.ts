import { randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import { dispatch } from '../../shared/ipc/dispatch';
import { fail } from '../../shared/ipc/result';
import type { AppService } from '../core/app-service';
import { UPLOAD_PATH, UPLOAD_TOKEN_HEADER, uploads } from './ui-upload';

/** The browser UI is served on loopback only: the token and the Host/Origin checks guard the rest. */
const UI_HOST = '127.0.0.1';
/** Largest WebSocket frame accepted: a 64 KiB message, JSON-escaped at worst six bytes a character, and room. */
const MAX_FRAME_BYTES = 512 * 1024;
/**
 * How much may wait for one page (a frozen or throttled tab): past it the page is closed with
 * CLOSE_TOO_FAR_BEHIND, and its transport reconnects and reloads its state instead of us buffering for ever.
 */
export const MAX_CLIENT_BUFFERED_BYTES = 8 * 1024 * 1024;
/** The WebSocket close code for "you fell too far behind: reconnect and reload" (4000–4999 are the application's). */
export const CLOSE_TOO_FAR_BEHIND = 4008;
/** The WebSocket carrying the contract. */
const API_PATH = '/api';

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

const RequestFrameSchema = z.object({ id: z.number().int(), channel: z.string(), request: z.unknown().optional() }).strict();

export interface UiServer {
  /** The address to open, token included. */
  url: string;
  close(): Promise<void>;
}

/**
 * `peerline --ui`: serves the built renderer on 127.0.0.1 and carries the IPC contract over a WebSocket at
 * `/api`. Every request passes `dispatch`, the same validation the desktop app's IPC uses. A random token,
 * and Host and Origin headers that must name this very loopback address, keep other pages and DNS-rebinding
 * sites out.
 */
export async function startUiServer(
  service: AppService,
  opts: { port: number; staticDir: string; log?: (line: string) => void; maxClientBufferedBytes?: number; uploadDir?: string },
): Promise<UiServer> {
  const staticDir = path.resolve(opts.staticDir);
  const log = opts.log ?? ((line: string) => process.stderr.write(`peerline: ${line}\n`));
  await fs.access(path.join(staticDir, 'index.html')).catch(() => {
    throw new Error(`The UI is not built (no ${path.join(staticDir, 'index.html')}): run npm run build.`);
  });
  const token = randomBytes(24).toString('hex');
  // Uploaded files wait here until their transfer ends (the command line puts them in its data directory).
  const upload = uploads(service.files, opts.uploadDir ?? path.join(os.tmpdir(), `peerline-uploads-${token.slice(0, 12)}`));
  const tokenMatches = (presented: string | undefined) => {
    const given = Buffer.from(presented ?? '');
    const expected = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  let origins: Set<string> = new Set();
  /** Exactly one Host header, naming this very loopback address. */
  const allowedHost = (request: http.IncomingMessage) => {
    const hosts = request.headersDistinct.host;
    return hosts !== undefined && hosts.length === 1 && origins.has(`http://${hosts[0]}`);
  };

  // Nothing a request carries may end the process: whatever a handler did not expect is logged and answered 500.
  const server = http.createServer((request, response) => {
    const failed = (err: unknown) => {
      log(`the UI server failed on a request: ${(err as Error)?.stack ?? String(err)}`);
      if (!response.headersSent) refuse(response, 500, 'Something went wrong.');
      else response.destroy();
    };
    try {
      if (!allowedHost(request)) return refuse(response, 421, 'This address does not serve Peerline.');
      if (request.method === 'POST' && request.url?.startsWith(`${UPLOAD_PATH}?`)) {
        const origin = request.headers.origin;
        const presented = request.headersDistinct[UPLOAD_TOKEN_HEADER];
        if (origin === undefined || !origins.has(origin) || presented?.length !== 1 || !tokenMatches(presented[0])) return refuse(response, 403, 'Forbidden.');
        return void upload(request, response, new URLSearchParams(request.url.slice(UPLOAD_PATH.length + 1))).catch(failed);
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(response, 405, 'Method not allowed.');
      const pathname = pathOf(request.url);
      if (pathname === null) return refuse(response, 400, 'Bad request.');
      serveStatic(staticDir, pathname, request, response).catch(failed);
    } catch (err) {
      failed(err);
    }
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  server.on('upgrade', (request, socket: Socket, head) => {
    socket.on('error', () => socket.destroy());
    try {
      // Refuse before parsing anything: the one path is `/api?…`, and only its query is read.
      const target = request.url ?? '';
      const query = target.startsWith(`${API_PATH}?`) ? new URLSearchParams(target.slice(API_PATH.length + 1)) : null;
      const origin = request.headers.origin;
      if (query === null || !allowedHost(request) || origin === undefined || !origins.has(origin) || !tokenMatches(query.get('token') ?? '')) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      sockets.handleUpgrade(request, socket, head, (ws) => serveApi(service, ws, log, opts.maxClientBufferedBytes ?? MAX_CLIENT_BUFFERED_BYTES));
    } catch (err) {
      log(`the UI server failed on a WebSocket upgrade: ${(err as Error)?.stack ?? String(err)}`);
      socket.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, UI_HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origins = new Set([`http://${UI_HOST}:${port}`, `http://localhost:${port}`]);

  return {
    url: `http://${UI_HOST}:${port}/?token=${token}`,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

function serveApi(service: AppService, ws: WebSocket, log: (line: string) => void, maxBuffered: number): void {
  /** Sends a frame, unless the page has fallen too far behind: then it is closed, to reconnect and resynchronise. */
  const send = (frame: unknown) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > maxBuffered) {
      log(`a UI page fell ${ws.bufferedAmount} bytes behind; closing it so that it reconnects and reloads`);
      ws.close(CLOSE_TOO_FAR_BEHIND, 'too far behind: reconnect and reload');
      return;
    }
    ws.send(JSON.stringify(frame));
  };
  const unsubscribe = service.subscribe((event, payload) => send({ event, payload }));
  ws.on('close', unsubscribe);
  ws.on('error', () => ws.terminate());
  ws.on('message', (data, isBinary) => {
    answer(data, isBinary).catch((err: unknown) => {
      log(`the UI server failed on a request frame: ${(err as Error)?.stack ?? String(err)}`);
      send({ id: null, result: fail('internal', 'Something went wrong.') });
    });
  });
  const answer = async (data: RawData, isBinary: boolean) => {
    let frame: z.output<typeof RequestFrameSchema>;
    try {
      if (isBinary) throw new Error('binary');
      frame = RequestFrameSchema.parse(JSON.parse(data.toString()));
    } catch {
      send({ id: null, result: fail('invalid-request', 'A request is {"id", "channel", "request"} in JSON.') });
      return;
    }
    const result = await dispatch(service.handlers, frame.channel, frame.request);
    send({ id: frame.id, result });
  };
}

/**
 * The decoded path of a request target, or null when it is not one this server could serve: not starting with a
 * single `/` (`//host`, `*`, absolute forms), a malformed `%` escape, or a NUL or backslash once decoded.
 */
export function pathOf(target: string | undefined): string | null {
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) return null;
  const end = target.search(/[?#]/);
  let pathname: string;
  try {
    pathname = decodeURIComponent(end < 0 ? target : target.slice(0, end));
  } catch {
    return null;
  }
  return /[\0\\]/.test(pathname) ? null : pathname;
}

async function serveStatic(staticDir: string, pathname: string, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const file = path.resolve(staticDir, '.' + (pathname === '/' ? '/index.html' : pathname));
  if (file !== staticDir && !file.startsWith(staticDir + path.sep)) return refuse(response, 404, 'Not found.');
  let body: Buffer;
  try {
    body = await fs.readFile(file);
  } catch {
    return refuse(response, 404, 'Not found.');
  }
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Content-Length': body.length,
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function refuse(response: http.ServerResponse, status: number, text: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text + '\n');
}
