/**
 * Section 9 of `npm run bench` (alone: `node out/bench/bench.js groups`): group chat. Whole AppServices (store on
 * disk, every envelope signed, checked and stored before it is passed on), all in this thread on 127.0.0.1:
 *  - a line of 10 (each connected to its neighbours): send at one end → shown at the other, p95;
 *  - a full mesh of 20: send → shown on all 19 others, p95;
 *  - a partition: two meshes of 10, 1,000 messages written on each side, then 10 links between the halves:
 *    time until all 20 hold all 2,000;
 *  - catch-up: a member that was away gets 5,000 messages from one member (verified and stored);
 *  - 10,000 forged envelopes from a rogue member, and a 1:1 round trip (message:send → delivered) meanwhile.
 * Baseline, same run: the 1:1 round trip between two apps of this section on idle sessions, and, for the
 * catch-up, the engine alone verifying the same 5,000 envelopes without a network or a store.
 * Everything in one thread shares one core: a figure includes every peer's work.
 */
import { AppService } from '../../electron/core/app-service';
import { GROUP_CHANNEL } from '../../electron/core/features/groups/codec';
import { newSigner, sodiumGroupCrypto } from '../../electron/core/features/groups/crypto';
import { GroupEngine } from '../../electron/core/features/groups/engine/engine';
import { encodeCarried, sealEnvelope } from '../../electron/core/features/groups/engine/envelope';
import { sessionKey } from '../../shared/ids';
import type { EventPayload } from '../../shared/ipc/contract';
import { cleanUp, onCleanUp, startPeer, tempDir } from '../helpers/peers';
import { int, mergeJson, ms, ratio, renderTable, type Row } from './report';
import { nowMs, summarize, withTimeout } from './stats';

const HOST = '127.0.0.1';
const TEMP_PREFIX = 'peerline-group-bench-';
const MESH_CONNECTIONS_PER_ADDRESS = 64;

export const GROUP_BENCH = {
  line: { peers: 10, messages: 60 },
  mesh: { peers: 20, messages: 40 },
  partition: { perSide: 10, messagesPerSide: 1_000 },
  catchUp: { messages: 5_000 },
  forged: { envelopes: 10_000, batch: 200, roundTrips: 200 },
  baselineRoundTrips: 200,
  stepTimeoutMs: 400_000,
  watchdogMs: 1_500_000,
};

const TARGETS = { lineP95Ms: 300, meshP95Ms: 150, partitionS: 5, catchUpS: 3, rttP50Ms: 1 };

interface GroupApp {
  service: AppService;
  id: string;
  port: number;
  /** Resolves when this app shows the group message with this text. */
  shown(text: string): Promise<number>;
  /** How many group messages it has shown. */
  count(): number;
  /** Resolves when a 1:1 message of ours turns delivered. */
  delivered(id: string): Promise<number>;
  groupId(): Promise<string>;
}

async function openApp(name: string): Promise<GroupApp> {
  const dataDir = await tempDir(TEMP_PREFIX);
  // Every peer dials from 127.0.0.1: a mesh of 20 needs more than the default connections per address.
  const limits = { maxConnectionsPerAddress: MESH_CONNECTIONS_PER_ADDRESS };
  // The topology is the bench's (a line, meshes, a partition): members do not dial each other from their records.
  const service = await AppService.open({ dataDir, appVersion: 'bench', host: HOST, port: 0, name, limits, requests: { acceptStrangers: true }, groupLinks: 0 });
  onCleanUp(() => service.close());
  const waiters = new Map<string, (at: number) => void>();
  const shownTexts = new Map<string, number>();
  const deliveredIds = new Map<string, number>();
  let joined: ((group: string) => void) | null = null;
  let joinedGroup: string | null = null;
  let count = 0;
  service.subscribe((event, payload) => {
    const at = nowMs();
    if (event === 'group:message-received') {
      const { text } = payload as EventPayload<'group:message-received'>;
      count++;
      shownTexts.set(text, at);
      waiters.get(`g:${text}`)?.(at);
    } else if (event === 'message:status-changed') {
      const change = payload as EventPayload<'message:status-changed'>;
      if (change.status !== 'delivered') return;
      deliveredIds.set(change.id, at);
      waiters.get(`d:${change.id}`)?.(at);
    } else if (event === 'group:joined') {
      joinedGroup = (payload as EventPayload<'group:joined'>).group;
      joined?.(joinedGroup);
    }
  });
  const wait = (key: string, known: Map<string, number>, value: string) =>
    known.has(value) ? Promise.resolve(known.get(value)!) : new Promise<number>((resolve) => waiters.set(key, resolve));
  return {
    service,
    id: service.node.id,
    port: service.node.port,
    shown: (text) => wait(`g:${text}`, shownTexts, text),
    count: () => count,
    delivered: (id) => wait(`d:${id}`, deliveredIds, id),
    groupId: () => (joinedGroup !== null ? Promise.resolve(joinedGroup) : new Promise((resolve) => (joined = resolve))),
  };
}

