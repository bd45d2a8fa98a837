import { createContext, useContext } from 'react';
import type { Actions } from '../state/actions';

export const ActionsContext = createContext<Actions | null>(null);

/** The backend actions of the running app (see state/actions.ts). */
export function useActions(): Actions {
  const actions = useContext(ActionsContext);
  if (actions === null) throw new Error('useActions outside <ActionsContext>');
  return actions;
}
