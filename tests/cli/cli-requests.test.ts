import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_MAX_MESSAGES } from '../../electron/core/features/requests/quota';
import { assertCliBuilt, startJsonCli, stopAllClis } from '../helpers/cli';
import { cleanUp, tempDir } from '../helpers/peers';

beforeAll(assertCliBuilt);
afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

describe('message requests in peerline --json', () => {
  it('a stranger floods a bot without --accept-strangers: `request` events up to the quota; request-accept lets the rest in; block refuses', async () => {
    const bob = await startJsonCli({ name: 'Bob', dataDir: await tempDir(), requests: true });
    const mallory = await startJsonCli({ name: 'Mallory', dataDir: await tempDir() });
    mallory.cli.send({ cmd: 'connect', address: `127.0.0.1:${bob.port}` });
    await mallory.cli.waitFor('connected');
    const count = REQUEST_MAX_MESSAGES + 10;
    for (let i = 0; i < count; i++) mallory.cli.send({ cmd: 'send', peer: bob.id, text: `m${i}` });
    const last = await bob.cli.waitFor((e) => e.event === 'request' && e.messages === REQUEST_MAX_MESSAGES);
    expect(last).toMatchObject({ event: 'request', peer: mallory.id, name: 'Mallory', messages: REQUEST_MAX_MESSAGES });
    expect(typeof last.bytes).toBe('number');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bob.cli.events.filter((e) => e.event === 'message')).toHaveLength(REQUEST_MAX_MESSAGES);

    bob.cli.send({ cmd: 'request-accept', peer: mallory.id });
    await bob.cli.waitFor((e) => e.event === 'message' && e.text === `m${count - 1}`, { timeoutMs: 15_000 });
    expect(bob.cli.events.filter((e) => e.event === 'message')).toHaveLength(count);

    const before = mallory.cli.mark;
    bob.cli.send({ cmd: 'block', peer: mallory.id });
    await mallory.cli.waitFor((e) => e.event === 'disconnected' && e.peer === bob.id, { since: before });
    bob.cli.send({ cmd: 'contacts' });
    expect((await bob.cli.waitFor('contacts')).contacts).toEqual([]);
  });
});