async function openApps(count: number, prefix: string): Promise<GroupApp[]> {
  const apps: GroupApp[] = [];
  for (let i = 0; i < count; i++) apps.push(await openApp(`${prefix}${i}`));
  return apps;
}

async function connect(from: GroupApp, to: GroupApp): Promise<void> {
  await from.service.handlers['peer:connect']({ host: HOST, port: to.port, mode: 'secure' });
}

async function createGroup(creator: GroupApp, members: GroupApp[], name: string): Promise<string> {
  const group = await creator.service.handlers['group:create']({ name, members: members.map((m) => m.id) });
  await Promise.all(members.map((m) => m.groupId()));
  return group.id;
}

async function send(app: GroupApp, group: string, text: string): Promise<number> {
  const at = nowMs();
  await app.service.handlers['group:send']({ group, text });
  return at;
}

/** Sends `count` messages one at a time from `from`; each sample is send → shown on every one of `to`. */
async function spread(from: GroupApp, to: GroupApp[], group: string, count: number, label: string): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const text = `${label} ${i}`;
    const everywhere = Promise.all(to.map((app) => app.shown(text)));
    const at = await send(from, group, text);
    const times = await withTimeout(everywhere, 20_000, `${label} ${i} reaching everyone`);
    samples.push(Math.max(...times) - at);
  }
  return samples;
}

