import type { Reconnector } from '../../reconnector';
import type { ContactDirectory } from '../contacts/directory';
import type { FeatureContext } from '../context';
import type { PresenceBoard } from '../presence/presence';
import type { ConversationViews } from './views';

/**
 * What the features above the conversation views share, made once by the facade: who a session key speaks for
 * (directory), who is online (presence), the reconnector, and the views the UIs are told of.
 */
export interface ConversationContext extends FeatureContext {
  readonly directory: ContactDirectory;
  readonly presence: PresenceBoard;
  readonly reconnector: Reconnector;
  readonly views: ConversationViews;
}
