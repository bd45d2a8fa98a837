import { mkdir } from 'node:fs/promises';
import type { ContractHandlers, Identity, NodeStatus, Settings } from '../../../../shared/ipc/contract';
import { AppError } from '../../../../shared/ipc/result';
import type { FeatureContext } from '../context';
import type { NearbySettings } from '../discovery/discovery';
import { rethrowForPeople } from '../refusals';

type SettingsHandlers = Pick<ContractHandlers, 'identity:get' | 'identity:set-name' | 'node:status' | 'settings:get' | 'settings:set'>;

/**
 * Who we are and how the node runs: the display name, the listening port, plain-text peers allowed or not, read
 * receipts, reachable over the internet by key (the DHT) and its relay. Settings live in the store; a change takes effect on the node first, so a refused one stores nothing.
 */
export class SettingsFeature {
  readonly handlers: SettingsHandlers;

  constructor(
    private readonly ctx: FeatureContext,
    /** The name comes from the command line for this run (`--name`), not from the settings. */
    private readonly nameOverridden: boolean,
    /** What went wrong while opening (a damaged file set aside), in sentences for the person. */
    private readonly startupNotices: readonly string[],
    /** The nearby switches and probe list: the discovery feature's to apply. */
    private readonly nearby: { settings(): NearbySettings; settingsChanged(change: Partial<Settings>): void },
    /** Where received files go: the files feature's to say (a `--download-dir` of this run comes before the setting). */
    private readonly files: { readonly downloadDir: string },
  ) {
    this.handlers = {
      'identity:get': async () => this.identity(),
      'identity:set-name': async ({ name }) => {
        await this.change({ displayName: name });
        return this.identity();
      },
      'node:status': async () => this.nodeStatus(),
      'settings:get': async () => this.current(),
      'settings:set': async (change) => {
        await this.change(change);
        return this.current();
      },
    };
  }

  private identity(): Identity {
    const { node, store } = this.ctx;
    const { id, fingerprint } = node.identity;
    return { id, fingerprint, name: node.displayName, nameChosen: this.nameOverridden || store.settings().displayName !== undefined };
  }

  private nodeStatus(): NodeStatus {
    const { node } = this.ctx;
    return {
      listening: node.listening,
      host: node.listeningHost,
      port: node.port,
      addresses: node.dialableAddresses(),
      allowPlain: node.allowsPlain,
      notices: [...this.startupNotices],
    };
  }

  private current(): Settings {
    const { node, store } = this.ctx;
    const stored = store.settings();
    return {
      displayName: node.displayName,
      port: node.port,
      allowPlain: node.allowsPlain,
      readReceipts: stored.readReceipts ?? false,
      reachableByKey: node.reachableByKey,
      ...this.nearby.settings(),
      notifications: stored.notifications ?? 'name-and-message',
      // Windows has a tray people expect an app to live in; on Linux a tray may not show, so it is asked for.
      closeToTray: stored.closeToTray ?? process.platform === 'win32',
      startAtLogin: stored.startAtLogin ?? false,
      downloadDir: this.files.downloadDir,
      dhtRelay: node.dhtRelayKey ?? '',
    };
  }

  private async change(change: Partial<Settings>): Promise<void> {
    const { node, store, events } = this.ctx;
    if (change.displayName !== undefined) {
      try {
        node.setName(change.displayName);
      } catch (err) {
        rethrowForPeople(err);
      }
    }
    if (change.allowPlain !== undefined) node.setAllowPlain(change.allowPlain);
    if (change.port !== undefined) {
      try {
        await node.relisten(change.port);
      } catch (err) {
        throw new AppError('listen-failed', (err as Error).message);
      }
    }
    if (change.reachableByKey !== undefined) {
      try {
        await node.setReachableByKey(change.reachableByKey);
      } catch (err) {
        throw new AppError('listen-failed', (err as Error).message);
      }
    }
    if (change.downloadDir !== undefined) {
      // Made now, so a folder that cannot be is told at once rather than at the first offer accepted.
      await mkdir(change.downloadDir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
        throw new AppError('invalid-request', `Peerline cannot use ${change.downloadDir} for received files: ${(err as Error).message}`);
      });
    }
    if (change.dhtRelay !== undefined) {
      const relay = change.dhtRelay.toLowerCase();
      change = { ...change, dhtRelay: relay };
      try {
        await node.setDhtRelay(relay === '' ? null : Buffer.from(relay, 'hex'));
      } catch (err) {
        throw new AppError('listen-failed', (err as Error).message);
      }
    }
    await store.updateSettings(change);
    this.nearby.settingsChanged(change);
    if (change.port !== undefined || change.allowPlain !== undefined) events.emit('node:updated', this.nodeStatus());
    events.emit('settings:updated', this.current());
  }
}
