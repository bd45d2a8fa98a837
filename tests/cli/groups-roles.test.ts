import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, connectJsonCli, startJsonCli, stopAllClis, type CliProcess } from '../helpers/cli';
import { cleanUp, tempDir } from '../helpers/peers';

beforeAll(assertCliBuilt);
afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

type Members = Array<{ id: string; name: string; role: string }>;

async function failureOf(cli: CliProcess, command: Record<string, unknown>): Promise<string> {
  const mark = cli.mark;
  cli.send(command);
  return String((await cli.waitFor((e) => e.event === 'error' && e.cmd === command.cmd, { since: mark })).message);
}

describe('group roles and names over peerline --json', () => {
  it('an admin promotes a member, who then renames the group; every member sees the roles and the name; bad commands are refused with a sentence', async () => {
    const alice = await startJsonCli({ name: 'Alice', dataDir: await tempDir() });
    const bob = await startJsonCli({ name: 'Bob', dataDir: await tempDir() });
    const carol = await startJsonCli({ name: 'Carol', dataDir: await tempDir() });
    for (const peer of [bob, carol]) await connectJsonCli(peer.cli, alice);
    alice.cli.send({ cmd: 'group-create', name: 'team', members: [bob.id, carol.id] });
    const group = (await alice.cli.waitFor('group-created')).group as string;
    await Promise.all([bob, carol].map((peer) => peer.cli.waitFor((e) => e.event === 'group-joined' && e.group === group, { timeoutMs: 15_000 })));

    // Bob is no admin yet: he may not rename, nor promote Carol.
    expect(await failureOf(bob.cli, { cmd: 'group-rename', group, name: 'mine now' })).toMatch(/only an admin renames/);
    expect(await failureOf(bob.cli, { cmd: 'group-promote', group, member: carol.id })).toMatch(/only an admin promotes/);
    // Hostile or mistaken input: each gets a sentence, nothing changes.
    expect(await failureOf(alice.cli, { cmd: 'group-promote', group })).toMatch(/needs the string field "member"/);
    expect(await failureOf(alice.cli, { cmd: 'group-rename', group, name: 42 })).toMatch(/needs the string field "name"/);
    expect(await failureOf(alice.cli, { cmd: 'group-rename', group, name: 'x'.repeat(200) })).toMatch(/at most 128 bytes/);
    expect(await failureOf(alice.cli, { cmd: 'group-rename', group, name: '   ' })).toMatch(/cannot be empty/);
    expect(await failureOf(alice.cli, { cmd: 'group-promote', group, member: 'ab'.repeat(32) })).toMatch(/not a member who could become admin/);
    expect(await failureOf(alice.cli, { cmd: 'group-promote', group: 'cd'.repeat(32), member: bob.id })).toMatch(/no group with that id/);

    alice.cli.send({ cmd: 'group-promote', group, member: bob.id });
    const isAdmin = (members: Members, id: string) => members.some((m) => m.id === id && m.role === 'admin');
    await Promise.all([alice, bob, carol].map((peer) =>
      peer.cli.waitFor((e) => e.event === 'group-members' && e.group === group && isAdmin(e.members as Members, bob.id), { timeoutMs: 15_000 })));
    expect(await failureOf(alice.cli, { cmd: 'group-promote', group, member: bob.id })).toMatch(/not a member who could become admin/);

    bob.cli.send({ cmd: 'group-rename', group, name: 'squad' });
    await Promise.all([alice, bob, carol].map((peer) =>
      peer.cli.waitFor((e) => e.event === 'group-members' && e.group === group && e.name === 'squad', { timeoutMs: 15_000 })));
    carol.cli.send({ cmd: 'groups' });
    const listed = (await carol.cli.waitFor('groups')).groups as Array<{ id: string; name: string; members: Members }>;
    const seen = listed.find((g) => g.id === group)!;
    expect(seen.name).toBe('squad');
    expect(seen.members.filter((m) => m.role === 'admin').map((m) => m.id).sort()).toEqual([alice.id, bob.id].sort());
  });
});