async function roundTrips(from: GroupApp, to: GroupApp, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = nowMs();
    const message = await from.service.handlers['message:send']({ peer: to.id, text: `ping ${i}` });
    samples.push((await withTimeout(from.delivered(message.id), 10_000, 'a 1:1 round trip')) - at);
  }
  return samples;
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = nowMs() + timeoutMs;
  while (!condition()) {
    if (nowMs() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The scenarios, in the order they run; `only` picks some (catch-up includes the forged flood, which reuses its apps). */
const SCENARIOS = ['line', 'mesh', 'partition', 'catch-up'] as const;

export async function runGroupSection(opts: { quick: boolean; progress(text: string): void; outFile: string; only?: string[] }): Promise<void> {
  const unknown = opts.only?.filter((name) => !(SCENARIOS as readonly string[]).includes(name)) ?? [];
  if (unknown.length > 0) throw new Error(`--groups-only takes ${SCENARIOS.join(', ')}, not ${unknown.join(', ')}`);
  const runs = (scenario: (typeof SCENARIOS)[number]) => opts.only === undefined || opts.only.includes(scenario);
  const config = opts.quick
    ? { ...GROUP_BENCH, line: { peers: 10, messages: 10 }, mesh: { peers: 20, messages: 5 }, partition: { perSide: 10, messagesPerSide: 100 }, catchUp: { messages: 500 }, forged: { ...GROUP_BENCH.forged, envelopes: 1_000, roundTrips: 50 } }
    : GROUP_BENCH;
  const watchdog = setTimeout(() => {
    console.error(`\nSection 9 (groups) did not finish within ${config.watchdogMs / 1000} s: stopped.`);
    process.exit(1);
  }, config.watchdogMs);
  watchdog.unref();
  const step = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
    const begun = nowMs();
    const result = await withTimeout(run(), config.stepTimeoutMs, label);
    opts.progress(`${label} (${((nowMs() - begun) / 1000).toFixed(1)} s)`);
    return result;
  };
  const rows: Row[] = [];
  const json: Record<string, unknown> = {};
  const section = '9. Groups (whole apps, one thread)';
  try {
    // Baseline: the 1:1 round trip between two of these apps, idle.
    const [ping, pong] = await openApps(2, 'rtt');
    await connect(ping!, pong!);
    await roundTrips(ping!, pong!, 20);
    const baseline = summarize(await step(`groups: 1:1 round trip ×${config.baselineRoundTrips} (baseline)`, () => roundTrips(ping!, pong!, config.baselineRoundTrips)));
    json.baselineRoundTrip = baseline;

    // A line of 10.
    if (runs('line')) {
      const line = await step(`groups: line of ${config.line.peers} opened`, () => openApps(config.line.peers, 'line'));
      for (let i = 0; i + 1 < line.length; i++) await connect(line[i]!, line[i + 1]!);
      const lineGroup = await step('groups: line group joined along the line', () => createGroup(line[0]!, line.slice(1), 'line'));
      const lineSamples = summarize(await step(`groups: line, ${config.line.messages} messages end to end`, () => spread(line[0]!, [line.at(-1)!], lineGroup, config.line.messages, 'line')));
      json.line = lineSamples;
      rows.push({ section, label: `line of ${config.line.peers}: one end → the other, p95`, figure: ms(lineSamples.p95), baseline: `1:1 RTT p95 ${ms(baseline.p95)}`, ratio: ratio(lineSamples.p95 / baseline.p95), target: { text: `≤ ${TARGETS.lineP95Ms} ms`, met: lineSamples.p95 <= TARGETS.lineP95Ms } });
      for (const app of line) await app.service.close();
    }

    // A full mesh of 20.
    if (runs('mesh')) {
      const mesh = await step(`groups: mesh of ${config.mesh.peers} opened`, () => openApps(config.mesh.peers, 'mesh'));
      for (let i = 0; i < mesh.length; i++) for (let j = i + 1; j < mesh.length; j++) await connect(mesh[i]!, mesh[j]!);
      const meshGroup = await step('groups: mesh group joined', () => createGroup(mesh[0]!, mesh.slice(1), 'mesh'));
      const meshSamples = summarize(await step(`groups: mesh, ${config.mesh.messages} messages to all`, () => spread(mesh[0]!, mesh.slice(1), meshGroup, config.mesh.messages, 'mesh')));
      json.mesh = meshSamples;
      rows.push({ section, label: `full mesh of ${config.mesh.peers}: send → all have it, p95`, figure: ms(meshSamples.p95), baseline: `1:1 RTT p95 ${ms(baseline.p95)}`, ratio: ratio(meshSamples.p95 / baseline.p95), target: { text: `≤ ${TARGETS.meshP95Ms} ms`, met: meshSamples.p95 <= TARGETS.meshP95Ms } });
      for (const app of mesh) await app.service.close();
    }

    // A partition healing: two meshes of 10 write 1,000 each, then meet.
    if (runs('partition')) {
      const { perSide, messagesPerSide } = config.partition;
      // An app shows every message but its own; each writes every perSide-th of its side's.
      const ownShare = Math.ceil(messagesPerSide / perSide);
      const sides = [await openApps(perSide, 'left'), await openApps(perSide, 'right')] as const;
      const everyone = [...sides[0], ...sides[1]];
      // Everyone meets once to form the group, then the halves split.
      for (const app of everyone.slice(1)) await connect(app, everyone[0]!);
      const splitGroup = await step('groups: 20 members joined', () => createGroup(everyone[0]!, everyone.slice(1), 'split'));
      for (const app of everyone.slice(perSide)) await everyone[0]!.service.handlers['peer:disconnect']({ peer: app.id });
      for (const side of sides) for (let i = 0; i < side.length; i++) for (let j = i + 1; j < side.length; j++) await connect(side[i]!, side[j]!);
      await step(`groups: ${messagesPerSide} messages written on each side, apart`, async () => {
        for (let i = 0; i < messagesPerSide; i++) {
          await Promise.all(sides.map((side, s) => side[i % perSide]!.service.handlers['group:send']({ group: splitGroup, text: `side ${s} ${i}` })));
        }
        await until(() => everyone.every((app) => app.count() >= messagesPerSide - ownShare), 60_000, 'each side converged within itself');
      });
      const healStart = nowMs();
      // The links come up together: one that times out while the others already sync is dialed again by its
      // reconnector, and one link is enough for both halves to converge.
      const links = await Promise.allSettled(sides[0].map((app, i) => connect(app, sides[1][i]!)));
      const linked = links.filter((link) => link.status === 'fulfilled').length;
      await step('groups: the halves met and converged', () => until(() => everyone.every((app) => app.count() >= 2 * messagesPerSide - ownShare), 60_000, 'all 20 converged'));
      const healSeconds = (nowMs() - healStart) / 1000;
      const histories = await Promise.all(everyone.map((app) => app.service.handlers['group:history']({ group: splitGroup, limit: 500 })));
      const sameTail = histories.every((h) => JSON.stringify(h.messages.map((m) => m.id)) === JSON.stringify(histories[0]!.messages.map((m) => m.id)));
      json.partition = { seconds: healSeconds, sameOrder: sameTail, linksUp: linked };
      rows.push({ section, label: `partition ${perSide}/${perSide}, ${int(messagesPerSide)} written on each side: all converged after the heal`, figure: `${healSeconds.toFixed(2)} s`, target: { text: `≤ ${TARGETS.partitionS} s`, met: healSeconds <= TARGETS.partitionS }, note: `${linked} of ${perSide} links came up at once; the newest 500 in the same order on all 20: ${sameTail ? 'yes' : 'NO'}` });
      for (const app of everyone) await app.service.close();
    }

    // Catch-up of 5,000 messages from one member.
    if (runs('catch-up')) {
      const [author, away] = await openApps(2, 'catch');
      await connect(away!, author!);
      const catchGroup = await createGroup(author!, [away!], 'catch-up');
      await away!.service.handlers['peer:disconnect']({ peer: author!.id });
      await step(`groups: ${config.catchUp.messages} written while a member is away`, async () => {
        for (let i = 0; i < config.catchUp.messages; i++) await author!.service.handlers['group:send']({ group: catchGroup, text: `catch ${i} ${'x'.repeat(80)}` });
      });
      const before = away!.count();
      const catchStart = nowMs();
      await connect(away!, author!);
      await step('groups: the member caught up', () => until(() => away!.count() - before >= config.catchUp.messages, 60_000, 'caught up'));
      const catchSeconds = (nowMs() - catchStart) / 1000;
      // Baseline: the engine alone verifying the same envelopes (no network, no store).
      const engineSeconds = await engineCatchUp(config.catchUp.messages);
      json.catchUp = { seconds: catchSeconds, engineOnlySeconds: engineSeconds };
      rows.push({ section, label: `catch-up of ${int(config.catchUp.messages)} messages from one member (verify + store)`, figure: `${catchSeconds.toFixed(2)} s`, baseline: `engine alone ${engineSeconds.toFixed(2)} s`, ratio: ratio(catchSeconds / engineSeconds), target: { text: `≤ ${TARGETS.catchUpS} s`, met: catchSeconds <= TARGETS.catchUpS } });

      // 10,000 forged envelopes from a rogue member while two contacts chat.
      const victim = author!;
      const friend = away!;
      const rogue = await startPeer('rogue');
      rogue.channel(GROUP_CHANNEL, { message: () => {} });
      await victim.service.handlers['group:add']({ group: catchGroup, member: rogue.id, role: 'member' });
      await rogue.connect(HOST, victim.port);
      const session = rogue.session(sessionKey(victim.id), GROUP_CHANNEL)!;
      const sizeBefore = (await victim.service.handlers['group:history']({ group: catchGroup, limit: 500 })).messages.length;
      const rogueSigner = { publicKey: Buffer.from(rogue.id, 'hex'), sign: () => new Uint8Array(64) };
      const forged: Uint8Array[] = [];
      for (let i = 0; i < config.forged.envelopes; i++) {
        forged.push(encodeCarried(sealEnvelope({ group: catchGroup, seq: 1 + (i % 50), prev: i % 50 === 0 ? null : catchGroup, clock: { ms: Date.now(), counter: i % 60_000 }, parents: [catchGroup] }, { kind: 'text', text: `forged ${i}` }, rogueSigner, sodiumGroupCrypto), true));
    }
    let flooding = true;
    const flood = (async () => {
      for (let i = 0; i < forged.length && flooding; i += config.forged.batch) {
        await session.sendBulk({ type: 'envelopes', group: catchGroup, items: forged.slice(i, i + config.forged.batch) });
      }
    })();
    const underFlood = summarize(await step(`groups: 1:1 round trips during ${int(config.forged.envelopes)} forged envelopes`, () => roundTrips(friend!, victim, config.forged.roundTrips)));
    await step('groups: the flood sent', () => flood);
    flooding = false;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sizeAfter = (await victim.service.handlers['group:history']({ group: catchGroup, limit: 500 })).messages.length;
    const accepted = sizeAfter - sizeBefore;
    json.forged = { envelopes: config.forged.envelopes, accepted, roundTrip: underFlood };
    rows.push({ section, label: `${int(config.forged.envelopes)} forged envelopes from a rogue member: accepted`, figure: int(accepted), target: { text: '0', met: accepted === 0 } });
    rows.push({ section, label: '  1:1 round trip meanwhile (message:send → delivered), p50', figure: ms(underFlood.p50), baseline: ms(baseline.p50), ratio: ratio(underFlood.p50 / baseline.p50), target: { text: `≤ ${TARGETS.rttP50Ms} ms`, met: underFlood.p50 <= TARGETS.rttP50Ms } });
    }
  } finally {
    await withTimeout(cleanUp(), 30_000, 'closing the group apps').catch((err: unknown) => console.error(`groups: closing failed: ${String(err)}`));
    clearTimeout(watchdog);
  }
  console.log('');
  console.log(renderTable(rows));
  console.log('');
  console.log('Group setup: every app is a whole AppService with its store on disk (LevelDB, synced writes), all in this one thread');
  console.log('over 127.0.0.1 TCP: a figure is the work of every peer on one core. The 1:1 round trip is message:send → delivered (stored at');
  console.log('both ends). The engine-alone baseline verifies and orders the same envelopes in memory.');
  await mergeJson(opts.outFile, 'groups', { date: new Date().toISOString(), ...json }, rows);
  console.log(`Group results: ${opts.outFile} (groups)`);
}

/** The engine alone: 5,000 envelopes by one author, each signed, then verified and accepted by a fresh engine. */
async function engineCatchUp(count: number): Promise<number> {
  const signer = newSigner();
  const { engine } = GroupEngine.create('bench', signer, sodiumGroupCrypto, Date.now);
  const carried: Uint8Array[] = [];
  for (let i = 0; i < count; i++) carried.push(encodeCarried(engine.writeText(`catch ${i} ${'x'.repeat(80)}`, signer).envelope, true));
  const genesis = engine.carried(engine.groupId, toHexKey(signer.publicKey))!.bytes;
  const start = nowMs();
  const fresh = new GroupEngine(engine.groupId, sodiumGroupCrypto, Date.now);
  fresh.receive(genesis);
  for (const bytes of carried) fresh.receive(bytes);
  if (fresh.size !== count + 1) throw new Error(`the engine accepted ${fresh.size} of ${count + 1}`);
  return (nowMs() - start) / 1000;
}

function toHexKey(key: Uint8Array): string {
  return Buffer.from(key).toString('hex');
}
