import { createContext, useContext } from 'react';
import type { Schemas } from './api/client.ts';

export interface Session {
  me: Schemas['Me'];
  /** Editors and admins see the controls that write; viewers do not. */
  canEdit: boolean;
  isAdmin: boolean;
  refresh(): void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}
