import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, startInteractiveCli, startJsonCli, stopAllClis } from '../helpers/cli';
import { cleanUp, tempDir } from '../helpers/peers';

beforeAll(assertCliBuilt);
afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

describe('groups in the interactive peerline', () => {
  it('/group new makes a group of contacts, lines go to it, /to picks it, a member\'s message shows with the group\'s name; /group promote, rename and status', async () => {
    const alice = await startInteractiveCli({ name: 'Alice', dataDir: await tempDir() });
    const bob = await startJsonCli({ name: 'Bob', dataDir: await tempDir() });
    alice.cli.send(`/connect 127.0.0.1:${bob.port}`);
    await alice.cli.waitForOutput(/connected: Bob/);
    alice.cli.send('/group new team Bob');
    await alice.cli.waitForOutput(/writing to the group team \(Alice \(admin\), Bob\)/);
    const joined = await bob.cli.waitFor('group-joined');
    expect(joined).toMatchObject({ name: 'team' });
    alice.cli.send('hello team');
    await bob.cli.waitFor((e) => e.event === 'group-message' && e.text === 'hello team' && e.name === 'Alice');
    await alice.cli.waitForOutput(/delivered to everyone in team \(1\/1\)/);
    bob.cli.send({ cmd: 'group-send', group: joined.group, text: 'hi \u001b[31mAlice' });
    // What a member writes cannot pass for Peerline's own lines: escapes are shown, not run.
    await alice.cli.waitForOutput(/\[team\] Bob: hi \\x1b\[31mAlice\n/);
    alice.cli.send('/to Bob');
    alice.cli.send('/to team');
    await alice.cli.waitForOutput(/writing to the group team/, { since: 0 });
    alice.cli.send('/groups');
    await alice.cli.waitForOutput(/ {2}team: Alice \(admin\), Bob online {2}<- current/);
    alice.cli.send('/group rename');
    await alice.cli.waitForOutput(/! \/group rename NAME/);
    alice.cli.send('/group promote Bob');
    await alice.cli.waitForOutput(/\* team: Alice \(admin\), Bob \(admin\)/);
    alice.cli.send('/group rename the crew');
    await alice.cli.waitForOutput(/\* the crew: Alice \(admin\), Bob \(admin\)/);
    await bob.cli.waitFor((e) => e.event === 'group-members' && e.group === joined.group && e.name === 'the crew');
    alice.cli.send('/group status');
    await alice.cli.waitForOutput(/\* the crew:\n {2}Bob: online\n {2}your last message: delivered 1\/1\n/);
    alice.cli.send('/group leave');
    await alice.cli.waitForOutput(/you left the crew/);
    await bob.cli.waitFor((e) => e.event === 'group-members' && Array.isArray(e.members) && e.members.length === 1);
  });
});
