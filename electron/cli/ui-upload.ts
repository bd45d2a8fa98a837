/**
 * `peerline --ui`: a browser page cannot name a file on disk, so it uploads what the person picked (chooser, drop,
 * paste) to its own local Peerline, which keeps it in `<data dir>/uploads/<random>/` and offers it onward like
 * `file:send`. The request is the page's own (token, Host and Origin checked by the caller's rules); the name is
 * only ever a name (made portable, never a path), and the kept copy goes once the transfer has ended.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { portableSegment } from '../../shared/files/names';
import { AppError, fail, ok } from '../../shared/ipc/result';
import type { FilesFeature } from '../core/features/files/files';

export const UPLOAD_PATH = '/upload';
/** The header that carries the page's token (a header: a form elsewhere cannot set it). */
export const UPLOAD_TOKEN_HEADER = 'x-peerline-token';
const ENDED = new Set(['done', 'failed', 'cancelled', 'declined']);

export function uploads(files: FilesFeature, dir: string) {
  /** Transfers offered from an upload: their kept copy, removed once they end. */
  const kept = new Map<string, string>();
  files.on('updated', (view) => {
    const copy = kept.get(view.transfer);
    if (copy !== undefined && ENDED.has(view.status)) {
      kept.delete(view.transfer);
      void fs.rm(copy, { recursive: true, force: true });
    }
  });

  return async (request: http.IncomingMessage, response: http.ServerResponse, query: URLSearchParams): Promise<void> => {
    const answer = (body: unknown) => {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    const peer = query.get('peer');
    const name = query.get('name');
    if (!peer || !name) return answer(fail('invalid-request', 'An upload names its contact (peer) and its file (name).'));
    const folder = path.join(dir, randomBytes(12).toString('hex'));
    await fs.mkdir(folder, { recursive: true, mode: 0o700 });
    const file = path.join(folder, portableSegment(name));
    try {
      await pipeline(request, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
      const view = await files.send(peer, file);
      kept.set(view.transfer, folder);
      answer(ok(view));
    } catch (err) {
      await fs.rm(folder, { recursive: true, force: true });
      if (err instanceof AppError) return answer(fail(err.code, err.message));
      throw err;
    }
  };
}
