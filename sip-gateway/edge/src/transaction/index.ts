/** RFC 3261 §17 transaction layer (+ RFC 6026). See README.md. */
export { FakeClock, systemClock, type Clock, type TimerHandle } from './clock.js';
export { DEFAULT_SIP_TIMERS, deriveTimers, resolveSipTimers, type DerivedTimers, type SipTimers, type TransportKind } from './timers.js';
export type {
  ClientHandlers,
  ClientTransaction,
  ClientTransactionState,
  SendFn,
  ServerTransaction,
  ServerTransactionState,
  TransportAddress,
} from './base.js';
export { newBranch } from './keys.js';
export {
  TransactionManager,
  type HandleRequestResult,
  type HandleResponseResult,
  type TransactionManagerOptions,
} from './manager.js';
export { Uas2xxRetransmitter, type Uas2xxRetransmitterOptions } from './uas-2xx-retransmitter.js';
