/** Who I am: the installation's identity and the name it goes by. */
import type { Identity } from '../../shared/ipc/contract';
import type { Result } from '../../shared/ipc/result';
import type { SliceCreator } from './types';

export interface IdentitySlice {
  identity: Identity | null;
  chooseName(name: string): Promise<Result<Identity>>;
}

export const identitySlice: SliceCreator<IdentitySlice> =
  ({ api }) =>
  (set) => ({
    identity: null,

    async chooseName(name) {
      const result = await api.identity.setName({ name });
      if (result.ok) {
        // The display name in the settings is the identity's name too.
        set((state) => ({
          identity: result.value,
          settings: state.settings === null ? null : { ...state.settings, displayName: result.value.name },
        }));
      }
      return result;
    },
  });
