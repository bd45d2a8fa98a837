import { describe, expect, it } from 'vitest';
import { classifyDialError } from '../../electron/core/errors';

const failure = (code: string) => Object.assign(new Error(`${code}: something`), { code });

describe('the connection doctor: a failed dial in words, with what to try', () => {
  it.each([
    ['ECONNREFUSED', 'refused', /^Nobody is listening at 10\.0\.0\.2:8000\.$/],
    ['ETIMEDOUT', 'timeout', /did not answer in time: a firewall may be dropping the connection/],
    ['ENOTFOUND', 'not-found', /^The name in 10\.0\.0\.2:8000 was not found\.$/],
    ['EHOSTUNREACH', 'unreachable', /cannot be reached from this network/],
    ['PEER_NOT_FOUND', 'not-on-dht', /is not on the DHT: the contact is offline, or has "Reachable over the internet by my key" turned off\. Ask them to turn it on/],
    ['PEER_CONNECTION_FAILED', 'not-on-dht', /is not on the DHT/],
    ['HOLEPUNCH_DOUBLE_RANDOMIZED_NATS', 'unpunchable', /behind NATs that cannot be punched through: a relay is needed\. Set a DHT relay \(Settings, or --dht-relay KEY.*there is none by default\)/],
    ['CANNOT_HOLEPUNCH', 'unpunchable', /cannot be punched through/],
    ['HOLEPUNCH_PROBE_TIMEOUT', 'unpunchable', /try from another network/],
    ['RELAY_ABORTED', 'unpunchable', /the relay did not pair the two of you within 15 s/],
    ['SERVER_INCOMPATIBLE', 'handshake', /the DHT's handshake with it failed \(SERVER_INCOMPATIBLE\)/],
  ])('%s → %s', (code, kind, sentence) => {
    const error = classifyDialError(failure(code), '10.0.0.2:8000');
    expect(error.code).toBe(kind);
    expect(error.message).toMatch(sentence);
  });

  it('with a relay set, NATs that cannot be punched are not told to set one: the relay failed too', () => {
    const error = classifyDialError(failure('HOLEPUNCH_ABORTED'), 'the key 0123456789ab…', true);
    expect(error).toMatchObject({ code: 'unpunchable', message: /and the relay did not carry the connection either\. Check that the relay is running/ });
    expect(error.message).not.toMatch(/Set a DHT relay/);
  });

  it('an error it does not know still says what happened, never throws', () => {
    expect(classifyDialError(failure('EWHATEVER'), 'the key 0123456789ab…')).toMatchObject({ code: 'closed', message: /Could not connect to the key 0123456789ab…: EWHATEVER: something\./ });
    expect(classifyDialError(undefined, 'x:1')).toMatchObject({ code: 'closed', message: 'Could not connect to x:1: unknown error.' });
  });
});
