import { randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { dispatch } from '../../shared/ipc/dispatch';
import { fail } from '../../shared/ipc/result';
import type { AppService } from '../core/app-service';

/** The browser UI is served on loopback only: the token and the Host/Origin checks guard the rest. */
const UI_HOST = '127.0.0.1';
/** Largest WebSocket frame accepted: a 64 KiB message, JSON-escaped at worst six bytes a character, and room. */
const MAX_FRAME_BYTES = 512 * 1024;

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
export async function startUiServer(service: AppService, opts: { port: number; staticDir: string }): Promise<UiServer> {
  const staticDir = path.resolve(opts.staticDir);
  await fs.access(path.join(staticDir, 'index.html')).catch(() => {
    throw new Error(`The UI is not built (no ${path.join(staticDir, 'index.html')}): run npm run build.`);
  });
  const token = randomBytes(24).toString('hex');
  let origins: Set<string> = new Set();
  const allowedHost = (host: string | undefined) => host !== undefined && origins.has(`http://${host}`);

  const server = http.createServer((request, response) => {
    if (!allowedHost(request.headers.host)) return refuse(response, 421, 'This address does not serve Peerline.');
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(response, 405, 'Method not allowed.');
    void serveStatic(staticDir, request, response);
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  server.on('upgrade', (request, socket: Socket, head) => {
    const url = new URL(request.url ?? '/', 'http://placeholder');
    const origin = request.headers.origin;
    const presented = Buffer.from(url.searchParams.get('token') ?? '');
    const expected = Buffer.from(token);
    const tokenMatches = presented.length === expected.length && timingSafeEqual(presented, expected);
    if (url.pathname !== '/api' || !allowedHost(request.headers.host) || origin === undefined || !origins.has(origin) || !tokenMatches) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => serveApi(service, ws));
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

function serveApi(service: AppService, ws: WebSocket): void {
  const unsubscribe = service.subscribe((event, payload) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
  });
  ws.on('close', unsubscribe);
  ws.on('error', () => ws.terminate());
  ws.on('message', async (data, isBinary) => {
    let frame: z.output<typeof RequestFrameSchema>;
    try {
      if (isBinary) throw new Error('binary');
      frame = RequestFrameSchema.parse(JSON.parse(data.toString()));
    } catch {
      ws.send(JSON.stringify({ id: null, result: fail('invalid-request', 'A request is {"id", "channel", "request"} in JSON.') }));
      return;
    }
    const result = await dispatch(service.handlers, frame.channel, frame.request);
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: frame.id, result }));
  });
}

async function serveStatic(staticDir: string, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://placeholder').pathname);
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
