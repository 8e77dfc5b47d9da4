/**
 * What the REST server hands the GraphQL executor for one POST /graphql.
 * Owned by the REST simulator; the GraphQL helper implements `executeGraphql`
 * (src/graphql/index.ts) against it.
 */
import type { SimState, SimUser } from '../model.js';

export interface GraphqlContext {
  /** The live simulator state (mutate it in place; call markDirty afterwards). */
  state: SimState;
  /** The authenticated user; null never reaches the executor (anonymous GraphQL is a 401). */
  viewer: SimUser | null;
  /** The simulator's clock (state.clock based, advanced per write). */
  now(): Date;
  /** State changed: the server persists it before answering. */
  markDirty(): void;
  /** A fresh database id (advances state.nextId), for objects a mutation creates. */
  allocateId(): number;
  /** An ISO timestamp for a write (advances the simulator clock). */
  timestamp(): string;
  /** Base URL of the simulator's REST API (e.g. http://127.0.0.1:4321), for `url`/`resourcePath` fields. */
  apiUrl: string;
  /** The viewer's GraphQL budget before this request (the server charges `cost` afterwards). */
  rateLimit?: { limit: number; used: number; remaining: number; /** Epoch seconds. */ reset: number };
}
